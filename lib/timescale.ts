/**
 * All time <-> pixel maths of the timelines in one place (the trace timeline and the aligned
 * multi-vantage view). A TimeScale maps the visible window [start, end] seconds onto the pixel
 * range [x0, x1]; every zoom and pan returns a new scale, so a view keeps one value in its state
 * and redraws from it. Isomorphic: no DOM.
 */

/** Narrowest window a zoom may reach: 1 µs (below the resolution of most captures). */
export const MIN_SPAN_S = 1e-6;

export class TimeScale {
  constructor(
    readonly start: number,
    readonly end: number,
    readonly x0: number,
    readonly x1: number,
  ) {}

  /** Seconds shown. */
  get span(): number {
    return this.end - this.start;
  }

  /** Pixels available for time. */
  get width(): number {
    return Math.max(1, this.x1 - this.x0);
  }

  get pxPerS(): number {
    return this.width / Math.max(this.span, MIN_SPAN_S);
  }

  /** Pixel x of time t (not clamped: a packet left of the window has x < x0). */
  x(t: number): number {
    return this.x0 + (t - this.start) * this.pxPerS;
  }

  /** Time at pixel x (clamped to the time area). */
  t(x: number): number {
    const px = Math.max(this.x0, Math.min(this.x1, x));
    return this.start + (px - this.x0) / this.pxPerS;
  }

  /** Same window, other pixels (the canvas was resized). */
  withPixels(x0: number, x1: number): TimeScale {
    return new TimeScale(this.start, this.end, x0, x1);
  }

  /** Another window on the same pixels; never narrower than MIN_SPAN_S. */
  withWindow(start: number, end: number): TimeScale {
    if (!(end - start >= MIN_SPAN_S)) {
      const mid = (start + end) / 2;
      return new TimeScale(mid - MIN_SPAN_S / 2, mid + MIN_SPAN_S / 2, this.x0, this.x1);
    }
    return new TimeScale(start, end, this.x0, this.x1);
  }

  /**
   * Zoom by `factor` (> 1 zooms in) keeping the time under pixel `anchorX` where it is, kept
   * inside `bounds` (the whole data) when given.
   */
  zoom(factor: number, anchorX: number, bounds?: [number, number]): TimeScale {
    const at = this.t(anchorX);
    const f = (at - this.start) / Math.max(this.span, MIN_SPAN_S);
    let span = this.span / factor;
    if (bounds) span = Math.min(span, bounds[1] - bounds[0]);
    span = Math.max(span, MIN_SPAN_S);
    return this.withWindow(at - f * span, at - f * span + span).clamp(bounds);
  }

  /** Move the window by dx pixels (positive: the content moves right, earlier times come in). */
  pan(dx: number, bounds?: [number, number]): TimeScale {
    const dt = dx / this.pxPerS;
    return this.withWindow(this.start - dt, this.end - dt).clamp(bounds);
  }

  /** The window moved (not resized) to lie inside bounds when it fits; unchanged otherwise. */
  clamp(bounds?: [number, number]): TimeScale {
    if (!bounds) return this;
    const [lo, hi] = bounds;
    const span = this.span;
    if (span >= hi - lo) return span === hi - lo ? this.withWindow(lo, hi) : this;
    if (this.start < lo) return this.withWindow(lo, lo + span);
    if (this.end > hi) return this.withWindow(hi - span, hi);
    return this;
  }

  /** A window showing [a, b] with `pad` of its width added on each side (at least MIN_SPAN_S). */
  fit(a: number, b: number, pad = 0.1): TimeScale {
    const w = Math.max(b - a, MIN_SPAN_S * 10);
    const mid = (a + b) / 2;
    const half = (w * (1 + 2 * pad)) / 2;
    return this.withWindow(mid - half, mid + half);
  }

  /** Tick times about `targetPx` pixels apart, on a 1-2-5 step. */
  ticks(targetPx = 90): { step: number; decimals: number; times: number[] } {
    const step = niceStep((targetPx / this.width) * this.span);
    const times: number[] = [];
    const first = Math.ceil(this.start / step - 1e-9);
    for (let k = first; k * step <= this.end + step * 1e-9 && times.length < 1000; k++) times.push(k * step);
    return { step, decimals: decimalsFor(step), times };
  }
}

/** A "nice" tick step (1, 2, 5 x 10^k) near `target` seconds. */
export function niceStep(target: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(target, 1e-9))));
  const m = target / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/** Fraction digits a tick step needs (0.005 s -> 3). */
export function decimalsFor(step: number): number {
  return Math.max(0, Math.min(9, -Math.floor(Math.log10(step) + 1e-9)));
}

/** A duration in the unit that reads best (1.5s, 20.0ms, 15µs). */
export function fmtDur(s: number): string {
  if (s >= 3600) return `${(s / 3600).toFixed(1)}h`;
  if (s >= 60) return `${(s / 60).toFixed(1)}m`;
  if (s >= 1) return `${s.toFixed(1)}s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(1)}ms`;
  return `${(s * 1e6).toFixed(0)}µs`;
}
