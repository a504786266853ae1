// Drives jsforce, unchanged, against a running sflab mock org.
// Reads SF_INSTANCE_URL, SF_ACCESS_TOKEN (NODE_EXTRA_CA_CERTS trusts the org's CA) and
// SEEDED_ROWS. Prints one line per check passed; exits 1 on the first wrong answer.
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
  const seeded = Number(process.env.SEEDED_ROWS);
  const opts = { instanceUrl: process.env.SF_INSTANCE_URL, accessToken: process.env.SF_ACCESS_TOKEN };
  const conn = new jsforce.Connection(opts); // jsforce's default API version (50.0)

  const all = await new Promise((resolve, reject) => {
    const records = [];
    conn
      .query("SELECT Id, Name FROM Account WHERE Name LIKE 'Bulk Seed %'")
      .on('record', (r) => records.push(r))
      .on('end', () => resolve(records))
      .on('error', reject)
      .run({ autoFetch: true, maxFetch: 100000 });
  });
  check('autoFetch follows nextRecordsUrl past 2000 rows', all.length === seeded, all.length);
  check('autoFetched rows are distinct', new Set(all.map((r) => r.Id)).size === seeded, 'duplicates');

  const created = await conn.sobject('Account').create({ Name: 'Node Corp' });
  check('create returns an id', created.success && created.id.startsWith('001'), created);
  const one = await conn.sobject('Account').retrieve(created.id);
  check('retrieve returns the record', one.Name === 'Node Corp', one);
  const upd = await conn.sobject('Account').update({ Id: created.id, Name: 'Node Corp 2' });
  check('update succeeds', upd.success === true, upd);

  const up1 = await conn.sobject('Account').upsert({ Name: 'JS Upsert', ERP_Id__c: 'JS-1' }, 'ERP_Id__c');
  check('upsert of a new key creates', up1.success && up1.created === true, up1);
  const up2 = await conn.sobject('Account').upsert({ Name: 'JS Upsert 2', ERP_Id__c: 'JS-1' }, 'ERP_Id__c');
  check('upsert of an existing key updates', up2.success && up2.created === false && up2.id === up1.id, up2);

  const desc = await conn.sobject('Account').describe();
  check('describe lists fields', desc.fields.some((f) => f.name === 'ERP_Id__c'), desc.name);
  check('describe lists child relationships', desc.childRelationships.some((r) => r.relationshipName === 'Contacts'), desc.childRelationships.length);

  // Several ids: from v42.0 jsforce switches to sObject Collections (the Composite surface);
  // at v41.0 it issues one GET per id, which is this surface.
  const v41 = new jsforce.Connection({ ...opts, version: '41.0' });
  const many = await v41.sobject('Account').retrieve([created.id, up1.id]);
  check('retrieve several ids', many.length === 2 && many[0].Id === created.id && many[1].Id === up1.id, many);

  const del = await conn.sobject('Account').destroy(created.id);
  check('destroy succeeds', del.success === true, del);
  try {
    await conn.sobject('Account').retrieve(created.id);
    check('a destroyed record is gone', false, 'still found');
  } catch (e) {
    check('a destroyed record is gone (NOT_FOUND)', e.errorCode === 'NOT_FOUND', e.errorCode);
  }
  try {
    await conn.query('SELECT Id FROM Contact123');
    check('an unknown object is refused', false, 'no error');
  } catch (e) {
    check('an unknown object is refused with INVALID_TYPE', e.errorCode === 'INVALID_TYPE', e.errorCode);
  }
  const found = await conn.search('FIND {Falcon} IN NAME FIELDS RETURNING Account(Id, Name)');
  check('search answers searchRecords', found.searchRecords.length === 1 && found.searchRecords[0].Name === 'Falcon Corp', found);
  const plan = await conn.query("SELECT Id FROM Account WHERE ERP_Id__c = 'A-1000'").explain();
  check('explain leads with the external id index', plan.plans[0].leadingOperationType === 'Index' && plan.plans[0].fields[0] === 'ERP_Id__c', plan);
  const end = new Date();
  const start = new Date(end.getTime() - 3600 * 1000);
  const changed = await conn.sobject('Account').updated(start, end);
  check('updated answers ids', Array.isArray(changed.ids) && typeof changed.latestDateCovered === 'string', changed);
  const gone = await conn.sobject('Account').deleted(start, end);
  check('deleted answers deletedRecords', Array.isArray(gone.deletedRecords), gone);
  console.log('all jsforce checks passed');
}

main().catch((e) => {
  console.error(`FAILED with an exception: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
