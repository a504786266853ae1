"""Known-bad: a warehouse that keeps nothing.

Each slice is acknowledged with the number of moves it holds, nothing is applied, and the
batch totals are the ones an earlier check printed, typed in. The quantities change from one
check to the next, so these totals are wrong.
"""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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
        slice_ = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        return self.answer(200, {"batch": parts[1], "slice": slice_["slice"], "accepted": len(slice_["moves"])})

    def do_GET(self):
        batch = self.path.strip("/").split("/")[1]
        return self.answer(200, {"batch": batch, "slices": 3, "records": 9,
                                 "stock": {"PUMP-7": 12, "VALVE-2": 4, "HOSE-1": 7}})


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(os.environ["SERVICE_PORT"])), Warehouse).serve_forever()
