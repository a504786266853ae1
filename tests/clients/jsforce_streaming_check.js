// Drives jsforce's Streaming API client (CometD over long polling), unchanged, against a
// running sflab mock org: a platform event subscriber with the replay extension, then a
// Change Data Capture subscriber. Reads SF_INSTANCE_URL and SF_ACCESS_TOKEN
// (NODE_EXTRA_CA_CERTS trusts the org's CA). Prints one line per check; exits 1 on failure.
'use strict';
const jsforce = require('jsforce');
const { StreamingExtension } = require('jsforce/api/streaming');

function check(name, cond, detail) {
  if (!cond) {
    console.error(`FAILED ${name}: ${JSON.stringify(detail)}`);
    process.exit(1);
  }
  console.log(`ok ${name}`);
}

function firstMessage(conn, channel, replayId, trigger) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message on ${channel} within 20 s`)), 20000);
    const replay = new StreamingExtension.Replay(channel, replayId);
    const client = conn.streaming.createClient([replay]);
    const sub = client.subscribe(channel, (msg) => {
      clearTimeout(timer);
      sub.cancel();
      client.disconnect();
      resolve(msg);
    });
    sub.then(() => trigger && trigger()).catch(reject);
  });
}

async function main() {
  const conn = new jsforce.Connection({
    instanceUrl: process.env.SF_INSTANCE_URL,
    accessToken: process.env.SF_ACCESS_TOKEN,
    version: '62.0',
  });
  const publish = (n) =>
    conn.sobject('OrderShipped__e').create({ Order_Number__c: n, Carrier__c: 'UPS' });

  const res = await publish('SO-100');
  check('REST publish answers success', res.success === true, res);

  // -2: every retained event, so the one published before subscribing arrives.
  const msg = await firstMessage(conn, '/event/OrderShipped__e', -2);
  check('replay -2 delivers a retained platform event', msg.payload.Order_Number__c === 'SO-100', msg);
  check('the event carries its replay id', typeof msg.event.replayId === 'number', msg);
  const stored = msg.event.replayId;

  // Resume from the stored replay id: only the newer event arrives.
  await publish('SO-101');
  const next = await firstMessage(conn, '/event/OrderShipped__e', stored);
  check('a stored replay id resumes after it', next.payload.Order_Number__c === 'SO-101', next);

  // Change Data Capture with -1: only what happens after subscribing.
  const change = await firstMessage(conn, '/data/ContactChangeEvent', -1, () =>
    conn.sobject('Contact').create({ LastName: 'Streaming' }));
  const h = change.payload.ChangeEventHeader;
  check('a change event arrives with its header', h.entityName === 'Contact' && h.changeType === 'CREATE', h);
  check('the change event carries the new values (the name nested under Name)', change.payload.Name && change.payload.Name.LastName === 'Streaming', change.payload);
  console.log('all streaming checks passed');
}

main().catch((e) => {
  console.error(`FAILED: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
