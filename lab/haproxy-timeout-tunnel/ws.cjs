// WebSocket echo server and clients on the `ws` package. Server: node ws.cjs server PORT.
// Clients: node ws.cjs client URL — four connections: "chatty" sends a message every 4 s,
// "pinged" sends nothing but WebSocket pings every 4 s, "silent-1"/"silent-2" send one message
// and then nothing; after 20 s every connection still open is closed normally (1000).
'use strict';
const WebSocket = require('ws');

const [mode, arg] = process.argv.slice(2);
const t0 = Date.now();
const log = (o) => console.log(JSON.stringify({ t: (Date.now() - t0) / 1000, ...o }));

if (mode === 'server') {
  const wss = new WebSocket.Server({ port: Number(arg) });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo: ${m}`)));
} else {
  const open = (name, everyMs, ping) =>
    new Promise((resolve) => {
      const ws = new WebSocket(arg);
      let timer = null;
      ws.on('open', () => {
        ws.send(`${name} hello`);
        if (everyMs) timer = setInterval(() => (ping ? ws.ping() : ws.send(`${name} tick`)), everyMs);
        setTimeout(() => ws.readyState === WebSocket.OPEN && ws.close(1000, 'done'), 20000);
      });
      ws.on('close', (code, reason) => {
        clearInterval(timer);
        log({ conn: name, event: 'close', code, reason: reason.toString() });
        resolve();
      });
      ws.on('error', (e) => log({ conn: name, event: 'error', error: String(e) }));
    });
  Promise.all([
    open('chatty', 4000, false),
    open('pinged', 4000, true),
    open('silent-1', 0, false),
    open('silent-2', 0, false),
  ]).then(() => process.exit(0));
}
