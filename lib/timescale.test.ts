import { describe, expect, it } from 'vitest';
import { decimalsFor, fmtDur, MIN_SPAN_S, niceStep, TimeScale } from './timescale';

describe('TimeScale', () => {
  const s = new TimeScale(10, 20, 100, 1100); // 100 px a second

  it('maps time to pixels and back', () => {
    expect(s.pxPerS).toBe(100);
    expect(s.x(10)).toBe(100);
    expect(s.x(15)).toBe(600);
    expect(s.x(5)).toBe(-400); // left of the window: not clamped
    expect(s.t(600)).toBe(15);
    expect(s.t(0)).toBe(10); // clamped to the time area
    expect(s.t(5000)).toBe(20);
  });

  it('zooms about the anchor: the time under the pointer stays under it', () => {
    const z = s.zoom(4, 350);
    expect(z.span).toBeCloseTo(2.5, 12);
    expect(z.t(350)).toBeCloseTo(s.t(350), 12);
    expect(z.x(12.5)).toBeCloseTo(350, 9);
  });

  it('never zooms narrower than a microsecond, nor out beyond the bounds', () => {
    let z = s;
    for (let i = 0; i < 40; i++) z = z.zoom(10, 600);
    expect(z.span).toBeGreaterThan(MIN_SPAN_S * 0.999);
    expect(z.span).toBeLessThan(MIN_SPAN_S * 1.001);
    const out = s.zoom(0.01, 600, [0, 30]);
    expect(out.start).toBe(0);
    expect(out.end).toBe(30);
  });

  it('pans by pixels and stays inside the bounds', () => {
    const p = s.pan(200); // content moves right: earlier times come in
    expect(p.start).toBeCloseTo(8, 12);
    expect(p.end).toBeCloseTo(18, 12);
    const q = s.pan(5000, [5, 100]);
    expect(q.start).toBe(5);
    expect(q.span).toBeCloseTo(10, 12);
    const r = s.pan(-1e6, [5, 25]);
    expect(r.end).toBe(25);
  });

  it('fits a range with padding', () => {
    const f = s.fit(12, 13, 0.5);
    expect(f.start).toBeCloseTo(11.5, 12);
    expect(f.end).toBeCloseTo(13.5, 12);
    const one = s.fit(12, 12); // an instant: still a window
    expect(one.span).toBeGreaterThan(0);
    expect(one.start).toBeLessThan(12);
  });

  it('gives 1-2-5 ticks about the asked spacing, inside the window', () => {
    const t = s.ticks(100); // 1 s per 100 px
    expect(t.step).toBe(1);
    expect(t.times[0]).toBe(10);
    expect(t.times.at(-1)).toBe(20);
    const fine = new TimeScale(0.1231, 0.1239, 0, 800).ticks(100);
    expect(fine.step).toBeCloseTo(0.0001, 12);
    expect(fine.decimals).toBe(4);
    for (const x of fine.times) expect(x).toBeGreaterThanOrEqual(0.1231 - 1e-12);
  });

  it('keeps pixel changes apart from the window', () => {
    const w = s.withPixels(0, 500);
    expect(w.start).toBe(10);
    expect(w.pxPerS).toBe(50);
  });
});

describe('steps and labels', () => {
  it('rounds to 1, 2, 5', () => {
    expect(niceStep(0.0013)).toBeCloseTo(0.001, 12);
    expect(niceStep(0.003)).toBeCloseTo(0.002, 12);
    expect(niceStep(4)).toBe(5);
    expect(niceStep(8)).toBe(10);
    expect(decimalsFor(0.005)).toBe(3);
    expect(decimalsFor(2)).toBe(0);
    expect(fmtDur(0.0025)).toBe('2.5ms');
    expect(fmtDur(0.000015)).toBe('15µs');
  });
});
