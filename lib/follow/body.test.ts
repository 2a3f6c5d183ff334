import { brotliCompressSync } from 'node:zlib';
import { deflateSync, gzipSync, zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeBody, hexDump, undoEncoding } from './body';

const enc = (s: string) => new TextEncoder().encode(s);

describe('decodeBody', () => {
  const json = enc('{"a":1,"b":[true,null],"c":"x"}');

  it('undoes gzip, zlib deflate, raw deflate and br, then pretty-prints JSON', () => {
    for (const [coding, wire] of [
      ['gzip', gzipSync(json)],
      ['deflate', zlibSync(json)],
      ['deflate', deflateSync(json)],
      ['br', new Uint8Array(brotliCompressSync(json))],
    ] as const) {
      const d = decodeBody(wire, coding, 'application/json; charset=utf-8');
      expect(d.notes, coding).toEqual([]);
      expect(d.decoded).toEqual([coding]);
      expect(d.kind).toBe('json');
      expect(d.text).toBe(JSON.stringify(JSON.parse('{"a":1,"b":[true,null],"c":"x"}'), null, 2));
    }
  });

  it('undoes a chain of codings in reverse order', () => {
    const wire = new Uint8Array(brotliCompressSync(gzipSync(enc('hello'))));
    const d = decodeBody(wire, 'gzip, br', 'text/plain');
    expect(d.decoded).toEqual(['br', 'gzip']);
    expect(d.text).toBe('hello');
  });

  it('stops a decompression bomb at the cap and shows the body as sent', () => {
    const bomb = gzipSync(new Uint8Array(5 << 20));
    const d = decodeBody(bomb, 'gzip', 'text/plain', 1 << 20);
    expect(d.notes[0]).toMatch(/gzip: decompresses to more than 1 MiB/);
    expect(d.bytes).toBe(bomb);
    expect(d.kind).toBe('binary');
    const br = new Uint8Array(brotliCompressSync(new Uint8Array(5 << 20)));
    expect(decodeBody(br, 'br', null, 1 << 20).notes[0]).toMatch(/br: decompresses to more than 1 MiB/);
  });

  it('says what failed on damaged or unknown codings', () => {
    expect(decodeBody(enc('not gzip'), 'gzip', 'text/plain').notes[0]).toMatch(/^gzip: .*shown as sent/);
    expect(decodeBody(enc('x'), 'zstd', 'text/plain').notes[0]).toMatch(/zstd.*not supported/);
  });

  it('text as text, binary as hex, JSON by its bytes when untyped', () => {
    expect(decodeBody(enc('<html>hi</html>'), null, 'text/html').kind).toBe('text');
    expect(decodeBody(enc('[1,2]'), null, null).text).toBe('[\n  1,\n  2\n]');
    const bin = decodeBody(new Uint8Array([0, 1, 2, 0xff]), null, 'application/octet-stream');
    expect(bin.kind).toBe('binary');
    expect(bin.text).toBe(hexDump(new Uint8Array([0, 1, 2, 0xff])));
    expect(bin.text.startsWith('00000000  00 01 02 ff')).toBe(true);
    expect(decodeBody(new Uint8Array(0), null, null).kind).toBe('empty');
    // Truncated JSON stays readable as text.
    expect(decodeBody(enc('{"a":'), null, 'application/json').kind).toBe('text');
  });

  it('identity is no coding', () => {
    expect(undoEncoding('identity', enc('a'))).toEqual(enc('a'));
  });
});
