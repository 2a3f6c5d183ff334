import { describe, expect, it } from 'vitest';
import { PacketTable } from './packets';
import { MAX_BUCKETS, columnField, effectiveInterval, ioBuckets } from './iograph';

/** Packets at the given times with the given frame lengths (conn 0 for every other one). */
function table(rows: [number, number][]): PacketTable {
  const t = new PacketTable();
  rows.forEach(([time, len], i) => {
    const r = t.add(time, 0, len, len, 0, 1);
    if (i % 2 === 0) {
      t.conn[r] = 0;
      t.payloadLen[r] = Math.max(0, len - 54);
    }
  });
  return t;
}

describe('ioBuckets', () => {
  const t = table([
    [0, 100],
    [0.5, 200],
    [1.2, 60],
    [2.9, 1514],
    [2.95, 54],
  ]);

  it('packets, bytes and bits/s per interval', () => {
    expect(Array.from(ioBuckets(t, { intervalS: 1, measure: 'packets', rows: null }).values)).toEqual([
      2, 1, 2,
    ]);
    expect(Array.from(ioBuckets(t, { intervalS: 1, measure: 'bytes', rows: null }).values)).toEqual([
      300, 60, 1568,
    ]);
    expect(Array.from(ioBuckets(t, { intervalS: 0.5, measure: 'bits', rows: null }).values)).toEqual([
      1600, 3200, 960, 0, 0, 25088,
    ]);
  });

  it('only the rows a filter selected', () => {
    const rows = Uint32Array.of(1, 3);
    expect(Array.from(ioBuckets(t, { intervalS: 1, measure: 'bytes', rows }).values)).toEqual([200, 0, 1514]);
  });

  it('SUM/MAX/MIN/AVG/COUNT of a field; absent values leave MIN/MAX/AVG empty', () => {
    const f = columnField(t, 'tcp.len')!;
    const run = (measure: 'sum' | 'max' | 'min' | 'avg' | 'count') =>
      Array.from(ioBuckets(t, { intervalS: 1, measure, rows: null, field: f }).values);
    // tcp.len exists on rows 0, 2, 4: 46, 6, 0.
    expect(run('sum')).toEqual([46, 6, 0]);
    expect(run('count')).toEqual([1, 1, 1]);
    expect(run('max')).toEqual([46, 6, 0]);
    const lens = columnField(t, 'frame.len')!;
    const avg = ioBuckets(t, { intervalS: 1, measure: 'avg', rows: null, field: lens }).values;
    expect(Array.from(avg)).toEqual([150, 60, 784]);
    const min = ioBuckets(t, { intervalS: 1, measure: 'min', rows: Uint32Array.of(3), field: lens }).values;
    expect(Number.isNaN(min[0])).toBe(true);
    expect(min[2]).toBe(1514);
    expect(() => ioBuckets(t, { intervalS: 1, measure: 'sum', rows: null })).toThrow(/needs a field/);
  });

  it('a fine interval over a long capture is coarsened to fit', () => {
    expect(effectiveInterval(0.001, 3600)).toBe(0.1);
    expect(effectiveInterval(0.001, 10)).toBe(0.001);
    const long = table([
      [0, 60],
      [3600, 60],
    ]);
    const r = ioBuckets(long, { intervalS: 0.001, measure: 'packets', rows: null });
    expect(r.values.length).toBeLessThanOrEqual(MAX_BUCKETS + 1);
    expect(r.intervalS).toBeCloseTo(0.1);
  });

  it('columnField: unknown names are null', () => {
    expect(columnField(t, 'http2.length')).toBeNull();
  });
});
