// The same long-poll and SSE patterns over HTTP/2: one Node http2 session per client carrying a
// long-poll loop (each GET /poll held 10-25 s) and an SSE stream (GET /events, an event every
// 2-5 s for a minute) side by side, as a browser tab multiplexes them.
'use strict';
const http2 = require('node:http2');
const [url, CLIENTS = '4', RUN_S = '70'] = process.argv.slice(2);
const stats = { polls: 0, events: 0, streamsEnded: 0 };

function client(i) {
  const s = http2.connect(url);
  const t0 = Date.now();
  const poll = (since) =>
    new Promise((resolve) => {
      const req = s.request({ ':path': `/poll?since=${since}&h2=${i}` });
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d) => (body += d));
      req.on('end', () => resolve(JSON.parse(body).since));
    });
  const loop = async () => {
    let since = 0;
    while (Date.now() - t0 < Number(RUN_S) * 1000) {
      since = await poll(since);
      stats.polls++;
    }
  };
  const sse = new Promise((resolve) => {
    const req = s.request({ ':path': `/events?h2=${i}` });
    req.setEncoding('utf8');
    req.on('data', (d) => (stats.events += (d.match(/^data:/gm) || []).length));
    req.on('end', () => (stats.streamsEnded++, resolve()));
  });
  return Promise.all([loop(), sse]).then(() => s.close());
}

(async () => {
  await Promise.all(Array.from({ length: Number(CLIENTS) }, (_, i) => client(i)));
  console.log(JSON.stringify(stats));
})();
