// app/worker/pack.ts: a packed part unpacks to what a structured clone would give (keys in order,
// undefined members, -0, NaN, shared arrays one object), also when the arrays it packs into are
// reused or too small; and the parts of a real capture's trace come back equal.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pack, unpack } from '@/app/worker/pack';
import { Interner, resultParts, splitTrace } from '@/app/worker/transfer';
import { analyzeBytes } from '@/lib/analyze';
import { H2FrameRecord } from '@/lib/trace';

const root = join(import.meta.dirname, '../..');

describe('pack', () => {
  it('round-trips JSON-like values exactly, keys in their order', () => {
    const v = {
      z: 1,
      a: [1, -0, NaN, Infinity, 2.5, -7, 2 ** 40],
      s: ['', 'é ü', 'x'.repeat(1000), 'x'.repeat(1000)],
      t: true,
      f: false,
      n: null,
      u: undefined,
      nested: { b: { c: [[], {}, [{ d: 'e' }]] } },
    };
    const back = unpack(pack(v)) as typeof v;
    expect(Object.keys(back)).toEqual(Object.keys(v));
    expect('u' in back).toBe(true);
    expect(Object.is(back.a[1], -0)).toBe(true);
    expect(Number.isNaN(back.a[2])).toBe(true);
    expect(back).toStrictEqual(structuredClone(v));
  });

  it('tells apart layouts that share a first key', () => {
    const v = [
      { a: 1, b: 2 },
      { a: 3, c: 4 },
      { a: 5 },
      { a: 6, b: 7, c: 8 },
      { b: 9, a: 0 },
      { a: 1, b: 2 },
    ];
    const p = pack(v);
    expect(p.layouts).toHaveLength(5);
    const back = unpack(p) as object[];
    expect(back.map((o) => Object.keys(o))).toEqual(v.map((o) => Object.keys(o)));
    expect(back).toStrictEqual(v);
  });

  it('keeps an array met twice one array, as a structured clone does', () => {
    const pair: [string, string] = [':method', 'GET'];
    const list = [pair, [':path', '/']];
    const flags = ['END_STREAM'];
    const v = [
      { h: list, f: flags },
      { h: list, f: flags, p: pair },
    ];
    const back = unpack(pack(v)) as { h: unknown; f: unknown; p?: unknown }[];
    expect(back[0].h).toBe(back[1].h);
    expect(back[0].f).toBe(back[1].f);
    expect(back[1].p).toBe((back[0].h as unknown[])[0]);
    expect(back).toEqual(v);
  });

  it('packs class instances as plain objects of their own keys', () => {
    const f = new H2FrameRecord(3, 'c1', 1, 'DATA', 0, ['END_STREAM'], 1, 5, 's2c', 0.25, [7]);
    f.info = { dataLength: 5 };
    const back = unpack(pack(f));
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(back).toStrictEqual(structuredClone({ ...f }));
    expect(Object.keys(back as object)).toEqual(Object.keys(f));
  });

  it('grows arrays that are too small and reuses given ones', () => {
    const v = Array.from({ length: 5000 }, (_, i) => ({ i, s: `k${i % 7}`, l: [i, i + 1] }));
    const small = { tags: new ArrayBuffer(4), nums: new ArrayBuffer(8) };
    const p = pack(v, small);
    expect(unpack(p)).toEqual(v);
    const big = { tags: new ArrayBuffer(1 << 20), nums: new ArrayBuffer(8 << 20) };
    const q = pack(v, big);
    expect(q.tags.buffer).toBe(big.tags);
    expect(q.nums.buffer).toBe(big.nums);
    expect(unpack(q)).toEqual(v);
    // Reused with stale contents beyond what this part writes.
    expect(unpack(pack([1, 'a'], big))).toEqual([1, 'a']);
  });

  it('rejects what it cannot pack and damaged input', () => {
    expect(() => pack({ f: () => 1 })).toThrow(/function/);
    expect(() => pack({ b: new Uint8Array(2) })).toThrow(/typed array/);
    const p = pack([1, 2]);
    expect(() => unpack({ ...p, tags: p.tags.subarray(0, 2) })).toThrow(/bad packed value/);
    expect(() => unpack({ ...p, tags: Uint8Array.of(...p.tags, 0) })).toThrow(/trailing/);
  });

  it("carries every part of a real capture's trace as a structured clone would", () => {
    const bytes = readFileSync(join(root, 'samples/h2-rule-violations/capture.pcap'));
    const trace = analyzeBytes('capture.pcap', new Uint8Array(bytes));
    const { lists } = splitTrace(trace);
    const shared = new Interner();
    for (const x of lists.streams) shared.stream(x);
    let parts = 0;
    for (const part of resultParts(lists, 300)) {
      expect(unpack(pack(part))).toStrictEqual(structuredClone(part));
      parts++;
    }
    expect(parts).toBeGreaterThan(3);
  });
});
