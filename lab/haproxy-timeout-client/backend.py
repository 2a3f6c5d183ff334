#!/usr/bin/env python3
"""HTTP/1.1 keep-alive backend: GET /tunnel with `Upgrade: websocket` switches protocols (101) and
then echoes whatever arrives on the connection (a WebSocket-style tunnel, without framing);
anything else answers a small JSON body."""
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        u = urlparse(self.path)
        if u.path == "/tunnel" and self.headers.get("upgrade", "").lower() == "websocket":
            self.send_response(101)
            self.send_header("upgrade", "websocket")
            self.send_header("connection", "Upgrade")
            # The RFC 6455 accept value for the client's fixed key (the tunnel carries no framing).
            self.send_header("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
            self.end_headers()
            self.wfile.flush()
            try:
                while True:
                    b = self.connection.recv(4096)
                    if not b:
                        break
                    self.connection.sendall(b)
            except OSError:
                pass
            self.close_connection = True
            return
        body = json.dumps({"path": u.path}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
