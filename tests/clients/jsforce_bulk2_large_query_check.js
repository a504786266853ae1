// jsforce's documented Bulk API 2.0 query, `(await conn.bulk2.query(soql)).toArray()`, for a
// result of more than 50,000 rows, against a running sflab mock org. jsforce 3.10 pipes every
// result page into one CSV parser that ends with the first page, so this works only when the
// org's default page (no maxRecords) holds the whole result, as a real org's does up to about
// 250,000 rows. Needs SF_INSTANCE_URL, SF_ACCESS_TOKEN, NODE_EXTRA_CA_CERTS; NODE_PATH finds jsforce.
const jsforce = require('jsforce');

const ROWS = 60000;

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
  const poll = { pollInterval: 200, pollTimeout: 240000 };

  let csv = 'Name,ERP_Id__c\n';
  for (let i = 0; i < ROWS; i++) csv += `Big Query ${i},BQ-${String(i).padStart(6, '0')}\n`;
  const job = conn.bulk2.createJob({ object: 'Account', operation: 'insert' });
  await job.open();
  await job.uploadData(csv);
  await job.close();
  await job.poll(poll.pollInterval, poll.pollTimeout);
  const info = await job.check();
  check('the load wrote every row', info.numberRecordsProcessed === ROWS && info.numberRecordsFailed === 0, info);

  let rows;
  try {
    rows = await (await conn.bulk2.query("SELECT Id, Name FROM Account WHERE Name LIKE 'Big Query %'", poll)).toArray();
  } catch (e) {
    check('bulk2.query().toArray() reads a result of more than 50,000 rows', false, String(e && e.message));
  }
  check('bulk2.query().toArray() reads a result of more than 50,000 rows', rows.length === ROWS, rows.length);
  check('every row is there once', new Set(rows.map((r) => r.Name)).size === ROWS, rows.slice(0, 2));
  console.log('all jsforce bulk2 large query checks passed');
}

main().catch((e) => {
  console.error(`FAILED with an exception: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
