// grpc-js server for client-streaming uploads, bidirectional chat and large server-streamed
// messages (bigger than HTTP/2 frames and flow-control windows). Compression per call is the
// client's choice (grpc-encoding gzip); the server answers compressed when asked.
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const def = loader.loadSync(path.join(__dirname, 'stream.proto'), { keepCase: true, longs: Number });
const { labs } = grpc.loadPackageDefinition(def);
const text = Buffer.from('grpc stream payload 0123456789 abcdefghijklmnopqrstuvwxyz\n'.repeat(20000));

const server = new grpc.Server({
  'grpc.max_send_message_length': 8 << 20,
  'grpc.max_receive_message_length': 8 << 20,
});
server.addService(labs.Streams.service, {
  Upload(call, cb) {
    let chunks = 0;
    let bytes = 0;
    call.on('data', (c) => {
      chunks++;
      bytes += c.data.length;
    });
    call.on('end', () => cb(null, { chunks, bytes }));
  },
  Chat(call) {
    call.on('data', (c) => call.write({ seq: c.seq, data: c.data.subarray(0, 64), note: `echo ${c.note}` }));
    call.on('end', () => call.end());
  },
  Download(call) {
    const { count, size } = call.request;
    let i = 0;
    const next = () => {
      while (i < count) {
        const ok = call.write({ seq: i, data: text.subarray(0, size) });
        i++;
        if (!ok) return call.once('drain', next);
      }
      call.end();
    };
    next();
  },
});
server.bindAsync(process.argv[2] || '0.0.0.0:50052', grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) throw err;
});
