// h2-empty-data-end-stream: the shape Go's httputil.ReverseProxy with FlushInterval: -1 produces in
// front of a gRPC backend that answers Trailers-Only. Debian's Go is 1.19 (no std-lib h2c), so
// backend and proxy are written with Node's http2 module (h2c, prior knowledge) and do what Go does:
//   backend (7601): Trailers-Only -> one HEADERS frame with END_STREAM carrying grpc-status.
//   proxy (7600):   copies the backend response headers (grpc-status included, as Go puts
//                   Trailers-Only fields in the Header map), flushes them at once (FlushInterval -1)
//                   -> HEADERS without END_STREAM; the backend body is empty and there are no
//                   trailers, so when the handler returns the stream is ended with an empty DATA
//                   frame carrying END_STREAM. The gRPC client sees no trailers.
//   client: Node http2 client, a unary gRPC call (content-type application/grpc, 5-byte prefix).
'use strict';
const http2 = require('http2');
const PROXY = 7600,
  BACKEND = 7601;
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), ...a);
setTimeout(() => {
  log('hard timeout');
  process.exit(1);
}, 15000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const backend = http2.createServer();
backend.on('stream', (stream, headers) => {
  stream.on('data', () => {});
  stream.on('end', () => {
    log('backend: Trailers-Only response for', headers[':path']);
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': '5',
        'grpc-message': 'user not found',
      },
      { endStream: true },
    );
  });
});
backend.listen(BACKEND, '127.0.0.1');

let upstream;
const proxy = http2.createServer();
proxy.on('stream', (down, headers) => {
  if (!upstream) upstream = http2.connect(`http://127.0.0.1:${BACKEND}`);
  const fwd = {};
  for (const [k, v] of Object.entries(headers))
    if (!k.startsWith(':') || k === ':method' || k === ':path') fwd[k] = v;
  const up = upstream.request(fwd);
  down.pipe(up);
  up.on('response', (h) => {
    const out = {};
    for (const [k, v] of Object.entries(h)) if (k === ':status' || !k.startsWith(':')) out[k] = v;
    down.respond(out); // WriteHeader + immediate flush: HEADERS without END_STREAM
  });
  up.on('trailers', (t) => log('proxy: backend trailers', t)); // none for Trailers-Only
  up.on('data', (d) => down.write(d));
  up.on('end', () => down.end()); // handler returns -> empty DATA with END_STREAM
  up.on('error', (e) => {
    log('proxy: upstream error', e.message);
    down.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  });
});
proxy.listen(PROXY, '127.0.0.1');

function grpcCall(session, path, msg) {
  return new Promise((resolve) => {
    const body = Buffer.alloc(5 + msg.length);
    body.writeUInt8(0, 0);
    body.writeUInt32BE(msg.length, 1);
    msg.copy(body, 5);
    const req = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': '5S',
    });
    let headers,
      trailers = null;
    req.on('response', (h) => {
      headers = h;
    });
    req.on('trailers', (t) => {
      trailers = t;
    });
    req.on('data', () => {});
    req.on('end', () => {
      if (!trailers)
        log(
          'client:',
          path,
          'stream ended without trailers (grpc-status in headers only:',
          headers && headers['grpc-status'],
          ') -> "server closed the stream without sending trailers"',
        );
      else log('client:', path, 'grpc-status', trailers['grpc-status']);
      resolve();
    });
    req.on('error', (e) => {
      log('client error', e.message);
      resolve();
    });
    req.end(body);
  });
}

(async () => {
  await sleep(200);
  const client = http2.connect(`http://127.0.0.1:${PROXY}`);
  await grpcCall(client, '/users.v1.Users/GetUser', Buffer.from([0x08, 0x2a])); // field 1 = 42
  await sleep(200);
  client.close();
  await sleep(200);
  if (upstream) upstream.close();
  await sleep(200);
  proxy.close();
  backend.close();
  await sleep(200);
  process.exit(0);
})();
