"""Known-bad: an unknown SKU is answered 404 with a line of plain text ("nope"), where the brief
asks for a JSON error the org's code can read.
"""
import hmac
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

STOCK = {"PUMP-7": 12, "VALVE-2": 0}
API_KEY = os.environ["INVENTORY_API_KEY"]


class Stock(BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        given = self.headers.get("X-Api-Key", "")
        if not hmac.compare_digest(given.encode(), API_KEY.encode()):
            return self.answer(401, {"error": "unauthorized", "message": "send a valid X-Api-Key"})
        prefix = "/stock/"
        sku = self.path[len(prefix):] if self.path.startswith(prefix) else ""
        if sku not in STOCK:
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"nope")
            return None
        return self.answer(200, {"sku": sku, "available": STOCK[sku]})


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(os.environ["SERVICE_PORT"])), Stock).serve_forever()
