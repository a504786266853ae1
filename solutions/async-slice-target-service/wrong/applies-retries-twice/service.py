"""Known bad: applies every slice it receives, so a retried slice is counted twice.

Every slice carries an Idempotency-Key. The first time a key arrives, its moves are applied
and the answer is remembered under the key; when the job retries the slice, the remembered
answer is sent again and the stock is left alone. Answers go out at once: nothing here is slow.
"""
import json
import os
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
ANSWERS = {}                      # Idempotency-Key -> the answer given the first time
STOCK = defaultdict(dict)         # batch -> {sku: total qty}
SLICES = defaultdict(set)         # batch -> slice numbers applied
RECORDS = defaultdict(int)        # batch -> moves applied


class Warehouse(BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        parts = self.path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "batches" or parts[2] != "slices":
            return self.answer(404, {"error": "not_found", "message": f"no route {self.path}"})
        key = self.headers.get("Idempotency-Key", "")
        if not key:
            return self.answer(400, {"error": "missing_key", "message": "send an Idempotency-Key header"})
        try:
            length = int(self.headers.get("Content-Length", "0"))
            slice_ = json.loads(self.rfile.read(length))
            moves = slice_["moves"]
            number = int(slice_["slice"])
        except (ValueError, KeyError, TypeError) as e:
            return self.answer(400, {"error": "bad_slice", "message": f"unreadable slice: {e}"})
        batch = parts[1]
        with LOCK:
            if True:  # never looks the key up: a retry is applied again
                stock = STOCK[batch]
                for m in moves:
                    stock[m["sku"]] = stock.get(m["sku"], 0) + int(m["qty"])
                SLICES[batch].add(number)
                RECORDS[batch] += len(moves)
                ANSWERS[key] = {"batch": batch, "slice": number, "accepted": len(moves)}
            reply = ANSWERS[key]
        return self.answer(200, reply)

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "batches":
            return self.answer(404, {"error": "not_found", "message": f"no route {self.path}"})
        batch = parts[1]
        with LOCK:
            body = {"batch": batch, "slices": len(SLICES[batch]),
                    "records": RECORDS[batch], "stock": dict(STOCK[batch])}
        return self.answer(200, body)


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(os.environ["SERVICE_PORT"])), Warehouse).serve_forever()
