// HTTP/2 (h2c) clients as browsers and proxies behave: each keeps one session and sends a
// request every 20-80 ms, a few in flight; when the server sends GOAWAY the session takes no new
// requests (those in flight finish on it) and a new session is opened for the next ones.
'use strict';
const http2 = require('node:http2');
const [url, CLIENTS = '4', RUN_MS = '20000', DRAIN_PID] = process.argv.slice(2);
// With DRAIN_PID, the server is told to shut down gracefully (SIGUSR2) the moment the clients stop
// sending new requests, so its drain starts with requests in flight and none after it.
let drainSent = false;
const T0 = Date.now();
const stats = { ok: 0, failed: 0, retried: 0, goaways: 0, sessions: 0 };

function client() {
  let session = null;
  const fresh = () => {
    stats.sessions++;
    const s = http2.connect(url);
    s.on('goaway', () => {
      stats.goaways++;
      if (session === s) session = null;
    });
    s.on('error', (e) => console.error(`session error: ${e.message}`));
    return s;
  };
  const t0 = T0;
  return new Promise((resolve) => {
    let inflight = 0;
    // A request that crossed the GOAWAY (above its last-stream-id, so REFUSED_STREAM: never
    // processed, RFC 9113 §8.7) is retried on a new connection, as browsers and proxies do.
    const send = (path, attempt) => {
      if (!session || session.closed || session.destroyed) session = fresh();
      const s = session;
      inflight++;
      const req = s.request({ ':path': path });
      req.on('response', () => {});
      req.on('data', () => {});
      req.on('end', () => (inflight--, stats.ok++));
      req.on('error', (e) => {
        inflight--;
        if (e.code === 'ERR_HTTP2_STREAM_ERROR' && /REFUSED_STREAM/.test(e.message) && attempt < 2) {
          stats.retried++;
          if (session === s) session = null;
          send(path, attempt + 1);
        } else {
          stats.failed++;
          console.error(`request: ${e.message}`);
        }
      });
      req.end();
    };
    const tick = () => {
      if (Date.now() - t0 >= Number(RUN_MS)) {
        if (DRAIN_PID && !drainSent) {
          drainSent = true;
          process.kill(Number(DRAIN_PID), 'SIGUSR2');
        }
        const wait = setInterval(() => {
          if (inflight === 0) {
            clearInterval(wait);
            if (session) session.close();
            resolve();
          }
        }, 50);
        return;
      }
      send(Math.random() < 0.5 ? '/slow' : '/fast', 0);
      setTimeout(tick, 20 + Math.floor(Math.random() * 60));
    };
    tick();
  });
}

(async () => {
  await Promise.all(Array.from({ length: Number(CLIENTS) }, client));
  console.log(`h2 clients ${CLIENTS}: ${JSON.stringify(stats)}`);
})();
