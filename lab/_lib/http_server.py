#!/usr/bin/env python3
"""A plain HTTP/1.1 keep-alive server (Python's http.server, one thread per connection) for lab
scenarios: GET /<anything> answers a small JSON body; GET /slow?ms=N waits N ms first; GET
/big?bytes=N answers N bytes. Connections stay open until the client closes them (no idle timeout
of its own), like many application servers behind a NAT."""
import argparse
import json
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        if "ms" in q:
            time.sleep(int(q["ms"][0]) / 1000)
        if u.path == "/big":
            n = int(q.get("bytes", ["1000000"])[0])
            self.send_response(200)
            self.send_header("content-type", "application/octet-stream")
            self.send_header("content-length", str(n))
            self.end_headers()
            chunk = b"x" * 65536
            while n > 0:
                self.wfile.write(chunk[: min(n, len(chunk))])
                n -= len(chunk)
            return
        body = json.dumps({"path": u.path, "t": round(time.time(), 3)}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


class DualStackServer(ThreadingHTTPServer):
    """Listens on :: with IPV6_V6ONLY off: IPv6 clients and IPv4 ones (as ::ffff:a.b.c.d)."""

    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8080)
    a = ap.parse_args()
    DualStackServer(("::", a.port), Handler).serve_forever()
