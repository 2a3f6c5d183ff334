import { describe, expect, it } from 'vitest';
import { HpackDecoder, HpackError, internHeaderList, type HeaderList } from './hpack';
import { hex } from './test-helpers';

type Step = { block: string; headers: [string, string][]; table: [string, string][]; size: number };

function run(decoder: HpackDecoder, steps: Step[]): void {
  for (const s of steps) {
    expect(decoder.decode(hex(s.block))).toEqual(s.headers);
    expect(decoder.table.entries).toEqual(s.table);
    expect(decoder.table.size).toBe(s.size);
  }
}

const REQ1: [string, string][] = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':path', '/'],
  [':authority', 'www.example.com'],
];
const REQ2: [string, string][] = [...REQ1, ['cache-control', 'no-cache']];
const REQ3: [string, string][] = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':path', '/index.html'],
  [':authority', 'www.example.com'],
  ['custom-key', 'custom-value'],
];
const T1: [string, string][] = [[':authority', 'www.example.com']];
const T2: [string, string][] = [['cache-control', 'no-cache'], ...T1];
const T3: [string, string][] = [['custom-key', 'custom-value'], ...T2];

const DATE1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const RESP1: [string, string][] = [
  [':status', '302'],
  ['cache-control', 'private'],
  ['date', DATE1],
  ['location', 'https://www.example.com'],
];
const RESP2: [string, string][] = [[':status', '307'], ...RESP1.slice(1)];
const RESP3: [string, string][] = [
  [':status', '200'],
  ['cache-control', 'private'],
  ['date', DATE2],
  ['location', 'https://www.example.com'],
  ['content-encoding', 'gzip'],
  ['set-cookie', COOKIE],
];
const RT1: [string, string][] = [
  ['location', 'https://www.example.com'],
  ['date', DATE1],
  ['cache-control', 'private'],
  [':status', '302'],
];
const RT2: [string, string][] = [[':status', '307'], ...RT1.slice(0, 3)];
const RT3: [string, string][] = [
  ['set-cookie', COOKIE],
  ['content-encoding', 'gzip'],
  ['date', DATE2],
];

describe('HPACK decoder: RFC 7541 Appendix C', () => {
  it('C.2.1 literal with indexing', () => {
    run(new HpackDecoder(), [
      {
        block: '400a637573746f6d2d6b65790d637573746f6d2d686561646572',
        headers: [['custom-key', 'custom-header']],
        table: [['custom-key', 'custom-header']],
        size: 55,
      },
    ]);
  });
  it('C.2.2 literal without indexing', () => {
    run(new HpackDecoder(), [
      { block: '040c2f73616d706c652f70617468', headers: [[':path', '/sample/path']], table: [], size: 0 },
    ]);
  });
  it('C.2.3 literal never indexed', () => {
    run(new HpackDecoder(), [
      { block: '100870617373776f726406736563726574', headers: [['password', 'secret']], table: [], size: 0 },
    ]);
  });
  it('C.2.4 indexed field', () => {
    run(new HpackDecoder(), [{ block: '82', headers: [[':method', 'GET']], table: [], size: 0 }]);
  });
  it('C.3 requests without Huffman', () => {
    run(new HpackDecoder(), [
      { block: '828684410f7777772e6578616d706c652e636f6d', headers: REQ1, table: T1, size: 57 },
      { block: '828684be58086e6f2d6361636865', headers: REQ2, table: T2, size: 110 },
      {
        block: '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565',
        headers: REQ3,
        table: T3,
        size: 164,
      },
    ]);
  });
  it('C.4 requests with Huffman', () => {
    run(new HpackDecoder(), [
      { block: '828684418cf1e3c2e5f23a6ba0ab90f4ff', headers: REQ1, table: T1, size: 57 },
      { block: '828684be5886a8eb10649cbf', headers: REQ2, table: T2, size: 110 },
      { block: '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf', headers: REQ3, table: T3, size: 164 },
    ]);
  });
  it('C.5 responses without Huffman (table size 256, evictions)', () => {
    run(new HpackDecoder(256), [
      {
        block:
          '4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d',
        headers: RESP1,
        table: RT1,
        size: 222,
      },
      { block: '4803333037c1c0bf', headers: RESP2, table: RT2, size: 222 },
      {
        block:
          '88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31',
        headers: RESP3,
        table: RT3,
        size: 215,
      },
    ]);
  });
  it('C.6 responses with Huffman (table size 256, evictions)', () => {
    run(new HpackDecoder(256), [
      {
        block:
          '488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3',
        headers: RESP1,
        table: RT1,
        size: 222,
      },
      { block: '4883640effc1c0bf', headers: RESP2, table: RT2, size: 222 },
      {
        block:
          '88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007',
        headers: RESP3,
        table: RT3,
        size: 215,
      },
    ]);
  });
});

describe('HPACK decoder: errors', () => {
  function err(block: string, d = new HpackDecoder()): HpackError {
    try {
      d.decode(hex(block));
    } catch (e) {
      if (e instanceof HpackError) return e;
      throw e;
    }
    throw new Error('no error');
  }
  it('index beyond the table', () => {
    const e = err('82be');
    expect(e.message).toMatch(/index 62 beyond table/);
    expect(e.offset).toBe(1);
  });
  it('truncated string', () => {
    expect(err('410f7777').message).toMatch(/truncated string/);
  });
  it('truncated integer', () => {
    expect(err('ff').message).toMatch(/truncated integer/);
  });
  it('integer overflow', () => {
    expect(err('ffffffffffffff7f').message).toMatch(/overflow/);
  });
  it('bad Huffman padding', () => {
    // name literal, Huffman, 1 byte: 'a' then 000 padding.
    expect(err('008118').message).toMatch(/Huffman/);
  });
  it('table size update after a field, and above the allowed size', () => {
    expect(err('823f61').message).toMatch(/after a header field/);
    expect(err('3fe21f').message).toMatch(/above allowed/); // 4097+
  });
  it('a size update evicts, and 0 clears the table', () => {
    const d = new HpackDecoder();
    d.decode(hex('400a637573746f6d2d6b65790d637573746f6d2d686561646572'));
    expect(d.table.entries.length).toBe(1);
    d.decode(hex('2082'));
    expect(d.table.entries.length).toBe(0);
    expect(d.table.maxSize).toBe(0);
  });
  it('an error breaks the decoder for later blocks', () => {
    const d = new HpackDecoder();
    err('82be', d);
    expect(d.broken).toBeTruthy();
    expect(() => d.decode(hex('82'))).toThrow(/state lost/);
  });
});

describe('HpackDecoder after a capture gap (forgetTable)', () => {
  // Literal with incremental indexing, new name: 0x40, name, value (no Huffman).
  const lit = (n: string, v: string) => [0x40, n.length, ...Buffer.from(n), v.length, ...Buffer.from(v)];

  it('static and post-gap entries decode; entries from before the gap are unknown, not errors', () => {
    const d = new HpackDecoder();
    d.decode(Uint8Array.from(lit('a', '1'))); // index 62 = a: 1
    d.forgetTable();
    expect(d.decode(Uint8Array.from([0x88, 0xbe]))).toEqual([[':status', '200']]);
    expect(d.unknownFields).toBe(1);
    expect(d.broken).toBeNull();
    // An insertion after the gap is index 62; the lost entry is now 63 and still unknown.
    expect(d.decode(Uint8Array.from([...lit('b', '2'), 0xbe, 0xbf]))).toEqual([
      ['b', '2'],
      ['b', '2'],
    ]);
    expect(d.unknownFields).toBe(1);
    // A literal whose name refers to a lost entry: value read, entry inserted with unknown name.
    expect(d.decode(Uint8Array.from([0x40 | 0x3f, 1, 1, 0x33]))).toEqual([]); // name index 64
    expect(d.unknownFields).toBe(1);
    expect(d.decode(Uint8Array.from([0xbe, 0xbf]))).toEqual([['b', '2']]); // 62 unknown name, 63 = b: 2
    expect(d.unknownFields).toBe(1);
  });

  it('a table size update to 0 makes the table fully known again', () => {
    const d = new HpackDecoder();
    d.forgetTable();
    // Size updates to 0 (empties it), then back to 4096 (31 + 4065: 0x3f 0xe1 0x1f), then c: 3.
    d.decode(Uint8Array.from([0x20, 0x3f, 0xe1, 0x1f, ...lit('c', '3')]));
    expect(d.decode(Uint8Array.from([0xbe]))).toEqual([['c', '3']]);
    expect(() => d.decode(Uint8Array.from([0xbf]))).toThrow(/beyond table/);
  });
});

describe('shared header lists and strings', () => {
  /** A block of literals without indexing (0x00, then name and value, no Huffman). */
  const literals = (pairs: [string, string][]) =>
    Uint8Array.from(
      pairs.flatMap(([n, v]) => [
        0x00,
        n.length,
        ...Buffer.from(n, 'latin1'),
        v.length,
        ...Buffer.from(v, 'latin1'),
      ]),
    );

  it('gives equal decoded lists one array, and unequal ones their own', () => {
    const d = new HpackDecoder();
    const a = d.decode(
      literals([
        ['x-id', '1'],
        ['x-path', '/a'],
      ]),
    );
    const b = d.decode(
      literals([
        ['x-id', '1'],
        ['x-path', '/a'],
      ]),
    );
    const c = d.decode(
      literals([
        ['x-id', '1'],
        ['x-path', '/b'],
      ]),
    );
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(c).toEqual([
      ['x-id', '1'],
      ['x-path', '/b'],
    ]);
  });

  it('never confuses lists whose concatenated text is the same', () => {
    const one: HeaderList = [['a\u0000', 'b']];
    const two: HeaderList = [['a', '\u0000b']];
    expect(internHeaderList(one)).toBe(one);
    expect(internHeaderList(two)).toBe(two);
    expect(internHeaderList([['a\u0000', 'b']])).toBe(one);
  });

  it('decodes every string right whatever the cache holds (values differing in one byte, many of them)', () => {
    const d = new HpackDecoder();
    for (let i = 0; i < 20000; i++) {
      const v = `value-${i % 7}-${i}`;
      const name = `x-h${i % 3}`;
      expect(d.decode(literals([[name, v]]))).toEqual([[name, v]]);
    }
    // Non-ASCII bytes go through UTF-8 (é as C3 A9), not the ASCII cache.
    expect(d.decode(literals([['x-name', '\u00c3\u00a9t\u00c3\u00a9']]))).toEqual([['x-name', 'été']]);
  });
});
