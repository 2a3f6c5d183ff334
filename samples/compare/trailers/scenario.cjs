// compare/trailers: a unary gRPC call from a Node http2 client (h2c, prior knowledge) to port 7120.
//   a: port 7120 is the gRPC-shaped backend itself: Trailers-Only -> one HEADERS frame with
//      END_STREAM carrying grpc-status 5.
//   b: port 7120 is the ReverseProxy(FlushInterval -1)-shaped proxy of samples/h2-empty-data-end-stream/
//      (same code) in front of the same backend on 7121: HEADERS without END_STREAM + DATA len 0
//      END_STREAM, no trailers.
// Only the client's hop (7120) is captured. Node built-ins only. Usage: node scenario.cjs a|b
'use strict';
const http2 = require('http2');
const MODE = process.argv[2];
if (MODE !== 'a' && MODE !== 'b') {
  console.error('usage: scenario.cjs a|b');
  process.exit(2);
}
const FRONT = 7120,
  BACKEND = MODE === 'a' ? 7120 : 7121;
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), MODE, ...a);
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

let upstream, proxy;
if (MODE === 'b') {
  proxy = http2.createServer();
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
    up.on('data', (d) => down.write(d));
    up.on('end', () => down.end()); // handler returns -> empty DATA with END_STREAM
    up.on('error', (e) => {
      log('proxy: upstream error', e.message);
      down.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
  });
  proxy.listen(FRONT, '127.0.0.1');
}

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
      log(
        'client:',
        path,
        trailers ? 'trailers' : 'no trailers',
        'headers grpc-status',
        headers && headers['grpc-status'],
      );
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
  const client = http2.connect(`http://127.0.0.1:${FRONT}`);
  await grpcCall(client, '/users.v1.Users/GetUser', Buffer.from([0x08, 0x2a]));
  await sleep(200);
  client.close();
  await sleep(200);
  if (upstream) upstream.close();
  await sleep(200);
  if (proxy) proxy.close();
  backend.close();
  await sleep(200);
  process.exit(0);
})();
