/**
 * Shared, non-wording helpers for detectors: packet lookups, statistics, HTTP endpoint keys, and
 * the idle-or-deadline verdict on every close that ends a silence (classifyCuts).
 */
import type { Connection, Dir, H2Frame, H2Stream, Http1Exchange, Trace } from '../trace';
import { DIR_C2S, TCP_FIN, TCP_RST, TCP_SYN, type PacketTable } from '../packets';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const m = xs.length >> 1;
  // A typed array sorts numbers natively (no comparator call per comparison: 80,800 response
  // times took a tenth of a second). With a NaN the comparator's order is kept, as it was.
  const s: ArrayLike<number> = xs.some(Number.isNaN)
    ? [...xs].sort((a, b) => a - b)
    : Float64Array.from(xs).sort();
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Time of packet number n (1-based), or null when unknown. */
export function packetTime(p: PacketTable | null, n: number | null | undefined): number | null {
  if (!p || n == null || n < 1 || n > p.length) return null;
  return p.time[n - 1];
}

/** True when the trace carries TCP facts (a capture): TCP detectors stay silent otherwise. */
export function hasTcp(trace: Trace): trace is Trace & { packets: PacketTable } {
  return trace.packets !== null && trace.packets.length > 0;
}

/** Index of each connection in trace.connections (PacketTable.conn refers to it). */
export function connIndex(trace: Trace): Map<string, number> {
  const m = new Map<string, number>();
  trace.connections.forEach((c, i) => m.set(c.id, i));
  return m;
}

export interface PacketRow {
  n: number; // 1-based packet number
  t: number;
  dir: Dir;
  flags: number;
  len: number;
  analysis: number;
}

/**
 * The packets of each connection (index = trace.connections index, as PacketTable.conn), found in
 * one counting-sort pass over the table into two integer arrays (4 bytes per packet). Rows are
 * made as objects only for the connection a detector asks about, and dropped after: holding an
 * object per packet for the whole trace was the largest part of the peak memory on captures of
 * a million small packets. Built once per table and shared by the detectors.
 */
export class ConnectionPackets {
  private constructor(
    private readonly p: PacketTable,
    /** Row indices grouped by connection, in capture order within each. */
    private readonly order: Int32Array,
    /** order[start[ci] .. start[ci + 1]) are connection ci's rows. */
    private readonly start: Int32Array,
  ) {}

  private static cache = new WeakMap<
    PacketTable,
    { length: number; conns: number; index: ConnectionPackets }
  >();

  static of(p: PacketTable, conns: number): ConnectionPackets {
    // Progressive snapshots analyse a growing table: the cache holds for one length only.
    const hit = ConnectionPackets.cache.get(p);
    if (hit && hit.length === p.length && hit.conns === conns) return hit.index;
    const start = new Int32Array(conns + 1);
    for (let i = 0; i < p.length; i++) {
      const ci = p.conn[i];
      if (ci >= 0 && ci < conns) start[ci + 1]++;
    }
    for (let ci = 0; ci < conns; ci++) start[ci + 1] += start[ci];
    const order = new Int32Array(start[conns]);
    const fill = start.slice(0, conns);
    for (let i = 0; i < p.length; i++) {
      const ci = p.conn[i];
      if (ci >= 0 && ci < conns) order[fill[ci]++] = i;
    }
    const index = new ConnectionPackets(p, order, start);
    ConnectionPackets.cache.set(p, { length: p.length, conns, index });
    return index;
  }

  /** Connection ci's packets as rows, in capture order ([] for an unknown index). */
  rows(ci: number): PacketRow[] {
    if (!(ci >= 0 && ci + 1 < this.start.length)) return [];
    const p = this.p;
    const out: PacketRow[] = [];
    for (let k = this.start[ci]; k < this.start[ci + 1]; k++) {
      const i = this.order[k];
      out.push({
        n: i + 1,
        t: p.time[i],
        dir: p.dir[i] === DIR_C2S ? 'c2s' : 's2c',
        flags: p.tcpFlags[i],
        len: p.payloadLen[i],
        analysis: p.analysis[i],
      });
    }
    return out;
  }
}

export function packetsByConnection(trace: Trace & { packets: PacketTable }): ConnectionPackets {
  return ConnectionPackets.of(trace.packets, trace.connections.length);
}

export const isFin = (r: PacketRow): boolean => (r.flags & TCP_FIN) !== 0;
export const isRst = (r: PacketRow): boolean => (r.flags & TCP_RST) !== 0;
export const isSyn = (r: PacketRow): boolean => (r.flags & TCP_SYN) !== 0;

/** The first FIN or RST of a connection (either direction), as recorded by the TCP layer. */
export function firstClose(
  c: Connection,
): { dir: Dir; packet: number; tS: number; how: 'FIN' | 'RST' } | null {
  const cands: { dir: Dir; packet: number; tS: number; how: 'FIN' | 'RST' }[] = [];
  for (const dir of ['c2s', 's2c'] as const) {
    const f = c.firstFin[dir];
    if (f) cands.push({ dir, packet: f.packet, tS: f.tS, how: 'FIN' });
    const r = c.firstRst[dir];
    if (r) cands.push({ dir, packet: r.packet, tS: r.tS, how: 'RST' });
  }
  cands.sort((a, b) => a.tS - b.tS || a.packet - b.packet);
  return cands[0] ?? null;
}

/** End of the capture/log, in trace seconds. */
export function captureEnd(trace: Trace): number {
  let end = trace.input.durationS;
  for (const c of trace.connections) end = Math.max(end, c.endS);
  return end;
}

/**
 * An HTTP endpoint key: method + path without query, ids normalised ("/users/123" ->
 * "/users/:id"; numbers, UUIDs, long hex and long mixed tokens count as ids).
 */
export function endpointKey(method: string | null, path: string | null): string | null {
  if (!method || !path) return null;
  const noQuery = path.split(/[?#]/)[0];
  const segs = noQuery.split('/').map((s) => (isIdSegment(s) ? ':id' : s));
  return `${method.toUpperCase()} ${segs.join('/') || '/'}`;
}

/** endpointKey with a memory: a trace repeats the same few method + path pairs many times. */
export class EndpointKeys {
  private readonly memo = new Map<string, Map<string, string | null>>();
  of(method: string | null, path: string | null): string | null {
    if (!method || !path) return null;
    let byPath = this.memo.get(method);
    if (!byPath) this.memo.set(method, (byPath = new Map()));
    let key = byPath.get(path);
    if (key === undefined) {
      key = endpointKey(method, path);
      if (byPath.size < 100_000) byPath.set(path, key);
    }
    return key;
  }
}

function isIdSegment(s: string): boolean {
  if (s === '') return false;
  if (/^\d+$/.test(s)) return true;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)) return true;
  if (/^[0-9a-f]{12,}$/i.test(s)) return true;
  if (s.length >= 16 && /\d/.test(s) && /^[A-Za-z0-9_-]+$/.test(s)) return true;
  return false;
}

/** Every HTTP/2 frame of the trace by number (streams and connection-level frames). */
export function frameIndex(trace: Trace): Map<number, H2Frame> {
  const m = new Map<number, H2Frame>();
  for (const s of trace.streams) for (const f of s.frames) m.set(f.number, f);
  for (const h of trace.h2) for (const f of h.frames) m.set(f.number, f);
  return m;
}

const NON_ASCII = /[^\x00-\x7f]/;

export function headerValue(headers: [string, string][] | null | undefined, name: string): string | null {
  if (!headers) return null;
  const n = name.toLowerCase();
  // Lengths first: lower-casing every name of every list was most of the cost on 80,800 streams.
  // Lower-casing keeps an ASCII name's length; other names are compared as before.
  for (const [k, v] of headers) {
    if (k === n) return v;
    if ((k.length === n.length || NON_ASCII.test(k)) && k.toLowerCase() === n) return v;
  }
  return null;
}

/**
 * Offsets within ±5 % or ±0.1 s of each other count as "the same" timer (real timers land within
 * milliseconds; a wider absolute slack makes everything under a second look shared).
 */
export const SHARED_REL = 0.05;
export const SHARED_ABS_S = 0.1;

export function sharesOffset(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(SHARED_REL * Math.max(a, b), SHARED_ABS_S);
}

/** Spread of a set of figures relative to their smallest (0 for one figure). */
export function relSpread(xs: number[]): number {
  if (xs.length < 2) return 0;
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return (hi - lo) / Math.max(lo, SHARED_ABS_S);
}

/**
 * A cut that ends a silence is at least this long after the last packet before it: shorter
 * pauses are the ordinary rhythm of a conversation (an abortive close right after the last
 * answer, a client closing as soon as it is done), not a timer that expired.
 */
export const MIN_CUT_SILENCE_S = 1;
/** Packets from the other side this close before a reset are what it answered. */
export const CUT_ANSWER_WINDOW_S = 2;

/**
 * How a connection's first close (FIN or RST) relates to the silence before it, and whether a
 * request was outstanding when that silence began — the facts that tell an idle timer (the
 * silence explains the cut) from a deadline (a request was cut at a fixed offset).
 *
 * - `alone`: the close is the first packet after the silence (a timer fired on the closer's side).
 * - `answered`: an RST that answers the first packet(s) the other side sent after the silence
 *   (within CUT_ANSWER_WINDOW_S): the closer had forgotten the flow during the silence (a NAT or
 *   firewall that lost its state, a peer that went away). The silence explains it whatever its
 *   length, and whatever was outstanding.
 */
export interface CutSilence {
  c: Connection;
  ci: number;
  how: 'FIN' | 'RST';
  by: Dir;
  closePacket: number;
  closeS: number;
  mode: 'alone' | 'answered';
  silenceS: number;
  silenceStartS: number;
  /**
   * The silence counted from the last packet that carried data (or SYN/FIN): what a program's
   * inactivity timer (HAProxy, nginx, Node) measures, where a NAT's counts every packet (a delayed
   * ACK after the last byte restarts a NAT timer, not a proxy's).
   */
  dataSilenceS: number;
  /** Last packet before the silence, and the first after it when the close answered it. */
  fromPacket: number;
  breakPacket: number | null;
  /** A request (HTTP/1 exchange, HTTP/2 stream) was waiting or in transfer when the silence began. */
  outstanding: boolean;
  /** Start of the oldest outstanding request (or null): the base of a deadline offset. */
  requestS: number | null;
  /** Whether the HTTP content of the connection is known (exchanges or streams were parsed). */
  http: boolean;
}

/** Whether an HTTP/1 exchange or HTTP/2 stream was unfinished at time t; its start if so. */
export function outstandingAt(
  exchanges: readonly Http1Exchange[],
  streams: readonly H2Stream[],
  t: number,
): number | null {
  let oldest: number | null = null;
  for (const x of exchanges) {
    if (x.method === null || x.requestS == null || x.requestS > t) continue;
    // A tunnel (CONNECT, 101) is idle traffic of its users once switched, not a pending request.
    if (x.method === 'CONNECT' && x.status != null && x.status < 300) continue;
    if (x.status === 101) continue;
    const done = x.responseEndS ?? (x.outcome === 'complete' ? (x.responseS ?? null) : null);
    if (done != null && done <= t) continue;
    if (oldest == null || x.requestS < oldest) oldest = x.requestS;
  }
  for (const s of streams) {
    if (s.startS > t) continue;
    const finished = (s.endStream.s2c || s.reset != null) && s.endS <= t;
    if (finished) continue;
    if (oldest == null || s.startS < oldest) oldest = s.startS;
  }
  return oldest;
}

/** A TLS close_notify alert: a small record from a side just before its own FIN. */
function isCloseNotify(rows: PacketRow[], i: number): boolean {
  const r = rows[i];
  if (r.len === 0 || r.len > 64) return false;
  for (let k = i + 1; k < rows.length && rows[k].t - r.t <= 0.05; k++)
    if (rows[k].dir === r.dir && rows[k].flags & TCP_FIN) return true;
  return false;
}

/**
 * Without parsed HTTP (TLS without keys, an unknown protocol): the client is awaiting an answer
 * when the last payload before the silence (rows[0..j]) is its own and no server payload came
 * after its final run of segments. Returns the start of that run (the request), or null. A TLS
 * close_notify (a small record right before a FIN) is not a request.
 */
export function clientAwaiting(rows: PacketRow[], j: number, tls: boolean): number | null {
  let i = j;
  while (i >= 0 && (rows[i].len === 0 || rows[i].flags & TCP_RST || (tls && isCloseNotify(rows, i)))) i--;
  if (i < 0 || rows[i].dir !== 'c2s') return null;
  let start = i;
  for (let k = i - 1; k >= 0; k--) {
    if (rows[k].len === 0) continue;
    if (rows[k].dir !== 'c2s') break;
    start = k;
  }
  // A client that has only ever spoken (no server payload at all) is not known to await anything.
  if (!rows.slice(0, start).some((r) => r.dir === 's2c' && r.len > 0)) return null;
  return rows[start].t;
}

/**
 * The silence before connection ci's first close, when it ends one (>= MIN_CUT_SILENCE_S);
 * null when the connection did not close, or closed in the flow of the conversation.
 */
export function cutSilence(
  trace: Trace & { packets: PacketTable },
  ci: number,
  rows: PacketRow[],
  exchanges: readonly Http1Exchange[],
  streams: readonly H2Stream[],
): CutSilence | null {
  const c = trace.connections[ci];
  const close = firstClose(c);
  if (!close) return null;
  const k = rows.findIndex((r) => r.n === close.packet);
  if (k < 1) return null;
  const closeRow = rows[k];
  let mode: 'alone' | 'answered' = 'alone';
  let j = k - 1; // the packet that ended the silence (the close itself when alone)
  let breakPacket: number | null = null;
  if (close.how === 'RST') {
    // Walk back over what the other side sent just before the reset.
    let i = k - 1;
    while (i >= 1 && rows[i].dir !== close.dir && closeRow.t - rows[i].t <= CUT_ANSWER_WINDOW_S) i--;
    if (i < k - 1 && i >= 0 && rows[i + 1].t - rows[i].t >= MIN_CUT_SILENCE_S) {
      mode = 'answered';
      j = i;
      breakPacket = rows[i + 1].n;
    }
  }
  // A TLS close_notify right before the closer's FIN belongs to the close, not to the silence.
  if (
    mode === 'alone' &&
    c.protocol === 'tls' &&
    j >= 1 &&
    rows[j].dir === close.dir &&
    isCloseNotify(rows, j)
  )
    j--;
  const last = rows[j];
  const endOfSilence = mode === 'answered' ? rows[j + 1].t : closeRow.t;
  const silenceS = endOfSilence - last.t;
  if (silenceS < MIN_CUT_SILENCE_S) return null;
  // The handshake is not a conversation yet: a connection that never carried a byte and closes is
  // the business of connection-health checks.
  if (c.bytes.c2s + c.bytes.s2c === 0 && mode === 'alone') return null;
  let d = j;
  while (d > 0 && rows[d].len === 0 && !(rows[d].flags & (TCP_SYN | TCP_FIN))) d--;
  const dataSilenceS = endOfSilence - rows[d].t;
  const requestS =
    exchanges.length + streams.length > 0
      ? outstandingAt(exchanges, streams, last.t + 1e-6)
      : clientAwaiting(rows, j, c.protocol === 'tls');
  return {
    c,
    ci,
    how: close.how,
    by: close.dir,
    closePacket: close.packet,
    closeS: close.tS,
    mode,
    silenceS,
    silenceStartS: last.t,
    dataSilenceS,
    fromPacket: last.n,
    breakPacket,
    outstanding: requestS != null,
    requestS,
    http: exchanges.length + streams.length > 0,
  };
}

export interface ClassifiedCut extends CutSilence {
  /**
   * 'idle': the silence explains the cut (nothing was outstanding, the reset answered the first
   * packet after the silence, or across connections the silence is the steadier figure);
   * 'deadline': a request was outstanding and its age is the steadier figure (or the two coincide).
   */
  verdict: 'idle' | 'deadline';
  /** Time from the oldest outstanding request to the close, when one was outstanding. */
  offsetS: number | null;
  /** How the verdict was reached, in words with figures (empty when obvious). */
  why: string;
}

/** Items grouped by a key, in input order. */
export function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const a = m.get(k);
    if (a) a.push(x);
    else m.set(k, [x]);
  }
  return m;
}

const classified = new WeakMap<Trace, { thr: number; n: number; conns: number; cuts: ClassifiedCut[] }>();

function spreadWords(xs: number[]): string {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return `${lo.toFixed(2)}-${hi.toFixed(2)} s`;
}

/**
 * Every connection whose first close ended a silence, with a verdict shared by the idle and
 * deadline detectors so they never both claim (or both drop) the same cut. Decided by evidence,
 * not by the idle threshold: the threshold only breaks the tie for a lone cut that fits both
 * readings.
 */
export function classifyCuts(
  trace: Trace & { packets: PacketTable },
  idleThresholdS: number,
): ClassifiedCut[] {
  const hit = classified.get(trace);
  // A progressive snapshot may grow the same trace: the memo holds for one size only.
  const n = trace.packets.length;
  const conns = trace.connections.length;
  if (hit && hit.thr === idleThresholdS && hit.n === n && hit.conns === conns) return hit.cuts;
  const rows = packetsByConnection(trace);
  const exBy = groupBy(trace.exchanges, (x) => x.connection);
  const stBy = groupBy(trace.streams, (x) => x.connection);
  const cuts: ClassifiedCut[] = [];
  const ambiguous: ClassifiedCut[] = [];
  trace.connections.forEach((c, ci) => {
    // No silence of a second anywhere on the connection (keep-alives aside): nothing to classify,
    // and no packet rows to make (most connections of a large capture).
    if (!firstClose(c) || c.maxIdleS < MIN_CUT_SILENCE_S) return;
    const s = cutSilence(trace, ci, rows.rows(ci), exBy.get(c.id) ?? [], stBy.get(c.id) ?? []);
    if (!s) return;
    const offsetS = s.requestS == null ? null : s.closeS - s.requestS;
    const k: ClassifiedCut = { ...s, verdict: 'idle', offsetS, why: '' };
    if (s.mode === 'answered') {
      k.why = `the reset answered the first packet after ${s.silenceS.toFixed(2)} s of silence, so the silence explains it`;
    } else if (!s.outstanding) {
      k.why = `nothing was outstanding when the ${s.silenceS.toFixed(2)} s silence began`;
    } else if (offsetS != null && sharesOffset(s.silenceS, offsetS)) {
      // The silence began with the request (within the shared-offset tolerance): nothing moved since.
      k.verdict = 'deadline';
      k.why = `nothing moved between the request (${offsetS.toFixed(2)} s before the cut) and the cut, so a request deadline and an inactivity timer cannot be told apart here; the request failed either way`;
    } else {
      ambiguous.push(k);
    }
    cuts.push(k);
  });
  // A request outstanding, but traffic after it and then a silence: which figure is steady across
  // connections to the same server — the request's age or the silence — names the timer.
  const byServer = groupBy(ambiguous, (k) => k.c.server);
  for (const group of byServer.values()) {
    const offs = group.map((k) => k.offsetS as number);
    const sil = group.map((k) => k.silenceS);
    if (group.length >= 2) {
      const so = relSpread(offs);
      const ss = relSpread(sil);
      const idle = ss < so;
      const words =
        `across ${group.length} cuts to ${group[0].c.server}, the time since the request began spreads ${spreadWords(offs)} ` +
        `and the silence before the cut ${spreadWords(sil)}: the ${idle ? 'silence' : "request's age"} is the steadier figure`;
      for (const k of group) {
        k.verdict = idle ? 'idle' : 'deadline';
        k.why = words;
      }
    } else {
      const k = group[0];
      const idle = k.silenceS >= idleThresholdS;
      k.verdict = idle ? 'idle' : 'deadline';
      k.why =
        `one cut only: it came ${(k.offsetS as number).toFixed(2)} s after the request began and ${k.silenceS.toFixed(2)} s after the last packet; ` +
        (idle
          ? `a silence past the idle threshold (${idleThresholdS} s) is the likelier cause`
          : `the silence is below the idle threshold (${idleThresholdS} s), so the request's age is the likelier cause`);
    }
  }
  classified.set(trace, { thr: idleThresholdS, n, conns, cuts });
  return cuts;
}
