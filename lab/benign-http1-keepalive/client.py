"""Thousands of HTTP/1.1 requests over reused keep-alive connections: requests.Session and
httpx.Client side by side (one thread each), a fixed pseudo-random mix of endpoints: JSON,
blobs of various sizes, chunked streams, POSTs with bodies, and some 404s."""
import random
import sys
import threading
import time

import httpx
import requests

BASE = sys.argv[1]
N = int(sys.argv[2])
stats = {}
lock = threading.Lock()


def plan(seed):
    rnd = random.Random(seed)
    for i in range(N):
        r = rnd.random()
        if r < 0.35:
            yield "GET", f"/api/items?n={rnd.randint(1, 40)}", None
        elif r < 0.60:
            yield "GET", f"/blob?size={rnd.choice([0, 10, 500, 1400, 1500, 3000, 9000, 20000])}", None
        elif r < 0.72:
            yield "GET", f"/stream?parts={rnd.randint(1, 6)}", None
        elif r < 0.87:
            yield "POST", "/upload", bytes(rnd.randint(1, 6000))
        elif r < 0.95:
            yield "GET", f"/static/{rnd.choice(['a.txt', 'b.css', 'c.js'])}", None
        else:
            yield "GET", f"/missing/{i}", None


def count(tag, status):
    with lock:
        stats[(tag, status)] = stats.get((tag, status), 0) + 1


def with_requests(seed):
    s = requests.Session()
    for i, (method, path, body) in enumerate(plan(seed)):
        if i == N // 2:
            time.sleep(12)  # an idle keep-alive connection, reused after 12 s
        r = s.request(method, BASE + path, data=body, timeout=10)
        _ = r.content
        count("requests", r.status_code)
        if rnd_pause(seed):
            time.sleep(0.05)
    s.close()


def with_httpx(seed):
    with httpx.Client(http2=False, timeout=10) as c:
        for method, path, body in plan(seed):
            r = c.request(method, BASE + path, content=body)
            _ = r.content
            count("httpx", r.status_code)


_pause = random.Random(7)


def rnd_pause(_seed):
    return _pause.random() < 0.02


threads = [
    threading.Thread(target=with_requests, args=(1,)),
    threading.Thread(target=with_requests, args=(2,)),
    threading.Thread(target=with_httpx, args=(3,)),
    threading.Thread(target=with_httpx, args=(4,)),
]
t0 = time.time()
for t in threads:
    t.start()
for t in threads:
    t.join()
for (tag, status), n in sorted(stats.items()):
    print(f"{tag} {status}: {n}")
print(f"total {sum(stats.values())} requests in {time.time() - t0:.1f} s")
