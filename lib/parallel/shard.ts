/**
 * Per-connection analysis split across threads, merged into the trace one thread would make.
 *
 *   worker k of N:  const rec = new ShardRecorder(k, N); analyzer.shard(rec); push...; analyzer.finishShard()
 *   main thread:    const parts = mergeShards(outputs); assembleCapture(parts) (lib/analyze.ts)
 *
 * Every worker reads the whole input and decodes link/IP layers (cheap), but runs TCP tracking,
 * reassembly and the application parsers (HTTP/1, HTTP/2 + HPACK, TLS: the costly part) only for
 * the connections whose canonical key (VLAN/tunnel + both endpoints) hashes to it.
 *
 * What one thread numbers globally is numbered in two phases:
 * - connection ids (c1, c2... in order of first packet) and HTTP/2 frame numbers (in the order
 *   frames are parsed, across all connections) are handed out by a worker as placeholders
 *   (CONN_BASE + local index, FRAME_BASE + local index), 16-digit numbers no capture produces;
 * - each worker records, for each frame number and each stream / exchange / HTTP/2 connection
 *   entry, when it was made: during the packet of row R, or at the end of the capture for
 *   connection C. One thread makes them in exactly that order (rows in capture order, then the
 *   connections' ends in order of first packet), so ranking the records of all workers by it gives
 *   the one-thread numbers and list order;
 * - the main thread then replaces every placeholder (numbers, and digits inside messages such as
 *   "frame N") by its final value, and merges the packet-table columns by owner.
 */
import { AppResults } from '../stream';
import { PacketTable, type PacketColumns } from '../packets';
import {
  H2FrameRecord,
  type Connection,
  type H2ConnectionInfo,
  type H2FrameInfo,
  type H2Stream,
  type Http1Exchange,
  type InputInfo,
} from '../trace';

/** Placeholders are CONN_BASE + i and FRAME_BASE + i (i < PLACEHOLDER_SPAN): 16 digits, below 2^53. */
export const CONN_BASE = 7_000_000_000_000_000;
export const FRAME_BASE = 8_000_000_000_000_000;
const PLACEHOLDER_SPAN = 1_000_000_000_000_000;
const PLACEHOLDER_TOKEN = /(?<!\d)[78]\d{15}(?!\d)/g;

/** FNV-1a over the key's UTF-16 units: the same owner for a connection in every worker. */
export function shardOf(key: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % count;
}

/**
 * Shares a capture of `size` bytes is split into when nothing else is asked (`analyze` without
 * `--threads`, the browser's analysis worker): 1 below SHARD_MIN_BYTES or on one core. The split
 * has not paid on the 2-core machine it was measured on (README, `--threads`): crossing the
 * results costs about what the second share saves, and one thread already keeps the second core
 * busy with V8's concurrent garbage collection; so SHARD_MIN_BYTES is infinite until a
 * measurement says otherwise.
 */
export const SHARD_MIN_BYTES = Number.POSITIVE_INFINITY;
const MAX_AUTO_SHARDS = 4;

export function shardsFor(size: number, cores: number): number {
  if (!(size >= SHARD_MIN_BYTES) || !(cores >= 2)) return 1;
  return Math.min(Math.floor(cores), MAX_AUTO_SHARDS);
}

/** When a numbered thing was made: row >= 0 during that packet, else at the end for `conn`. */
interface EventLog {
  row: number[];
  conn: number[];
}

function newLog(): EventLog {
  return { row: [], conn: [] };
}

/** What one worker hands back (across threads as a ShardWire: lib/parallel/wire.ts). */
export interface ShardOutput {
  index: number;
  count: number;
  /** Input facts as one thread reports them, without the capture-loss warning (made after the merge). */
  input: InputInfo;
  connections: Connection[];
  streams: H2Stream[];
  exchanges: Http1Exchange[];
  h2: H2ConnectionInfo[];
  packets: PacketColumns;
  frames: EventLog;
  streamEvents: EventLog;
  exchangeEvents: EventLog;
  h2Events: EventLog;
}

/** The worker side: ownership, placeholders and the record of when things were made. */
export class ShardRecorder {
  /** Row of the packet being processed; -1 while connections are finished at the capture's end. */
  row = -1;
  readonly streams: H2Stream[] = [];
  readonly exchanges: Http1Exchange[] = [];
  readonly h2: H2ConnectionInfo[] = [];
  readonly frames = newLog();
  readonly streamEvents = newLog();
  readonly exchangeEvents = newLog();
  readonly h2Events = newLog();
  private connectionsMade = 0;

  constructor(
    readonly index: number,
    readonly count: number,
  ) {
    if (!(count >= 1 && index >= 0 && index < count)) throw new Error(`shard ${index} of ${count}`);
  }

  owns(key: string): boolean {
    return shardOf(key, this.count) === this.index;
  }

  /** The results object the parsers of one connection write into (its index is the worker-local one). */
  resultsFor(conn: Connection): AppResults {
    // Called once per connection as the tracker makes it, so in the order of its local index.
    const local = this.connectionsMade++;
    conn.id = `c${CONN_BASE + local}`;
    return new ShardConnectionResults(this, local);
  }

  note(log: EventLog, conn: number): void {
    log.row.push(this.row);
    log.conn.push(conn);
  }

  output(input: InputInfo, connections: Connection[], packets: PacketTable): ShardOutput {
    return {
      index: this.index,
      count: this.count,
      input,
      connections,
      streams: this.streams,
      exchanges: this.exchanges,
      h2: this.h2,
      packets: packets.toColumns(),
      frames: this.frames,
      streamEvents: this.streamEvents,
      exchangeEvents: this.exchangeEvents,
      h2Events: this.h2Events,
    };
  }
}

/** One connection's view of AppResults in a worker: pushes and frame numbers are recorded. */
class ShardConnectionResults extends AppResults {
  private frameCounterLocal = 0;

  constructor(
    private readonly rec: ShardRecorder,
    private readonly conn: number,
  ) {
    super();
    this.streams = recordingList(rec.streams, () => rec.note(rec.streamEvents, conn));
    this.exchanges = recordingList(rec.exchanges, () => rec.note(rec.exchangeEvents, conn));
    this.h2 = recordingList(rec.h2, () => rec.note(rec.h2Events, conn));
  }

  override nextFrameNumber(): number {
    this.rec.note(this.rec.frames, this.conn);
    this.frameCounterLocal++;
    return FRAME_BASE + this.rec.frames.row.length - 1;
  }

  override get frameCount(): number {
    return this.frameCounterLocal;
  }
}

/** An array whose push also appends to the worker's list and notes when (parsers only push). */
function recordingList<T>(all: T[], note: () => void): T[] {
  const list: T[] = [];
  list.push = (...items: T[]): number => {
    for (const item of items) {
      note();
      all.push(item);
      Array.prototype.push.call(list, item);
    }
    return list.length;
  };
  return list;
}

/** The merged pieces of a capture analysis, ready for lib/analyze.ts assembleCapture. */
export interface MergedShards {
  input: InputInfo;
  connections: Connection[];
  results: AppResults;
  packets: PacketTable;
}

/** What the merge order needs from one shard (small: sent before the results themselves). */
export interface ShardSummary {
  index: number;
  count: number;
  rows: number;
  firstPackets: number[];
  frames: EventLog;
  streamEvents: EventLog;
  exchangeEvents: EventLog;
  h2Events: EventLog;
}

export function shardSummary(o: ShardOutput): ShardSummary {
  return {
    index: o.index,
    count: o.count,
    rows: o.packets.length,
    firstPackets: o.connections.map((c) => c.firstPacket),
    frames: o.frames,
    streamEvents: o.streamEvents,
    exchangeEvents: o.exchangeEvents,
    h2Events: o.h2Events,
  };
}

/** One shard's final numbers: global connection index and frame rank of each local one, list ranks. */
export interface ShardPlan {
  conns: Int32Array;
  frames: Int32Array;
  streams: Int32Array;
  exchanges: Int32Array;
  h2: Int32Array;
}

/** The one-thread numbering and order, from the summaries of all N shards (any order). */
export function planMerge(summaries: ShardSummary[]): ShardPlan[] {
  const shards = [...summaries].sort((a, b) => a.index - b.index);
  if (shards.length === 0 || shards.some((s, i) => s.index !== i || s.count !== shards.length))
    throw new Error('mergeShards: outputs of every shard 0..N-1 are needed');
  // Connections: in order of first packet (no two share one; each packet has one owner).
  const connOrder: { shard: number; local: number; first: number }[] = [];
  shards.forEach((s, k) =>
    s.firstPackets.forEach((first, i) => connOrder.push({ shard: k, local: i, first })),
  );
  connOrder.sort((a, b) => a.first - b.first);
  const connGlobal = shards.map((s) => new Int32Array(s.firstPackets.length));
  connOrder.forEach((e, g) => (connGlobal[e.shard][e.local] = g));
  const rows = shards[0].rows;
  const rank = (log: (s: ShardSummary) => EventLog): Int32Array[] =>
    rankEvents(shards.map(log), connGlobal, rows);
  const frames = rank((s) => s.frames);
  const streams = rank((s) => s.streamEvents);
  const exchanges = rank((s) => s.exchangeEvents);
  const h2 = rank((s) => s.h2Events);
  return shards.map((_, k) => ({
    conns: connGlobal[k],
    frames: frames[k],
    streams: streams[k],
    exchanges: exchanges[k],
    h2: h2[k],
  }));
}

/**
 * Replaces a shard's placeholders by the final numbers (in place; a worker does its own). HTTP/2
 * frames, the bulk, are visited by their lists; header lists (bytes off the wire, often shared) are
 * left alone; everything else is walked whole, so a field added later is renumbered too.
 */
export function renumberShard(o: ShardOutput, plan: ShardPlan): void {
  const r = new Renumbering(plan);
  for (const c of o.connections) r.walk(c);
  for (const s of o.streams) r.record(s);
  for (const e of o.exchanges) r.walk(e);
  for (const h of o.h2) r.record(h);
}
/**
 * Merges the outputs of all N workers into what one thread would have produced. With `plans`,
 * the outputs were renumbered already (renumberShard, in the workers); without, it is done here.
 */
export function mergeShards(outputs: ShardOutput[], plans?: ShardPlan[]): MergedShards {
  const shards = [...outputs].sort((a, b) => a.index - b.index);
  if (!plans) {
    plans = planMerge(shards.map(shardSummary));
    shards.forEach((s, k) => renumberShard(s, plans![k]));
  }
  const p = plans;
  if (p.length !== shards.length) throw new Error('mergeShards: one plan per shard');
  const connections = place(
    shards.map((s) => s.connections),
    p.map((x) => x.conns),
  );
  const results = new AppResults();
  results.streams = place(
    shards.map((s) => s.streams),
    p.map((x) => x.streams),
  );
  results.exchanges = place(
    shards.map((s) => s.exchanges),
    p.map((x) => x.exchanges),
  );
  results.h2 = place(
    shards.map((s) => s.h2),
    p.map((x) => x.h2),
  );
  let totalFrames = 0;
  for (const x of p) totalFrames += x.frames.length;
  for (let i = 0; i < totalFrames; i++) results.nextFrameNumber();
  return {
    input: shards[0].input,
    connections,
    results,
    packets: mergePackets(
      shards,
      p.map((x) => x.conns),
    ),
  };
}

/** Global 0-based rank of every event of every shard (see the module comment for the order). */
function rankEvents(logs: EventLog[], connGlobal: Int32Array[], rows: number): Int32Array[] {
  // One number per event: its row while packets are read, rows + connection at the end.
  const keys = logs.map((l, k) => {
    const key = new Float64Array(l.row.length);
    for (let i = 0; i < key.length; i++) key[i] = l.row[i] >= 0 ? l.row[i] : rows + connGlobal[k][l.conn[i]];
    return key;
  });
  const ranks = logs.map((l) => new Int32Array(l.row.length));
  const pos = logs.map(() => 0);
  let total = 0;
  for (const l of logs) total += l.row.length;
  // Each shard's events are already in this order (equal keys: one shard's, in its order): a k-way merge.
  for (let r = 0; r < total; r++) {
    let best = -1;
    let bestKey = Infinity;
    for (let k = 0; k < keys.length; k++) {
      if (pos[k] < keys[k].length && keys[k][pos[k]] < bestKey) {
        best = k;
        bestKey = keys[k][pos[k]];
      }
    }
    ranks[best][pos[best]++] = r;
  }
  return ranks;
}

function place<T>(lists: T[][], ranks: Int32Array[]): T[] {
  let total = 0;
  for (const l of lists) total += l.length;
  const out = new Array<T>(total);
  lists.forEach((l, k) => l.forEach((item, i) => (out[ranks[k][i]] = item)));
  return out;
}

/** Keys whose values are header lists decoded from the capture: they never hold a placeholder. */
const WIRE_KEYS = new Set(['headers', 'requestHeaders', 'responseHeaders', 'trailers']);

/** Placeholder replacement over one shard's results (see renumberShard). */
class Renumbering {
  private readonly conns: Int32Array;
  private readonly frames: Int32Array;
  private readonly seen = new Set<object>();
  /** Strings already rewritten ("c7000000000000012" is on every frame of its connection). */
  private readonly strings = new Map<string, string>();

  constructor(plan: ShardPlan) {
    this.conns = plan.conns;
    this.frames = plan.frames;
  }

  private number(n: number): number {
    if (n >= FRAME_BASE && n - FRAME_BASE < this.frames.length) return this.frames[n - FRAME_BASE] + 1;
    if (n >= CONN_BASE && n - CONN_BASE < this.conns.length) return this.conns[n - CONN_BASE] + 1;
    return n;
  }

  private string(s: string): string {
    // Every placeholder a shard makes (local index < 10^10) starts "70000" or "80000".
    if (s.length < 16 || (s.indexOf('70000') < 0 && s.indexOf('80000') < 0)) return s;
    let r = this.strings.get(s);
    if (r === undefined) {
      r = s.replace(PLACEHOLDER_TOKEN, (t) => String(this.number(Number(t))));
      this.strings.set(s, r);
    }
    return r;
  }

  /** The new value of `v`; objects are queued on `stack` (once) to be walked. */
  private value(v: unknown, stack: object[]): unknown {
    if (typeof v === 'number')
      return v >= CONN_BASE && v < FRAME_BASE + PLACEHOLDER_SPAN ? this.number(v) : v;
    if (typeof v === 'string') return this.string(v);
    if (v !== null && typeof v === 'object' && !this.seen.has(v)) {
      this.seen.add(v);
      stack.push(v);
    }
    return v;
  }

  /** A stream or HTTP/2 connection record: its frames by list, header lists skipped, the rest walked. */
  record(rec: object): void {
    const o = rec as Record<string, unknown>;
    const stack: object[] = [];
    for (const k in o) {
      const v = o[k];
      if (k === 'frames' && Array.isArray(v)) {
        for (const f of v) this.frame(f as Record<string, unknown>, stack);
      } else if (!WIRE_KEYS.has(k)) {
        const w = this.value(v, stack);
        if (w !== v) o[k] = w;
      }
    }
    this.drain(stack);
  }

  /** A frame is reached only through its list: no seen-set entry for each (renumbering twice is harmless). */
  private frame(f: Record<string, unknown>, stack: object[]): void {
    if (f instanceof H2FrameRecord) {
      // The session's frame: a fixed layout (the JSON writer writes exactly these members too)
      // whose numbers, names, packets and headers come off the wire; only its number and
      // connection are ours, and the facts in `info` are walked.
      const n = f.number;
      if (n >= FRAME_BASE) f.number = this.number(n);
      f.connection = this.string(f.connection);
      if (f.info !== undefined) {
        const w = this.value(f.info, stack);
        if (w !== f.info) f.info = w as H2FrameInfo;
      }
      return;
    }
    for (const k in f) {
      const v = f[k];
      // Packet numbers and flag names: never a placeholder; headers: from the wire.
      if (typeof v === 'object' && (k === 'packets' || k === 'flags' || WIRE_KEYS.has(k))) continue;
      const w = this.value(v, stack);
      if (w !== v) f[k] = w;
    }
  }

  walk(root: object): void {
    if (this.seen.has(root)) return;
    this.seen.add(root);
    this.drain([root]);
  }

  private drain(stack: object[]): void {
    while (stack.length > 0) {
      const o = stack.pop()!;
      if (ArrayBuffer.isView(o)) continue;
      if (Array.isArray(o)) {
        for (let i = 0; i < o.length; i++) {
          const v = this.value(o[i], stack);
          if (v !== o[i]) o[i] = v;
        }
      } else if (o instanceof Map) {
        const entries = [...o.entries()];
        o.clear();
        for (const [k, v] of entries) o.set(this.value(k, stack), this.value(v, stack));
      } else if (o instanceof Set) {
        const values = [...o.values()];
        o.clear();
        for (const v of values) o.add(this.value(v, stack));
      } else {
        const rec = o as Record<string, unknown>;
        // Only what changes is written: shared constants may be frozen (and hold no placeholder).
        for (const k in rec) {
          const v = this.value(rec[k], stack);
          if (v !== rec[k]) rec[k] = v;
        }
      }
    }
  }
}

/** Packet columns: every worker decoded every row; TCP columns come from the row's owner. */
function mergePackets(shards: ShardOutput[], connGlobal: Int32Array[]): PacketTable {
  const base = shards[0].packets;
  for (let k = 0; k < shards.length; k++) {
    const p = shards[k].packets;
    if (p.length !== base.length) throw new Error('mergeShards: workers read different packet counts');
    const map = connGlobal[k];
    for (let row = 0; row < p.length; row++) {
      const local = p.conn[row];
      if (local < 0) continue;
      base.conn[row] = map[local];
      if (k === 0) continue;
      base.dir[row] = p.dir[row];
      base.tcpFlags[row] = p.tcpFlags[row];
      base.analysis[row] = p.analysis[row];
      base.payloadLen[row] = p.payloadLen[row];
      base.ttl[row] = p.ttl[row];
      base.l4[row] = p.l4[row];
      if (p.seq && base.seq) base.seq[row] = p.seq[row];
      if (p.ack && base.ack) base.ack[row] = p.ack[row];
      if (p.window && base.window) base.window[row] = p.window[row];
      if (p.ipId && base.ipId) base.ipId[row] = p.ipId[row];
      if (p.tcpOffset && base.tcpOffset) base.tcpOffset[row] = p.tcpOffset[row];
    }
  }
  return PacketTable.fromColumns(base);
}
