#!/usr/bin/env bash
# Drives the sf CLI's Bulk API 2.0 commands, unchanged, against a running sflab mock org.
# Needs: SF_BIN, SF_INSTANCE_URL, SF_ACCESS_TOKEN, NODE_EXTRA_CA_CERTS, SANDBOX_HOME (an
# empty folder standing in for $HOME) and WORK_DIR (an empty folder for CSV files).
# Prints one line per check passed; exits 1 on the first wrong answer.
set -euo pipefail

export HOME="$SANDBOX_HOME"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share" XDG_CACHE_HOME="$HOME/.cache"
export SF_DISABLE_TELEMETRY=true SF_AUTOUPDATE_DISABLE=true SFDX_DISABLE_TELEMETRY=true
export SF_USE_GENERIC_UNIX_KEYCHAIN=true SF_DISABLE_DNS_CHECK=true SF_SKIP_NEW_VERSION_CHECK=true
export SF_HIDE_RELEASE_NOTES=true SF_HIDE_RELEASE_NOTES_FOOTER=true SF_CONTENT_TYPE=JSON

fail() { echo "FAILED $1" >&2; exit 1; }
ok() { echo "ok $1"; }
json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

cd "$WORK_DIR"
out=$("$SF_BIN" org login access-token --instance-url "$SF_INSTANCE_URL" --no-prompt --alias mock --json) \
  || fail "org login access-token: $out"
ok "org login access-token"

{
  echo "Name,ERP_Id__c"
  for i in $(seq 1 120); do echo "CLI Bulk $i,CLI-$i"; done
} > upsert.csv
out=$("$SF_BIN" data upsert bulk --sobject Account --file upsert.csv --external-id ERP_Id__c \
  --wait 2 --target-org mock --json) || fail "data upsert bulk: $out"
# Newer CLIs report processedRecords/failedRecords; older ones the job info and the rows.
processed='d["result"].get("processedRecords", d["result"].get("jobInfo", {}).get("numberRecordsProcessed"))'
failed='d["result"].get("failedRecords", d["result"].get("jobInfo", {}).get("numberRecordsFailed"))'
[[ $(json_get "$processed" <<<"$out") == 120 ]] || fail "upsert processed: $out"
[[ $(json_get "$failed" <<<"$out") == 0 ]] || fail "upsert failed rows: $out"
ok "data upsert bulk processed 120 rows"

out=$("$SF_BIN" data export bulk --query "SELECT Id, Name, ERP_Id__c FROM Account WHERE Name LIKE 'CLI Bulk %'" \
  --output-file export.csv --result-format csv --wait 2 --target-org mock --json) || fail "data export bulk: $out"
rows=$(( $(wc -l < export.csv) - 1 ))
[[ $rows == 120 ]] || fail "export wrote $rows rows: $(head -3 export.csv)"
head -1 export.csv | grep -q "ERP_Id__c" || fail "export header: $(head -1 export.csv)"
ok "data export bulk wrote $rows rows"
echo "all sf CLI bulk checks passed"
