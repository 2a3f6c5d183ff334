// grpc-js client: opens a server stream (Watch: one message now, the next in 60 s), stays quiet
// (no keepalive pings: the grpc-js default) and, SILENCE_S later, makes a unary call on the same
// channel. Prints what happened.
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [target, SILENCE_S = '20.5'] = process.argv.slice(2);
const def = loader.loadSync(path.join(__dirname, '../benign-grpc-cancel-deadline/lab.proto'), {
  keepCase: true,
});
const { lab } = grpc.loadPackageDefinition(def);
const client = new lab.Lab(target, grpc.credentials.createInsecure());
const t0 = Date.now();
const now = () => (Date.now() - t0) / 1000;
const log = (o) => console.log(JSON.stringify({ t: now(), ...o }));
const watch = client.Watch({ id: 1, delay_ms: 60000, count: 2, size: 16 });
watch.on('data', (m) => log({ event: 'watch message', seq: m.seq }));
watch.on('error', (e) => log({ event: 'watch error', status: grpc.status[e.code], details: e.details }));
setTimeout(
  () => {
    log({ event: 'unary call after the silence' });
    client.Get({ id: 2, delay_ms: 10, size: 16 }, { deadline: Date.now() + 3000 }, (err) => {
      log({
        event: 'unary result',
        status: err ? grpc.status[err.code] : 'OK',
        details: err ? err.details : '',
      });
      setTimeout(() => process.exit(0), 500);
    });
  },
  Number(SILENCE_S) * 1000,
);
