// idle-reset-silent-rst: a scaled-down load balancer with "TCP reset on idle" (like Azure Load
// Balancer's option): a Node TCP relay that, when a flow has been idle for 4 s, resets BOTH sides
// on its own (socket.resetAndDestroy() -> the kernel sends RST), without any packet first.
//   client --(7200)--> relay --(7201)--> server. Both legs are captured.
'use strict';
const net = require('net');
const LB = 7200,
  BACKEND = 7201,
  IDLE_MS = 4000;
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), ...a);
setTimeout(() => {
  log('hard timeout');
  process.exit(1);
}, 20000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const backend = net.createServer((s) => {
  s.setEncoding('utf8');
  s.on('data', (d) => s.write('OK ' + d));
  s.on('error', (e) => log('backend:', e.code));
});
backend.listen(BACKEND, '127.0.0.1');

const flows = new Set();
const lb = net.createServer((front) => {
  const flow = { front, back: net.connect(BACKEND, '127.0.0.1'), last: Date.now() };
  flows.add(flow);
  front.on('data', (d) => {
    flow.last = Date.now();
    flow.back.write(d);
  });
  flow.back.on('data', (d) => {
    flow.last = Date.now();
    front.write(d);
  });
  front.on('error', () => {});
  flow.back.on('error', () => {});
});
lb.listen(LB, '127.0.0.1');
const sweeper = setInterval(() => {
  for (const f of flows) {
    if (Date.now() - f.last >= IDLE_MS) {
      log('lb: flow idle', Date.now() - f.last, 'ms -> reset both sides');
      f.front.resetAndDestroy();
      f.back.resetAndDestroy();
      flows.delete(f);
    }
  }
}, 100);

(async () => {
  await sleep(200);
  await new Promise((resolve) => {
    const s = net.connect(LB, '127.0.0.1');
    s.setEncoding('utf8');
    s.on('data', (d) => log('client got', JSON.stringify(d)));
    s.on('error', (e) => {
      log('client error', e.code);
      resolve();
    });
    s.on('close', resolve);
    s.on('connect', async () => {
      s.write('hello 1\n');
      await sleep(200);
      s.write('hello 2\n');
      await sleep(200);
      log('client: silent for 6 s (no keep-alives)');
      await sleep(6000);
      if (!s.destroyed) s.write('after silence\n');
      await sleep(300);
      resolve();
    });
  });
  clearInterval(sweeper);
  lb.close();
  backend.close();
  await sleep(300);
  process.exit(0);
})();
