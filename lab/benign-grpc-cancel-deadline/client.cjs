// grpc-js client: CALLS calls over CHANNELS channels (separate TCP connections), CONCURRENCY
// in flight. A fixed pseudo-random mix: plain unary, full server streams, calls the client
// cancels mid-flight (call.cancel()), and calls whose short deadline fires while the server is
// still answering. Client keepalive pings every KEEPALIVE_MS.
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [target, CALLS = '4000', CHANNELS = '3', CONCURRENCY = '30', KEEPALIVE_MS = '10000'] =
  process.argv.slice(2);
const def = loader.loadSync(path.join(__dirname, 'lab.proto'), { keepCase: true });
const { lab } = grpc.loadPackageDefinition(def);
const clients = Array.from(
  { length: Number(CHANNELS) },
  (_, i) =>
    new lab.Lab(target, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.keepalive_time_ms': Number(KEEPALIVE_MS),
      'grpc.keepalive_timeout_ms': 5000,
      'grpc.keepalive_permit_without_calls': 1,
      'lab.channel': i,
    }),
);

// Deterministic mix (mulberry32), so every run makes the same calls.
let seed = 0x5eed;
function rnd() {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rnd() * a.length)];
const between = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));

const outcome = {};
const note = (kind, code) => {
  const k = `${kind} ${grpc.status[code] ?? code}`;
  outcome[k] = (outcome[k] || 0) + 1;
};

function one(i) {
  const c = clients[i % clients.length];
  const r = rnd();
  const size = pick([16, 100, 700, 1400, 3000, 12000]);
  return new Promise((resolveOnce) => {
    // A stream can emit 'error' and then 'end': count each call once.
    let done = false;
    const resolve = () => {
      done = true;
      resolveOnce();
    };
    if (r < 0.4) {
      c.Get({ id: i, delay_ms: between(0, 40), size }, (err) => {
        note('unary', err ? err.code : 0);
        resolve();
      });
    } else if (r < 0.6) {
      const s = c.Watch({ id: i, delay_ms: between(5, 25), count: between(2, 15), size });
      s.on('data', () => {});
      s.on('error', (e) => done || (note('stream', e.code), resolve()));
      s.on('end', () => done || (note('stream', 0), resolve()));
    } else if (r < 0.72) {
      // Cancelled unary: the server is still waiting to answer.
      const call = c.Get({ id: i, delay_ms: between(80, 400), size }, (err) => {
        note('unary-cancel', err ? err.code : 0);
        resolve();
      });
      setTimeout(() => call.cancel(), between(5, 60));
    } else if (r < 0.84) {
      // Cancelled server stream: messages are flowing when the client gives up.
      const s = c.Watch({ id: i, delay_ms: between(5, 20), count: 200, size });
      s.on('data', () => {});
      s.on('error', (e) => done || (note('stream-cancel', e.code), resolve()));
      s.on('end', () => done || (note('stream-cancel', 0), resolve()));
      setTimeout(() => s.cancel(), between(20, 300));
    } else if (r < 0.92) {
      // Short deadline on a slow unary.
      const deadline = new Date(Date.now() + pick([100, 150, 200, 300]));
      c.Get({ id: i, delay_ms: between(350, 800), size }, { deadline }, (err) => {
        note('unary-deadline', err ? err.code : 0);
        resolve();
      });
    } else {
      // Short deadline on a long server stream.
      const deadline = new Date(Date.now() + pick([120, 250, 400]));
      const s = c.Watch({ id: i, delay_ms: between(10, 30), count: 100, size }, { deadline });
      s.on('data', () => {});
      s.on('error', (e) => done || (note('stream-deadline', e.code), resolve()));
      s.on('end', () => done || (note('stream-deadline', 0), resolve()));
    }
  });
}

async function main() {
  const t0 = Date.now();
  let next = 0;
  const workers = Array.from({ length: Number(CONCURRENCY) }, async () => {
    while (next < Number(CALLS)) await one(next++);
  });
  await Promise.all(workers);
  // Idle but open channels for a while: only keepalive pings cross the wire.
  await new Promise((r) => setTimeout(r, 2.5 * Number(KEEPALIVE_MS)));
  for (const c of clients) c.close();
  for (const [k, n] of Object.entries(outcome).sort()) console.log(`${k}: ${n}`);
  console.log(`total ${CALLS} calls in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
main();
