#!/usr/bin/env node
// The gRPC unary mix of the benchmarks (scripts/bench-captures.mjs makeGrpcUnary runs it inside a
// network namespace while tcpdump captures): a @grpc/grpc-js server and client in one process,
// `--calls` small unary calls over `--channels` channels, `--concurrency` in flight at a time.
// Requests of 20 to 200 bytes, answers of 20 to 2,000 bytes; about 5% of calls end NOT_FOUND
// (trailers-only), 1% INTERNAL after a partial think, and 1% are given a deadline shorter than the
// server's delay (DEADLINE_EXCEEDED: the client cancels with RST_STREAM).
// Usage: node scripts/bench-grpc-load.mjs [--port 50051] [--calls 60000] [--channels 8] [--concurrency 64]
import grpc from '@grpc/grpc-js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const port = opt('port', 50051);
const calls = opt('calls', 60000);
const channels = opt('channels', 8);
const concurrency = opt('concurrency', 64);

const identity = (b) => b;
const service = {
  call: {
    path: '/bench.Items/Get',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

const server = new grpc.Server();
server.addService(service, {
  call: (call, done) => {
    const req = call.request;
    const n = req.readUInt32BE(0);
    if (n % 20 === 7) return done({ code: grpc.status.NOT_FOUND, details: `item ${n} not found` });
    if (n % 100 === 13)
      return setTimeout(() => done({ code: grpc.status.INTERNAL, details: 'backend failed' }), 2);
    const delay = n % 100 === 31 ? 30 : 0;
    const size = 20 + ((n * 7919) % 1981);
    const answer = Buffer.alloc(size, 0x61 + (n % 26));
    if (delay) setTimeout(() => done(null, answer), delay);
    else done(null, answer);
  },
});
await new Promise((resolve, reject) =>
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (e) =>
    e ? reject(e) : resolve(),
  ),
);

const Client = grpc.makeGenericClientConstructor(service, 'Items');
const clients = Array.from(
  { length: channels },
  // A distinct channel each (grpc-js shares subchannels between equal targets and options).
  (_, i) => new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'bench.channel': i }),
);
const counts = new Map();
let next = 0;
async function worker() {
  while (next < calls) {
    const n = next++;
    const req = Buffer.alloc(20 + (n % 181), 0x62);
    req.writeUInt32BE(n, 0);
    const deadline = n % 100 === 31 ? Date.now() + 10 : Date.now() + 10000;
    const code = await new Promise((resolve) =>
      clients[n % channels].call(req, { deadline }, (e) => resolve(e ? e.code : 0)),
    );
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
}
const t0 = Date.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const s = (Date.now() - t0) / 1000;
for (const c of clients) c.close();
await new Promise((r) => server.tryShutdown(r));
const summary = [...counts].map(([code, n]) => `${grpc.status[code] ?? code} ${n}`).join(', ');
console.error(`grpc unary: ${calls} calls in ${s.toFixed(1)} s (${summary})`);
