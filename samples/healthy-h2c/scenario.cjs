// healthy-h2c: Node http2 server (h2c, prior knowledge) on port 7810.
// Connection 0: Node http2 client, several concurrent and sequential streams (GET, POST with a
//   body) and a unary gRPC-shaped call answered properly: HEADERS, one length-prefixed message,
//   trailers (HEADERS with END_STREAM and grpc-status 0); a PING that is acknowledged.
// Connection 1: `curl --http2-prior-knowledge` (if curl is installed), one GET.
'use strict';
const http2 = require('http2');
const { execFile } = require('child_process');
const PORT = 7810;
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), ...a);
setTimeout(() => {
  log('hard timeout');
  process.exit(1);
}, 15000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const path = headers[':path'];
  let n = 0;
  stream.on('data', (d) => {
    n += d.length;
  });
  stream.on('end', () => {
    if (headers['content-type'] === 'application/grpc') {
      const msg = Buffer.from([0x0a, 0x03, 0x41, 0x64, 0x61]); // field 1 = "Ada"
      const frame = Buffer.alloc(5 + msg.length);
      frame.writeUInt32BE(msg.length, 1);
      msg.copy(frame, 5);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': '' }));
      stream.end(frame);
    } else {
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ path, received: n }));
    }
  });
});
server.listen(PORT, '127.0.0.1');

const call = (c, headers, body) =>
  new Promise((resolve) => {
    const r = c.request(headers);
    let status,
      trailers = null,
      size = 0;
    r.on('response', (h) => {
      status = h[':status'];
    });
    r.on('trailers', (t) => {
      trailers = t;
    });
    r.on('data', (d) => {
      size += d.length;
    });
    r.on('end', () => {
      log(headers[':path'], status, size, 'bytes', trailers ? 'grpc-status ' + trailers['grpc-status'] : '');
      resolve();
    });
    r.on('error', (e) => {
      log('error', e.message);
      resolve();
    });
    r.end(body);
  });

(async () => {
  await sleep(200);
  const c = http2.connect(`http://127.0.0.1:${PORT}`);
  await Promise.all([
    call(c, { ':path': '/users/1' }),
    call(c, { ':path': '/orders/7' }),
    call(c, { ':path': '/health' }),
  ]);
  await call(
    c,
    { ':method': 'POST', ':path': '/orders', 'content-type': 'application/json' },
    JSON.stringify({ sku: 'A-100', qty: 2 }),
  );
  await new Promise((r) =>
    c.ping(Buffer.from('healthy!'), (err, ms) => {
      log('ping', err ? err.code : `acked in ${ms.toFixed(2)} ms`);
      r();
    }),
  );
  const req = Buffer.from([0x08, 0x01]);
  const body = Buffer.alloc(5 + req.length);
  body.writeUInt32BE(req.length, 1);
  req.copy(body, 5);
  await call(
    c,
    {
      ':method': 'POST',
      ':path': '/users.v1.Users/GetUser',
      'content-type': 'application/grpc',
      te: 'trailers',
    },
    body,
  );
  await sleep(100);
  await new Promise((r) => c.close(r));
  await sleep(200);
  await new Promise((r) =>
    execFile(
      'curl',
      ['-sS', '--max-time', '5', '--http2-prior-knowledge', `http://127.0.0.1:${PORT}/curl/hello`],
      (err, out) => {
        log('curl:', err ? 'not run (' + err.code + ')' : out);
        r();
      },
    ),
  );
  await sleep(300);
  server.close();
  process.exit(0);
})();
