"""python-h2 as an HTTP/2 client: httpx.Client(http2=True) over TLS, 8 threads sharing the
client (streams multiplexed on one connection), 400 GETs; httpx writes the TLS secrets to
SSLKEYLOGFILE."""
import sys
import threading

import httpx

base, n = sys.argv[1], int(sys.argv[2])
paths = ["/tiny.json", "/small.json", "/page.json", "/list.json", "/big.json", "/missing.json"]
codes = {}
lock = threading.Lock()
with httpx.Client(http2=True, verify=False, timeout=10) as c:

    def worker(w):
        for i in range(w, n, 8):
            r = c.get(base + paths[i % len(paths)])
            with lock:
                key = f"{r.http_version} {r.status_code}"
                codes[key] = codes.get(key, 0) + 1

    ts = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
print(codes)
