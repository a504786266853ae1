#!/usr/bin/env bash
# Drives the sf CLI, unchanged, against a running sflab mock org.
# Needs: SF_BIN (the sf executable), SF_INSTANCE_URL, SF_ACCESS_TOKEN, NODE_EXTRA_CA_CERTS,
# and SANDBOX_HOME (an empty folder standing in for $HOME, so nothing touches the real one).
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

out=$("$SF_BIN" org login access-token --instance-url "$SF_INSTANCE_URL" --no-prompt --alias mock --json) \
  || fail "org login access-token: $out"
[[ $(json_get 'd["status"]' <<<"$out") == 0 ]] || fail "login status: $out"
user=$(json_get 'd["result"]["username"]' <<<"$out")
ok "org login access-token as $user"

out=$("$SF_BIN" org display --target-org mock --json) || fail "org display: $out"
[[ $(json_get 'd["result"]["connectedStatus"]' <<<"$out") == Connected ]] || fail "org display status: $out"
[[ $(json_get 'd["result"]["instanceUrl"]' <<<"$out") == "$SF_INSTANCE_URL"* ]] || fail "org display url: $out"
ok "org display shows Connected"

out=$("$SF_BIN" data query -q "SELECT Id, Name FROM Account WHERE Name LIKE 'Bulk Seed %'" --target-org mock --json) \
  || fail "data query: $out"
n=$(json_get 'len(d["result"]["records"])' <<<"$out")
[[ $n == "$SEEDED_ROWS" ]] || fail "data query returned $n rows, wanted $SEEDED_ROWS"
ok "data query fetches all $n rows"

out=$("$SF_BIN" data create record -s Account -v "Name='CLI Corp' Industry=Energy" --target-org mock --json) \
  || fail "data create record: $out"
id=$(json_get 'd["result"]["id"]' <<<"$out")
[[ $id == 001* ]] || fail "data create record id: $out"
ok "data create record made $id"

out=$("$SF_BIN" api request rest "/services/data/v62.0/sobjects/Account/$id" --target-org mock) \
  || fail "api request rest: $out"
[[ $(json_get 'd["Name"]' <<<"$out") == "CLI Corp" ]] || fail "api request rest body: $out"
ok "api request rest reads the record back"
out=$("$SF_BIN" data search -q "FIND {CLI Corp} IN NAME FIELDS RETURNING Account(Id, Name)" --target-org mock --json) \
  || fail "data search: $out"
[[ $(json_get '[r["Id"] for r in d["result"]["searchRecords"]]' <<<"$out") == "['$id']" ]] || fail "data search records: $out"
ok "data search finds the created record by name"

# sflab reuses this sf login (`org login --from-sf`): sf hides the token in `org display`, so
# sflab must ask `sf org auth show-access-token`, and the login must work against the org.
ws=$(mktemp -d)
out=$(SFLAB_SF_BIN="$SF_BIN" SSL_CERT_FILE="$NODE_EXTRA_CA_CERTS" \
  "$SFLAB_BIN" --workspace "$ws" org login --alias fromsf --from-sf mock 2>&1) \
  || fail "sflab org login --from-sf: $out"
grep -q "fromsf" <<<"$out" || fail "sflab org login --from-sf said: $out"
! grep -rqs "REDACTED" "$HOME" "$ws" || fail "a hidden-token placeholder was stored as a token"
ok "sflab org login --from-sf reuses the sf login"
echo "all sf CLI checks passed"
