// HTTP/2 client that opens many streaming requests on one connection and cancels most of them
// (RST_STREAM CANCEL) after a random 20-150 ms, while the server's DATA is still flowing: the
// server's frames already in flight (or queued in its socket) arrive after each RST_STREAM.
'use strict';
const http2 = require('node:http2');
const [url, total = '60', concurrency = '12'] = process.argv.slice(2);
const session = http2.connect(url);
session.on('error', (e) => console.error('[client] session error', e.message));
let started = 0;
let done = 0;
const stats = { cancelled: 0, completed: 0, bytes: 0 };
function one() {
  if (started >= Number(total)) return;
  const i = started++;
  const req = session.request({ ':path': `/stream/${i}` });
  req.on('data', (d) => (stats.bytes += d.length));
  const cancelAfter = i % 5 === 4 ? null : 20 + Math.floor(Math.random() * 130);
  let timer = null;
  if (cancelAfter !== null)
    timer = setTimeout(() => {
      stats.cancelled++;
      req.close(http2.constants.NGHTTP2_CANCEL);
    }, cancelAfter);
  req.on('close', () => {
    if (timer) clearTimeout(timer);
    if (req.rstCode === http2.constants.NGHTTP2_NO_ERROR) stats.completed++;
    done++;
    if (done === Number(total)) {
      console.log(`[client] ${JSON.stringify(stats)}`);
      session.close();
    } else one();
  });
  req.on('error', () => {});
  req.end();
}
for (let k = 0; k < Number(concurrency); k++) one();
