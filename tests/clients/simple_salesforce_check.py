"""Drives simple-salesforce, unchanged, against a running sflab mock org.

Reads SF_INSTANCE_URL, SF_ACCESS_TOKEN and REQUESTS_CA_BUNDLE (the org's CA) from the
environment, and SEEDED_ROWS: how many Accounts named 'Bulk Seed %' the test put in the org.
Each check raises on a wrong answer; the script prints one line per check passed.
"""

import os
import sys
from datetime import datetime, timedelta, timezone

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)


def check(name, cond, detail=""):
    if not cond:
        print(f"FAILED {name}: {detail}", file=sys.stderr)
        sys.exit(1)
    print(f"ok {name}")


def main():
    url = os.environ["SF_INSTANCE_URL"]
    seeded = int(os.environ["SEEDED_ROWS"])
    sf = Salesforce(instance_url=url, session_id=os.environ["SF_ACCESS_TOKEN"], version="59.0")

    soql = "SELECT Id, Name FROM Account WHERE Name LIKE 'Bulk Seed %'"
    first = sf.query(soql)
    check("query returns the first batch of 2000", len(first["records"]) == 2000, first.get("totalSize"))
    check("query reports the total", first["totalSize"] == seeded, first["totalSize"])
    check("query is not done", first["done"] is False)
    more = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    check("query_more returns the rest", len(more["records"]) == seeded - 2000, len(more["records"]))
    everything = sf.query_all(soql)
    check("query_all follows every page", len(everything["records"]) == seeded, len(everything["records"]))

    created = sf.Account.create({"Name": "Python Corp", "Industry": "Energy"})
    check("create returns an id", created["success"] and created["id"].startswith("001"), created)
    acc_id = created["id"]
    got = sf.Account.get(acc_id)
    check("get returns the record", got["Name"] == "Python Corp" and got["attributes"]["type"] == "Account", got)
    status = sf.Account.update(acc_id, {"Name": "Python Corp 2"})
    check("update answers 204", status == 204, status)
    check("update is visible", sf.Account.get(acc_id)["Name"] == "Python Corp 2")

    status = sf.Account.upsert("ERP_Id__c/PY-1", {"Name": "Upserted"})
    check("upsert of a new key answers 201", status == 201, status)
    status = sf.Account.upsert("ERP_Id__c/PY-1", {"Name": "Upserted again"})
    check("upsert of an existing key answers 200", status == 200, status)
    by_ext = sf.Account.get_by_custom_id("ERP_Id__c", "PY-1")
    check("get_by_custom_id finds the upserted record", by_ext["Name"] == "Upserted again", by_ext)
    dupes = sf.query("SELECT Id FROM Account WHERE ERP_Id__c = 'PY-1'")
    check("upserting twice keeps one record", dupes["totalSize"] == 1, dupes["totalSize"])

    status = sf.Account.delete(acc_id)
    check("delete answers 204", status == 204, status)
    try:
        sf.Account.get(acc_id)
        check("a deleted record is gone", False, "still found")
    except SalesforceResourceNotFound:
        check("a deleted record is gone", True)
    deleted = sf.query_all(f"SELECT Id, IsDeleted FROM Account WHERE Id = '{acc_id}'", include_deleted=True)
    check("queryAll sees the deleted record", deleted["totalSize"] == 1 and deleted["records"][0]["IsDeleted"] is True, deleted)

    try:
        sf.query("SELECT Naem FROM Account")
        check("a bad field is refused", False, "no error")
    except SalesforceMalformedRequest as e:
        check("a bad field is refused with INVALID_FIELD", e.content[0]["errorCode"] == "INVALID_FIELD", e.content)

    describe = sf.Account.describe()
    names = {f["name"] for f in describe["fields"]}
    check("describe lists the fields", {"Id", "Name", "ERP_Id__c"} <= names, sorted(names)[:10])
    glob = sf.describe()
    check("describe global lists Account", any(o["name"] == "Account" for o in glob["sobjects"]))

    limits = sf.limits()
    daily = limits["DailyApiRequests"]
    check("limits count real use", daily["Max"] - daily["Remaining"] > 10, daily)
    check("is_sandbox reads the Organization", sf.is_sandbox() in (True, False))
    found = sf.search("FIND {Falcon} IN NAME FIELDS RETURNING Account(Id, Name)")
    check("search answers searchRecords", [r["Name"] for r in found["searchRecords"]] == ["Falcon Corp"], found)
    quick = sf.quick_search("harbor")
    kinds = {r["attributes"]["type"] for r in quick["searchRecords"]}
    check("quick_search finds several kinds of records", {"Account", "Contact"} <= kinds, kinds)
    try:
        sf.search("FIND {a}")
        check("a one-character search is refused", False, "no error")
    except SalesforceMalformedRequest as e:
        check("a one-character search is refused", e.content[0]["errorCode"] == "INVALID_SEARCH", e.content)
    end = datetime.now(timezone.utc)
    start = end - timedelta(hours=1)
    upd = sf.Account.updated(start, end)
    check("updated answers ids and latestDateCovered",
          isinstance(upd["ids"], list) and upd["latestDateCovered"].endswith("+0000"), upd)
    gone = sf.Account.deleted(start, end)
    check("deleted answers deletedRecords",
          isinstance(gone["deletedRecords"], list) and "earliestDateAvailable" in gone, gone)
    print("all simple-salesforce checks passed")


if __name__ == "__main__":
    main()
