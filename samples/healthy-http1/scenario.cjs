// healthy-http1: Node http server on port 7800. Connection 0: http.Agent keep-alive client, six
// requests (GET and POST) reusing one socket. Connection 1: raw socket sending three pipelined
// requests in one write (the server answers them in order). Everything is closed cleanly.
'use strict';
const http = require('http');
const net = require('net');
const PORT = 7800;
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), ...a);
setTimeout(() => {
  log('hard timeout');
  process.exit(1);
}, 15000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const out = JSON.stringify({ method: req.method, path: req.url, received: body.length });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.listen(PORT, '127.0.0.1');

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const call = (method, path, body) =>
  new Promise((resolve) => {
    const r = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        method,
        path,
        agent,
        headers: body ? { 'content-type': 'text/plain' } : {},
      },
      (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => {
          log(method, path, res.statusCode, b);
          resolve();
        });
      },
    );
    r.on('error', (e) => {
      log('error', e.message);
      resolve();
    });
    r.end(body);
  });

(async () => {
  await sleep(200);
  await call('GET', '/health');
  await call('GET', '/users/1');
  await call('POST', '/orders', 'item=A-100&qty=2');
  await call('GET', '/orders/7');
  await call('PUT', '/users/1', 'name=Ada');
  await call('GET', '/health');
  agent.destroy(); // client closes the keep-alive socket (FIN)
  await sleep(200);
  await new Promise((resolve) => {
    const s = net.connect(PORT, '127.0.0.1', () => {
      s.write(
        'GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /c HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      );
    });
    let got = '';
    s.on('data', (d) => {
      got += d;
      if ((got.match(/HTTP\/1\.1 200/g) || []).length === 3 && got.endsWith('}')) {
        log('pipelined: 3 responses');
        s.end();
      }
    });
    s.on('close', resolve);
    s.on('error', resolve);
  });
  await sleep(200);
  server.close();
  process.exit(0);
})();
