// Traffic with secrets in it, for lib/redact's tests: HTTP/1 and HTTP/2 (h2c) requests carrying
// authorization/cookie/x-api-key headers and bodies, responses with set-cookie, a gRPC-framed
// (application/grpc) HTTP/2 stream. Run by make-fixture.sh under tcpdump on loopback.
const http = require('node:http');
const http2 = require('node:http2');

const SECRET = 'Bearer s3cr3t-t0ken-0123456789';
const COOKIE = 'session=c00kie-value-abcdef; theme=dark';
const BODY = 'password=hunter2-confidential-body';

function grpcFrame(s) {
  const b = Buffer.from(s);
  const out = Buffer.alloc(5 + b.length);
  out.writeUInt32BE(b.length, 1);
  b.copy(out, 5);
  return out;
}

async function main() {
  const h1 = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('set-cookie', 'session=srv-set-c00kie-998877; HttpOnly');
      res.setHeader('content-type', 'text/plain');
      res.end('response-body-private-data-xyz');
    });
  });
  await new Promise((r) => h1.listen(18081, '127.0.0.1', r));
  const agent = new http.Agent({ keepAlive: true });
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: 18081,
          method: 'POST',
          path: '/login',
          agent,
          headers: {
            authorization: SECRET,
            cookie: COOKIE,
            'x-api-key': 'apikey-42-secret',
            'content-type': 'text/plain',
          },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(BODY);
    });
  }
  agent.destroy();
  h1.close();

  const h2 = http2.createServer();
  h2.on('stream', (stream, headers) => {
    const grpc = String(headers['content-type'] || '').startsWith('application/grpc');
    stream.on('data', () => {});
    stream.on('end', () => {
      if (grpc) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(grpcFrame('grpc-reply-secret-payload'));
      } else {
        stream.respond({
          ':status': 200,
          'set-cookie': 'h2session=srv-h2-c00kie-556677',
          'content-type': 'text/plain',
        });
        stream.end('h2-response-body-private');
      }
    });
  });
  await new Promise((r) => h2.listen(18082, '127.0.0.1', r));
  const client = http2.connect('http://127.0.0.1:18082');
  const one = (headers, body) =>
    new Promise((resolve, reject) => {
      const req = client.request(headers);
      req.on('response', () => {});
      req.on('data', () => {});
      req.on('end', resolve);
      req.on('error', reject);
      req.end(body);
    });
  for (let i = 0; i < 2; i++) {
    await one(
      {
        ':method': 'POST',
        ':path': '/h2',
        authorization: SECRET,
        cookie: COOKIE,
        'x-api-key': 'apikey-42-secret',
      },
      BODY,
    );
  }
  await one(
    {
      ':method': 'POST',
      ':path': '/pkg.Svc/Call',
      'content-type': 'application/grpc',
      te: 'trailers',
      authorization: SECRET,
    },
    Buffer.concat([grpcFrame('grpc-request-secret-one'), grpcFrame('grpc-request-secret-two')]),
  );
  client.close();
  await new Promise((r) => setTimeout(r, 200));
  h2.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
