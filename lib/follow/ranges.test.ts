import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../../tests/shared';
import { analyzeBytes } from '../analyze';
import { GzipRangePicker, RangePicker, coalesce, isGzip, type ByteRange } from './ranges';

describe('reading packets back by byte ranges', () => {
  const plain = new Uint8Array(readFileSync(path.join(SAMPLES_DIR, 'healthy-http1/capture.pcap')));
  const gz = gzipSync(plain);
  const trace = analyzeBytes('capture.pcap.gz', gz);
  const p = trace.packets!;
  const ranges: ByteRange[] = [];
  for (let i = 0; i < p.length; i++)
    if (p.conn[i] === 1) ranges.push({ offset: p.fileOffset[i], length: p.caplen[i] });

  it('a gzip capture: offsets are in the decompressed bytes; ranges picked across odd chunk splits', () => {
    expect(isGzip(gz)).toBe(true);
    expect(ranges.length).toBeGreaterThan(3);
    for (const step of [1, 7, 1000, 1 << 20]) {
      const got: Uint8Array[] = [];
      const picker = new GzipRangePicker(ranges, (i, b) => (got[i] = b));
      for (let o = 0; o < gz.length && !picker.done; o += step)
        picker.push(gz.subarray(o, o + step), o + step >= gz.length);
      expect(picker.done).toBe(true);
      ranges.forEach((r, i) =>
        expect(got[i], `range ${i} step ${step}`).toEqual(plain.subarray(r.offset, r.offset + r.length)),
      );
    }
  });

  it('a plain stream: every range once, in order, copies (the chunk may be reused)', () => {
    const order: number[] = [];
    const got: Uint8Array[] = [];
    const picker = new RangePicker(ranges, (i, b) => {
      order.push(i);
      got[i] = b;
    });
    const buf = new Uint8Array(13);
    for (let o = 0; o < plain.length; o += 13) {
      const n = Math.min(13, plain.length - o);
      buf.set(plain.subarray(o, o + n));
      picker.push(buf.subarray(0, n));
    }
    expect(order).toEqual(ranges.map((_r, i) => i));
    ranges.forEach((r, i) => expect(got[i]).toEqual(plain.subarray(r.offset, r.offset + r.length)));
  });

  it('coalesce: nearby ranges read together, within the read cap', () => {
    const r = [
      { offset: 0, length: 10 },
      { offset: 20, length: 10 },
      { offset: 100_000, length: 10 },
    ];
    expect(coalesce(r, 64)).toEqual([
      { offset: 0, length: 30, first: 0, count: 2 },
      { offset: 100_000, length: 10, first: 2, count: 1 },
    ]);
    expect(coalesce(r, 1 << 20, 25).length).toBe(3);
  });
});
