// grpc-js client: client-streaming uploads (100 chunks of 4-64 KB), bidirectional chats (a
// message every 50-300 ms for 8 s, echoed), and server streams of 20 messages of 64 KB-1 MB;
// half of the channels ask for gzip compression (grpc.default_compression_algorithm).
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const [target] = process.argv.slice(2);
const def = loader.loadSync(path.join(__dirname, 'stream.proto'), { keepCase: true, longs: Number });
const { labs } = grpc.loadPackageDefinition(def);
const opts = (gzip) => ({
  'grpc.use_local_subchannel_pool': 1,
  'grpc.max_receive_message_length': 8 << 20,
  'grpc.keepalive_time_ms': 10000,
  ...(gzip ? { 'grpc.default_compression_algorithm': 2 } : {}),
});
const plain = new labs.Streams(target, grpc.credentials.createInsecure(), opts(false));
const zipped = new labs.Streams(target, grpc.credentials.createInsecure(), opts(true));
const data = Buffer.from('client upload bytes 0123456789 abcdefghijklmnopqrstuvwxyz\n'.repeat(2000));
let seed = 5;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
const stats = {};
const note = (k) => (stats[k] = (stats[k] || 0) + 1);

const upload = (c, tag) =>
  new Promise((resolve) => {
    const call = c.Upload(
      (err, s) => (note(`upload ${tag} ${err ? err.code : 'OK'} ${s ? s.chunks : ''}`), resolve()),
    );
    for (let i = 0; i < 100; i++)
      call.write({ seq: i, data: data.subarray(0, 4096 + Math.floor(rnd() * 60000)) });
    call.end();
  });

const chat = (c, tag) =>
  new Promise((resolve) => {
    const call = c.Chat();
    let got = 0;
    call.on('data', () => got++);
    call.on('end', () => (note(`chat ${tag} OK echoes=${got > 0}`), resolve()));
    call.on('error', (e) => (note(`chat ${tag} ${e.code}`), resolve()));
    const t0 = Date.now();
    let i = 0;
    const tick = () => {
      if (Date.now() - t0 > 8000) return call.end();
      call.write({ seq: i++, data: data.subarray(0, 200), note: `m${i}` });
      setTimeout(tick, 50 + Math.floor(rnd() * 250));
    };
    tick();
  });

const download = (c, tag, size) =>
  new Promise((resolve) => {
    const call = c.Download({ count: 20, size });
    let n = 0;
    call.on('data', () => n++);
    call.on('end', () => (note(`download ${tag} ${size} OK n=${n}`), resolve()));
    call.on('error', (e) => (note(`download ${tag} ${e.code}`), resolve()));
  });

(async () => {
  const jobs = [];
  for (const [c, tag] of [
    [plain, 'plain'],
    [zipped, 'gzip'],
  ]) {
    for (let k = 0; k < 3; k++) jobs.push(chat(c, tag));
    for (let k = 0; k < 4; k++) jobs.push(upload(c, tag));
    for (const size of [65536, 262144, 1048576]) jobs.push(download(c, tag, size));
  }
  await Promise.all(jobs);
  plain.close();
  zipped.close();
  for (const [k, v] of Object.entries(stats).sort()) console.log(`${k}: ${v}`);
})();
