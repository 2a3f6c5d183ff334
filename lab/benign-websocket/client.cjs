// CLIENTS ws clients (staggered), each connected for DURATION_S: text and binary messages at
// 0.2-3 s intervals, its own pings every 7 s, then a clean close (1000) answered by the server.
'use strict';
const WebSocket = require('ws');
const [url, CLIENTS = '20', DURATION_S = '40', QUIET] = process.argv.slice(2);
// QUIET: subscribe once, then stay silent (no messages, no client pings) until the close — an
// idle subscription kept up by the server's heartbeat only.
let seed = 42;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
const stats = { sent: 0, received: 0, closes: {} };

function client(i) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let timer = null;
    let pinger = null;
    const send = () => {
      if (rnd() < 0.2) ws.send(Buffer.alloc(Math.floor(rnd() * 3000) + 1, i), { binary: true });
      else
        ws.send(
          JSON.stringify({
            client: i,
            op: 'subscribe',
            topic: `t${Math.floor(rnd() * 50)}`,
            pad: 'x'.repeat(Math.floor(rnd() * 400)),
          }),
        );
      stats.sent++;
      timer = setTimeout(send, 200 + Math.floor(rnd() * 2800));
    };
    ws.on('open', () => {
      if (QUIET) {
        ws.send(JSON.stringify({ client: i, op: 'subscribe', topic: 'alerts' }));
        stats.sent++;
      } else {
        send();
        pinger = setInterval(() => ws.ping(), 7000);
      }
      setTimeout(
        () => {
          clearTimeout(timer);
          clearInterval(pinger);
          ws.close(1000, 'done');
        },
        Number(DURATION_S) * 1000 - i * 500,
      );
    });
    ws.on('message', () => stats.received++);
    ws.on('close', (code) => {
      clearTimeout(timer);
      clearInterval(pinger);
      stats.closes[code] = (stats.closes[code] || 0) + 1;
      resolve();
    });
    ws.on('error', (e) => console.error(`client ${i}: ${e.message}`));
  });
}

(async () => {
  const all = [];
  for (let i = 0; i < Number(CLIENTS); i++) {
    all.push(client(i));
    await new Promise((r) => setTimeout(r, 250));
  }
  await Promise.all(all);
  console.log(
    `clients ${CLIENTS}: sent ${stats.sent}, received ${stats.received}, close codes ${JSON.stringify(stats.closes)}`,
  );
})();
