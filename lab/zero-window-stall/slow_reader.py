#!/usr/bin/env python3
"""An HTTP client that stops reading: a small receive buffer (SO_RCVBUF set before connect, so the
window scale stays small), GET /big.bin, then read 32 KiB and sleep --pause seconds, --stalls
times, then read the rest at full speed. The kernel advertises a zero window while the
application sleeps with a full buffer."""
import argparse
import json
import socket
import time

ap = argparse.ArgumentParser()
ap.add_argument("--host", required=True)
ap.add_argument("--port", type=int, default=8080)
ap.add_argument("--rcvbuf", type=int, default=8192)
ap.add_argument("--stalls", type=int, default=4)
ap.add_argument("--pause", type=float, default=1.5)
a = ap.parse_args()

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
s.connect((a.host, a.port))
print(json.dumps({"SO_RCVBUF_effective": s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)}), flush=True)
s.sendall(f"GET /big.bin HTTP/1.1\r\nHost: {a.host}\r\nConnection: close\r\n\r\n".encode())
T0 = time.monotonic()
total = 0
for i in range(a.stalls):
    got = 0
    while got < 32768:
        b = s.recv(32768 - got)
        if not b:
            break
        got += len(b)
    total += got
    print(json.dumps({"t": round(time.monotonic() - T0, 3), "read": total, "then": f"sleep {a.pause} s"}), flush=True)
    time.sleep(a.pause)
while True:
    b = s.recv(65536)
    if not b:
        break
    total += len(b)
print(json.dumps({"t": round(time.monotonic() - T0, 3), "read_total": total, "event": "EOF"}), flush=True)
s.close()
