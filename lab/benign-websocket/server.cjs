// ws server: echoes every message with a sequence number, pushes its own updates now and then,
// and pings each client every PING_MS (the usual ws heartbeat; Socket.IO's default is 25 s) — a
// client that misses a pong would be terminated, none does here.
'use strict';
const { WebSocketServer } = require('ws');
const [port = '8080', PING_MS = '10000', PUSH_MS = '1700'] = process.argv.slice(2);
const wss = new WebSocketServer({ port: Number(port), perMessageDeflate: false });
let n = 0;
wss.on('connection', (ws) => {
  ws.isAlive = true;
  ws.on('pong', () => (ws.isAlive = true));
  ws.on('message', (data, isBinary) => {
    n++;
    ws.send(isBinary ? data : JSON.stringify({ seq: n, echo: String(data) }), { binary: isBinary });
  });
  // PUSH_MS 0: a quiet subscription, nothing but the heartbeat crosses the wire.
  const push =
    Number(PUSH_MS) > 0
      ? setInterval(
          () => ws.send(JSON.stringify({ t: Date.now(), update: 'price', v: Math.random() })),
          Number(PUSH_MS),
        )
      : null;
  ws.on('close', () => clearInterval(push));
});
const heartbeat = setInterval(() => {
  for (const ws of wss.clients) {
    if (!ws.isAlive) ws.terminate();
    ws.isAlive = false;
    ws.ping();
  }
}, Number(PING_MS));
wss.on('close', () => clearInterval(heartbeat));
process.on('SIGTERM', () => {
  console.error(`ws server: ${n} messages echoed`);
  process.exit(0);
});
