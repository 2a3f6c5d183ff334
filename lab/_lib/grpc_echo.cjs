// A gRPC echo service on @grpc/grpc-js (h2c, no TLS), with a hand-written method table instead
// of a .proto: requests and responses are raw bytes (UTF-8 text), which is all gRPC's framing
// needs. Server: node grpc_echo.cjs server HOST:PORT. Client: node grpc_echo.cjs client HOST:PORT
// [unaryCalls] [streamMessages] — prints one JSON line per call with the status it got.
'use strict';
const grpc = require('@grpc/grpc-js');

const raw = { serialize: (b) => Buffer.from(b), deserialize: (b) => b };
const service = {
  say: {
    path: '/lab.Echo/Say',
    requestStream: false,
    responseStream: false,
    requestSerialize: raw.serialize,
    requestDeserialize: raw.deserialize,
    responseSerialize: raw.serialize,
    responseDeserialize: raw.deserialize,
  },
  count: {
    path: '/lab.Echo/Count',
    requestStream: false,
    responseStream: true,
    requestSerialize: raw.serialize,
    requestDeserialize: raw.deserialize,
    responseSerialize: raw.serialize,
    responseDeserialize: raw.deserialize,
  },
};

const [mode, addr, nUnary = '5', nStream = '5'] = process.argv.slice(2);
const t0 = Date.now();
const log = (o) => console.log(JSON.stringify({ t: (Date.now() - t0) / 1000, ...o }));

if (mode === 'server') {
  const server = new grpc.Server();
  server.addService(service, {
    say: (call, cb) => cb(null, Buffer.concat([Buffer.from('echo: '), call.request])),
    count: (call) => {
      const n = Number(call.request.toString()) || 3;
      let i = 0;
      const tick = () => {
        if (i === n) return call.end();
        call.write(Buffer.from(`message ${++i} of ${n}`));
        setTimeout(tick, 50);
      };
      tick();
    },
  });
  server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) throw err;
    log({ listening: addr });
  });
} else {
  const Client = grpc.makeGenericClientConstructor(service, 'Echo');
  const client = new Client(addr, grpc.credentials.createInsecure());
  const unary = (i) =>
    new Promise((resolve) => {
      client.say(Buffer.from(`hello ${i}`), { deadline: Date.now() + 5000 }, (err, res) => {
        log(
          err
            ? { call: `Say ${i}`, code: err.code, details: err.details }
            : { call: `Say ${i}`, code: 0, reply: res.toString() },
        );
        resolve();
      });
    });
  const stream = () =>
    new Promise((resolve) => {
      const got = [];
      const call = client.count(Buffer.from(nStream), { deadline: Date.now() + 5000 });
      call.on('data', (m) => got.push(m.toString()));
      call.on('status', (s) => {
        log({ call: 'Count', code: s.code, details: s.details, messages: got.length });
        resolve();
      });
      call.on('error', () => {});
    });
  (async () => {
    for (let i = 1; i <= Number(nUnary); i++) {
      await unary(i);
      await new Promise((r) => setTimeout(r, 100));
    }
    await stream();
    client.close();
  })();
}
