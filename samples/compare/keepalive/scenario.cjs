// compare/keepalive: one client connection to port 7110 that goes silent for 6 s. Node built-ins only.
//   a: client --(7110)--> "NAT" relay --(7111)--> server. The relay forgets flows idle >= 4 s and
//      answers the next packet of a forgotten flow with an RST (socket.resetAndDestroy()). No keep-alives.
//   b: the same client with socket.setKeepAlive(true, 1000), straight to the server on 7110 (a user-space
//      relay cannot see kernel keep-alives, so "the NAT sees the keep-alives and keeps the flow" is
//      modelled by the flow not being forgotten); it survives the same 6 s silence.
// Only 7110 (the client's hop) is captured. Usage: node scenario.cjs a|b
'use strict';
const net = require('net');
const MODE = process.argv[2];
if (MODE !== 'a' && MODE !== 'b') {
  console.error('usage: scenario.cjs a|b');
  process.exit(2);
}
const FRONT = 7110,
  UPSTREAM = 7111,
  IDLE_MS = 4000,
  SILENCE_MS = 6000;
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), MODE, ...a);
setTimeout(() => {
  log('hard timeout');
  process.exit(1);
}, 20000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const onConn = (s) => {
  s.setEncoding('utf8');
  s.on('data', (d) => s.write('OK ' + d));
  s.on('error', () => {});
};
const servers = [];
if (MODE === 'b') servers.push(net.createServer(onConn).listen(FRONT, '127.0.0.1'));
else {
  servers.push(net.createServer(onConn).listen(UPSTREAM, '127.0.0.1'));
  const flows = new Set();
  servers.push(
    net
      .createServer((inside) => {
        const flow = { inside, last: Date.now(), forgotten: false };
        flow.outside = net.connect(UPSTREAM, '127.0.0.1');
        flows.add(flow);
        inside.on('data', (d) => {
          if (flow.forgotten) {
            log('relay: packet on forgotten flow -> RST');
            inside.resetAndDestroy();
            return;
          }
          flow.last = Date.now();
          flow.outside.write(d);
        });
        flow.outside.on('data', (d) => {
          flow.last = Date.now();
          if (!flow.forgotten) inside.write(d);
        });
        inside.on('error', () => {});
        flow.outside.on('error', () => {});
      })
      .listen(FRONT, '127.0.0.1'),
  );
  setInterval(() => {
    for (const f of flows)
      if (!f.forgotten && Date.now() - f.last >= IDLE_MS) {
        log('relay: flow idle', Date.now() - f.last, 'ms -> forgotten');
        f.forgotten = true;
        f.outside.destroy();
        flows.delete(f);
      }
  }, 100).unref();
}

(async () => {
  await sleep(200);
  const result = await new Promise((resolve) => {
    const s = net.connect(FRONT, '127.0.0.1');
    s.setEncoding('utf8');
    if (MODE === 'b') s.setKeepAlive(true, 1000);
    s.on('data', (d) => log('client got', JSON.stringify(d)));
    s.on('error', (e) => resolve(e.code));
    s.on('close', () => resolve('closed'));
    s.on('connect', async () => {
      s.write('hello 1\n');
      await sleep(200);
      s.write('hello 2\n');
      await sleep(200);
      log('client silent for', SILENCE_MS, 'ms');
      await sleep(SILENCE_MS);
      s.write('after silence\n');
      await sleep(500);
      if (!s.destroyed) s.end();
    });
  });
  log('client result', result);
  await sleep(300);
  for (const s of servers) s.close();
  process.exit(0);
})();
