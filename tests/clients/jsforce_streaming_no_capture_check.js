// Drives jsforce's Streaming API client, unchanged, against a running sflab mock org in which
// Change Data Capture is selected for no object. /data/ChangeEvents is a standard channel every
// org has: the subscription succeeds and, with nothing selected, carries no event. A
// single-object channel of an unselected object is refused with the reason.
// Reads SF_INSTANCE_URL and SF_ACCESS_TOKEN (NODE_EXTRA_CA_CERTS trusts the org's CA). Prints
// one line per check; exits 1 on failure.
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

// Subscribes with replay -1; resolves with { subscribed, error, messages } once `quietMs` has
// passed after `afterSubscribe` (or at once when the subscription is refused).
function listen(conn, channel, afterSubscribe, quietMs) {
  return new Promise((resolve) => {
    const messages = [];
    const client = conn.streaming.createClient([new StreamingExtension.Replay(channel, -1)]);
    const sub = client.subscribe(channel, (msg) => messages.push(msg));
    const done = (outcome) => {
      client.disconnect();
      resolve({ ...outcome, messages });
    };
    sub.then(
      async () => {
        await afterSubscribe();
        setTimeout(() => done({ subscribed: true }), quietMs);
      },
      (e) => done({ subscribed: false, error: String((e && e.message) || e) }),
    );
  });
}

async function main() {
  const conn = new jsforce.Connection({
    instanceUrl: process.env.SF_INSTANCE_URL,
    accessToken: process.env.SF_ACCESS_TOKEN,
    version: '62.0',
  });
  const all = await listen(conn, '/data/ChangeEvents', () => conn.sobject('Contact').create({ LastName: 'Quiet' }), 1500);
  check('/data/ChangeEvents can be subscribed with no object selected', all.subscribed === true, all);
  check('with no object selected it carries no change event', all.messages.length === 0, all.messages);

  const one = await listen(conn, '/data/ContactChangeEvent', async () => {}, 0);
  check('an unselected object channel is refused', one.subscribed === false, one);
  check('the refusal says no object is selected', /not selected for Contact/.test(one.error), one.error);
  console.log('all no-capture streaming checks passed');
}

main().catch((e) => {
  console.error(`FAILED: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
