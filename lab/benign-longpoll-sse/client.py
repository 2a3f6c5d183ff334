"""Long-poll loops (requests.Session: each poll held 10-25 s by the server, the next one sent as
soon as the answer arrives, on the same keep-alive connection) and server-sent event readers
(requests with stream=True, reading lines until the server ends the stream)."""
import sys
import threading
import time

import requests

BASE = sys.argv[1]
POLLERS = int(sys.argv[2])
READERS = int(sys.argv[3])
RUN_S = float(sys.argv[4])
out = {"polls": 0, "events": 0, "streams_ended": 0}
lock = threading.Lock()


def poller(i):
    s = requests.Session()
    since = 0
    t0 = time.time()
    while time.time() - t0 < RUN_S:
        r = s.get(f"{BASE}/poll", params={"since": since, "c": i}, timeout=40)
        since = r.json()["since"]
        with lock:
            out["polls"] += 1
    s.close()


def reader(i):
    with requests.get(f"{BASE}/events", params={"c": i}, stream=True, timeout=40) as r:
        for line in r.iter_lines():
            if line.startswith(b"data:"):
                with lock:
                    out["events"] += 1
    with lock:
        out["streams_ended"] += 1


threads = [threading.Thread(target=poller, args=(i,)) for i in range(POLLERS)]
threads += [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
for i, t in enumerate(threads):
    t.start()
    time.sleep(0.2)
for t in threads:
    t.join()
print(out)
