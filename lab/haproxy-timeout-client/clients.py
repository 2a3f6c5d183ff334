#!/usr/bin/env python3
"""Two kinds of clients of the proxy, in parallel:
- pooled keep-alive connections (as urllib3 does): GET /a, idle S seconds, then before reuse check
  whether the peer closed the connection (readable with EOF); if so close it and reconnect, then
  GET /b;
- tunnel users: GET /tunnel with Upgrade: websocket, then N messages one second apart (each
  echoed), then quiet until the connection ends.
Prints one JSON line per client."""
import argparse
import json
import select
import socket
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--host", required=True)
ap.add_argument("--port", type=int, default=8080)
ap.add_argument("--idle", default="2,4,7,9")
ap.add_argument("--tunnels", default="1,3,6")
a = ap.parse_args()
T0 = time.monotonic()
lock = threading.Lock()


def now():
    return round(time.monotonic() - T0, 3)


def log(**kw):
    with lock:
        print(json.dumps(kw), flush=True)


def get(s, path):
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: {a.host}\r\n\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(4096)
    head, body = buf.split(b"\r\n\r\n", 1)
    n = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
    while len(body) < n:
        body += s.recv(4096)
    return head.split(b"\r\n")[0].decode()


def pooled(idle):
    s = socket.create_connection((a.host, a.port))
    port = s.getsockname()[1]
    st = get(s, "/a")
    time.sleep(idle)
    r, _, _ = select.select([s], [], [], 0)
    dropped = bool(r) and s.recv(1, socket.MSG_PEEK) == b""
    if dropped:
        s.close()
        s = socket.create_connection((a.host, a.port))
    st2 = get(s, "/b")
    log(kind="pooled", port=port, idle=idle, first=st, peerClosedWhileIdle=dropped, second=st2, t=now())
    s.close()


def tunnel(n):
    s = socket.create_connection((a.host, a.port))
    port = s.getsockname()[1]
    t0 = now()
    s.sendall(
        f"GET /tunnel HTTP/1.1\r\nHost: {a.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(4096)
    status = buf.split(b"\r\n")[0].decode()
    for i in range(n):
        if i:
            time.sleep(1)
        s.sendall(b"ping %d\n" % i)
        s.recv(4096)
    last = now()
    while s.recv(4096):
        pass
    log(kind="tunnel", port=port, status=status, messages=n, start=t0, lastMessage=last, eof=now())
    s.close()


th = [threading.Thread(target=pooled, args=(int(x),)) for x in a.idle.split(",")]
th += [threading.Thread(target=tunnel, args=(int(x),)) for x in a.tunnels.split(",")]
for i, t in enumerate(th):
    t.start()
    time.sleep(0.2)
for t in th:
    t.join()
