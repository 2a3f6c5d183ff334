// samples/tls: TLS captures with NSS key logs (Node's 'keylog' event), Node built-ins only.
// Usage: node scenario.cjs MODE PORT KEYFILE CERTDIR
//   h2-tls13          http2.createSecureServer + http2.connect, TLS 1.3 TLS_AES_128_GCM_SHA256 (Node 20 would pick AES-256 by default)
//   h2-tls12-chacha   same, maxVersion TLSv1.2, ECDHE-RSA-CHACHA20-POLY1305
//   h2-tls13-chacha   same, TLS 1.3 TLS_CHACHA20_POLY1305_SHA256 only
//   https1            https HTTP/1.1 keep-alive, TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384, second connection resumes
//   same-h2c          the deterministic exchange below over h2c (KEYFILE ignored)
//   same-tls          the same exchange over TLS 1.3 (TLS_AES_128_GCM_SHA256)
//   server            only the secure h2 server (for curl), runs SERVER_MS milliseconds
// (Node takes TLS 1.3 suites in `ciphers` too, by their TLS_ names.)
// The exchange (deterministic server, requests sent one after the other):
//   GET /a -> 200 "alpha\n"; GET /b -> 404 "not found\n"; GET /big -> 200 4000 bytes;
//   POST /pkg.Svc/Call (gRPC-shaped) -> 200, one message, trailers grpc-status 0.
'use strict';
const fs = require('fs');
const path = require('path');
const http2 = require('http2');
const https = require('https');
const [MODE, PORTS, KEYFILE, CERTDIR] = process.argv.slice(2);
const PORT = Number(PORTS);
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), MODE, ...a);
setTimeout(() => {
  log('hard timeout');
  process.exit(1);
}, 15000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const key = CERTDIR ? fs.readFileSync(path.join(CERTDIR, 'key.pem')) : null;
const cert = CERTDIR ? fs.readFileSync(path.join(CERTDIR, 'cert.pem')) : null;
const keylines = [];
const onKeylog = (line) => keylines.push(line.toString().trimEnd());

const tlsOpts =
  {
    'h2-tls13': { minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' },
    'h2-tls12-chacha': { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' },
    'h2-tls13-chacha': { minVersion: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' },
    'same-tls': { minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' },
    server: {},
  }[MODE] || {};

// same-exchange: fixed :authority and date so that both captures carry byte-identical HPACK blocks
// (the real date's Huffman-coded length varies with its digits).
const SAME = MODE.startsWith('same');
const fixed = (h) => (SAME ? { ...h, date: 'Mon, 23 Nov 2026 00:00:00 GMT' } : h);
const reqHeaders = (h) => (SAME ? { ...h, ':authority': `localhost:${PORT}` } : h);

function h2Handler(stream, headers) {
  const p = headers[':path'];
  if (headers[':method'] === 'POST') {
    stream.on('data', () => {});
    stream.on('end', () => {
      stream.respond(fixed({ ':status': 200, 'content-type': 'application/grpc' }), {
        waitForTrailers: true,
      });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'OK' }));
      const msg = Buffer.from([0, 0, 0, 0, 2, 0x08, 0x2a]);
      stream.end(msg);
    });
    return;
  }
  if (p === '/a') {
    stream.respond(fixed({ ':status': 200, 'content-type': 'text/plain' }));
    stream.end('alpha\n');
  } else if (p === '/big') {
    stream.respond(fixed({ ':status': 200, 'content-type': 'application/octet-stream' }));
    stream.end(Buffer.alloc(4000, 0x62));
  } else {
    stream.respond(fixed({ ':status': 404, 'content-type': 'text/plain' }));
    stream.end('not found\n');
  }
}

function h2Get(session, p) {
  return new Promise((resolve) => {
    const req = session.request(reqHeaders({ ':method': 'GET', ':path': p }));
    let status;
    let n = 0;
    req.on('response', (h) => {
      status = h[':status'];
    });
    req.on('data', (d) => {
      n += d.length;
    });
    req.on('end', () => {
      log('GET', p, status, n, 'bytes');
      resolve();
    });
    req.on('error', (e) => {
      log('error', e.message);
      resolve();
    });
    req.end();
  });
}
function h2Grpc(session) {
  return new Promise((resolve) => {
    const req = session.request(
      reqHeaders({
        ':method': 'POST',
        ':path': '/pkg.Svc/Call',
        'content-type': 'application/grpc',
        te: 'trailers',
      }),
    );
    req.on('trailers', (t) => log('grpc trailers', t['grpc-status']));
    req.on('data', () => {});
    req.on('end', resolve);
    req.on('error', (e) => {
      log('error', e.message);
      resolve();
    });
    req.end(Buffer.from([0, 0, 0, 0, 2, 0x08, 0x07]));
  });
}

async function h2(secure) {
  const server = secure ? http2.createSecureServer({ key, cert, ...tlsOpts }) : http2.createServer();
  server.on('stream', h2Handler);
  if (secure) server.on('keylog', onKeylog);
  await new Promise((r) => server.listen(PORT, '127.0.0.1', r));
  if (MODE === 'server') {
    await sleep(Number(process.env.SERVER_MS || 4000));
    server.close();
    return;
  }
  await sleep(100);
  const session = secure
    ? http2.connect(`https://127.0.0.1:${PORT}`, { ca: cert, servername: 'localhost', ...tlsOpts })
    : http2.connect(`http://127.0.0.1:${PORT}`);
  if (secure)
    session.socket &&
      session.on('connect', (s, sock) => log('tls', sock.getProtocol(), sock.getCipher().standardName));
  for (const p of ['/a', '/b', '/big']) await h2Get(session, p);
  await h2Grpc(session);
  await sleep(100);
  session.close();
  await sleep(200);
  server.close();
}

async function https1() {
  const opts = { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' };
  const server = https.createServer({ key, cert, ...opts }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' });
      res.end(`path ${req.url}\n`);
    });
  });
  server.on('keylog', onKeylog);
  await new Promise((r) => server.listen(PORT, '127.0.0.1', r));
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 1,
    ca: cert,
    servername: 'localhost',
    ...opts,
  });
  const get = (p) =>
    new Promise((resolve) => {
      const req = https.request(
        { host: '127.0.0.1', port: PORT, path: p, agent, servername: 'localhost' },
        (res) => {
          res.resume();
          res.on('end', () => {
            log('GET', p, res.statusCode, 'reused session', req.socket.isSessionReused());
            resolve();
          });
        },
      );
      req.on('error', (e) => {
        log('error', e.message);
        resolve();
      });
      req.end();
    });
  await get('/one');
  await get('/two');
  await get('/missing');
  await sleep(100);
  agent.destroy(); // closes the keep-alive socket; the agent keeps the TLS session for resumption
  await sleep(200);
  const agent2 = agent; // same agent -> same session cache
  await get('/resumed-1');
  await get('/resumed-2');
  await sleep(100);
  agent2.destroy();
  await sleep(200);
  server.close();
}

(async () => {
  if (MODE === 'https1') await https1();
  else await h2(MODE !== 'same-h2c');
  if (KEYFILE && KEYFILE !== '-' && MODE !== 'same-h2c')
    fs.writeFileSync(KEYFILE, keylines.join('\n') + '\n');
  log('key log lines', keylines.length);
  process.exit(0);
})();
