/**
 * The lane index of the aligned multi-vantage view: which lanes exist (one group per input, in
 * path order from the client; one lane per connection), where each packet sits (its lane and its
 * time on input A's clock), what became of it (its fate toward the neighbouring points) and which
 * packets are copies of one another (the ladder's rungs between neighbouring groups). Built once
 * from a CorrelationDoc and each input's per-packet columns — in the analysis Worker or on the
 * server — and read by the view; typed-array columns, so it transfers without copying.
 * Isomorphic: no DOM, no React, no Node modules.
 */
import { FATE, type CorrelationDoc, type FateCode } from '../correlate/types';
import type { Dir } from '../trace';

/** What the index needs of one input (a subset of its Trace, so the server can store it). */
export interface LaneSource {
  name: string;
  kind: 'capture' | 'log';
  connections: { id: string; client: string; server: string }[];
  /** Capture columns (index = packet number - 1); null for logs. */
  packets: {
    length: number;
    time: Float64Array;
    conn: Int32Array;
    dir: Uint8Array;
    tcpFlags: Uint8Array;
    payloadLen: Uint32Array;
  } | null;
  /** HTTP/2 frames: for a log, the events to draw; for a capture, what log frames are paired with. */
  frames: {
    connection: string;
    stream: number;
    type: string;
    length: number;
    dir: Dir;
    tS: number;
    line?: number;
  }[];
}

export interface Lane {
  id: number;
  /** Index into `groups` (path order), and into the doc's `inputs`. */
  group: number;
  input: number;
  /** Index into the input's connections; -1: packets outside any TCP connection. */
  conn: number;
  connId: string;
  label: string;
  /** The same connection at every point shares one row (matched connections, a log's connection). */
  row: number;
}

export interface LaneGroup {
  input: number;
  name: string;
  kind: 'capture' | 'log';
  offsetS: number | null;
  offsetUncertaintyS: number | null;
  /** Lane ids, in row order. */
  lanes: number[];
}

/** One input's packets on the aligned clock (index = packet number - 1). */
export interface LanePackets {
  length: number;
  /** Seconds on input A's clock since A's first packet. */
  time: Float64Array;
  /** Lane id (-1: not drawn). */
  lane: Int32Array;
  /** 0 client → server, 1 server → client, 255 neither. */
  dir: Uint8Array;
  tcpFlags: Uint8Array;
  payloadLen: Uint32Array;
  /** FATE code toward the neighbouring points (the most telling one when there are two). */
  fate: Uint8Array;
}

/** The rungs between two neighbouring groups: rows of the same packet at both points. */
export interface LaneLink {
  /** Inputs, the one nearer the client first. */
  near: number;
  far: number;
  nearRows: Int32Array;
  farRows: Int32Array;
}

/** A debug-log event, on the lane of the wire connection it belongs to when one was found. */
export interface LaneEvent {
  input: number;
  lane: number;
  time: number;
  label: string;
  line: number | null;
}

export interface LaneIndex {
  groups: LaneGroup[];
  lanes: Lane[];
  /** Indexed by input; null for logs. */
  packets: (LanePackets | null)[];
  links: LaneLink[];
  events: LaneEvent[];
  /** First and last time of anything drawn (A's clock). */
  span: [number, number];
}

/** Which fate says most when a packet has one toward each neighbour (lost/injected first). */
const FATE_RANK: Record<number, number> = {
  [FATE.unmatched]: 0,
  [FATE.notObserved]: 1,
  [FATE.delivered]: 2,
  [FATE.rewritten]: 3,
  [FATE.reordered]: 4,
  [FATE.delayed]: 5,
  [FATE.lost]: 6,
  [FATE.injected]: 7,
};

/** Inputs in path order, the client's side first: each match says which of its two is nearer. */
export function pathOrder(doc: CorrelationDoc): number[] {
  const n = doc.inputs.length;
  const nearer = new Float64Array(n);
  for (const m of doc.matches) {
    const [a, b] = m.inputs;
    const w = Math.max(1, m.matched);
    if (m.nearClient === 'a') {
      nearer[a] += w;
      nearer[b] -= w;
    } else {
      nearer[b] += w;
      nearer[a] -= w;
    }
  }
  const order = Array.from({ length: n }, (_, i) => i);
  // Logs go beside the capture their frames matched (placed after captures: they have no packets).
  const isLog = (i: number) => doc.inputs[i].kind === 'log';
  order.sort((x, y) => Number(isLog(x)) - Number(isLog(y)) || nearer[y] - nearer[x] || x - y);
  return order;
}

export function buildLaneIndex(doc: CorrelationDoc, sources: LaneSource[]): LaneIndex {
  const n = doc.inputs.length;
  const order = pathOrder(doc);
  const groupOf = new Int32Array(n);
  order.forEach((input, g) => (groupOf[input] = g));

  // Union of (input, connection) across matches: one row per connection seen at several points.
  const keyOf = (input: number, connId: string) => `${input}/${connId}`;
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let r = k;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(k, r);
    return r;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  for (const m of doc.matches) union(keyOf(m.inputs[0], m.a), keyOf(m.inputs[1], m.b));

  // A log's connections: to the capture connection most of its frames look like.
  const logConnToWire = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const src = sources[i];
    if (src.kind !== 'log') continue;
    const byConn = groupBy(src.frames, (f) => f.connection);
    for (const [lc, lframes] of byConn) {
      let best: { key: string; score: number } | null = null;
      for (let j = 0; j < n; j++) {
        if (sources[j].kind !== 'capture') continue;
        for (const [wc, wframes] of groupBy(sources[j].frames, (f) => f.connection)) {
          const score = sharedFrames(lframes, wframes);
          if (score > 0 && (!best || score > best.score)) best = { key: keyOf(j, wc), score };
        }
      }
      if (best) {
        union(best.key, keyOf(i, lc));
        logConnToWire.set(keyOf(i, lc), best.key);
      }
    }
  }

  // Lanes: every connection that has packets (captures) or frames (logs), plus "other" packets.
  const lanes: Lane[] = [];
  const laneByKey = new Map<string, number>();
  const rowStart = new Map<string, number>();
  const addLane = (input: number, conn: number, connId: string, label: string, start: number) => {
    const id = lanes.length;
    lanes.push({ id, group: groupOf[input], input, conn, connId, label, row: -1 });
    laneByKey.set(keyOf(input, connId), id);
    const root = find(keyOf(input, connId));
    rowStart.set(root, Math.min(rowStart.get(root) ?? Infinity, start));
    return id;
  };

  const packets: (LanePackets | null)[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const src = sources[i];
    const shift = doc.inputs[i].toTimeBaseS;
    const p = src.packets;
    if (!p) {
      packets.push(null);
      continue;
    }
    const len = p.length;
    const lp: LanePackets = {
      length: len,
      time: new Float64Array(len),
      lane: new Int32Array(len).fill(-1),
      dir: p.dir.slice(0, len),
      tcpFlags: p.tcpFlags.slice(0, len),
      payloadLen: p.payloadLen.slice(0, len),
      fate: new Uint8Array(len),
    };
    const connLane = new Int32Array(src.connections.length).fill(-1);
    let otherLane = -1;
    for (let r = 0; r < len; r++) {
      const t = p.time[r] + shift;
      lp.time[r] = t;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
      const c = p.conn[r];
      if (c >= 0 && c < connLane.length) {
        if (connLane[c] < 0) {
          const conn = src.connections[c];
          connLane[c] = addLane(i, c, conn.id, `${conn.id} ${conn.client} → ${conn.server}`, t);
        }
        lp.lane[r] = connLane[c];
      } else {
        if (otherLane < 0) otherLane = addLane(i, -1, 'other', 'not TCP / no connection', Infinity);
        lp.lane[r] = otherLane;
      }
    }
    packets.push(lp);
  }

  // Fates and rungs from every pair whose two inputs are neighbours on the path.
  const links: LaneLink[] = [];
  for (const pair of doc.pairs) {
    const [a, b] = pair.inputs;
    if (Math.abs(groupOf[a] - groupOf[b]) !== 1) continue;
    const pa = packets[a];
    const pb = packets[b];
    if (!pa || !pb) continue;
    mergeFates(pa.fate, pair.columns[0].fate);
    mergeFates(pb.fate, pair.columns[1].fate);
    const peer = pair.columns[0].peer;
    let count = 0;
    for (let r = 0; r < peer.length && r < pa.length; r++) if (peer[r] > 0 && peer[r] <= pb.length) count++;
    const ra = new Int32Array(count);
    const rb = new Int32Array(count);
    let k = 0;
    for (let r = 0; r < peer.length && r < pa.length; r++)
      if (peer[r] > 0 && peer[r] <= pb.length) {
        ra[k] = r;
        rb[k++] = peer[r] - 1;
      }
    const aNear = groupOf[a] < groupOf[b];
    links.push(
      aNear ? { near: a, far: b, nearRows: ra, farRows: rb } : { near: b, far: a, nearRows: rb, farRows: ra },
    );
  }

  // Log events: on the wire connection's lane when the log's connection was paired with one.
  const events: LaneEvent[] = [];
  for (let i = 0; i < n; i++) {
    const src = sources[i];
    if (src.kind !== 'log') continue;
    const shift = doc.inputs[i].toTimeBaseS;
    for (const f of src.frames) {
      const own = keyOf(i, f.connection);
      const wire = logConnToWire.get(own);
      let lane = wire !== undefined ? laneByKey.get(wire) : laneByKey.get(own);
      if (lane === undefined)
        lane = addLane(
          i,
          src.connections.findIndex((c) => c.id === f.connection),
          f.connection,
          `${f.connection} (log)`,
          f.tS + shift,
        );
      const t = f.tS + shift;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
      events.push({
        input: i,
        lane,
        time: t,
        label: `${f.dir === 'c2s' ? '→' : '←'} ${f.type} s${f.stream} ${f.length} B`,
        line: f.line ?? null,
      });
    }
  }

  // Rows: components in order of their first packet; lanes of a group in row order.
  const roots = [...new Set(lanes.map((l) => find(keyOf(l.input, l.connId))))];
  roots.sort((x, y) => (rowStart.get(x) ?? Infinity) - (rowStart.get(y) ?? Infinity));
  const rowOf = new Map(roots.map((r, k) => [r, k]));
  for (const l of lanes) l.row = rowOf.get(find(keyOf(l.input, l.connId))) ?? 0;

  const groups: LaneGroup[] = order.map((input) => ({
    input,
    name: doc.inputs[input].name,
    kind: doc.inputs[input].kind,
    offsetS: doc.inputs[input].offsetS,
    offsetUncertaintyS: doc.inputs[input].offsetUncertaintyS,
    lanes: lanes
      .filter((l) => l.input === input)
      .sort((x, y) => x.row - y.row)
      .map((l) => l.id),
  }));
  if (!(hi >= lo)) {
    lo = 0;
    hi = 1;
  }
  return { groups, lanes, packets, links, events, span: [lo, hi] };
}

function mergeFates(into: Uint8Array, from: Uint8Array): void {
  const m = Math.min(into.length, from.length);
  for (let r = 0; r < m; r++) if (FATE_RANK[from[r]] > FATE_RANK[into[r]]) into[r] = from[r] as FateCode;
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const l = m.get(k);
    if (l) l.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/** Frames with the same (direction, stream, type, length) in both lists, as multisets. */
function sharedFrames(a: LaneSource['frames'], b: LaneSource['frames']): number {
  const counts = new Map<string, number>();
  for (const f of a) {
    const k = `${f.dir}/${f.stream}/${f.type}/${f.length}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let shared = 0;
  for (const f of b) {
    const k = `${f.dir}/${f.stream}/${f.type}/${f.length}`;
    const c = counts.get(k) ?? 0;
    if (c > 0) {
      shared++;
      counts.set(k, c - 1);
    }
  }
  return shared;
}

/** A LaneSource from an analysed input (lib/analyze's Trace): what the index and a share keep. */
export function laneSourceOf(
  name: string,
  trace: {
    connections: { id: string; client: string; server: string }[];
    streams: { frames: LaneSource['frames'] }[];
    h2: { frames: LaneSource['frames'] }[];
    packets: LaneSource['packets'];
  },
): LaneSource {
  const frames: LaneSource['frames'] = [];
  for (const s of trace.streams)
    for (const f of s.frames)
      frames.push({
        connection: f.connection,
        stream: f.stream,
        type: f.type,
        length: f.length,
        dir: f.dir,
        tS: f.tS,
        line: f.line,
      });
  for (const h of trace.h2)
    for (const f of h.frames)
      frames.push({
        connection: f.connection,
        stream: f.stream,
        type: f.type,
        length: f.length,
        dir: f.dir,
        tS: f.tS,
        line: f.line,
      });
  frames.sort((x, y) => x.tS - y.tS);
  const p = trace.packets;
  return {
    name,
    kind: p ? 'capture' : 'log',
    connections: trace.connections.map((c) => ({ id: c.id, client: c.client, server: c.server })),
    packets: p
      ? {
          length: p.length,
          time: p.time.subarray(0, p.length),
          conn: p.conn.subarray(0, p.length),
          dir: p.dir.subarray(0, p.length),
          tcpFlags: p.tcpFlags.subarray(0, p.length),
          payloadLen: p.payloadLen.subarray(0, p.length),
        }
      : null,
    frames,
  };
}
