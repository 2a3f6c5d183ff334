// h2-rule-violations: each connection breaks one RFC 9113 rule. Raw peers (h2raw.cjs, frames
// written by hand) play the misbehaving side; Node's http2 module (nghttp2) is the real peer.
//   7700 raw server, Node client: DATA on a stream the client already reset (RST_STREAM CANCEL)
//   7701 raw server, Node client: second HEADERS after the server's END_STREAM (client side open)
//   7702 Node server, raw client: client opens stream 3, then stream 1 (stream-id regression)
//   7703 raw server, Node client: server never ACKs the client's SETTINGS
//   7704 raw server, Node client: server never ACKs the client's PING
//   7705 raw server, Node client: client allows 1024 bytes per stream; server sends 4000 bytes
//   7706 Node server, raw client: server sends GOAWAY(last-stream-id 1), client opens stream 3
//   7707 Node server, Node client: client cancels a slow stream -> RST_STREAM CANCEL (info only)
'use strict';
const net = require('net');
const http2 = require('http2');
const h = require('./h2raw.cjs');
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), ...a);
setTimeout(() => {
  log('hard timeout');
  process.exit(1);
}, 30000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const servers = [];

// ---- raw server ----
function rawServer(port, mode) {
  const srv = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.write(h.settingsFrame([[0x3, 100]])); // MAX_CONCURRENT_STREAMS 100
    h.frameReader(sock, true, (f) => {
      if (f.type === h.T.SETTINGS && !(f.flags & h.F.ACK)) {
        if (mode === 'settings-unacked') log(port, 'raw server: ignoring client SETTINGS (no ACK)');
        else sock.write(h.settingsAck());
      } else if (f.type === h.T.PING && !(f.flags & h.F.ACK)) {
        if (mode === 'ping-unacked') log(port, 'raw server: ignoring PING');
        else sock.write(h.pingAck(f.payload));
      } else if (f.type === h.T.GOAWAY) {
        sock.end();
      } else if (f.type === h.T.RST_STREAM) {
        log(port, 'raw server: RST_STREAM on stream', f.streamId, 'code', f.payload.readUInt32BE(0));
      } else if (f.type === h.T.HEADERS) {
        const s = f.streamId,
          ok = [
            [':status', 200],
            ['content-type', 'text/plain'],
          ];
        if (mode === 'frame-on-closed-stream') {
          sock.write(Buffer.concat([h.headersFrame(s, ok, false), h.dataFrame(s, 'chunk 1\n', false)]));
          // keeps streaming although the client resets the stream, well after the RST_STREAM
          setTimeout(() => {
            log(port, 'raw server: DATA on reset stream', s);
            sock.write(h.dataFrame(s, 'chunk 2 (stream already reset)\n', true));
          }, 600);
        } else if (mode === 'headers-after-end-stream') {
          // response complete (END_STREAM) while the client's request body is still open, then a second HEADERS
          sock.write(
            Buffer.concat([
              h.headersFrame(s, ok, true),
              h.headersFrame(
                s,
                [
                  ['grpc-status', 0],
                  ['x-late', 'yes'],
                ],
                true,
              ),
            ]),
          );
        } else if (mode === 'flow-control-violation') {
          sock.write(Buffer.concat([h.headersFrame(s, ok, false), h.dataFrame(s, 'z'.repeat(4000), true)]));
        } else {
          sock.write(Buffer.concat([h.headersFrame(s, ok, false), h.dataFrame(s, 'hello\n', true)]));
        }
      }
    });
  });
  servers.push(srv);
  return new Promise((r) => srv.listen(port, '127.0.0.1', r));
}

// ---- raw client ----
async function rawClient(port, script) {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => {});
  const seen = [];
  await new Promise((r) => sock.on('connect', r));
  sock.write(Buffer.concat([h.PREFACE, h.settingsFrame()]));
  h.frameReader(sock, false, (f) => {
    seen.push(f);
    if (f.type === h.T.SETTINGS && !(f.flags & h.F.ACK)) sock.write(h.settingsAck());
    if (f.type === h.T.PING && !(f.flags & h.F.ACK)) sock.write(h.pingAck(f.payload));
    if (f.type === h.T.GOAWAY)
      log(
        port,
        'raw client: GOAWAY last-stream-id',
        f.payload.readUInt32BE(0) & 0x7fffffff,
        'code',
        f.payload.readUInt32BE(4),
      );
  });
  await script(sock, seen);
  sock.end();
  await sleep(200);
  sock.destroy();
}
const req = (path) => [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':authority', '127.0.0.1'],
  [':path', path],
];

// ---- Node peers ----
function nodeServer(port, onStream) {
  const srv = http2.createServer();
  srv.on('stream', onStream);
  srv.on('sessionError', () => {});
  servers.push(srv);
  return new Promise((r) => srv.listen(port, '127.0.0.1', r));
}
async function nodeClient(port, fn, opts) {
  const c = http2.connect(`http://127.0.0.1:${port}`, opts);
  c.on('error', (e) => log(port, 'client session error', e.code || e.message));
  await fn(c);
  await sleep(150);
  c.close();
  await sleep(250);
  if (!c.destroyed) c.destroy();
}
const request = (c, headers, end = true) => {
  const r = c.request(headers, { endStream: end });
  r.on('error', (e) => log('client stream error', e.code || e.message));
  r.on('data', () => {});
  return r;
};

(async () => {
  await rawServer(7700, 'frame-on-closed-stream');
  await rawServer(7701, 'headers-after-end-stream');
  await rawServer(7703, 'settings-unacked');
  await rawServer(7704, 'ping-unacked');
  await rawServer(7705, 'flow-control-violation');
  await nodeServer(7702, (s) => s.respond({ ':status': 200 }, { endStream: true }));
  await nodeServer(7706, (s) => {
    s.respond({ ':status': 200 }, { endStream: true });
    const session = s.session; // the stream (and its .session) is gone 20 ms from now
    session.goaway(http2.constants.NGHTTP2_NO_ERROR, 1);
    // A PING after the GOAWAY (as grpc-go's graceful shutdown does; a moment later, since
    // nghttp2 would send a PING queued now ahead of the GOAWAY): the client's PING ACK shows it
    // has read the GOAWAY before it opens stream 3.
    setTimeout(() => session.ping(Buffer.from('aftergoa'), () => {}), 20);
  });
  await nodeServer(7707, (s) => {
    s.respond({ ':status': 200 });
    const t = setInterval(() => {
      if (s.destroyed || s.closed) clearInterval(t);
      else s.write('tick\n');
    }, 100);
    s.on('close', () => clearInterval(t));
  });

  log('7700: frame on closed stream');
  await nodeClient(7700, async (c) => {
    const r = request(c, { ':path': '/download' });
    await new Promise((res) => r.on('response', res));
    await sleep(100);
    r.close(http2.constants.NGHTTP2_CANCEL); // client resets the stream
    // A keep-alive PING after the reset: the raw server's PING ACK shows on the wire that it has
    // read the RST_STREAM (frames are read in order) before it writes on the stream again.
    await sleep(50);
    c.ping(Buffer.from('afterrst'), () => {});
    await sleep(850);
  });
  log('7701: headers after end stream');
  await nodeClient(7701, async (c) => {
    const r = request(c, { ':method': 'POST', ':path': '/upload' }, false);
    r.write('part 1\n');
    await sleep(500);
    if (!r.destroyed) r.end('part 2\n');
    await sleep(200);
  });
  log('7702: stream id regression');
  await rawClient(7702, async (sock) => {
    await sleep(100);
    sock.write(h.headersFrame(3, req('/three'), true));
    await sleep(300);
    sock.write(h.headersFrame(1, req('/one'), true)); // id 1 < 3: regression
    await sleep(300);
  });
  log('7703: settings unacked');
  await nodeClient(7703, async (c) => {
    for (const p of ['/a', '/b']) {
      const r = request(c, { ':path': p });
      await new Promise((res) => {
        r.on('end', res);
        r.on('close', res);
      });
    }
    await sleep(1200);
  });
  log('7704: ping unacked');
  await nodeClient(7704, async (c) => {
    await new Promise((res) => c.on('connect', res));
    c.ping(Buffer.from('tracelen'), (err) => log('7704 ping callback', err ? err.code : 'acked'));
    const r = request(c, { ':path': '/after-ping' });
    await new Promise((res) => {
      r.on('end', res);
      r.on('close', res);
    });
    await sleep(1200);
  });
  log('7705: flow control violation');
  await nodeClient(
    7705,
    async (c) => {
      await new Promise((res) => c.on('remoteSettings', res));
      await sleep(100);
      const r = request(c, { ':path': '/big' });
      await new Promise((res) => {
        r.on('end', res);
        r.on('close', res);
      });
      await sleep(300);
    },
    { settings: { initialWindowSize: 1024 } },
  );
  log('7706: new stream after goaway');
  await rawClient(7706, async (sock, seen) => {
    await sleep(100);
    sock.write(h.headersFrame(1, req('/first'), true));
    await sleep(300);
    log(
      '7706 raw client saw GOAWAY:',
      seen.some((f) => f.type === h.T.GOAWAY),
    );
    sock.write(h.headersFrame(3, req('/second'), true)); // ignores the GOAWAY
    await sleep(300);
  });
  log('7707: rst stream (cancel)');
  await nodeClient(7707, async (c) => {
    const r = request(c, { ':path': '/slow' });
    await new Promise((res) => r.on('response', res));
    await sleep(300);
    r.close(http2.constants.NGHTTP2_CANCEL);
    await sleep(200);
  });
  for (const s of servers) s.close();
  await sleep(300);
  process.exit(0);
})();
