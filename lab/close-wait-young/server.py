#!/usr/bin/env python3
"""A line server that never closes its side: it reads until the client's FIN (EOF) and then keeps
the socket (the bug: no close() after EOF), so every connection whose client is done sits in
CLOSE_WAIT on this host until the process exits."""
import socket
import sys
import threading

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7400
kept = []
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", port))
srv.listen(128)


def serve(s):
    while True:
        b = s.recv(4096)
        if not b:
            break  # EOF: the client closed; we should close() here and do not
    kept.append(s)


while True:
    s, _ = srv.accept()
    threading.Thread(target=serve, args=(s,), daemon=True).start()
