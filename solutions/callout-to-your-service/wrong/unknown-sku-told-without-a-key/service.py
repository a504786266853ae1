"""Known bad: the service looks the SKU up before it checks the key, so anyone without the key
learns which SKUs exist (an unknown one answers 404, not 401).

GET /stock/<sku> answers 200 with the stock, 404 for an unknown SKU, 401 without the right key.
The key is read from the environment; the org injects it from the principal on every call.
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
        prefix = "/stock/"
        sku = self.path[len(prefix):] if self.path.startswith(prefix) else ""
        if sku not in STOCK:
            return self.answer(404, {"error": "not_found", "message": f"no SKU {sku!r}"})
        given = self.headers.get("X-Api-Key", "")
        if not hmac.compare_digest(given.encode(), API_KEY.encode()):
            return self.answer(401, {"error": "unauthorized", "message": "send a valid X-Api-Key"})
        return self.answer(200, {"sku": sku, "available": STOCK[sku]})


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(os.environ["SERVICE_PORT"])), Stock).serve_forever()
