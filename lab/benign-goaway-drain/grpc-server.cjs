// grpc-js server that recycles connections: grpc.max_connection_age_ms sends GOAWAY (NO_ERROR,
// first with last-stream-id 2^31-1, then the real one) and lets in-flight calls finish within
// the grace period; SIGUSR2 drains the whole server with tryShutdown() while calls are in flight.
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [addr = '0.0.0.0:50051', AGE_MS = '4000'] = process.argv.slice(2);
const def = loader.loadSync(path.join(__dirname, 'lab.proto'), { keepCase: true });
const { lab } = grpc.loadPackageDefinition(def);
const payload = Buffer.alloc(16 * 1024, 'drain-');
const stats = { get: 0, watch: 0 };

const server = new grpc.Server({
  'grpc.max_connection_age_ms': Number(AGE_MS),
  'grpc.max_connection_age_grace_ms': 10000,
});
server.addService(lab.Lab.service, {
  Get(call, cb) {
    stats.get++;
    const r = call.request;
    const t = setTimeout(() => cb(null, { id: r.id, payload: payload.subarray(0, r.size) }), r.delay_ms);
    call.on('cancelled', () => clearTimeout(t));
  },
  Watch(call) {
    stats.watch++;
    const r = call.request;
    let seq = 0;
    let t = null;
    const next = () => {
      if (call.cancelled) return;
      if (seq >= r.count) return call.end();
      call.write({ id: r.id, seq: seq++, payload: payload.subarray(0, r.size) });
      t = setTimeout(next, r.delay_ms);
    };
    call.on('cancelled', () => clearTimeout(t));
    next();
  },
});
server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) throw err;
  console.error(`grpc server on ${addr}, max connection age ${AGE_MS} ms`);
});
process.on('SIGUSR2', () => {
  const t0 = Date.now();
  console.error('server: tryShutdown() with calls in flight');
  server.tryShutdown(() => {
    console.error(`server: drained in ${Date.now() - t0} ms; served ${JSON.stringify(stats)}`);
    process.exit(0);
  });
});
