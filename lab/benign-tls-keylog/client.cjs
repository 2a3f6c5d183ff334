// HTTPS clients that log their TLS secrets (NSS key log format, the 'keylog' event) so the
// capture can be decrypted: HTTP/2 sessions over TLS 1.3 and TLS 1.2, and an HTTP/1.1
// keep-alive agent over TLS 1.3, each sending a fixed mix of requests.
'use strict';
const fs = require('node:fs');
const http2 = require('node:http2');
const https = require('node:https');
const [host, KEYLOG, PER_SESSION = '500'] = process.argv.slice(2);
const keylog = fs.openSync(KEYLOG, 'w');
const paths = ['/tiny.json', '/small.json', '/page.json', '/list.json', '/big.json', '/missing.json'];
const stats = {};
const note = (k) => (stats[k] = (stats[k] || 0) + 1);

function h2Session(tls, n) {
  return new Promise((resolve) => {
    const s = http2.connect(`https://${host}`, {
      rejectUnauthorized: false,
      minVersion: tls,
      maxVersion: tls,
      ...(tls === 'TLSv1.2' ? { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' } : {}),
    });
    s.socket.on('keylog', (line) => fs.writeSync(keylog, line));
    let sent = 0;
    let done = 0;
    const one = () => {
      if (sent >= n) return;
      const i = sent++;
      const req = s.request({ ':path': paths[i % paths.length] });
      req.on('response', (h) => note(`h2 ${tls} ${h[':status']}`));
      req.on('data', () => {});
      req.on('end', () => {
        if (++done === n) s.close(resolve);
        else one();
      });
      req.end();
    };
    for (let k = 0; k < 20; k++) one();
  });
}

async function h1(n) {
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 2,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.3',
  });
  agent.on('keylog', (line) => fs.writeSync(keylog, line));
  const get = (p) =>
    new Promise((resolve, reject) => {
      https
        .get({ host, path: p, agent }, (res) => {
          note(`h1 ${res.statusCode}`);
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  const workers = [0, 1].map(async (w) => {
    for (let i = w; i < n; i += 2) await get(paths[i % paths.length]);
  });
  await Promise.all(workers);
  agent.destroy();
}

(async () => {
  const n = Number(PER_SESSION);
  await Promise.all([
    h2Session('TLSv1.3', n),
    h2Session('TLSv1.3', n),
    h2Session('TLSv1.2', n),
    h2Session('TLSv1.2', n),
    h1(n),
  ]);
  console.log(JSON.stringify(stats));
})();
