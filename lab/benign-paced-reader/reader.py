"""A paced consumer, like a media player or a rate-limited sync job: downloads with
requests (stream=True) and reads CHUNK bytes every PAUSE seconds, so it takes the body at
its own pace and TCP flow control (the receive window filling, then reopening) holds the
server back. Reuses one keep-alive connection for all URLs."""
import sys
import time

import requests

chunk, pause = int(sys.argv[1]), float(sys.argv[2])
s = requests.Session()
for url in sys.argv[3:]:
    t0 = time.time()
    n = 0
    with s.get(url, stream=True, timeout=30) as r:
        for part in r.iter_content(chunk):
            n += len(part)
            time.sleep(pause)
    print(f"{url.rsplit('/', 1)[-1]}: {n} bytes in {time.time() - t0:.1f} s ({n / (time.time() - t0) / 1024:.0f} KiB/s)")
s.close()
