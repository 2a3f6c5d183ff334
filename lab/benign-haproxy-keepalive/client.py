"""requests.Session clients through HAProxy: bursts of requests separated by pauses of 0.5-6 s,
some longer than HAProxy's `timeout http-keep-alive` (3 s), after which HAProxy has closed the
idle connection and urllib3 notices and opens a new one."""
import random
import sys
import threading
import time

import requests

BASE, CLIENTS, BURSTS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
stats = {}
lock = threading.Lock()


def client(i):
    rnd = random.Random(100 + i)
    s = requests.Session()
    for b in range(BURSTS):
        for k in range(rnd.randint(3, 30)):
            r = s.get(f"{BASE}/api/items?n={rnd.randint(1, 30)}&c={i}", timeout=10)
            _ = r.content
            with lock:
                stats[r.status_code] = stats.get(r.status_code, 0) + 1
        time.sleep(rnd.choice([0.5, 1, 2, 4, 6]))
    s.close()


threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print({str(k): v for k, v in sorted(stats.items())})
