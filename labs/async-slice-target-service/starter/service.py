"""The warehouse service a nightly Batch Apex job calls, one slice of stock moves at a time.

POST /batches/<batch>/slices   header Idempotency-Key: <batch>-<n>
     body {"batch": ..., "slice": n, "moves": [{"move": ..., "sku": ..., "qty": ...}, ...]}
GET  /batches/<batch>          what has been applied so far
"""
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer


class Warehouse(BaseHTTPRequestHandler):
    def do_POST(self):
        # TODO: apply the slice's moves to the stock, once per Idempotency-Key, and answer
        #       200 {"batch": ..., "slice": n, "accepted": <moves in the slice>}.
        #       A retry of a slice you already applied gets the same answer, and changes nothing.
        self.send_response(501)
        self.end_headers()

    def do_GET(self):
        # TODO: answer 200 {"batch": ..., "slices": <distinct slices>, "records": <moves applied>,
        #       "stock": {"<sku>": <sum of qty>, ...}}
        self.send_response(501)
        self.end_headers()


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(os.environ["SERVICE_PORT"])), Warehouse).serve_forever()
