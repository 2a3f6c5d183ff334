// idle-reset-nat: a scaled-down NAT (userspace TCP relay) that forgets flows idle for 4 s and
// answers the next packet of a forgotten flow with an RST. Node built-ins only.
//   client --(7100)--> relay --(7101)--> server      (flow forgotten after 4 s idle -> RST)
//   control client --(7102)--> server                (setKeepAlive(true, 1000); survives 6 s)
// Only the client-facing ports 7100 and 7102 are captured (as on the client host).
'use strict';
const net = require('net');
const RELAY = 7100,
  UPSTREAM = 7101,
  DIRECT = 7102,
  IDLE_MS = 4000,
  SILENCE_MS = 6000;
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), ...a);
setTimeout(() => {
  log('hard timeout');
  process.exit(1);
}, 20000).unref();

// Line echo server ("OK <line>"), listening on the relay's upstream port and on the direct port.
const onConn = (s) => {
  s.setEncoding('utf8');
  s.on('data', (d) => s.write('OK ' + d));
  s.on('error', () => {});
};
const server1 = net.createServer(onConn).listen(UPSTREAM, '127.0.0.1');
const server2 = net.createServer(onConn).listen(DIRECT, '127.0.0.1');

// The "NAT": a flow table with last-activity times; idle flows are forgotten (upstream dropped).
const flows = new Set();
const relay = net.createServer((inside) => {
  const flow = { inside, last: Date.now(), forgotten: false };
  flow.outside = net.connect(UPSTREAM, '127.0.0.1');
  flows.add(flow);
  const touch = () => {
    flow.last = Date.now();
  };
  inside.on('data', (d) => {
    if (flow.forgotten) {
      log('relay: packet on forgotten flow -> RST');
      inside.resetAndDestroy(); // kernel sends RST to the client
      return;
    }
    touch();
    flow.outside.write(d);
  });
  flow.outside.on('data', (d) => {
    touch();
    if (!flow.forgotten) inside.write(d);
  });
  inside.on('error', () => {});
  flow.outside.on('error', () => {});
});
relay.listen(RELAY, '127.0.0.1');
const sweeper = setInterval(() => {
  for (const f of flows) {
    if (!f.forgotten && Date.now() - f.last >= IDLE_MS) {
      log('relay: flow idle', Date.now() - f.last, 'ms -> forgotten');
      f.forgotten = true;
      f.outside.destroy();
      flows.delete(f);
    }
  }
}, 100);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function client(port, keepAlive, name) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.setEncoding('utf8');
    if (keepAlive) s.setKeepAlive(true, 1000);
    s.on('data', (d) => log(name, 'got', JSON.stringify(d)));
    s.on('error', (e) => {
      log(name, 'error', e.code);
      resolve(e.code);
    });
    s.on('close', () => resolve('closed'));
    s.on('connect', async () => {
      s.write('hello 1\n');
      await sleep(200);
      s.write('hello 2\n');
      await sleep(200);
      log(name, 'silent for', SILENCE_MS, 'ms');
      await sleep(SILENCE_MS);
      s.write('after silence\n');
      await sleep(500);
      if (!s.destroyed) s.end();
    });
  });
}

(async () => {
  await sleep(200);
  const [a, b] = await Promise.all([
    client(RELAY, false, 'via-nat'),
    (async () => {
      await sleep(100);
      return client(DIRECT, true, 'keepalive');
    })(),
  ]);
  log('results:', a, b);
  clearInterval(sweeper);
  relay.close();
  server1.close();
  server2.close();
  await sleep(300);
  process.exit(0);
})();
