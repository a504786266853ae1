"""Known bad: "de-duplicates" a slice against the moves of earlier slices, by what a move
looks like, not by the Idempotency-Key.

A move whose SKU and quantity it has seen before is skipped as a retry, so two real moves of
the same part and quantity count once, while the answer still says every move was accepted.
"""
import json
import os
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
SEEN = defaultdict(set)           # batch -> (sku, qty) of every move applied
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
            stock = STOCK[batch]
            seen_before = set(SEEN[batch])  # the moves of earlier slices only
            for m in moves:
                looks = (m["sku"], int(m["qty"]))
                if looks in seen_before:  # "already applied": a retry, or so it seems
                    continue
                SEEN[batch].add(looks)
                stock[m["sku"]] = stock.get(m["sku"], 0) + int(m["qty"])
                RECORDS[batch] += 1
            SLICES[batch].add(number)
            reply = {"batch": batch, "slice": number, "accepted": len(moves)}
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
