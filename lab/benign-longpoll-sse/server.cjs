// Long-poll and server-sent events origin.
//  GET /poll?since=N  held until the next event (10-25 s later), then answered with it (JSON).
//  GET /events        text/event-stream: an event every 2-5 s for DURATION_S, then the server
//                     ends the stream (a final "bye" event, chunked terminator).
'use strict';
const http = require('node:http');
const [port = '8080', DURATION_S = '60'] = process.argv.slice(2);
let seed = 99;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
let polls = 0;
let streams = 0;

http
  .createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/poll') {
      polls++;
      const holdMs = 10000 + Math.floor(rnd() * 15000);
      const t = setTimeout(() => {
        const body = JSON.stringify({
          since: Number(url.searchParams.get('since') || 0) + 1,
          heldMs: holdMs,
          events: [{ type: 'order.updated', id: polls }],
        });
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'cache-control': 'no-store',
        });
        res.end(body);
      }, holdMs);
      req.on('close', () => clearTimeout(t));
    } else if (url.pathname === '/events') {
      streams++;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 3000\n\n');
      const end = Date.now() + Number(DURATION_S) * 1000;
      let id = 0;
      let t = null;
      const next = () => {
        if (Date.now() >= end) return res.end('event: bye\ndata: {}\n\n');
        id++;
        res.write(`id: ${id}\nevent: tick\ndata: {"n":${id},"price":${(100 + rnd() * 5).toFixed(2)}}\n\n`);
        t = setTimeout(next, 2000 + Math.floor(rnd() * 3000));
      };
      next();
      req.on('close', () => clearTimeout(t));
    } else {
      res.writeHead(404, { 'content-length': 0 });
      res.end();
    }
  })
  .listen(Number(port), '0.0.0.0');
process.on('SIGTERM', () => {
  console.error(`origin: ${polls} polls, ${streams} event streams`);
  process.exit(0);
});
