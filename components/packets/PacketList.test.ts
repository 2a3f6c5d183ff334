import { describe, expect, it } from 'vitest';
import { listGeometry } from './PacketList';

describe('listGeometry', () => {
  it('a short list: one scroll pixel per pixel, row i at (i + 1) rows (under the header)', () => {
    const g = listGeometry(1000, 180, 400);
    expect(g.area).toBe(1001 * 18);
    expect(g.topIndex).toBe(10);
    expect(g.rowY(10)).toBe(180 + 18);
    expect(g.scrollFor(10)).toBe(180);
  });
  it('five million rows: the scroll area stays within what a browser makes, and spans every row', () => {
    const n = 5_000_000;
    const h = 400;
    const top = listGeometry(n, 0, h);
    expect(top.area).toBeLessThanOrEqual(8_000_000);
    expect(top.topIndex).toBe(0);
    const end = listGeometry(n, top.area - h, h);
    // At the bottom, the last row is in view.
    expect(end.topIndex + end.visible).toBeGreaterThanOrEqual(n);
    expect(end.rowY(n - 1) + 18).toBeLessThanOrEqual(top.area + 18);
    // The row at the top of the view is drawn at the top of the view (below the header).
    const mid = listGeometry(n, 3_000_000, h);
    expect(mid.rowY(Math.floor(mid.topIndex))).toBeLessThanOrEqual(3_000_000 + 18);
    expect(mid.rowY(Math.floor(mid.topIndex))).toBeGreaterThan(3_000_000);
    // scrollFor inverts topIndex.
    expect(listGeometry(n, mid.scrollFor(2_500_000), h).topIndex).toBeCloseTo(2_500_000, 0);
  });
});
