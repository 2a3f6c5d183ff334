/**
 * Clock offset between two points from one-way observations, never assuming the clocks agree.
 *
 * A packet travelling first → second shows d = t_second - t_first = delay + θ (θ: second's clock
 * minus first's); one travelling back shows d' = delay' - θ. With the minimum delays of the two
 * directions assumed equal: θ = (min d - min d') / 2, and the truth lies within ± (min d + min d') / 2
 * whatever the asymmetry (both delays are ≥ 0). Drift: θ per time window from each window's lower
 * envelope, fitted by least squares over time.
 */

export interface OneWaySamples {
  /** Sender-side time (first input's clock, A's base) and the difference receiver - sender. */
  forward: { t: number[]; d: number[] };
  backward: { t: number[]; d: number[] };
}

export interface OffsetEstimate {
  offsetS: number | null;
  uncertaintyS: number | null;
  driftPpm: number | null;
  /** Minimum one-way delays with the offset removed. */
  minForwardS: number | null;
  minBackwardS: number | null;
  /** The samples contradict each other (a negative round trip): mispaired, no offset claimed. */
  contradictory?: boolean;
}

const WINDOWS = 16;
const MIN_DRIFT_SPAN_S = 10;

function minOf(a: number[]): number | null {
  let m = Infinity;
  for (const v of a) if (v < m) m = v;
  return m === Infinity ? null : m;
}

/** Timestamp resolution (µs pcaps) below which a negative round trip is rounding, not a contradiction. */
const RESOLUTION_S = 2e-6;

/** `resolutionS`: the coarser timestamp resolution of the two inputs (a log's is 1 ms). */
export function estimateOffset(s: OneWaySamples, resolutionS = RESOLUTION_S): OffsetEstimate {
  // A drifting clock first: measured on window minima, removed from every sample, so that the
  // global minima compare like with like. The offset is then the one at the first sample.
  const fit = drift(s);
  let t0 = Infinity;
  for (const list of [s.forward.t, s.backward.t]) for (const t of list) if (t < t0) t0 = t;
  const slope = fit ? fit.slope : 0;
  let fMin = Infinity;
  let bMin = Infinity;
  for (let k = 0; k < s.forward.d.length; k++)
    fMin = Math.min(fMin, s.forward.d[k] - slope * (s.forward.t[k] - t0));
  for (let k = 0; k < s.backward.d.length; k++)
    bMin = Math.min(bMin, s.backward.d[k] + slope * (s.backward.t[k] - t0));
  const f = fMin === Infinity ? null : fMin;
  const b = bMin === Infinity ? null : bMin;
  if (f === null && b === null)
    return { offsetS: null, uncertaintyS: null, driftPpm: null, minForwardS: null, minBackwardS: null };
  if (f === null || b === null) {
    // One direction only: the offset is bounded on one side; assume zero delay and say so by a null uncertainty.
    const off = f !== null ? f : -(b as number);
    return {
      offsetS: round9(off),
      uncertaintyS: null,
      driftPpm: null,
      minForwardS: null,
      minBackwardS: null,
    };
  }
  const fw = f;
  const bw = b;
  // Both minima together are the round trip's lower bound: never negative for packets or
  // requests paired right. Negative, the pairs contradict each other: no offset is claimed.
  if (fw + bw < -resolutionS)
    return {
      offsetS: null,
      uncertaintyS: null,
      driftPpm: null,
      minForwardS: null,
      minBackwardS: null,
      contradictory: true,
    };
  const offset = (fw - bw) / 2;
  const unc = (fw + bw) / 2;
  return {
    offsetS: round9(offset),
    uncertaintyS: round9(Math.max(0, unc)),
    driftPpm: fit ? Math.round(fit.slope * 1e6 * 1000) / 1000 : null,
    minForwardS: round9(fw - offset),
    minBackwardS: round9(bw + offset),
  };
}

function drift(s: OneWaySamples): { slope: number } | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const list of [s.forward.t, s.backward.t])
    for (const t of list) {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
  const span = hi - lo;
  // Below ten seconds a drift of real clocks (tens of ppm) hides under the delays' jitter.
  if (!(span >= MIN_DRIFT_SPAN_S)) return null;
  const fw = new Array<number>(WINDOWS).fill(Infinity);
  const bw = new Array<number>(WINDOWS).fill(Infinity);
  const bucket = (t: number): number => Math.min(WINDOWS - 1, Math.floor(((t - lo) / span) * WINDOWS));
  s.forward.t.forEach((t, k) => {
    const w = bucket(t);
    fw[w] = Math.min(fw[w], s.forward.d[k]);
  });
  s.backward.t.forEach((t, k) => {
    const w = bucket(t);
    bw[w] = Math.min(bw[w], s.backward.d[k]);
  });
  const xs: number[] = [];
  const ys: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    if (fw[w] === Infinity || bw[w] === Infinity) continue;
    xs.push(lo + ((w + 0.5) / WINDOWS) * span);
    ys.push((fw[w] - bw[w]) / 2);
  }
  if (xs.length < 3) return null;
  const mx = xs.reduce((a, v) => a + v, 0) / xs.length;
  const my = ys.reduce((a, v) => a + v, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let k = 0; k < xs.length; k++) {
    num += (xs[k] - mx) * (ys[k] - my);
    den += (xs[k] - mx) ** 2;
  }
  return den > 0 ? { slope: num / den } : null;
}

export function round9(v: number): number {
  return Math.round(v * 1e9) / 1e9;
}
