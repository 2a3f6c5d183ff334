// The HTTP/1 walker on hand-made streams: pipelined requests, a folded Cookie line, a chunked
// response, an h2c upgrade — whatever the segmentation, header values keep their lengths, chunk
// framing stays, bodies are zeroed and the parser reads the result exactly as the original.
import { describe, expect, it } from 'vitest';
import { Http1DirParser, type Http1Head } from '../http1/parser';
import type { Dir } from '../trace';
import { emptyStats, type WalkContext } from './context';
import { EditList } from './edits';
import { Http1Walker } from './http1';
import { H2Walker } from './http2';

function context(): WalkContext {
  const edits: Record<Dir, EditList> = { c2s: new EditList(), s2c: new EditList() };
  return {
    edits,
    sensitive: new Set(['authorization', 'cookie', 'set-cookie']),
    mapped: new Set(['host']),
    mapValue: (b) => b.map((x) => (x >= 0x30 && x <= 0x39 ? 0x37 : x)),
    valueSeed: (b) => b,
    keepPayload: false,
    mapName: null,
    stats: emptyStats(),
    midStream: () => false,
    cut: (dir, offset, length) => edits[dir].zero(offset, length),
  };
}

const C2S =
  'POST /a HTTP/1.1\r\nHost: 10.1.2.3:8080\r\nAuthorization: Basic dXNlcjpwYXNz\r\nCookie: a=1;\r\n  b=secret2\r\nContent-Length: 11\r\n\r\nhello world' +
  'GET /b HTTP/1.1\r\nHost: 10.1.2.3:8080\r\ncookie:sid=abc\r\n\r\n';
const S2C =
  'HTTP/1.1 200 OK\r\nSet-Cookie: sid=xyz123; Path=/\r\nContent-Length: 5\r\n\r\nbody1' +
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nchunk\r\n6;ext=1\r\nsecret\r\n0\r\nX-Trailer: t\r\n\r\n';

function heads(role: 'request' | 'response', bytes: Uint8Array): { heads: Http1Head[]; body: number } {
  const out: Http1Head[] = [];
  let body = 0;
  const p = new Http1DirParser(role, {
    start: () => {},
    head: (h) => out.push(h),
    body: (b) => (body += b.length),
    end: () => {},
    malformed: (r) => {
      throw new Error(r);
    },
    switched: () => {},
  });
  p.feed(bytes, 0, 0, 0);
  return { heads: out, body };
}

describe('Http1Walker', () => {
  for (const seg of [1, 2, 5, 17, 4096]) {
    it(`redacts heads in place and zeroes bodies, segments of ${seg} bytes`, () => {
      const ctx = context();
      const w = new Http1Walker(ctx, () => null);
      const c = new TextEncoder().encode(C2S);
      const s = new TextEncoder().encode(S2C);
      // Interleave: request 1, response 1, request 2, response 2 (offsets per direction).
      const feed = (dir: Dir, b: Uint8Array, from: number, to: number) => {
        for (let o = from; o < to; o += seg) w.data(dir, b.subarray(o, Math.min(to, o + seg)), o, 0, 0);
      };
      const c1 = C2S.indexOf('GET /b');
      const s1 = S2C.indexOf('HTTP/1.1 200 OK', 5);
      feed('c2s', c, 0, c1);
      feed('s2c', s, 0, s1);
      feed('c2s', c, c1, c.length);
      feed('s2c', s, s1, s.length);
      const rc = c.slice();
      const rs = s.slice();
      ctx.edits.c2s.apply(rc, 0, 0, rc.length);
      ctx.edits.s2c.apply(rs, 0, 0, rs.length);
      const text = (b: Uint8Array) => new TextDecoder('latin1').decode(b);
      expect(text(rc)).not.toMatch(/dXNlcjpwYXNz|secret2|sid=abc|hello world|10\.1\.2\.3/);
      expect(text(rs)).not.toMatch(/xyz123|body1|chunk\r|secret/);
      expect(text(rc)).toContain('Authorization: xxxxxxxxxxxxxxxxxx\r\n');
      expect(text(rc)).toContain('Cookie: xxxx\r\n  xxxxxxxxx\r\n');
      expect(text(rc)).toContain('Host: 77.7.7.7:7777\r\n');
      expect(text(rs)).toContain('\r\n5\r\n\0\0\0\0\0\r\n6;ext=1\r\n');
      expect(text(rs)).toContain('X-Trailer: t');
      // The parser reads the redacted streams as it read the originals.
      for (const [role, a, b] of [
        ['request', c, rc],
        ['response', s, rs],
      ] as const) {
        const x = heads(role, a);
        const y = heads(role, b);
        expect(y.body).toBe(x.body);
        expect(
          y.heads.map((h) => [h.method, h.target, h.status, h.headers.map(([k, v]) => [k, v.length])]),
        ).toEqual(
          x.heads.map((h) => [h.method, h.target, h.status, h.headers.map(([k, v]) => [k, v.length])]),
        );
      }
      expect(ctx.stats.headersReplaced).toBe(4);
    });
  }

  it('hands the bytes after a 101 to h2c (preface and frames kept)', () => {
    const ctx = context();
    const w = new Http1Walker(ctx, (p) => (p === 'h2c' ? new H2Walker(ctx, true) : null));
    const req =
      'GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n';
    const preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
    const settings = [0, 0, 0, 4, 0, 0, 0, 0, 0];
    const c = Uint8Array.from([...new TextEncoder().encode(req + preface), ...settings]);
    const resp = 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n';
    const data = [0, 0, 4, 0, 1, 0, 0, 0, 1, 0x41, 0x42, 0x43, 0x44];
    const s = Uint8Array.from([...new TextEncoder().encode(resp), ...settings, ...data]);
    w.data('c2s', c, 0, 0, 0);
    w.data('s2c', s, 0, 0, 0);
    const rc = c.slice();
    const rs = s.slice();
    ctx.edits.c2s.apply(rc, 0, 0, rc.length);
    ctx.edits.s2c.apply(rs, 0, 0, rs.length);
    expect(rc).toEqual(c);
    expect([...rs.subarray(s.length - 4)]).toEqual([0, 0, 0, 0]);
    expect([...rs.subarray(0, s.length - 4)]).toEqual([...s.subarray(0, s.length - 4)]);
  });
});
