#!/usr/bin/env python3
"""Python requests through nginx: 40 GET /api/items/<id> that the application answers in ~20 ms,
and, in parallel, 3 GET /api/items/<id> that it takes 5 s to answer (a slow query for those ids)."""
import json
import sys
import threading
import time

import requests

base = sys.argv[1]
T0 = time.monotonic()
lock = threading.Lock()


def get(session, item, ms):
    t = time.monotonic()
    r = session.get(f"{base}/api/items/{item}?ms={ms}")
    with lock:
        print(json.dumps({"t": round(t - T0, 3), "item": item, "status": r.status_code, "took_s": round(time.monotonic() - t, 3)}), flush=True)


def slow(item):
    with requests.Session() as s:
        get(s, item, 5000)


threads = []
with requests.Session() as s:
    for i in range(40):
        if i in (8, 18, 28):
            th = threading.Thread(target=slow, args=(9000 + i,))
            th.start()
            threads.append(th)
        get(s, 100 + i, 20)
        time.sleep(0.1)
for th in threads:
    th.join()
