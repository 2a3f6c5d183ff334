// grpc-js client on two channels issuing unary calls and 0.3-2 s server streams for RUN_MS; the
// server's GOAWAYs make the channels reconnect (a new TCP connection) for new calls while the
// old connection finishes its calls. Then it waits for what is in flight and closes.
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [target, RUN_MS = '20000', CONCURRENCY = '12', DRAIN_PID] = process.argv.slice(2);
const def = loader.loadSync(path.join(__dirname, 'lab.proto'), { keepCase: true });
const { lab } = grpc.loadPackageDefinition(def);
const clients = [0, 1].map(
  (i) =>
    new lab.Lab(target, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'lab.channel': i,
    }),
);
let seed = 7;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
const outcome = {};
let drainSent = false;
const note = (k, code) =>
  (outcome[`${k} ${grpc.status[code]}`] = (outcome[`${k} ${grpc.status[code]}`] || 0) + 1);

function one(i) {
  const c = clients[i % 2];
  return new Promise((resolve) => {
    if (rnd() < 0.6) {
      c.Get({ id: i, delay_ms: Math.floor(rnd() * 60), size: Math.floor(rnd() * 4000) }, (err) => {
        note('unary', err ? err.code : 0);
        resolve();
      });
    } else {
      const delay = 20 + Math.floor(rnd() * 80);
      const s = c.Watch({
        id: i,
        delay_ms: delay,
        count: Math.ceil((300 + rnd() * 1700) / delay),
        size: 600,
      });
      let done = false;
      s.on('data', () => {});
      s.on('error', (e) => done || ((done = true), note('stream', e.code), resolve()));
      s.on('end', () => done || ((done = true), note('stream', 0), resolve()));
    }
  });
}

(async () => {
  const t0 = Date.now();
  let i = 0;
  await Promise.all(
    Array.from({ length: Number(CONCURRENCY) }, async () => {
      while (Date.now() - t0 < Number(RUN_MS)) await one(i++);
      // The first worker to stop tells the server to drain (SIGUSR2 -> tryShutdown()) while the
      // others' calls are still in flight; no new call starts after that.
      if (DRAIN_PID && !drainSent) {
        drainSent = true;
        process.kill(Number(DRAIN_PID), 'SIGUSR2');
      }
    }),
  );
  for (const c of clients) c.close();
  for (const [k, n] of Object.entries(outcome).sort()) console.log(`${k}: ${n}`);
  console.log(`total ${i} calls in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
})();
