// Drives jsforce's SOAP support, unchanged, against a running sflab mock org: SOAP login
// (conn.login without OAuth client credentials), then the SOAP API (conn.soap) and REST with
// the SOAP session id. Reads SF_INSTANCE_URL, SF_USERNAME, SF_PASSWORD (NODE_EXTRA_CA_CERTS
// trusts the org's CA). Prints one line per check; exits 1 on the first wrong answer.
'use strict';
const jsforce = require('jsforce');

function check(name, cond, detail) {
  if (!cond) {
    console.error(`FAILED ${name}: ${JSON.stringify(detail)}`);
    process.exit(1);
  }
  console.log(`ok ${name}`);
}

async function main() {
  const url = process.env.SF_INSTANCE_URL;
  const bad = new jsforce.Connection({ loginUrl: url, version: '59.0' });
  let refused = null;
  try {
    await bad.login(process.env.SF_USERNAME, 'wrong-password');
  } catch (e) {
    refused = e;
  }
  check('a wrong password is refused with INVALID_LOGIN', refused && /INVALID_LOGIN/.test(String(refused.message)), String(refused));

  const conn = new jsforce.Connection({ loginUrl: url, version: '59.0' });
  const info = await conn.login(process.env.SF_USERNAME, process.env.SF_PASSWORD);
  check('login returns the user and org ids', info.id.startsWith('005') && info.organizationId.startsWith('00D'), info);
  check('the instance URL comes from serverUrl', conn.instanceUrl.replace(/\/$/, '') === url.replace(/\/$/, ''), conn.instanceUrl);
  check('the session id has the 00D…! shape', /^00D\w{12}!/.test(conn.accessToken), 'shape');

  const user = await conn.soap.getUserInfo();
  check('getUserInfo names the user', user.userName === process.env.SF_USERNAME, user);

  const rows = await conn.query("SELECT Id, Name FROM Account WHERE ERP_Id__c = 'A-1000'");
  check('the SOAP session works as a REST bearer token', rows.totalSize === 1 && rows.records[0].Name === 'Falcon Corp', rows);

  const created = await conn.soap.create([{ type: 'Account', Name: 'Soap Node Corp' }, { type: 'Account' }]);
  check('create reports per-record results', created[0].success === true && created[1].success === false, created);
  const up = await conn.soap.upsert('ERP_Id__c', [{ type: 'Account', Name: 'Soap Upsert', ERP_Id__c: 'SOAP-1' }]);
  check('upsert creates on a new key', up[0].success === true && String(up[0].created) === 'true', up);
  const up2 = await conn.soap.upsert('ERP_Id__c', [{ type: 'Account', Name: 'Soap Upsert 2', ERP_Id__c: 'SOAP-1' }]);
  check('upsert updates on a known key', up2[0].id === up[0].id && String(up2[0].created) === 'false', up2);
  const del = await conn.soap.delete([created[0].id]);
  check('delete succeeds', del[0].success === true, del);
  console.log('all jsforce SOAP checks passed');
}

main().catch((e) => {
  console.error(`FAILED with an exception: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
