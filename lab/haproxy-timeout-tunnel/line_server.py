#!/usr/bin/env python3
"""A line protocol server (think Redis or a database wire protocol, reduced to one command):
each line received is answered with "OK <line>". Closes its side when the peer closes."""
import socketserver


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(b"OK " + line)


socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.daemon_threads = True
socketserver.ThreadingTCPServer(("0.0.0.0", 6380), Handler).serve_forever()
