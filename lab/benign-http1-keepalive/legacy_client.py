"""requests against the HTTP/1.0 origin: each response ends with the connection, so every
request opens a new one; half the bodies have no Content-Length (read until the close)."""
import random
import sys

import requests

BASE, N = sys.argv[1], int(sys.argv[2])
rnd = random.Random(11)
s = requests.Session()
ok = 0
for i in range(N):
    kind = "sized" if rnd.random() < 0.5 else "open"
    r = s.get(f"{BASE}/{kind}?n={rnd.choice([0, 40, 700, 1460, 5000, 30000])}", timeout=10)
    ok += r.status_code == 200 and len(r.content) >= 0
print(f"legacy HTTP/1.0: {ok} of {N} answered 200")
