"""requests.Session sending ever-growing cookies (up to ~24 KB, as tracking and session cookies
pile up) and receiving 20 KB of Set-Cookie/Link headers per response: header sections that span
several TCP segments in both directions, on keep-alive connections through nginx."""
import sys

import requests

base, n = sys.argv[1], int(sys.argv[2])
codes = {}
for c in range(3):
    s = requests.Session()
    for i in range(n):
        size = 500 + (i * 97) % 24000
        r = s.get(f"{base}/profile?i={i}", headers={"Cookie": f"session={'s' * size}; theme=dark", "X-Trace": "t" * (i % 4000)})
        codes[r.status_code] = codes.get(r.status_code, 0) + 1
    s.close()
print(codes)
