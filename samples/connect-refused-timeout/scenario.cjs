// connect-refused-timeout:
//   port 7901: nothing listens -> the kernel answers the SYN with RST/ACK (ECONNREFUSED).
//   port 7902: generate.sh installs an iptables rule dropping SYNs to 127.0.0.1:7902 (the
//              "blackholed" server); the client's SYN is retransmitted (1 s, 3 s) and the client's
//              own connect timeout (3.5 s) gives up.
'use strict';
const net = require('net');
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), ...a);
setTimeout(() => {
  log('hard timeout');
  process.exit(1);
}, 15000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function connect(port, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = net.connect(port, '127.0.0.1');
    s.setTimeout(timeoutMs, () => {
      log(port, 'connect timeout after', Date.now() - t0, 'ms');
      s.destroy();
      resolve('timeout');
    });
    s.on('connect', () => {
      log(port, 'connected?!');
      s.destroy();
      resolve('connected');
    });
    s.on('error', (e) => {
      log(port, 'error', e.code, 'after', Date.now() - t0, 'ms');
      resolve(e.code);
    });
  });
}

(async () => {
  await sleep(200);
  await connect(7901, 3500);
  await sleep(300);
  await connect(7902, 3500);
  await sleep(300);
  process.exit(0);
})();
