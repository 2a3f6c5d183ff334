// compare/timeout: a Node HTTP server on 7130 receives a slow upload (body written in 8 chunks over 8 s).
//   a: server.requestTimeout = 3000  -> Node cuts the request at ~3 s (408 + close); the check runs
//      every connectionsCheckingInterval (250 ms here, 30 s by default).
//   b: server.requestTimeout = 30000 -> the upload completes and is answered 200.
// Node built-ins only. Usage: node scenario.cjs a|b
'use strict';
const http = require('http');
const MODE = process.argv[2];
if (MODE !== 'a' && MODE !== 'b') { console.error('usage: scenario.cjs a|b'); process.exit(2); }
const PORT = 7130;
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), MODE, ...a);
setTimeout(() => { log('hard timeout'); process.exit(1); }, 20000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = http.createServer({ connectionsCheckingInterval: 250 }, (req, res) => {
  let n = 0;
  req.on('data', (d) => { n += d.length; });
  req.on('end', () => { log('server: upload complete', n, 'bytes'); res.writeHead(200, { 'content-type': 'text/plain' }); res.end('stored ' + n + ' bytes\n'); });
});
server.requestTimeout = MODE === 'a' ? 3000 : 30000;
server.headersTimeout = 2000;
server.listen(PORT, '127.0.0.1');

(async () => {
  await sleep(200);
  const result = await new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: PORT, method: 'POST', path: '/upload', headers: { 'content-type': 'application/octet-stream', 'content-length': 8 * 1024 } });
    req.on('response', (res) => { res.resume(); res.on('end', () => resolve('status ' + res.statusCode)); });
    req.on('error', (e) => resolve('error ' + e.code));
    req.flushHeaders();
    (async () => {
      for (let i = 0; i < 8; i++) {
        await sleep(1000);
        if (req.destroyed) return;
        req.write(Buffer.alloc(1024, 0x61));
      }
      req.end();
    })();
  });
  log('client result', result);
  await sleep(300);
  server.close();
  process.exit(0);
})();
