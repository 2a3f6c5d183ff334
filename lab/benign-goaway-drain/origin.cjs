// HTTP/1.1 origin behind nginx: answers /slow after 100-900 ms (so requests are in flight when
// nginx reloads) and /fast at once.
'use strict';
const http = require('node:http');
const body = Buffer.alloc(3000, 'origin ');
http
  .createServer((req, res) => {
    const send = () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
      res.end(body);
    };
    if (req.url.startsWith('/slow')) setTimeout(send, 100 + Math.floor(Math.random() * 800));
    else send();
  })
  .listen(Number(process.argv[2] || 8080), '0.0.0.0');
