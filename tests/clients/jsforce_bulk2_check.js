// Drives jsforce's Bulk API 2.0 helpers, unchanged, against a running sflab mock org.
// Needs SF_INSTANCE_URL, SF_ACCESS_TOKEN, NODE_EXTRA_CA_CERTS; NODE_PATH finds jsforce.
// Loads CSV (insert, then upsert with one bad row) and queries; prints one line per check.
const jsforce = require('jsforce');

function check(name, cond, detail) {
  if (!cond) {
    console.error(`FAILED ${name}: ${JSON.stringify(detail)}`);
    process.exit(1);
  }
  console.log(`ok ${name}`);
}

async function collect(result) {
  if (Array.isArray(result)) return result;
  if (result && typeof result.toArray === 'function') return result.toArray();
  return new Promise((resolve, reject) => {
    const rows = [];
    result.on('record', (r) => rows.push(r));
    result.on('error', reject);
    result.on('end', () => resolve(rows));
  });
}

async function main() {
  const conn = new jsforce.Connection({
    instanceUrl: process.env.SF_INSTANCE_URL,
    accessToken: process.env.SF_ACCESS_TOKEN,
    version: '62.0',
  });
  const poll = { pollInterval: 100, pollTimeout: 60000 };

  let csv = 'Name,ERP_Id__c\n';
  for (let i = 0; i < 250; i++) csv += `Js Bulk ${i},JS-${String(i).padStart(4, '0')}\n`;
  const loaded = await conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input: csv, ...poll });
  check('bulk2 insert succeeds for every row', loaded.successfulResults.length === 250 && loaded.failedResults.length === 0,
    { ok: loaded.successfulResults.length, failed: loaded.failedResults });
  check('successful results say created', loaded.successfulResults[0].sf__Created === 'true', loaded.successfulResults[0]);

  const upsert = 'Name,ERP_Id__c\nJs Renamed,JS-0000\n,JS-BAD\n';
  const up = await conn.bulk2.loadAndWaitForResults({
    object: 'Account', operation: 'upsert', externalIdFieldName: 'ERP_Id__c', input: upsert, ...poll,
  });
  check('bulk2 upsert reports the bad row', up.failedResults.length === 1 && up.successfulResults.length === 1, up);
  check('failed row carries sf__Error', String(up.failedResults[0].sf__Error).startsWith('REQUIRED_FIELD_MISSING:'), up.failedResults[0]);

  const rows = await collect(await conn.bulk2.query("SELECT Id, Name FROM Account WHERE Name LIKE 'Js %'", poll));
  check('bulk2 query returns every row', rows.length === 250, rows.length);
  check('bulk2 query sees the upsert', rows.some((r) => r.Name === 'Js Renamed'), rows.slice(0, 2));
  console.log('all jsforce bulk2 checks passed');
}

main().catch((e) => {
  console.error(`FAILED with an exception: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
