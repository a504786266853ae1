"""Event → ERP → Salesforce bridge -- KNOWN-BAD: the write-back leaves the status out.

The upsert sets Tracking_Number__c only, so every Order keeps an empty Shipment_Status__c
where the brief asks for Pending: the ERP has the order, Salesforce does not say so.

(Otherwise as the reference solution.)

Reads /event/OrderActivated__e over CometD, creates each order in the ERP with the order's own
key as Idempotency-Key (so retries, lost replies and a redelivered event all land on one ERP
order), retries 5xx/429/no-answer with exponential backoff, and writes the ERP's tracking
number back with an upsert on ERP_Order_Id__c. Exits once no event has come for IDLE_SECONDS.
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
VERSION = os.environ.get("SF_API_VERSION", "62.0")
TOKEN = os.environ["SF_ACCESS_TOKEN"]
CHANNEL = "/event/OrderActivated__e"
IDLE_SECONDS = float(os.environ.get("IDLE_SECONDS", "4"))
ERP = f"{INSTANCE}/ext/erp"


class Transient(Exception):
    """Worth another try: 5xx, 429 or no answer."""


# CometD (the Streaming API) sets a BAYEUX_BROWSER cookie on the handshake and refuses
# connect and subscribe without it: every call goes through one opener with a cookie jar.
OPENER = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def http(method, url, body=None, headers=None, form=False):
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
        with OPENER.open(req, timeout=30) as resp:
            status, text = resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
        raise Transient(f"no answer: {e}") from e
    if status == 429 or status >= 500:
        raise Transient(f"HTTP {status} from {method} {url.split('?')[0]}")
    if status >= 400:
        raise RuntimeError(f"{method} {url.split('?')[0]} refused with HTTP {status}: {text[:200]}")
    return json.loads(text) if text.strip() else {}


def retrying(call, attempts=8):
    delay = 0.25
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Transient as e:
            if attempt == attempts:
                raise
            print(f"{e}; retrying in {delay:.2f}s", flush=True)
            time.sleep(delay)
            delay = min(delay * 2, 4)


def sf(method, path, body=None):
    return http(method, INSTANCE + path, body, {"Authorization": f"Bearer {TOKEN}"})


def erp_token():
    answer = retrying(lambda: http("POST", f"{ERP}/oauth/token", {
        "grant_type": "client_credentials",
        "client_id": os.environ["ERP_CLIENT_ID"],
        "client_secret": os.environ["ERP_CLIENT_SECRET"],
    }, form=True))
    return answer["access_token"]


def bridge(erp_auth, payload):
    key = payload["ERP_Order_Id__c"]
    body = {
        "customer": payload["Account_Number__c"],
        "lines": [{"sku": payload["Sku__c"], "quantity": payload["Quantity__c"]}],
        "salesforceId": key,
    }
    # One key per order, decided before the first try and reused by every retry.
    headers = {"Authorization": f"Bearer {erp_auth}", "Idempotency-Key": key}
    order = retrying(lambda: http("POST", f"{ERP}/orders", body, headers))
    path = f"/services/data/v{VERSION}/sobjects/Order/ERP_Order_Id__c/{urllib.parse.quote(key)}"
    retrying(lambda: sf("PATCH", path, {"Tracking_Number__c": order["trackingNumber"]}))
    print(f"{key}: ERP order {order['id']}", flush=True)


def main():
    erp_auth = erp_token()
    cometd = f"/cometd/{VERSION}"
    hello = sf("POST", cometd, [{"channel": "/meta/handshake", "version": "1.0",
                                 "supportedConnectionTypes": ["long-polling"]}])[0]
    client = hello["clientId"]
    sf("POST", cometd, [{"channel": "/meta/subscribe", "clientId": client,
                         "subscription": CHANNEL, "ext": {"replay": {CHANNEL: -2}}}])
    idle_since = time.monotonic()
    while time.monotonic() - idle_since < IDLE_SECONDS:
        replies = retrying(lambda: sf("POST", cometd, [{
            "channel": "/meta/connect", "clientId": client,
            "connectionType": "long-polling", "advice": {"timeout": 1000}}]))
        for m in replies:
            if m.get("channel") == CHANNEL:
                bridge(erp_auth, m["data"]["payload"])
                idle_since = time.monotonic()
    print("no new events; done", flush=True)


if __name__ == "__main__":
    try:
        main()
    except (RuntimeError, Transient) as e:
        print(f"stopping: {e}", file=sys.stderr)
        sys.exit(1)
