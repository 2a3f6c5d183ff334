// compare/timeout: a Node HTTP server on 7130 receives a slow upload (8 x 1 KiB chunks at 0.5, 1.5, ... 7.5 s).
//   a: server.requestTimeout = 3000  -> Node cuts the request at ~3 s (408 + close; the client stops writing); the check runs
//      every connectionsCheckingInterval (250 ms here, 30 s by default).
//   b: server.requestTimeout = 30000 -> the upload completes and is answered 200.
// Node built-ins only. Usage: node scenario.cjs a|b
// The client uses agent: false: Node >= 19's default agent calls setKeepAlive(true, 1000), which would add
// TCP keep-alive probes during the 1 s pauses of the upload (the same in a and b, but not what this pair is about).
'use strict';
const http = require('http');
const MODE = process.argv[2];
if (MODE !== 'a' && MODE !== 'b') {
  console.error('usage: scenario.cjs a|b');
  process.exit(2);
}
const PORT = 7130;
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), MODE, ...a);
setTimeout(() => {
  log('hard timeout');
  process.exit(1);
}, 20000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = http.createServer({ connectionsCheckingInterval: 250 }, (req, res) => {
  let n = 0;
  req.on('data', (d) => {
    n += d.length;
  });
  req.on('end', () => {
    log('server: upload complete', n, 'bytes');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('stored ' + n + ' bytes\n');
  });
});
server.requestTimeout = MODE === 'a' ? 3000 : 30000;
server.headersTimeout = 2000;
server.listen(PORT, '127.0.0.1');

(async () => {
  await sleep(200);
  const result = await new Promise((resolve) => {
    const req = http.request({
      host: '127.0.0.1',
      port: PORT,
      agent: false,
      method: 'POST',
      path: '/upload',
      headers: { 'content-type': 'application/octet-stream', 'content-length': 8 * 1024 },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      res.resume();
      res.on('end', () => resolve('status ' + res.statusCode));
    });
    req.on('error', (e) => resolve('error ' + e.code));
    req.flushHeaders();
    (async () => {
      // chunks at 0.5, 1.5, ... 7.5 s: the 3 s cut (checked every 250 ms) never races a chunk in flight,
      // so the server closes with an empty receive buffer (FIN, not RST) in every run
      await sleep(500);
      for (let i = 0; i < 8; i++) {
        if (i > 0) await sleep(1000);
        if (req.destroyed || answered) return;
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
