// Origin behind nginx: small fixed-size bodies, JSON, chunked responses written in parts,
// POST echo, and 404 for anything else. Node's http server keeps connections alive (nginx
// reuses them through its upstream keepalive pool).
'use strict';
const http = require('node:http');
const port = Number(process.argv[2] || 8080);
const filler = Buffer.alloc(256 * 1024, 'abcdefghijklmnopqrstuvwxyz0123456789\n');

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (url.pathname === '/api/items') {
      const n = Number(url.searchParams.get('n') || 3);
      const items = Array.from({ length: n }, (_, i) => ({ id: i, name: `item-${i}`, price: i * 3 }));
      const out = Buffer.from(JSON.stringify({ items, total: n }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length });
      res.end(out);
    } else if (url.pathname === '/blob') {
      const size = Math.min(Number(url.searchParams.get('size') || 1000), filler.length);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      res.end(filler.subarray(0, size));
    } else if (url.pathname === '/stream') {
      // No content-length: chunked transfer coding, written in parts.
      const parts = Number(url.searchParams.get('parts') || 4);
      res.writeHead(200, { 'content-type': 'text/plain' });
      let i = 0;
      const next = () => {
        if (i++ >= parts) return res.end('done\n');
        res.write(filler.subarray(0, 200 + 37 * i));
        setTimeout(next, 2);
      };
      next();
    } else if (url.pathname === '/etag') {
      // Conditional GET: 304 (no body) when the client already has version "v1".
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=60' });
        res.end();
      } else {
        res.writeHead(200, { etag: '"v1"', 'content-type': 'text/plain', 'content-length': 1200 });
        res.end(filler.subarray(0, 1200));
      }
    } else if (url.pathname.startsWith('/items/') && req.method === 'DELETE') {
      res.writeHead(204);
      res.end();
    } else if (url.pathname === '/upload' && req.method === 'POST') {
      const out = Buffer.from(JSON.stringify({ received: body.length }));
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': out.length });
      res.end(out);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain', 'content-length': 10 });
      res.end('not found\n');
    }
  });
});
server.keepAliveTimeout = 65000;
server.listen(port, '0.0.0.0');
