"""Thousands of HTTP/1.1 requests over reused keep-alive connections: requests.Session and
httpx.Client side by side (one thread each), a fixed pseudo-random mix of endpoints: JSON,
blobs of various sizes, chunked streams, POSTs with bodies, static files, bodiless answers
(304 revalidations, HEAD, 204 to DELETE), and some 404s."""
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
    """(method, path, body, headers) for N requests; the same for a given seed."""
    rnd = random.Random(seed)
    for i in range(N):
        r = rnd.random()
        if r < 0.30:
            yield "GET", f"/api/items?n={rnd.randint(1, 40)}", None, {}
        elif r < 0.52:
            yield "GET", f"/blob?size={rnd.choice([0, 10, 500, 1400, 1500, 3000, 9000, 20000])}", None, {}
        elif r < 0.62:
            yield "GET", f"/stream?parts={rnd.randint(1, 6)}", None, {}
        elif r < 0.75:
            yield "POST", "/upload", bytes(rnd.randint(1, 6000)), {}
        elif r < 0.83:
            yield "GET", f"/static/{rnd.choice(['a.txt', 'b.css', 'c.js'])}", None, {}
        elif r < 0.86:
            # Revalidation: nginx answers 304 with no body (and no Content-Length).
            yield "GET", "/static/b.css", None, {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
        elif r < 0.89:
            # HEAD: Content-Length of the file, no body follows.
            yield "HEAD", f"/static/{rnd.choice(['a.txt', 'c.js'])}", None, {}
        elif r < 0.92:
            # The origin's ETag revalidation: 304 with an ETag and no body.
            yield "GET", "/etag", None, {"If-None-Match": '"v1"'} if rnd.random() < 0.7 else {}
        elif r < 0.95:
            yield "DELETE", f"/items/{i}", None, {}
        else:
            yield "GET", f"/missing/{i}", None, {}


def count(tag, status):
    with lock:
        stats[(tag, status)] = stats.get((tag, status), 0) + 1


def with_requests(seed):
    s = requests.Session()
    for i, (method, path, body, headers) in enumerate(plan(seed)):
        if i == N // 2:
            time.sleep(12)  # an idle keep-alive connection, reused after 12 s
        r = s.request(method, BASE + path, data=body, headers=headers, timeout=10)
        _ = r.content
        count("requests", r.status_code)
        if rnd_pause(seed):
            time.sleep(0.05)
    s.close()


def with_httpx(seed):
    with httpx.Client(http2=False, timeout=10) as c:
        for method, path, body, headers in plan(seed):
            r = c.request(method, BASE + path, content=body, headers=headers)
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
