// Drives jsforce's multi-record CRUD (which it sends as sObject Collections) and a composite
// call, unchanged, against a running sflab mock org.
// Needs SF_INSTANCE_URL, SF_ACCESS_TOKEN, NODE_EXTRA_CA_CERTS; NODE_PATH finds jsforce.
const jsforce = require('jsforce');

function check(name, cond, detail) {
  if (!cond) {
    console.error(`FAILED ${name}: ${JSON.stringify(detail)}`);
    process.exit(1);
  }
  console.log(`ok ${name}`);
}

async function main() {
  const conn = new jsforce.Connection({
    instanceUrl: process.env.SF_INSTANCE_URL,
    accessToken: process.env.SF_ACCESS_TOKEN,
    version: '62.0',
  });
  const Account = conn.sobject('Account');

  const created = await Account.create([{ Name: 'Coll A' }, { Name: 'Coll B' }, { Industry: 'None' }], { allOrNone: false });
  check('create many reports per-record results in order',
    created.length === 3 && created[0].success && created[1].success && !created[2].success, created);
  check('the failed record names its error',
    created[2].errors[0].statusCode === 'REQUIRED_FIELD_MISSING', created[2]);
  const ids = [created[0].id, created[1].id];

  const updated = await Account.update(ids.map((Id) => ({ Id, Phone: '555' })));
  check('update many succeeds', updated.every((r) => r.success), updated);

  const got = await Account.retrieve(ids);
  check('retrieve many returns both records', got.length === 2 && got[0].Phone === '555', got);

  const upserted = await Account.upsert(
    [{ Name: 'Coll C', ERP_Id__c: 'COLL-1' }, { Name: 'Falcon Corp', ERP_Id__c: 'A-1000' }], 'ERP_Id__c');
  check('upsert many says which were created', upserted[0].created === true && upserted[1].created === false, upserted);

  const rolledBack = await Account.create([{ Name: 'Never' }, { Industry: 'x' }], { allOrNone: true })
    .catch((e) => e);
  const results = Array.isArray(rolledBack) ? rolledBack : (rolledBack.data || []);
  const before = await conn.query("SELECT Id FROM Account WHERE Name = 'Never'");
  check('allOrNone create keeps nothing', before.totalSize === 0, { results, before });

  const destroyed = await Account.destroy(ids);
  check('delete many succeeds', destroyed.every((r) => r.success), destroyed);

  const composite = await conn.requestPost('/services/data/v62.0/composite', {
    allOrNone: true,
    compositeRequest: [
      { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'acc', body: { Name: 'Comp Js' } },
      { method: 'POST', url: '/services/data/v62.0/sobjects/Contact', referenceId: 'con',
        body: { LastName: 'Js', AccountId: '@{acc.id}' } },
    ],
  });
  check('composite creates account and contact', composite.compositeResponse.every((r) => r.httpStatusCode === 201), composite);
  console.log('all jsforce collections checks passed');
}

main().catch((e) => {
  console.error(`FAILED with an exception: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
