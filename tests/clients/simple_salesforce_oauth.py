"""Drives simple-salesforce's own OAuth logins (JWT bearer, client credentials), unchanged,
against a running sflab mock org.

simple-salesforce builds its login URL as https://{domain}.salesforce.com/..., so the only
change is on the learner's side: a requests Session whose adapter sends *.salesforce.com
requests to the mock org (passed with `session=`, a documented simple-salesforce option).
Reads SF_INSTANCE_URL, JWT_CLIENT_ID, JWT_KEY_FILE, JWT_USERNAME, CC_CLIENT_ID,
CC_CLIENT_SECRET; REQUESTS_CA_BUNDLE trusts the org's CA. Exits 1 on the first wrong answer.
"""
import os
import sys
from urllib.parse import urlsplit, urlunsplit

import requests
from simple_salesforce import Salesforce

MOCK = urlsplit(os.environ["SF_INSTANCE_URL"])


class ToMockOrg(requests.adapters.HTTPAdapter):
    """Sends requests for *.salesforce.com hosts to the mock org instead."""

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        if url.hostname and url.hostname.endswith(".salesforce.com"):
            request.url = urlunsplit((MOCK.scheme, MOCK.netloc, url.path, url.query, url.fragment))
        return super().send(request, **kwargs)


def check(name, cond, detail=""):
    if not cond:
        print(f"FAILED {name}: {detail}", file=sys.stderr)
        sys.exit(1)
    print(f"ok {name}")


session = requests.Session()
session.mount("https://", ToMockOrg())

sf = Salesforce(
    username=os.environ["JWT_USERNAME"],
    consumer_key=os.environ["JWT_CLIENT_ID"],
    privatekey_file=os.environ["JWT_KEY_FILE"],
    session=session,
)
check("JWT login gives an org token", sf.session_id.startswith("00D"), sf.session_id[:4])
check("JWT login uses the mock's instance", sf.sf_instance == MOCK.netloc, sf.sf_instance)
described = sf.restful("sobjects")
check("the JWT token works on REST", "sobjects" in described, list(described)[:3])

cc = Salesforce(
    consumer_key=os.environ["CC_CLIENT_ID"],
    consumer_secret=os.environ["CC_CLIENT_SECRET"],
    domain="sflab.my",
    session=session,
)
check("client credentials login gives an org token", cc.session_id.startswith("00D"))
check("the client credentials token works on REST", "sobjects" in cc.restful("sobjects"))
print("all simple-salesforce OAuth checks passed")
