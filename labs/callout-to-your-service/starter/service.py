"""The inventory service the org calls out to: GET /stock/<sku> on 127.0.0.1:$SERVICE_PORT."""
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

STOCK = {"PUMP-7": 12, "VALVE-2": 0}


class Stock(BaseHTTPRequestHandler):
    def do_GET(self):
        # TODO: answer 401 unless X-Api-Key equals $INVENTORY_API_KEY, 404 (JSON) for an
        #       unknown SKU, and 200 with {"sku": ..., "available": ...} otherwise.
        self.send_response(501)
        self.end_headers()


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(os.environ["SERVICE_PORT"])), Stock).serve_forever()
