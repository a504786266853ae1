"""Known bad: an unknown SKU is answered 200 with zero stock, so the caller cannot tell
"sold out" from "no such product". Otherwise the same as the reference.
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
        return self.answer(200, {"sku": sku, "available": STOCK.get(sku, 0)})


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(os.environ["SERVICE_PORT"])), Stock).serve_forever()
