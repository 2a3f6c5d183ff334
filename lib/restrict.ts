/**
 * What a display filter's matching packets select from a trace: the connections, HTTP/2 streams
 * and connection records, HTTP/1 exchanges and findings that have at least one matching packet.
 * One rule for the web view's filter bar (app/worker/packet-session.ts) and `tracelens analyze
 * --filter` (restrictTrace).
 *
 * - A stream, an HTTP/2 connection record or an exchange is selected when a packet of one of its
 *   frames or messages matches (a frame spans packets first..last of its bytes).
 * - A connection is selected when one of its packets matches; an HTTP/2 connection record also
 *   when a stream of it is selected.
 * - A finding is selected when a packet of its evidence matches, or a frame of its evidence is
 *   selected. One that names neither belongs to its connection, or, naming no connection, to the
 *   whole capture: kept when anything matched.
 */
import type { H2Frame, Trace } from './trace';

/** Packet ranges (1-based packet numbers, inclusive) of the parts of list items, flat. */
export interface ItemSpans {
  item: Uint32Array;
  first: Uint32Array;
  last: Uint32Array;
}

export interface TraceSpans {
  streams: ItemSpans;
  exchanges: ItemSpans;
  h2: ItemSpans;
}

/** Indices into the trace's lists, ascending. */
export interface Restriction {
  connections: Uint32Array;
  streams: Uint32Array;
  exchanges: Uint32Array;
  h2: Uint32Array;
  findings: Uint32Array;
}

/**
 * The packet ranges of every stream's frames, exchange's messages and HTTP/2 connection record's
 * frames, in typed arrays: restricting walks them in a tight loop rather than the records
 * (20,000 streams: 35-80 ms through the records, a few ms here). Worth keeping when the same
 * trace is restricted again and again (the filter bar).
 */
export function traceSpans(trace: Trace): TraceSpans {
  let streamFrames = 0;
  for (const s of trace.streams) streamFrames += s.frames.length;
  let h2Frames = 0;
  for (const c of trace.h2) h2Frames += c.frames.length;
  const frames = (lists: { frames: H2Frame[] }[], n: number): ItemSpans => {
    const out = spanBuilder(n);
    lists.forEach((x, i) => {
      for (const f of x.frames)
        if (f.packets.length) out.push(i, f.packets[0], f.packets[f.packets.length - 1]);
    });
    return out.done();
  };
  const exchanges = spanBuilder(trace.exchanges.length * 2);
  trace.exchanges.forEach((x, i) => {
    for (const m of [x.request, x.response])
      if (m && m.packets.length && m.packets[0] > 0)
        exchanges.push(i, m.packets[0], m.packets[m.packets.length - 1]);
  });
  return {
    streams: frames(trace.streams, streamFrames),
    exchanges: exchanges.done(),
    h2: frames(trace.h2, h2Frames),
  };
}

function spanBuilder(n: number) {
  const item = new Uint32Array(n);
  const first = new Uint32Array(n);
  const last = new Uint32Array(n);
  let k = 0;
  return {
    push(i: number, a: number, b: number) {
      item[k] = i;
      first[k] = a;
      last[k++] = b;
    },
    done: (): ItemSpans => ({
      item: item.subarray(0, k),
      first: first.subarray(0, k),
      last: last.subarray(0, k),
    }),
  };
}

/**
 * The restriction of `trace` to packet rows `rows` (ascending, as lib/filter filterRows gives
 * them). `frameByNumber` finds a finding's evidence frame (built here when not given and needed).
 */
export function restriction(
  trace: Trace,
  rows: Uint32Array,
  spans: TraceSpans = traceSpans(trace),
  frameByNumber?: (n: number) => H2Frame | undefined,
): Restriction {
  const packets = trace.packets;
  const n = packets ? packets.length : 0;
  // Prefix counts of the matching rows: "does any packet in first..last match" in O(1).
  const prefix = new Uint32Array(n + 1);
  const mask = new Uint8Array(n);
  for (let i = 0; i < rows.length; i++) if (rows[i] < n) mask[rows[i]] = 1;
  for (let r = 0; r < n; r++) prefix[r + 1] = prefix[r] + mask[r];
  const anyIn = (first: number, last: number): boolean => {
    // Packet numbers (1-based) -> rows.
    const a = Math.max(0, first - 1);
    const b = Math.min(n, last);
    return b > a && prefix[b] - prefix[a] > 0;
  };
  const connHit = new Uint8Array(trace.connections.length);
  if (packets)
    for (let i = 0; i < rows.length; i++) {
      const ci = rows[i] < n ? packets.conn[rows[i]] : -1;
      if (ci >= 0) connHit[ci] = 1;
    }
  const hits = (sp: ItemSpans, count: number): Uint8Array => {
    const hit = new Uint8Array(count);
    const { item, first, last } = sp;
    for (let k = 0; k < item.length; k++) if (!hit[item[k]] && anyIn(first[k], last[k])) hit[item[k]] = 1;
    return hit;
  };
  const streamHit = hits(spans.streams, trace.streams.length);
  const h2Hit = hits(spans.h2, trace.h2.length);
  const connIndex = new Map(trace.connections.map((c, i) => [c.id, i]));
  // An HTTP/2 connection record is also selected by a selected stream of its connection.
  const h2Index = new Map(trace.h2.map((c, i) => [c.connection, i]));
  trace.streams.forEach((s, i) => {
    if (!streamHit[i]) return;
    const h = h2Index.get(s.connection);
    if (h !== undefined) h2Hit[h] = 1;
  });

  let byNumber = frameByNumber;
  if (!byNumber && trace.findings.some((f) => f.evidence.some((e) => e.frame !== undefined))) {
    const m = new Map<number, H2Frame>();
    for (const s of trace.streams) for (const f of s.frames) m.set(f.number, f);
    for (const c of trace.h2) for (const f of c.frames) m.set(f.number, f);
    byNumber = (k) => m.get(k);
  }
  const findingHit = new Uint8Array(trace.findings.length);
  trace.findings.forEach((f, i) => {
    let located = false;
    for (const e of f.evidence) {
      if (e.packet !== undefined) {
        located = true;
        if (anyIn(e.packet, e.packet)) return (findingHit[i] = 1);
      }
      if (e.frame !== undefined) {
        const fr = byNumber?.(e.frame);
        if (fr && fr.packets.length) {
          located = true;
          if (anyIn(fr.packets[0], fr.packets[fr.packets.length - 1])) return (findingHit[i] = 1);
        }
      }
    }
    if (located) return;
    const ci = f.connection ? connIndex.get(f.connection) : undefined;
    if (ci !== undefined ? connHit[ci] === 1 : rows.length > 0) findingHit[i] = 1;
  });
  return {
    connections: indicesOf(connHit),
    streams: indicesOf(streamHit),
    exchanges: indicesOf(hits(spans.exchanges, trace.exchanges.length)),
    h2: indicesOf(h2Hit),
    findings: indicesOf(findingHit),
  };
}

function indicesOf(hit: Uint8Array): Uint32Array {
  let k = 0;
  for (let i = 0; i < hit.length; i++) k += hit[i];
  const out = new Uint32Array(k);
  k = 0;
  for (let i = 0; i < hit.length; i++) if (hit[i]) out[k++] = i;
  return out;
}

/**
 * The trace restricted to what a display filter selects (`tracelens analyze --filter`). `rows`
 * are the matching packet rows, ascending. The result has no packet table: its rows index the
 * whole trace's connections.
 */
export function restrictTrace(trace: Trace, rows: Uint32Array): Trace {
  if (!trace.packets) return trace;
  const r = restriction(trace, rows);
  const pick = <T>(list: T[], idx: Uint32Array): T[] => Array.from(idx, (i) => list[i]);
  return {
    ...trace,
    connections: pick(trace.connections, r.connections),
    streams: pick(trace.streams, r.streams),
    h2: pick(trace.h2, r.h2),
    exchanges: pick(trace.exchanges, r.exchanges),
    findings: pick(trace.findings, r.findings),
    packets: null,
  };
}
