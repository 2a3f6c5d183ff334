// http1-socket-swap: a hand-written HTTP/1.1 keep-alive server (Node net) with the "responses
// crossed between sockets" bug: the handler writes its response to a module-level `lastSocket`
// (the socket of the most recent request) instead of the socket the request came in on.
//   client A (connection 0): GET /users/1   at t0      (lookup takes 100 ms)
//   client B (connection 1): GET /orders/7  at t0+50ms (lookup takes 300 ms)
//   t0+100: /users/1 answer goes to lastSocket = B  -> B gets a users-shaped body for /orders/7
//   t0+350: /orders/7 answer also goes to B         -> a response with no request outstanding
//   A's request is never answered.
'use strict';
const net = require('net');
const PORT = 7500;
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), ...a);
setTimeout(() => {
  log('hard timeout');
  process.exit(1);
}, 15000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const routes = {
  '/users/1': { delay: 100, body: { id: 1, name: 'Ada Lovelace', email: 'ada@example.com' } },
  '/orders/7': { delay: 300, body: { orderId: 7, items: [{ sku: 'A-100', qty: 2 }], total: 41.5 } },
};
let lastSocket = null; // BUG: shared across connections
const server = net.createServer((socket) => {
  let buf = '';
  socket.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
      const head = buf.slice(0, i);
      buf = buf.slice(i + 4);
      const [method, path] = head.split('\r\n')[0].split(' ');
      lastSocket = socket; // "current connection" kept in a shared variable
      const route = routes[path];
      setTimeout(
        () => {
          // async lookup
          const body = JSON.stringify(route ? route.body : { error: 'not found' });
          log(
            'server: answering',
            method,
            path,
            'on',
            lastSocket === socket ? 'its own socket' : 'ANOTHER socket',
          );
          lastSocket.write(
            `HTTP/1.1 ${route ? 200 : 404} ${route ? 'OK' : 'Not Found'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body}`,
          );
        },
        route ? route.delay : 10,
      );
    }
  });
  socket.on('error', () => {});
});
server.listen(PORT, '127.0.0.1');

function rawClient(name) {
  const s = net.connect(PORT, '127.0.0.1');
  s.setEncoding('utf8');
  s.on('data', (d) => log(name, 'received', JSON.stringify(d)));
  s.on('error', () => {});
  return new Promise((r) => s.on('connect', () => r(s)));
}

(async () => {
  await sleep(200);
  const a = await rawClient('A');
  const b = await rawClient('B');
  a.write('GET /users/1 HTTP/1.1\r\nHost: 127.0.0.1:7500\r\nAccept: application/json\r\n\r\n');
  await sleep(50);
  b.write('GET /orders/7 HTTP/1.1\r\nHost: 127.0.0.1:7500\r\nAccept: application/json\r\n\r\n');
  await sleep(1000);
  log('A gives up waiting; closing both connections');
  a.end();
  b.end();
  await sleep(300);
  server.close();
  process.exit(0);
})();
