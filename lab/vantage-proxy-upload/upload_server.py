#!/usr/bin/env python3
"""A backend for uploads: POST /upload/<name>?ms=N reads the whole body, waits N ms, then answers
200 with the byte count (JSON). HTTP/1.1, a thread per connection."""
import argparse
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        n = 0
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                n += len(self.rfile.read(size))
                self.rfile.readline()
        else:
            left = int(self.headers.get("content-length", "0"))
            while left > 0:
                b = self.rfile.read(min(left, 65536))
                if not b:
                    break
                n += len(b)
                left -= len(b)
        if "ms" in q:
            time.sleep(int(q["ms"][0]) / 1000)
        body = json.dumps({"path": u.path, "bytes": n}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the proxy gave up and closed first: its socket answers the late reply with an RST

    def log_message(self, fmt, *args):
        pass


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8080)
    a = ap.parse_args()
    ThreadingHTTPServer(("0.0.0.0", a.port), Handler).serve_forever()
