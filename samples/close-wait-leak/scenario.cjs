// close-wait-leak: a server created with allowHalfOpen: true that ignores 'end', so after the
// client's FIN its sockets sit in CLOSE_WAIT forever. 20 clients send a request line, get no
// answer within 200 ms, give up with socket.end() (FIN). The capture runs ~7 s after that.
// The server sockets send TCP keep-alives every 2 s, so the capture shows them alive to its end.
// Line protocol (not HTTP) on port 7400, so the leak is the only thing wrong.
'use strict';
const net = require('net');
const { execFileSync } = require('child_process');
const PORT = 7400,
  CLIENTS = 20;
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), ...a);
setTimeout(() => {
  log('hard timeout');
  process.exit(1);
}, 20000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const held = [];
const server = net.createServer({ allowHalfOpen: true }, (s) => {
  held.push(s);
  s.setKeepAlive(true, 2000); // like Go's default listener keep-alive (15 s), scaled down: shows the leaked sockets are alive
  s.on('data', () => {
    /* slow backend: the answer never comes */
  });
  s.on('end', () => {
    /* BUG: should call s.end() here; the socket stays in CLOSE_WAIT */
  });
  s.on('error', () => {});
});
server.listen(PORT, '127.0.0.1');

function client(i) {
  return new Promise((resolve) => {
    const s = net.connect(PORT, '127.0.0.1', () => {
      s.write(`GETQUOTE ${i}\n`);
      setTimeout(() => s.end(), 200); // give up: FIN
    });
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', resolve);
    s.on('end', resolve);
    setTimeout(resolve, 500);
  });
}

(async () => {
  await sleep(200);
  for (let i = 0; i < CLIENTS; i++) {
    client(i);
    await sleep(50);
  }
  await sleep(600);
  try {
    log(
      'sockets on port',
      PORT,
      ':\n' + execFileSync('ss', ['-tan', `sport = :${PORT}`], { encoding: 'utf8' }),
    );
  } catch {
    /* ss missing */
  }
  await sleep(7000);
  log('capture ends; server still holds', held.filter((s) => !s.destroyed).length, 'sockets in CLOSE_WAIT');
  await sleep(4000); // generate.sh stops tcpdump meanwhile; only then does the exit close the sockets
  process.exit(0);
})();
