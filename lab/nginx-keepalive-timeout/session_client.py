#!/usr/bin/env python3
"""Python requests.Session against nginx: bursts of requests separated by pauses. urllib3 keeps
the connection in its pool; when nginx has closed it (keepalive_timeout), urllib3 notices on the
next checkout (the socket reads as closed), closes it and opens a new one."""
import json
import sys
import time

import requests

url, pauses = sys.argv[1], [float(x) for x in sys.argv[2].split(",")]
s = requests.Session()
T0 = time.monotonic()
for i, pause in enumerate([0.0] + pauses):
    time.sleep(pause)
    for j in range(3):
        r = s.get(f"{url}/item/{i}-{j}")
        print(json.dumps({"t": round(time.monotonic() - T0, 3), "after_pause": pause, "status": r.status_code}), flush=True)
s.close()
