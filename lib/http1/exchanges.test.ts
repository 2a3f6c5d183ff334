import { describe, expect, it } from 'vitest';
import type { AppParser } from '../stream';
import type { Dir } from '../trace';
import { run, summary } from './test-helpers';
import type { Step } from './test-helpers';

const GET = (p: string) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`;
const OK = (body: string, ct = 'text/plain') =>
  `HTTP/1.1 200 OK\r\nContent-Type: ${ct}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

/** Same result whole, at every split size 1..7. */
function same(steps: Step[]): ReturnType<typeof run> {
  const whole = run(steps);
  for (const split of [1, 2, 3, 5, 7]) {
    const r = run(steps, split);
    expect(summary(r.exchanges)).toEqual(summary(whole.exchanges));
    expect(r.warnings).toEqual(whole.warnings);
  }
  return whole;
}

describe('Http1Parser', () => {
  it('simple exchange with headers in order and case, at every split', () => {
    const r = same([
      ['c2s', 'GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Thing: Y\r\n\r\n'],
      ['s2c', OK('hello')],
    ]);
    expect(r.exchanges).toHaveLength(1);
    const x = r.exchanges[0];
    expect(x).toMatchObject({
      method: 'GET',
      path: '/a?b=1',
      version: 'HTTP/1.1',
      status: 200,
      reason: 'OK',
      outcome: 'complete',
      index: 1,
    });
    expect(x.request?.headers).toEqual([
      ['Host', 'x'],
      ['X-Thing', 'Y'],
    ]);
    expect(x.response?.bodyBytes).toBe(5);
    expect(x.requestS).toBe(1);
    expect(x.responseS).toBe(2);
    expect(x.contentType).toBe('text/plain');
  });

  it('pipelining: 5 requests then 5 responses', () => {
    const reqs = [1, 2, 3, 4, 5].map((i) => GET(`/${i}`)).join('');
    const resps = [1, 2, 3, 4, 5].map((i) => OK('x'.repeat(i))).join('');
    const r = same([
      ['c2s', reqs],
      ['s2c', resps],
    ]);
    expect(r.exchanges.map((x) => [x.path, x.response?.bodyBytes, x.outcome])).toEqual(
      [1, 2, 3, 4, 5].map((i) => [`/${i}`, i, 'complete']),
    );
  });

  it('HEAD with Content-Length but no body; next response parses', () => {
    const r = same([
      ['c2s', 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n' + GET('/b')],
      ['s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n' + OK('ab')],
    ]);
    expect(summary(r.exchanges)).toMatchObject([
      { method: 'HEAD', status: 200, respBody: 0, outcome: 'complete' },
      { path: '/b', respBody: 2 },
    ]);
  });

  it('304 and 204 have no body', () => {
    const r = same([
      ['c2s', GET('/a') + GET('/b') + GET('/c')],
      [
        's2c',
        'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n' + OK('z'),
      ],
    ]);
    expect(r.exchanges.map((x) => [x.status, x.response?.bodyBytes])).toEqual([
      [304, 0],
      [204, 0],
      [200, 1],
    ]);
  });

  it('chunked with extensions and trailers', () => {
    const body = '5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n';
    const r = same([
      ['c2s', GET('/c') + GET('/d')],
      ['s2c', `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}` + OK('q')],
    ]);
    expect(summary(r.exchanges)).toMatchObject([
      { respBody: 11, chunked: true, outcome: 'complete' },
      { path: '/d', respBody: 1 },
    ]);
  });

  it('chunked request body', () => {
    const r = same([
      ['c2s', 'POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
      ['s2c', OK('')],
    ]);
    expect(summary(r.exchanges)).toMatchObject([{ method: 'POST', reqBody: 3, outcome: 'complete' }]);
  });

  it('close-delimited response ends at FIN', () => {
    const steps: Step[] = [
      ['c2s', GET('/')],
      ['s2c', 'HTTP/1.0 200 OK\r\n\r\nsome body bytes'],
      ['end', 's2c'],
    ];
    const r = same(steps);
    expect(summary(r.exchanges)).toMatchObject([{ respBody: 15, outcome: 'complete' }]);
    expect(run(steps.slice(0, 2)).exchanges[0].outcome).toBe('incomplete-response');
  });

  it('100-continue and 103 before the final response', () => {
    const r = same([
      ['c2s', 'POST /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n'],
      ['s2c', 'HTTP/1.1 100 Continue\r\n\r\n'],
      ['c2s', 'abc'],
      ['s2c', 'HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n' + OK('done')],
    ]);
    expect(summary(r.exchanges)).toMatchObject([
      { method: 'POST', status: 200, interim: [100, 103], reqBody: 3, respBody: 4, outcome: 'complete' },
    ]);
  });

  it('101 upgrade hands the rest of both directions to the next parser at the exact offset', () => {
    const got: Record<Dir, string> = { c2s: '', s2c: '' };
    const offs: Record<Dir, number[]> = { c2s: [], s2c: [] };
    const calls: [string, { c2sOffset: number; s2cOffset: number }][] = [];
    const next: AppParser = {
      data: (d, b, o) => {
        got[d] += new TextDecoder('latin1').decode(b);
        offs[d].push(o);
      },
      gap: () => {},
      end: () => {},
    };
    const req = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\r\n';
    const resp = 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n';
    for (const split of [0, 1, 4]) {
      got.c2s = got.s2c = '';
      offs.c2s = [];
      offs.s2c = [];
      calls.length = 0;
      const r = run(
        [
          ['c2s', req + 'PRI * HTTP/2.0'],
          ['s2c', resp + 'FRAMES'],
          ['c2s', 'MORE'],
        ],
        split,
        {
          onUpgrade: (p, _t, rest) => {
            calls.push([p, rest]);
            return next;
          },
        },
      );
      expect(calls).toEqual([['h2c', { c2sOffset: req.length, s2cOffset: resp.length }]]);
      expect(got).toEqual({ c2s: 'PRI * HTTP/2.0MORE', s2c: 'FRAMES' });
      expect(offs.c2s[0]).toBe(req.length);
      expect(offs.s2c[0]).toBe(resp.length);
      expect(summary(r.exchanges)).toMatchObject([{ status: 101, outcome: 'complete' }]);
      expect(r.warnings).toEqual([]);
    }
  });

  it('Upgrade declined: the client goes on in HTTP/1', () => {
    const r = same([
      ['c2s', 'GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n'],
      ['c2s', GET('/next')],
      ['s2c', OK('a') + OK('b')],
    ]);
    expect(r.exchanges.map((x) => [x.path, x.outcome])).toEqual([
      ['/', 'complete'],
      ['/next', 'complete'],
    ]);
  });

  it('CONNECT 2xx: the rest is opaque (no warnings, no exchanges)', () => {
    let proto = '';
    const r = run(
      [
        ['c2s', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01garbage'],
        ['s2c', 'HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03xx'],
      ],
      0,
      { onUpgrade: (p) => ((proto = p), null) },
    );
    expect(proto).toBe('CONNECT');
    expect(summary(r.exchanges)).toMatchObject([
      { method: 'CONNECT', path: 'example.com:443', status: 200, outcome: 'complete', respBody: 0 },
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('malformed start line: warning with offset, direction stops', () => {
    const r = same([
      ['c2s', GET('/ok') + 'NOT HTTP AT ALL\r\n\r\n' + GET('/never')],
      ['s2c', OK('1')],
    ]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^malformed HTTP\/1 request at c2s byte 29: /);
    expect(r.exchanges.map((x) => x.path)).toEqual(['/ok', null]);
  });

  it('header line without colon', () => {
    const r = run([['c2s', 'GET / HTTP/1.1\r\nHost x\r\n\r\n']]);
    expect(r.warnings).toEqual(['malformed HTTP/1 request at c2s byte 16: no colon in header line']);
    expect(r.exchanges[0].outcome).toBe('incomplete-request');
  });

  it('binary garbage is rejected early, without buffering', () => {
    const r = run([['s2c', new Uint8Array([0x16, 3, 1, 0, 5, 1, 2, 3, 4, 5])]]);
    expect(r.warnings[0]).toMatch(/^malformed HTTP\/1 response at s2c byte 0/);
  });

  it('oversized header section', () => {
    const big =
      'GET / HTTP/1.1\r\n' +
      'X-A: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(2000);
    const r = run(
      [
        ['c2s', big],
        ['c2s', 'more\r\n\r\n'],
      ],
      1000,
    );
    expect(r.warnings).toEqual(['malformed HTTP/1 request at c2s byte 0: header section larger than 64 KiB']);
  });

  it('conflicting Content-Length is malformed', () => {
    const r = run([
      ['c2s', GET('/')],
      ['s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'],
    ]);
    expect(r.warnings[0]).toMatch(/conflicting Content-Length/);
    expect(r.exchanges[0].outcome).toBe('incomplete-response');
  });

  it('obs-fold joins the value', () => {
    const r = run([['c2s', 'GET / HTTP/1.1\r\nX-Long: a\r\n  b\r\n\r\n']]);
    expect(r.exchanges[0].request?.headers).toEqual([['X-Long', 'a b']]);
  });

  it('response with no request is an orphan', () => {
    const r = same([['s2c', OK('x')]]);
    expect(summary(r.exchanges)).toMatchObject([{ method: null, status: 200, outcome: 'orphan-response' }]);
  });

  it('unanswered request at end', () => {
    const r = same([
      ['c2s', GET('/a') + GET('/b')],
      ['s2c', OK('1')],
      ['end', 'c2s'],
      ['end', 's2c'],
    ]);
    expect(r.exchanges.map((x) => x.outcome)).toEqual(['complete', 'unanswered']);
  });

  it('JSON keys of a JSON response', () => {
    const r = same([
      ['c2s', GET('/j')],
      ['s2c', OK('{"id":1,"name":"a","tags":[1,{"x":2}]}', 'application/json; charset=utf-8')],
    ]);
    expect(r.exchanges[0].jsonKeys).toEqual(['id', 'name', 'tags']);
  });

  it('gap in a request body of known length: counted, outcome capture-gap', () => {
    const results = run([['c2s', 'POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc']]);
    results.parser.gap('c2s', 43, 50, 3);
    expect(results.exchanges[0].outcome).toBe('capture-gap');
    expect(results.exchanges[0].captureGap).toEqual({ c2s: 50, s2c: 0 });
  });
});

describe('lenient request target', () => {
  it('keeps a target with a space (CONNECT host:25 / HTTP/1.0 seen in the wild)', () => {
    const r = run([['c2s', 'CONNECT mail.example:25 / HTTP/1.0\r\n\r\n']]);
    expect(r.exchanges[0]).toMatchObject({
      method: 'CONNECT',
      path: 'mail.example:25 /',
      version: 'HTTP/1.0',
    });
    expect(r.warnings).toEqual([]);
  });
});

describe('large JSON', () => {
  it('keeps only 64 KiB and still reports the keys that fit', () => {
    const body = `{"first":"${'x'.repeat(70000)}","late":1}`;
    const r = run(
      [
        ['c2s', GET('/big')],
        ['s2c', OK(body, 'application/problem+json')],
      ],
      4096,
    );
    expect(r.exchanges[0]).toMatchObject({ outcome: 'complete', jsonKeys: ['first'] });
    expect(r.exchanges[0].response?.bodyBytes).toBe(body.length);
  });
});

describe('throughput', () => {
  it('20 MB of bodies and 5000 pipelined requests parse quickly', () => {
    const reqs = Array.from({ length: 5000 }, (_, i) => GET(`/${i}`)).join('');
    const big = `HTTP/1.1 200 OK\r\nContent-Length: ${20 << 20}\r\n\r\n`;
    const t0 = performance.now();
    const r = run(
      [
        ['c2s', reqs],
        ['s2c', big],
        ['s2c', new Uint8Array(20 << 20)],
      ],
      65536,
    );
    expect(r.exchanges).toHaveLength(5000);
    expect(r.exchanges[0].response?.bodyBytes).toBe(20 << 20);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
