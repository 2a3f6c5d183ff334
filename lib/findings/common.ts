/**
 * Shared, non-wording helpers for detectors: packet lookups, statistics, HTTP endpoint keys.
 */
import type { Connection, Dir, H2Frame, Trace } from '../trace';
import { DIR_C2S, TCP_FIN, TCP_RST, TCP_SYN, type PacketTable } from '../packets';

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
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

export function headerValue(headers: [string, string][] | null | undefined, name: string): string | null {
  if (!headers) return null;
  const n = name.toLowerCase();
  for (const [k, v] of headers) if (k.toLowerCase() === n) return v;
  return null;
}
