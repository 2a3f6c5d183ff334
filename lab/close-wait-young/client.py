#!/usr/bin/env python3
"""Clients of the line server: each connects, sends one line and closes (FIN) at its scheduled
time. --at is a comma list of seconds (from start) at which a client closes."""
import argparse
import json
import socket
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--host", required=True)
ap.add_argument("--port", type=int, default=7400)
ap.add_argument("--at", required=True)
a = ap.parse_args()
T0 = time.monotonic()


def run(t):
    time.sleep(max(0, t - 0.1 - (time.monotonic() - T0)))
    s = socket.create_connection((a.host, a.port))
    s.sendall(b"PING\n")
    time.sleep(max(0, t - (time.monotonic() - T0)))
    port = s.getsockname()[1]
    s.close()
    print(json.dumps({"port": port, "closedAt": round(time.monotonic() - T0, 3)}), flush=True)


ts = [float(x) for x in a.at.split(",")]
th = [threading.Thread(target=run, args=(t,)) for t in ts]
for t in th:
    t.start()
for t in th:
    t.join()
