import type { PacketTable } from '@/lib/packets';
import {
  A_FAST_RETRANSMISSION,
  A_KEEP_ALIVE,
  A_RETRANSMISSION,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
} from '@/lib/packets';
import type { Connection, H2Stream } from '@/lib/trace';

/**
 * The time span the views show: the connections' extent, padded 2 %. Shared by the worker (which
 * builds the timeline's lane index for it) and the pages, so both get exactly the same numbers.
 */
export function traceSpan(t: { connections: readonly Pick<Connection, 'startS' | 'endS'>[] }): {
  start: number;
  end: number;
} {
  let s = Infinity;
  let e = -Infinity;
  for (const c of t.connections) {
    s = Math.min(s, c.startS);
    e = Math.max(e, c.endS);
  }
  if (!isFinite(s)) return { start: 0, end: 1 };
  const pad = Math.max((e - s) * 0.02, 0.001);
  return { start: s - pad, end: e + pad };
}

/** Per-connection packet index lists: c2s, s2c, then the glyph kinds. */
export const L_C2S = 0;
export const L_S2C = 1;
export const L_SYN = 2;
export const L_FIN = 3;
export const L_RST = 4;
export const L_KA = 5;
export const L_RETX = 6;
export const K = 7;

export interface LaneIndex {
  /** Packet row numbers, list (conn * K + kind) occupies idx[off[l]]..idx[off[l + 1]], time-sorted. */
  idx: Int32Array;
  off: Int32Array;
  /** Whole-capture packet density for the overview strip. */
  hist: Uint32Array;
  histMax: number;
}

export const HIST_BINS = 1024;

/** One O(N) counting pass + one fill pass: built once per trace. */
export function buildIndex(
  packets: PacketTable | null,
  nConn: number,
  span: { start: number; end: number },
  /** Only these packet rows (ascending): the lanes of a display filter's matches. */
  only?: Uint32Array,
): LaneIndex {
  const off = new Int32Array(nConn * K + 1);
  const hist = new Uint32Array(HIST_BINS);
  if (!packets) return { idx: new Int32Array(0), off, hist, histMax: 0 };
  const n = only ? only.length : packets.length;
  const { time, conn, dir, tcpFlags, analysis } = packets;
  const counts = new Int32Array(nConn * K);
  const dur = Math.max(span.end - span.start, 1e-9);
  let sorted = true;
  let prev = -Infinity;
  for (let q = 0; q < n; q++) {
    const p = only ? only[q] : q;
    const t = time[p];
    if (t < prev) sorted = false;
    prev = t;
    let b = Math.floor(((t - span.start) / dur) * HIST_BINS);
    if (b >= HIST_BINS) b = HIST_BINS - 1;
    if (b >= 0) hist[b]++;
    const c = conn[p];
    if (c < 0 || c >= nConn) continue;
    const base = c * K;
    counts[base + (dir[p] === 1 ? L_S2C : L_C2S)]++;
    const f = tcpFlags[p];
    const a = analysis[p];
    if (f & TCP_SYN) counts[base + L_SYN]++;
    if (f & TCP_FIN) counts[base + L_FIN]++;
    if (f & TCP_RST) counts[base + L_RST]++;
    if (a & A_KEEP_ALIVE) counts[base + L_KA]++;
    if (a & (A_RETRANSMISSION | A_FAST_RETRANSMISSION)) counts[base + L_RETX]++;
  }
  for (let l = 0; l < nConn * K; l++) off[l + 1] = off[l] + counts[l];
  const idx = new Int32Array(off[nConn * K]);
  const fill = off.slice(0, nConn * K);
  for (let q = 0; q < n; q++) {
    const p = only ? only[q] : q;
    const c = conn[p];
    if (c < 0 || c >= nConn) continue;
    const base = c * K;
    idx[fill[base + (dir[p] === 1 ? L_S2C : L_C2S)]++] = p;
    const f = tcpFlags[p];
    const a = analysis[p];
    if (f & TCP_SYN) idx[fill[base + L_SYN]++] = p;
    if (f & TCP_FIN) idx[fill[base + L_FIN]++] = p;
    if (f & TCP_RST) idx[fill[base + L_RST]++] = p;
    if (a & A_KEEP_ALIVE) idx[fill[base + L_KA]++] = p;
    if (a & (A_RETRANSMISSION | A_FAST_RETRANSMISSION)) idx[fill[base + L_RETX]++] = p;
  }
  if (!sorted) {
    for (let l = 0; l < nConn * K; l++) {
      const part = idx.subarray(off[l], off[l + 1]);
      part.set(Int32Array.from(part).sort((x, y) => time[x] - time[y] || x - y));
    }
  }
  let histMax = 0;
  for (let b = 0; b < HIST_BINS; b++) if (hist[b] > histMax) histMax = hist[b];
  return { idx, off, hist, histMax };
}

/** First k in [lo, hi) with time[idx[k]] >= t. */
export function lowerBound(idx: Int32Array, time: Float64Array, lo: number, hi: number, t: number): number {
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (time[idx[m]] < t) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/**
 * lowerBound for an answer expected near `lo`: probes lo+1, lo+3, lo+7, ... then bisects the last
 * gap, O(log distance) instead of O(log (hi - lo)). The density pass walks a lane column by column,
 * each step a few packets on; with plain bisection over the whole lane the first timeline paint of
 * the 500 MB bench capture spent 15 ms of its 35 ms in lowerBound.
 */
export function gallop(idx: Int32Array, time: Float64Array, lo: number, hi: number, t: number): number {
  let step = 1;
  let a = lo;
  let b = lo;
  while (b < hi && time[idx[b]] < t) {
    a = b + 1;
    b = a + step;
    step *= 2;
  }
  return lowerBound(idx, time, a, Math.min(b, hi), t);
}

export type Row =
  | { kind: 'group'; server: string; conns: number; collapsed: boolean }
  | { kind: 'conn'; ci: number; streams: number; expanded: boolean }
  | { kind: 'stream'; ci: number; stream: H2Stream };

export interface Groups {
  order: { server: string; conns: number[] }[];
  streamsByConn: Map<string, H2Stream[]>;
}

export function buildGroups(connections: Connection[], streams: H2Stream[]): Groups {
  const by = new Map<string, number[]>();
  connections.forEach((c, i) => {
    const l = by.get(c.server);
    if (l) l.push(i);
    else by.set(c.server, [i]);
  });
  const streamsByConn = new Map<string, H2Stream[]>();
  for (const s of streams) {
    const l = streamsByConn.get(s.connection);
    if (l) l.push(s);
    else streamsByConn.set(s.connection, [s]);
  }
  // Streams come in start order (a request-heavy capture: 80,000 of them): sorted only if not.
  const before = (a: H2Stream, b: H2Stream) => a.startS - b.startS || a.id - b.id;
  for (const l of streamsByConn.values()) {
    let sorted = true;
    for (let i = 1; i < l.length && sorted; i++) sorted = before(l[i - 1], l[i]) <= 0;
    if (!sorted) l.sort(before);
  }
  return { order: [...by].map(([server, conns]) => ({ server, conns })), streamsByConn };
}

export function buildRows(
  g: Groups,
  connections: Connection[],
  collapsed: ReadonlySet<string>,
  expanded: ReadonlySet<string>,
): Row[] {
  const rows: Row[] = [];
  for (const { server, conns } of g.order) {
    const isCollapsed = collapsed.has(server);
    rows.push({ kind: 'group', server, conns: conns.length, collapsed: isCollapsed });
    if (isCollapsed) continue;
    for (const ci of conns) {
      const id = connections[ci].id;
      const ss = g.streamsByConn.get(id) ?? [];
      const ex = expanded.has(id) && ss.length > 0;
      rows.push({ kind: 'conn', ci, streams: ss.length, expanded: ex });
      if (ex) for (const s of ss) rows.push({ kind: 'stream', ci, stream: s });
    }
  }
  return rows;
}

// Tick steps and duration labels live with the rest of the time <-> pixel maths.
export { decimalsFor, fmtDur, niceStep } from '@/lib/timescale';

/** Absolute wall-clock label (UTC) for epoch seconds, with `dec` fractional digits. */
export function fmtAbs(epoch: number, dec: number): string {
  const whole = Math.floor(epoch);
  const d = new Date(whole * 1000);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const ss = String(d.getUTCSeconds()).padStart(2, '0');
  if (dec <= 0) return `${hh}:${mm}:${ss}`;
  const frac = (epoch - whole).toFixed(dec).slice(1);
  return `${hh}:${mm}:${ss}${frac}`;
}
