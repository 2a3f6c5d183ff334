// Node http2 (h2c) server streaming large bodies (GET /file?size=N) as fast as flow control lets it.
'use strict';
const http2 = require('node:http2');
const chunk = Buffer.alloc(64 * 1024, 'window-shrink ');
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const size = Number(new URL(headers[':path'], 'http://x').searchParams.get('size') || 100000);
  stream.respond({ ':status': 200, 'content-type': 'application/octet-stream', 'content-length': size });
  let left = size;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!stream.write(chunk.subarray(0, n))) return stream.once('drain', pump);
    }
    stream.end();
  };
  pump();
});
server.listen(Number(process.argv[2] || 8080), '0.0.0.0');
