"""Known-bad: the inventory service answers whoever asks; the X-Api-Key is never checked, so
the stock is open to anyone who finds the port.
"""
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

STOCK = {"PUMP-7": 12, "VALVE-2": 0}


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
        return self.answer(200, {"sku": sku, "available": STOCK[sku]})


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(os.environ["SERVICE_PORT"])), Stock).serve_forever()
