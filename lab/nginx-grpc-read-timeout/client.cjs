// grpc-js client (one channel, no deadline of its own): fast unary calls and slow ones the server
// answers after 5 s, started 0.6 s apart. Prints each call's outcome.
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [target] = process.argv.slice(2);
const def = loader.loadSync(path.join(__dirname, '../benign-grpc-cancel-deadline/lab.proto'), {
  keepCase: true,
});
const { lab } = grpc.loadPackageDefinition(def);
const client = new lab.Lab(target, grpc.credentials.createInsecure());
const t0 = Date.now();
const plan = [10, 20, 700, 5000, 5000, 30, 5000, 5000, 10];
let done = 0;
plan.forEach((delay, i) => {
  setTimeout(() => {
    const start = Date.now();
    client.Get({ id: i, delay_ms: delay, size: 16 }, (err) => {
      const s = ((Date.now() - start) / 1000).toFixed(3);
      console.log(
        JSON.stringify({
          id: i,
          delay_ms: delay,
          status: err ? grpc.status[err.code] : 'OK',
          details: err ? err.details : '',
          seconds: Number(s),
        }),
      );
      if (++done === plan.length) {
        client.close();
        console.log(JSON.stringify({ total_s: (Date.now() - t0) / 1000 }));
      }
    });
  }, i * 600);
});
