// HTTP/1.1 origin. GET /rst answers, then resets the connection 20 ms after the response is
// flushed (socket.resetAndDestroy(): SO_LINGER 0, an RST instead of keeping it alive or a FIN);
// everything else is an ordinary keep-alive answer.
'use strict';
const http = require('node:http');
const body = Buffer.alloc(1500, 'status ok ');
const server = http.createServer((req, res) => {
  const rst = req.url.startsWith('/rst');
  res.writeHead(200, {
    'content-type': 'text/plain',
    'content-length': body.length,
  });
  res.end(body, () => {
    if (rst) setTimeout(() => req.socket.resetAndDestroy(), 20);
  });
});
server.listen(Number(process.argv[2] || 8080), '0.0.0.0');
