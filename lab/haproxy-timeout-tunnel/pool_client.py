#!/usr/bin/env python3
"""A connection pool's view of long-lived connections: one connection per silence, each sends a
command, waits for its answer, stays idle (not reading: a pooled connection nobody uses), then
sends the next command on the same connection. Prints one JSON line per event."""
import json
import socket
import sys
import threading
import time

host, port, silences = sys.argv[1], int(sys.argv[2]), [float(x) for x in sys.argv[3].split(",")]
T0 = time.monotonic()
lock = threading.Lock()


def log(**kw):
    kw["t"] = round(time.monotonic() - T0, 3)
    with lock:
        print(json.dumps(kw), flush=True)


def run(silence):
    s = socket.create_connection((host, port))
    me = s.getsockname()[1]
    f = s.makefile("rb")
    s.sendall(b"GET key1\n")
    log(conn=me, silence=silence, event="answer", got=f.readline().decode().strip())
    time.sleep(silence)
    try:
        s.sendall(b"GET key2\n")
        got = f.readline().decode().strip()
        log(conn=me, silence=silence, event="after", got=got or "<EOF: closed by peer>")
    except OSError as e:
        log(conn=me, silence=silence, event="after", error=repr(e))
    s.close()


ts = []
for sl in silences:
    t = threading.Thread(target=run, args=(sl,))
    t.start()
    ts.append(t)
    time.sleep(0.3)
for t in ts:
    t.join()
