// HTTP/1.1 origin behind nginx: /slow answers after 150-900 ms, /stream sends 20 chunks 40 ms
// apart (chunked), /fast at once.
'use strict';
const http = require('node:http');
const body = Buffer.alloc(4000, 'origin ');
let aborted = 0;
http
  .createServer((req, res) => {
    req.on('close', () => {
      if (!res.writableEnded) aborted++;
    });
    if (req.url.startsWith('/slow')) {
      const t = setTimeout(
        () => res.writeHead(200, { 'content-length': body.length }).end(body),
        150 + Math.floor(Math.random() * 750),
      );
      res.on('close', () => clearTimeout(t));
    } else if (req.url.startsWith('/stream')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let n = 0;
      const t = setInterval(
        () => (++n > 20 ? (clearInterval(t), res.end()) : res.write(body.subarray(0, 1500))),
        40,
      );
      res.on('close', () => clearInterval(t));
    } else {
      res.writeHead(200, { 'content-length': body.length }).end(body);
    }
  })
  .listen(Number(process.argv[2] || 8080), '0.0.0.0');
process.on('SIGTERM', () => {
  console.error(`origin: ${aborted} requests aborted by the proxy`);
  process.exit(0);
});
