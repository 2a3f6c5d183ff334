// HTTP/1.1 origin answering with large header sections: 20 Set-Cookie headers of about 1 KB and
// a long Link header, then a small JSON body — headers bigger than one TCP segment.
'use strict';
const http = require('node:http');
http
  .createServer((req, res) => {
    const cookies = Array.from(
      { length: 20 },
      (_, i) => `pref${i}=${'v'.repeat(900)}${i}; Path=/; HttpOnly; SameSite=Lax`,
    );
    const link = Array.from({ length: 40 }, (_, i) => `</static/chunk-${i}.js>; rel=preload; as=script`).join(
      ', ',
    );
    const body = JSON.stringify({ ok: true, cookieBytes: (req.headers.cookie || '').length });
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'set-cookie': cookies,
      link,
    });
    res.end(body);
  })
  .listen(Number(process.argv[2] || 8080), '0.0.0.0');
