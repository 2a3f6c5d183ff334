// HTTP/2 clients working in bursts: 5-40 requests, then a pause of 1-6 s. When the server has
// closed an idle connection in between (GOAWAY NO_ERROR, then FIN), the next burst opens a new
// session — what browsers, gRPC channels and HTTP client pools do.
'use strict';
const http2 = require('node:http2');
const [url, CLIENTS = '4', BURSTS = '10'] = process.argv.slice(2);
const stats = { ok: 0, failed: 0, sessions: 0, goaways: 0 };
let seed = 21;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;

async function client() {
  let s = null;
  for (let b = 0; b < Number(BURSTS); b++) {
    if (!s || s.closed || s.destroyed) {
      stats.sessions++;
      s = http2.connect(url);
      s.on('goaway', () => stats.goaways++);
      s.on('error', () => {});
    }
    const n = 5 + Math.floor(rnd() * 36);
    await Promise.all(
      Array.from(
        { length: n },
        (_, k) =>
          new Promise((resolve) => {
            const req = s.request({ ':path': `/item${(k % 5) + 1}.json` });
            req.on('data', () => {});
            req.on('end', () => (stats.ok++, resolve()));
            req.on('error', () => (stats.failed++, resolve()));
            req.end();
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, [1000, 2000, 4000, 6000][Math.floor(rnd() * 4)]));
  }
  if (s && !s.closed) s.close();
}

(async () => {
  await Promise.all(Array.from({ length: Number(CLIENTS) }, client));
  console.log(JSON.stringify(stats));
})();
