"""An HTTP/1.0-style origin (Python's http.server, protocol HTTP/1.0): every response closes the
connection; some bodies carry Content-Length, others are delimited by the close alone (RFC 9112
section 6.3, last rule: legal, and still common from embedded devices and old CGI stacks)."""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        n = int(self.path.rsplit("=", 1)[-1]) if "=" in self.path else 300
        body = (b"legacy-line 0123456789\n" * (n // 23 + 1))[:n]
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if "/sized" in self.path:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), Handler).serve_forever()
