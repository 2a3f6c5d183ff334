// grpc-js server: Get answers after delay_ms; Watch streams `count` messages delay_ms apart.
// Cancelled calls (client RST_STREAM, or the deadline from grpc-timeout firing) stop the work.
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [addr = '0.0.0.0:50051', BUSY_MS = '0'] = process.argv.slice(2);
const def = loader.loadSync(path.join(__dirname, 'lab.proto'), { keepCase: true });
const { lab } = grpc.loadPackageDefinition(def);
const payload = Buffer.alloc(64 * 1024, 'payload-');
// A busy server: each response message costs up to BUSY_MS of synchronous CPU (rendering,
// serialization), so the event loop lags and reads the client's RST_STREAM late — DATA already
// scheduled keeps going out meanwhile, as on any loaded Node server.
function busy() {
  const until = Date.now() + Math.random() * Number(BUSY_MS);
  while (Date.now() < until);
}
const stats = { get: 0, watch: 0 };

const server = new grpc.Server({
  // The server pings idle-ish connections too; grpc-js does not police client ping rates.
  'grpc.keepalive_time_ms': 20000,
  'grpc.keepalive_timeout_ms': 5000,
});
server.addService(lab.Lab.service, {
  Get(call, cb) {
    stats.get++;
    const r = call.request;
    const t = setTimeout(
      () => cb(null, { id: r.id, seq: 0, payload: payload.subarray(0, r.size) }),
      r.delay_ms,
    );
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
      busy();
      call.write({ id: r.id, seq: seq++, payload: payload.subarray(0, r.size) });
      t = setTimeout(next, r.delay_ms);
    };
    call.on('cancelled', () => clearTimeout(t));
    next();
  },
});
server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) throw err;
  console.error(`grpc server on ${addr}`);
});
process.on('SIGTERM', () => {
  console.error(`server: ${JSON.stringify(stats)}`);
  server.tryShutdown(() => process.exit(0));
});
