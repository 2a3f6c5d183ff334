import type { PacketTable } from '@/lib/packets';
import type { Connection, Finding } from '@/lib/trace';
import { K } from '@/lib/findings/kinds';

export const MAX_POINTS = 200;

export interface ThroughputPoint {
  t: number;
  c2s: number;
  s2c: number;
}
export interface ConnCountPoint {
  t: number;
  open: number;
  halfClosed: number;
  leaking?: number;
}
export interface HistBin {
  label: string;
  from: number;
  to: number;
  count: number;
}

function buckets(start: number, end: number, n = MAX_POINTS) {
  const dur = Math.max(end - start, 1e-9);
  const w = dur / n;
  return { n, w, start };
}

/** Payload bytes per second per direction, in ≤ MAX_POINTS time buckets: one pass over the columns. */
export function throughput(packets: PacketTable, start: number, end: number): ThroughputPoint[] {
  const { n, w } = buckets(start, end);
  const c2s = new Float64Array(n);
  const s2c = new Float64Array(n);
  const { time, payloadLen, dir, length } = packets;
  for (let i = 0; i < length; i++) {
    const len = payloadLen[i];
    if (!len) continue;
    let b = Math.floor((time[i] - start) / w);
    if (b < 0) b = 0;
    else if (b >= n) b = n - 1;
    if (dir[i] === 0) c2s[b] += len;
    else if (dir[i] === 1) s2c[b] += len;
  }
  const out: ThroughputPoint[] = [];
  for (let b = 0; b < n; b++) out.push({ t: start + (b + 0.5) * w, c2s: c2s[b] / w, s2c: s2c[b] / w });
  return out;
}

/**
 * Open and half-closed connections at each bucket's midpoint (difference arrays: O(connections +
 * buckets)). Half-closed = after the first FIN and before the other side's FIN (or the end).
 */
export function connectionCounts(
  connections: Connection[],
  findings: Finding[],
  start: number,
  end: number,
): ConnCountPoint[] {
  const { n, w } = buckets(start, end);
  const open = new Int32Array(n + 1);
  const half = new Int32Array(n + 1);
  // Bucket b counts an interval [a, z] when its midpoint lies in it.
  const range = (arr: Int32Array, a: number, z: number) => {
    const lo = Math.max(0, Math.ceil((a - start) / w - 0.5));
    const hi = Math.min(n - 1, Math.floor((z - start) / w - 0.5));
    if (hi < lo) return;
    arr[lo]++;
    arr[hi + 1]--;
  };
  for (const c of connections) {
    range(open, c.startS, c.endS);
    const f1 = c.firstFin.c2s;
    const f2 = c.firstFin.s2c;
    if (f1 || f2) {
      const first = Math.min(f1?.tS ?? Infinity, f2?.tS ?? Infinity);
      const second = f1 && f2 ? Math.max(f1.tS, f2.tS) : c.endS;
      if (second > first) range(half, first, second);
    }
  }
  const leak = findings.find(
    (f) => f.kind === K.halfCloseLeak && f.connection === null && Array.isArray(f.details.series),
  );
  const series = leak ? (leak.details.series as unknown[]).filter(isPair) : null;
  const out: ConnCountPoint[] = [];
  let o = 0;
  let h = 0;
  let k = 0;
  let last = 0;
  for (let b = 0; b < n; b++) {
    o += open[b];
    h += half[b];
    const t = start + (b + 0.5) * w;
    const p: ConnCountPoint = { t, open: o, halfClosed: h };
    if (series) {
      while (k < series.length && series[k][0] <= t) last = series[k++][1];
      p.leaking = last;
    }
    out.push(p);
  }
  return out;
}

function isPair(x: unknown): x is [number, number] {
  return Array.isArray(x) && x.length === 2 && typeof x[0] === 'number' && typeof x[1] === 'number';
}

/** Histogram of every connection's idle-gap durations in ≤ 24 equal-width bins. */
export function idleHistogram(connections: Connection[]): { bins: HistBin[]; total: number } {
  const d: number[] = [];
  for (const c of connections) for (const g of c.idleGaps) d.push(g.durationS);
  if (!d.length) return { bins: [], total: 0 };
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of d) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  // Equal "nice" bins (1, 2 or 5 x 10^k s) starting at a multiple of the width, at most 24.
  const target = Math.min(24, Math.max(8, Math.ceil(Math.sqrt(d.length)) + 1));
  const w = niceStep(Math.max((hi - lo) / target, lo * 0.01, 0.001));
  const first = Math.floor(lo / w) * w;
  const nb = Math.min(24, Math.max(1, Math.floor((hi - first) / w) + 1));
  const decimals = Math.max(0, -Math.floor(Math.log10(w)));
  const bins: HistBin[] = Array.from({ length: nb }, (_, i) => ({
    from: first + i * w,
    to: first + (i + 1) * w,
    label: (first + i * w).toFixed(decimals),
    count: 0,
  }));
  for (const x of d) bins[Math.max(0, Math.min(nb - 1, Math.floor((x - first) / w)))].count++;
  return { bins, total: d.length };
}

function niceStep(x: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  const m = x / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}
