// HTTP/2 (cleartext) server that streams every response: HEADERS at once, then 8 KiB DATA chunks
// every 2 ms until 512 KiB or until the client cancels. Node's http2 (nghttp2 inside).
'use strict';
const http2 = require('node:http2');
const port = Number(process.argv[2] || 8080);
const CHUNK = Buffer.alloc(8192, 0x61);
const server = http2.createServer();
let cancelled = 0;
server.on('stream', (stream, headers) => {
  stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' });
  let sent = 0;
  const timer = setInterval(() => {
    if (stream.destroyed || stream.closed) return clearInterval(timer);
    stream.write(CHUNK);
    sent += CHUNK.length;
    if (sent >= 512 * 1024) {
      clearInterval(timer);
      stream.end();
    }
  }, 2);
  stream.on('close', () => {
    clearInterval(timer);
    if (stream.rstCode === http2.constants.NGHTTP2_CANCEL) cancelled++;
  });
  stream.on('error', () => {});
});
server.listen(port, () => console.error(`[server] listening on ${port}`));
process.on('SIGTERM', () => {
  console.error(`[server] streams cancelled by the client: ${cancelled}`);
  process.exit(0);
});
