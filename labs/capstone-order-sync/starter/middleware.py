"""Order sync middleware — your capstone.

Fill in the TODOs. The helpers at the top are yours to keep, change or replace; only the
standard library is needed. Read the lab's goal for the endpoints and field names.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

INSTANCE = os.environ["SF_INSTANCE_URL"].rstrip("/")
LOGIN = os.environ.get("SF_LOGIN_URL", INSTANCE).rstrip("/")
VERSION = os.environ.get("SF_API_VERSION", "62.0")
CHANNEL = "/event/OrderActivated__e"
STATE_DIR = "state"  # survives a kill and a restart
IDLE_SECONDS = float(os.environ.get("IDLE_SECONDS", "5"))


def log(message):
    """Print a line at once (never a token or a secret)."""
    print(message, flush=True)


# CometD (the Streaming API) sets a BAYEUX_BROWSER cookie on the handshake and refuses
# connect and subscribe without it: every call goes through one opener with a cookie jar.
OPENER = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def http(method, url, body=None, headers=None, form=False, timeout=30):
    """One HTTP call; returns (status, headers, text). Raises urllib.error.URLError when
    there is no answer at all."""
    data = None
    headers = dict(headers or {})
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with OPENER.open(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def salesforce_token():
    # TODO 1: client credentials at f"{LOGIN}/services/oauth2/token" with SF_CLIENT_ID and
    # SF_CLIENT_SECRET; return the access token.
    raise NotImplementedError("salesforce_token")


def subscribe(token, replay_id):
    # TODO 2: CometD handshake, then subscribe to CHANNEL with
    # ext: {"replay": {CHANNEL: replay_id}}; return the clientId.
    raise NotImplementedError("subscribe")


def create_erp_order(payload):
    # TODO 3: ERP token, then POST /ext/erp/orders with an Idempotency-Key. Retry what is
    # worth retrying, with backoff. Return the ERP's order (id, trackingNumber, shipmentStatus).
    raise NotImplementedError("create_erp_order")


def write_back(token, key, erp_order):
    # TODO 4: PATCH /services/data/v62.0/sobjects/Order/ERP_Order_Id__c/{key}
    raise NotImplementedError("write_back")


def reconcile(token):
    # TODO 5: a Bulk API 2.0 query job over Order, compared with the ERP's order search.
    raise NotImplementedError("reconcile")


def main():
    token = salesforce_token()
    replay_id = None  # TODO: read the stored replay id from STATE_DIR
    subscribe(token, replay_id)
    # TODO: poll /meta/connect; for each event: create_erp_order, write_back, then store its
    # replay id. Stop polling once nothing has come for IDLE_SECONDS, then reconcile.
    reconcile(token)


if __name__ == "__main__":
    try:
        main()
    except NotImplementedError as e:
        print(f"not written yet: {e}", file=sys.stderr)
        sys.exit(1)
