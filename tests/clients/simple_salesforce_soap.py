"""simple-salesforce's SOAP login, unchanged, against a running sflab mock org.

simple-salesforce hard-wires the login host to https://{domain}.salesforce.com, so this
script hands it a requests.Session whose adapter sends requests for login.salesforce.com to
the mock org instead (the library's documented `session=` hook); nothing in the library is
patched. After login it uses the instance the SOAP answer's serverUrl names.
Reads SF_INSTANCE_URL, SF_USERNAME, SF_PASSWORD; REQUESTS_CA_BUNDLE trusts the org's CA.
"""
import os
import sys
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

MOCK = urlsplit(os.environ["SF_INSTANCE_URL"])


class ToMock(HTTPAdapter):
    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        if parts.hostname == "login.salesforce.com":
            request.url = urlunsplit((MOCK.scheme, MOCK.netloc, parts.path, parts.query, parts.fragment))
        return super().send(request, **kwargs)


def check(name, cond, detail=""):
    if not cond:
        print(f"FAILED {name}: {detail}", file=sys.stderr)
        sys.exit(1)
    print(f"ok {name}")


session = requests.Session()
session.mount("https://", ToMock())
user, password = os.environ["SF_USERNAME"], os.environ["SF_PASSWORD"]

try:
    Salesforce(username=user, password="wrong", security_token="", session=session)
    check("a wrong password is refused", False, "login succeeded")
except SalesforceAuthenticationFailed as e:
    check("a wrong password is refused with INVALID_LOGIN", "INVALID_LOGIN" in str(e), str(e))

sf = Salesforce(username=user, password=password, security_token="", session=session)
check("the instance comes from serverUrl", sf.sf_instance == MOCK.netloc, sf.sf_instance)
rows = sf.query("SELECT Id, Name FROM Account WHERE ERP_Id__c = 'A-1000'")
check("REST works with the SOAP session id", rows["totalSize"] == 1, rows)
print("all simple-salesforce SOAP checks passed")
