// Node http2 (h2c) server that drains each connection after MAX_STREAMS requests with
// session.close() — GOAWAY(NO_ERROR), the streams in flight finish, then the TCP connection
// closes — like a per-connection request limit; on SIGUSR2 it drains everything with
// server.close() plus session.close() on every open session (a graceful shutdown).
'use strict';
const http2 = require('node:http2');
const [port = '8443', MAX_STREAMS = '150'] = process.argv.slice(2);
const body = Buffer.alloc(2500, 'node-h2 ');
const sessions = new Set();
let drained = 0;
const server = http2.createServer();
server.on('session', (s) => {
  sessions.add(s);
  s.on('close', () => sessions.delete(s));
  let n = 0;
  s.on('stream', () => {
    if (++n === Number(MAX_STREAMS)) {
      drained++;
      s.close();
    }
  });
});
server.on('stream', (stream, headers) => {
  const delay = headers[':path'].startsWith('/slow') ? 100 + Math.floor(Math.random() * 600) : 0;
  setTimeout(() => {
    if (stream.destroyed) return;
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': body.length });
    stream.end(body);
  }, delay);
});
server.listen(Number(port), '0.0.0.0');
process.on('SIGUSR2', () => {
  console.error(
    `node h2 server: shutting down, ${sessions.size} sessions open, ${drained} drained at the limit`,
  );
  server.close(() => {
    console.error('node h2 server: all sessions closed');
    process.exit(0);
  });
  for (const s of sessions) s.close();
});
