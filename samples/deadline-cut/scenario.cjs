// deadline-cut: an upstream Node http server with requestTimeout = 3000 ms (the whole request,
// body included, must arrive within 3 s) behind a small Node reverse proxy. Short requests pass;
// three slow uploads (16 bytes every 500 ms for 8 s) are cut ~3 s after they began: the upstream
// destroys its socket, the proxy's upstream request fails and the proxy destroys the client socket.
//   clients --(7301)--> proxy --(7300)--> upstream (requestTimeout 3 s)
'use strict';
const http = require('http');
const PROXY = 7301,
  UPSTREAM = 7300;
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), ...a);
setTimeout(() => {
  log('hard timeout');
  process.exit(1);
}, 25000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const upstream = http.createServer(
  { requestTimeout: 3000, headersTimeout: 3000, connectionsCheckingInterval: 100 },
  (req, res) => {
    let n = 0;
    req.on('data', (d) => {
      n += d.length;
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, received: n }) + '\n');
    });
  },
);
upstream.keepAliveTimeout = 1000;
// Like a Go http.Server ReadTimeout: on the deadline the connection is simply closed, no response.
upstream.on('clientError', (err, socket) => {
  log('upstream:', err.code, '-> destroying socket');
  socket.destroy();
});
upstream.listen(UPSTREAM, '127.0.0.1');

const proxy = http.createServer((req, res) => {
  const up = http.request(
    {
      host: '127.0.0.1',
      port: UPSTREAM,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent: false,
    },
    (ur) => {
      res.writeHead(ur.statusCode, ur.headers);
      ur.pipe(res);
    },
  );
  up.on('error', (e) => {
    log('proxy: upstream', e.code || e.message, '-> dropping client connection');
    req.socket.destroy();
  });
  up.flushHeaders(); // connect upstream and send the request head at once
  req.pipe(up);
});
proxy.keepAliveTimeout = 1000;
proxy.listen(PROXY, '127.0.0.1');

function shortRequest(i) {
  return new Promise((resolve) => {
    const r = http.request(
      {
        host: '127.0.0.1',
        port: PROXY,
        method: 'POST',
        path: '/upload/small' + i,
        agent: false,
        headers: { 'content-type': 'application/octet-stream', connection: 'close' },
      },
      (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => {
          log('short', i, res.statusCode, b.trim());
          resolve();
        });
      },
    );
    r.on('error', (e) => {
      log('short', i, 'error', e.code);
      resolve();
    });
    r.end('x'.repeat(200));
  });
}
function slowUpload(i) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const r = http.request(
      {
        host: '127.0.0.1',
        port: PROXY,
        method: 'POST',
        path: '/upload/big' + i,
        agent: false,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': 16 * 16,
          connection: 'close',
        },
      },
      (res) => {
        log('slow', i, 'status', res.statusCode);
        res.resume();
        res.on('end', resolve);
      },
    );
    r.on('error', (e) => {
      log('slow', i, 'cut after', Date.now() - t0, 'ms:', e.code);
      resolve();
    });
    r.on('close', resolve);
    r.flushHeaders(); // request head goes out now; the body trickles
    let k = 0;
    const tick = setInterval(() => {
      if (r.destroyed || k === 16) {
        clearInterval(tick);
        if (!r.destroyed) r.end();
        return;
      }
      r.write('y'.repeat(16));
      k++;
    }, 500);
  });
}

(async () => {
  await sleep(200);
  for (let i = 0; i < 4; i++) {
    await shortRequest(i);
    await sleep(100);
  }
  await Promise.all(
    [0, 1, 2].map(async (i) => {
      await sleep(i * 150);
      return slowUpload(i);
    }),
  );
  await sleep(500);
  for (let i = 4; i < 6; i++) {
    await shortRequest(i);
    await sleep(100);
  }
  proxy.close();
  upstream.close();
  await sleep(300);
  process.exit(0);
})();
