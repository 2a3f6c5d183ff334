#!/usr/bin/env python3
"""Idle keep-alive connections, the way a pooled HTTP client uses them: one connection per
silence in --silences, all in parallel; each sends GET /first, stays silent for its silence, then
sends GET /after-<s>s on the same connection. A connection that fails is retried once on a fresh
connection (what requests/urllib3 retries do). --keepalive IDLE,INTVL,CNT turns on TCP keep-alives
(SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT). Prints one JSON line per connection."""
import argparse
import http.client
import json
import socket
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--host", required=True)
ap.add_argument("--port", type=int, default=8080)
ap.add_argument("--silences", default="10,20,40,50")
ap.add_argument("--keepalive", default="")
ap.add_argument("--stagger", type=float, default=0.3, help="seconds between connection starts")
a = ap.parse_args()
T0 = time.monotonic()
lock = threading.Lock()


def now():
    return round(time.monotonic() - T0, 3)


def log(**kw):
    with lock:
        print(json.dumps(kw), flush=True)


def connect():
    c = http.client.HTTPConnection(a.host, a.port, timeout=None)
    c.connect()
    if a.keepalive:
        idle, intvl, cnt = (int(x) for x in a.keepalive.split(","))
        s = c.sock
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, intvl)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, cnt)
    return c


def get(c, path):
    c.request("GET", path)
    r = c.getresponse()
    r.read()
    return r.status


def run(silence):
    c = connect()
    port = c.sock.getsockname()[1]
    st = get(c, "/first")
    log(conn=port, silence=silence, t=now(), event="first", status=st)
    time.sleep(silence)
    t = now()
    try:
        st = get(c, f"/after-{silence:g}s")
        log(conn=port, silence=silence, t=now(), event="after", status=st, survived=True)
        c.close()
    except (OSError, http.client.HTTPException) as e:
        log(conn=port, silence=silence, t=now(), sent=t, event="after", error=repr(e), survived=False)
        c.close()
        c = connect()
        st = get(c, f"/retry-{silence:g}s")
        log(conn=c.sock.getsockname()[1], silence=silence, t=now(), event="retry", status=st)
        c.close()


threads = []
for s in [float(x) for x in a.silences.split(",")]:
    th = threading.Thread(target=run, args=(s,))
    th.start()
    threads.append(th)
    time.sleep(a.stagger)
for th in threads:
    th.join()
