"""Drives simple-salesforce's Bulk API 2.0 helpers, unchanged, against a running sflab org.

Reads SF_INSTANCE_URL, SF_ACCESS_TOKEN, REQUESTS_CA_BUNDLE and WORK_DIR (an empty folder for
CSV files) from the environment. Inserts from a CSV file, upserts by external id with one bad
row, reads the failed rows back, and exports with a query paged by locator. Prints one line
per check passed; exits 1 on the first wrong answer.
"""

import csv
import io
import os
import sys

from simple_salesforce import Salesforce


def check(name, cond, detail=""):
    if not cond:
        print(f"FAILED {name}: {detail}", file=sys.stderr)
        sys.exit(1)
    print(f"ok {name}")


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main():
    work = os.environ["WORK_DIR"]
    sf = Salesforce(instance_url=os.environ["SF_INSTANCE_URL"],
                    session_id=os.environ["SF_ACCESS_TOKEN"], version="59.0")

    inserts = os.path.join(work, "insert.csv")
    write_csv(inserts, ["Name", "ERP_Id__c", "Industry"],
              [[f"Py Bulk {i}", f"PY-{i:04d}", "Energy"] for i in range(300)])
    result = sf.bulk2.Account.insert(inserts, wait=0.2)
    check("bulk2 insert reports 300 processed",
          result[0]["numberRecordsProcessed"] == 300 and result[0]["numberRecordsFailed"] == 0, result)
    job_id = result[0]["job_id"]
    ok = list(csv.DictReader(io.StringIO(sf.bulk2.Account.get_successful_records(job_id))))
    check("successful results carry sf__Id and sf__Created",
          len(ok) == 300 and ok[0]["sf__Id"].startswith("001") and ok[0]["sf__Created"] == "true", ok[:1])

    upserts = os.path.join(work, "upsert.csv")
    write_csv(upserts, ["Name", "ERP_Id__c"],
              [["Py Renamed 0", "PY-0000"], ["Py New", "PY-9999"], ["", "PY-BAD"]])
    result = sf.bulk2.Account.upsert(upserts, external_id_field="ERP_Id__c", wait=0.2)
    check("bulk2 upsert reports one failure",
          result[0]["numberRecordsProcessed"] == 3 and result[0]["numberRecordsFailed"] == 1, result)
    failed = list(csv.DictReader(io.StringIO(sf.bulk2.Account.get_failed_records(result[0]["job_id"]))))
    check("failed results explain the bad row",
          len(failed) == 1 and failed[0]["ERP_Id__c"] == "PY-BAD"
          and failed[0]["sf__Error"].startswith("REQUIRED_FIELD_MISSING:"), failed)
    done = list(csv.DictReader(io.StringIO(sf.bulk2.Account.get_successful_records(result[0]["job_id"]))))
    created = sorted(r["sf__Created"] for r in done)
    check("upsert updated one and created one", created == ["false", "true"], done)

    soql = "SELECT Id, Name, ERP_Id__c FROM Account WHERE Name LIKE 'Py %' ORDER BY ERP_Id__c"
    pages = list(sf.bulk2.Account.query(soql, max_records=100, wait=0.2))
    rows = [r for page in pages for r in csv.DictReader(io.StringIO(page))]
    check("bulk2 query pages by locator", len(pages) == 4, len(pages))
    check("bulk2 query returns every row", len(rows) == 301, len(rows))
    check("bulk2 query sees the upsert", rows[0]["Name"] == "Py Renamed 0", rows[0])

    out_dir = os.path.join(work, "export")
    os.makedirs(out_dir)
    files = sf.bulk2.Account.download(soql, path=out_dir, max_records=120, wait=0.2)
    total = sum(f["number_of_records"] for f in files)
    check("bulk2 download writes every page to a file", total == 301 and len(files) == 3, files)
    print("all simple-salesforce bulk2 checks passed")


if __name__ == "__main__":
    main()
