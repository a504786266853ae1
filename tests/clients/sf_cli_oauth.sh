#!/usr/bin/env bash
# Drives the sf CLI's own OAuth logins, unchanged, against a running sflab mock org:
#   `sf org login jwt` with a key and certificate made here with openssl (the test uploads
#   the certificate to an app and passes its consumer key back through JWT_CLIENT_ID), and
#   `sf org login web` completed by a scripted browser: BROWSER names a script that fetches
#   the authorize URL and follows the org's 302 to the CLI's callback on localhost:1717.
# Needs: SF_BIN, SF_INSTANCE_URL, NODE_EXTRA_CA_CERTS, SANDBOX_HOME, JWT_KEY_FILE,
# JWT_CLIENT_ID, JWT_USERNAME. Prints one line per check passed; exits 1 on the first failure.
set -euo pipefail

export HOME="$SANDBOX_HOME"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share" XDG_CACHE_HOME="$HOME/.cache"
export SF_DISABLE_TELEMETRY=true SF_AUTOUPDATE_DISABLE=true SFDX_DISABLE_TELEMETRY=true
export SF_USE_GENERIC_UNIX_KEYCHAIN=true SF_DISABLE_DNS_CHECK=true SF_SKIP_NEW_VERSION_CHECK=true
export SF_HIDE_RELEASE_NOTES=true SF_HIDE_RELEASE_NOTES_FOOTER=true SF_CONTENT_TYPE=JSON

fail() { echo "FAILED $1" >&2; exit 1; }
ok() { echo "ok $1"; }
json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

out=$("$SF_BIN" org login jwt --client-id "$JWT_CLIENT_ID" --jwt-key-file "$JWT_KEY_FILE" \
  --username "$JWT_USERNAME" --instance-url "$SF_INSTANCE_URL" --alias viajwt --json) \
  || fail "org login jwt: $out"
[[ $(json_get 'd["status"]' <<<"$out") == 0 ]] || fail "jwt login status: $out"
[[ $(json_get 'd["result"]["username"]' <<<"$out") == "$JWT_USERNAME" ]] || fail "jwt username: $out"
ok "org login jwt as $JWT_USERNAME"

out=$("$SF_BIN" org display --target-org viajwt --json) || fail "org display (jwt): $out"
[[ $(json_get 'd["result"]["connectedStatus"]' <<<"$out") == Connected ]] || fail "jwt display: $out"
ok "org display after the JWT login shows Connected"

# The scripted browser for `sf org login web`.
browser="$SANDBOX_HOME/browser.sh"
cat >"$browser" <<'SCRIPT'
#!/usr/bin/env bash
# Returns at once, like a browser launcher; a moment later (the CLI handles its callback only
# once the launcher has returned) fetches the authorize URL, trusting the org's CA as the
# learner's browser does, follows the 302 to the CLI's callback and its redirect to the
# CLI's success page.
log="$(dirname "$0")/browser.log"
(
  sleep 2
  location=$(curl -s --cacert "$NODE_EXTRA_CA_CERTS" -o /dev/null -w '%{redirect_url}' "$1")
  echo "$1 -> $location" >"$log"
  curl -s -L --cacert "$NODE_EXTRA_CA_CERTS" -o /dev/null -w 'callback answered %{http_code} at %{url_effective}\n' "$location" >>"$log" 2>&1
) >/dev/null 2>&1 &
exit 0
SCRIPT
chmod +x "$browser"
export BROWSER="$browser"
unset DISPLAY WAYLAND_DISPLAY XDG_CURRENT_DESKTOP || true

out=$(timeout 60 "$SF_BIN" org login web --instance-url "$SF_INSTANCE_URL" --alias viaweb --json) \
  || fail "org login web: $out $(cat "$SANDBOX_HOME/browser.log" 2>/dev/null)"
[[ $(json_get 'd["status"]' <<<"$out") == 0 ]] || fail "web login status: $out"
ok "org login web (PlatformCLI, PKCE) as $(json_get 'd["result"]["username"]' <<<"$out")"

out=$("$SF_BIN" org display --target-org viaweb --json) || fail "org display (web): $out"
[[ $(json_get 'd["result"]["connectedStatus"]' <<<"$out") == Connected ]] || fail "web display: $out"
ok "org display after the web login shows Connected"
echo "all sf CLI OAuth checks passed"
