// HTTP/2 clients that behave like browsers: a request every 20-60 ms on one session, and a
// third of them cancelled 30-200 ms in (navigation, a closed tab, a superseded search) with
// RST_STREAM(CANCEL) — before the answer, or while it streams.
'use strict';
const http2 = require('node:http2');
const [url, CLIENTS = '4', N = '400'] = process.argv.slice(2);
const stats = { ok: 0, cancelled: 0, failed: 0 };
let seed = 3;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;

function client() {
  return new Promise((resolve) => {
    const s = http2.connect(url);
    let left = Number(N);
    let open = 0;
    const tick = () => {
      if (left-- <= 0) {
        const w = setInterval(() => open === 0 && (clearInterval(w), s.close(resolve)), 50);
        return;
      }
      const r = rnd();
      const path = r < 0.4 ? '/slow' : r < 0.7 ? '/stream' : '/fast';
      const req = s.request({ ':path': `${path}?r=${left}` });
      open++;
      let ended = false;
      let cancelled = false;
      req.on('data', () => {});
      req.on('end', () => (ended = true));
      req.on('close', () => {
        open--;
        stats[cancelled ? 'cancelled' : ended ? 'ok' : 'failed']++;
      });
      req.end();
      if (path !== '/fast' && rnd() < 0.45)
        setTimeout(
          () => {
            if (!ended && !req.closed) {
              cancelled = true;
              req.close(http2.constants.NGHTTP2_CANCEL);
            }
          },
          30 + Math.floor(rnd() * 170),
        );
      setTimeout(tick, 20 + Math.floor(rnd() * 40));
    };
    tick();
  });
}

(async () => {
  await Promise.all(Array.from({ length: Number(CLIENTS) }, client));
  console.log(JSON.stringify(stats));
})();
