// Node http2 clients that change SETTINGS_INITIAL_WINDOW_SIZE while downloads are in flight:
// each session starts with 1 MiB stream windows, shrinks them to 16 KiB once 600 KB have
// arrived (four streams open, megabytes to come), then raises them to 256 KiB 300 ms later. RFC 9113 §6.9.2: the change applies to every open
// stream at once, and a sender whose window goes negative (it had already sent more than the
// new size) must simply wait for WINDOW_UPDATEs — legal on both sides.
'use strict';
const http2 = require('node:http2');
const [url, SESSIONS = '4', PER = '12'] = process.argv.slice(2);
const stats = { ok: 0, bytes: 0, settingsAcked: 0 };

function session(i) {
  return new Promise((resolve) => {
    const s = http2.connect(url, { settings: { initialWindowSize: 1 << 20 } });
    let done = 0;
    let got = 0;
    let shrunk = false;
    const n = Number(PER);
    const get = (k) => {
      const size = [200000, 500000, 1500000][k % 3];
      const req = s.request({ ':path': `/file?size=${size}&s=${i}&k=${k}` });
      req.on('data', (d) => {
        stats.bytes += d.length;
        got += d.length;
        // Mid-transfer, with megabytes still to come on four open streams: shrink, then grow.
        if (!shrunk && got > 600000) {
          shrunk = true;
          s.settings({ initialWindowSize: 16384 }, () => stats.settingsAcked++);
          setTimeout(() => {
            if (!s.closed && !s.destroyed)
              s.settings({ initialWindowSize: 256 * 1024 }, () => stats.settingsAcked++);
          }, 300);
        }
      });
      req.on('end', () => {
        stats.ok++;
        if (++done === n) s.close(resolve);
        else if (k + 4 < n) get(k + 4);
      });
      req.end();
    };
    for (let k = 0; k < 4 && k < n; k++) get(k);
  });
}

(async () => {
  await Promise.all(Array.from({ length: Number(SESSIONS) }, (_, i) => session(i)));
  console.log(JSON.stringify(stats));
})();
