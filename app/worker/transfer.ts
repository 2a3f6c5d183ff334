// The trace's long lists cross from the worker to the page in parts of bounded size. A structured
// clone is deserialized in one go when the page first reads the message's `data`: one 35 MB message
// (a 500 MB HTTP/2 capture: 30,000 streams, 90,000 frames with header lists) blocked the main
// thread for 250-400 ms; parts of 100k values take a few milliseconds each (the page reads them a
// slice per frame, see client.ts), and the page stays responsive between them. The worker also
// lets go of each part once it is posted. Each part travels packed into transferred arrays
// (pack.ts), and the worker stays at most PARTS_AHEAD parts ahead of the page.
import type { PacketColumns, PacketTable } from '@/lib/packets';
import type { H2Frame, H2Stream, Http1Exchange, Trace } from '@/lib/trace';
import type { ListName, ResultPart, TraceHead, TraceLists } from './messages';

/**
 * Values (see `weigh`) per part. Deserializing costs about 4-6 ms per 100k values (measured in
 * Node on the bench captures; similar in Chromium), but a part can also meet a garbage collection
 * on the page, 10-30 ms since everything deserialized survives: with 150k-value parts, one load in
 * about five still had a 53-59 ms task.
 */
export const PART_BUDGET = 100_000;

/** The order lists are sent in: the small ones first. */
export const LIST_ORDER: readonly ListName[] = ['connections', 'findings', 'h2', 'exchanges', 'streams'];

/**
 * About how many values a structured clone of `v` holds (objects, array elements, keys, strings
 * by length): proportional to its serialized size and to its deserialization time.
 */
export function weigh(v: unknown): number {
  if (v === null || typeof v !== 'object') return typeof v === 'string' ? 1 + (v.length >> 3) : 1;
  if (ArrayBuffer.isView(v)) return 1 + (v.byteLength >> 6);
  let n = 2;
  if (Array.isArray(v)) for (const x of v) n += weigh(x);
  else for (const k in v) n += 1 + weigh((v as Record<string, unknown>)[k]);
  return n;
}

/**
 * Parts the worker posts beyond those the page has said it took in (messages.ts PartsTaken). A
 * part is about 0.3 MB serialized at PART_BUDGET; 16 keep the page's queue from running dry between
 * its reading slices (a slice takes a few parts) while what waits stays a few MB.
 */
export const PARTS_AHEAD = 16;

type Column = PacketColumns[Exclude<keyof PacketColumns, 'length'>];

/**
 * The table's columns cut to its length, moved out of the table (which must not be used after):
 * the table doubles as it grows, so its arrays hold up to 2x the rows (2^21 for the 1.72 M packets
 * of the 2.24 GB bench capture, 20 MB of spare rows). `ArrayBuffer.prototype.transfer` to the
 * shorter length frees each old array as soon as its rows are moved, not at the next garbage
 * collection; without it (or for an array that shares its buffer) the column is copied.
 */
export function exactColumns(p: PacketTable): { columns: PacketColumns; buffers: ArrayBuffer[] } {
  const views = p.columnViews();
  const uses = new Map<ArrayBufferLike, number>();
  for (const v of Object.values(views))
    if (ArrayBuffer.isView(v)) uses.set(v.buffer, (uses.get(v.buffer) ?? 0) + 1);
  const out: Record<string, unknown> = { length: views.length };
  const buffers: ArrayBuffer[] = [];
  for (const [k, v] of Object.entries(views)) {
    if (!ArrayBuffer.isView(v)) continue;
    const col = v as Column;
    const buf = col.buffer as ArrayBuffer & { transfer?: (bytes: number) => ArrayBuffer };
    let exact: Column;
    if (typeof buf.transfer === 'function' && col.byteOffset === 0 && uses.get(buf) === 1) {
      const Ctor = col.constructor as new (b: ArrayBuffer) => Column;
      exact = new Ctor(buf.transfer(col.byteLength));
    } else exact = col.slice();
    out[k] = exact;
    buffers.push(exact.buffer as ArrayBuffer);
  }
  return { columns: out as unknown as PacketColumns, buffers };
}

/** A copy of every column (the worker's own, when the originals are transferred). */
export function copyColumns(c: PacketColumns): PacketColumns {
  const out: Record<string, unknown> = { length: c.length };
  for (const [k, v] of Object.entries(c)) if (ArrayBuffer.isView(v)) out[k] = (v as Column).slice();
  return out as unknown as PacketColumns;
}

/** The trace split into its small head and its long lists. */
export function splitTrace(t: Trace): { head: TraceHead; lists: TraceLists } {
  const { connections, findings, h2, exchanges, streams, packets, ...head } = t;
  void packets;
  return { head, lists: { connections, findings, h2, exchanges, streams } };
}

interface WithFrames {
  frames: H2Frame[];
}

/**
 * Consecutive slices of `all` of at most `budget` values (one item can exceed it), removing each
 * slice from `all` once it has been handed out, so the caller holds nothing it already sent. An item
 * with frames heavier than the budget goes alone with `frames: []`, its frames in FramesParts after.
 */
function* split<T>(
  all: T[],
  budget: number,
  make: (items: T[]) => ResultPart,
  frames?: { list: 'streams' | 'h2'; of: (x: T) => WithFrames },
): Generator<ResultPart> {
  let sent = 0;
  let batch: T[] = [];
  let w = 0;
  let i = 0;
  // Drops what was handed out: `all.splice` once per part (not `shift` per item, which copies the
  // whole backing store each time for arrays in V8's large-object space).
  const release = () => {
    all.splice(0, i);
    i = 0;
  };
  const flush = function* () {
    if (!batch.length) return;
    const items = batch;
    batch = [];
    w = 0;
    sent += items.length;
    yield make(items);
    release();
  };
  while (i < all.length) {
    const x = all[i];
    const xw = weigh(x);
    if (frames && xw > budget) {
      yield* flush();
      const rec = frames.of(x);
      const list = rec.frames;
      const index = sent;
      sent++;
      i++;
      yield make([{ ...x, frames: [] }]);
      release();
      let part: H2Frame[] = [];
      let pw = 0;
      for (const f of list) {
        const fw = weigh(f);
        if (part.length && pw + fw > budget) {
          yield { type: 'frames', list: frames.list, index, frames: part };
          part = [];
          pw = 0;
        }
        part.push(f);
        pw += fw;
      }
      if (part.length) yield { type: 'frames', list: frames.list, index, frames: part };
      continue;
    }
    if (batch.length && w + xw > budget) yield* flush();
    batch.push(x);
    w += xw;
    i++;
  }
  yield* flush();
  all.length = 0;
}

/** Every part of the lists, in LIST_ORDER; the lists are emptied as the parts are handed out. */
export function* resultParts(lists: TraceLists, budget = PART_BUDGET): Generator<ResultPart> {
  for (const name of LIST_ORDER) {
    switch (name) {
      case 'connections':
        yield* split(lists.connections, budget, (items) => ({ type: 'items', list: name, items }));
        break;
      case 'findings':
        yield* split(lists.findings, budget, (items) => ({ type: 'items', list: name, items }));
        break;
      case 'exchanges':
        yield* split(lists.exchanges, budget, (items) => ({ type: 'items', list: name, items }));
        break;
      case 'h2':
        yield* split(lists.h2, budget, (items) => ({ type: 'items', list: name, items }), {
          list: 'h2',
          of: (x) => x,
        });
        break;
      case 'streams':
        yield* split(lists.streams, budget, (items) => ({ type: 'items', list: name, items }), {
          list: 'streams',
          of: (x) => x,
        });
        break;
    }
  }
}

type HeaderList = [string, string][];

/**
 * Shares equal values among the received records. Deserialization makes a new string for every
 * occurrence and a new array for every header pair, so 30,000 streams carry 30,000 copies of
 * ":method GET" and of "DATA", "c2s", ["END_STREAM"]: header lists were about half of the 90 MB the
 * streams of the 500 MB bench capture took on the page's heap (measured in Node, v8.deserialize).
 * Equal header lists (every request of a load test) become one list, other lists share their
 * equal pairs. Nothing in the views mutates these values. Maps stop growing at MAX_KEYS entries
 * (then values stay as received), so a capture of unique values cannot make them large.
 */
export class Interner {
  static readonly MAX_KEYS = 200_000;
  private readonly strings = new Map<string, string>();
  private readonly pairs = new Map<string, [string, string]>();
  private readonly lists = new Map<string, HeaderList>();
  private readonly flagLists = new Map<string, string[]>();
  /** Received list -> its shared version: a frame's header list is its stream's (one object). */
  private readonly seen = new WeakMap<HeaderList, HeaderList>();

  str<S extends string | null>(s: S): S {
    if (s === null || s.length > 64) return s;
    const c = this.strings.get(s);
    if (c !== undefined) return c as S;
    if (this.strings.size < Interner.MAX_KEYS) this.strings.set(s, s);
    return s;
  }

  headers<L extends HeaderList | null | undefined>(h: L): L {
    if (!h) return h;
    const done = this.seen.get(h);
    if (done) return done as L;
    let key = '';
    for (const [n, v] of h) key += `${n}\u0000${v}\u0001`;
    let out = this.lists.get(key);
    if (!out) {
      out = h;
      for (let i = 0; i < h.length; i++) {
        const pk = `${h[i][0]}\u0000${h[i][1]}`;
        const p = this.pairs.get(pk);
        if (p) h[i] = p;
        else {
          h[i] = [this.str(h[i][0]), this.str(h[i][1])];
          if (this.pairs.size < Interner.MAX_KEYS) this.pairs.set(pk, h[i]);
        }
      }
      if (this.lists.size < Interner.MAX_KEYS) this.lists.set(key, h);
    }
    this.seen.set(h, out);
    return out as L;
  }

  flags(f: string[]): string[] {
    const key = f.join(',');
    const c = this.flagLists.get(key);
    if (c) return c;
    if (this.flagLists.size < Interner.MAX_KEYS) this.flagLists.set(key, f);
    return f;
  }

  frame(f: H2Frame): void {
    f.connection = this.str(f.connection);
    f.type = this.str(f.type);
    f.dir = this.str(f.dir);
    f.flags = this.flags(f.flags);
    if (f.headers) f.headers = this.headers(f.headers);
  }

  stream(s: H2Stream): void {
    s.connection = this.str(s.connection);
    s.method = this.str(s.method);
    s.path = this.str(s.path);
    s.authority = this.str(s.authority);
    s.state = this.str(s.state);
    s.sequence = this.str(s.sequence);
    s.requestHeaders = this.headers(s.requestHeaders);
    s.responseHeaders = this.headers(s.responseHeaders);
    s.trailers = this.headers(s.trailers);
    for (const f of s.frames) this.frame(f);
  }

  exchange(x: Http1Exchange): void {
    x.connection = this.str(x.connection);
    x.method = this.str(x.method);
    x.path = this.str(x.path);
    x.version = this.str(x.version);
    x.reason = this.str(x.reason);
    x.contentType = this.str(x.contentType);
    if (x.request) x.request.headers = this.headers(x.request.headers);
    if (x.response) x.response.headers = this.headers(x.response.headers);
  }
}

/** The page's side: collects parts into the lists and makes the Trace at the end. */
export class ResultAssembler {
  private readonly lists: TraceLists = { connections: [], findings: [], h2: [], exchanges: [], streams: [] };
  private readonly intern = new Interner();

  add(p: ResultPart): void {
    if (p.type === 'frames') {
      const rec = this.lists[p.list][p.index];
      if (!rec) throw new Error(`frames for missing ${p.list}[${p.index}]`);
      for (const f of p.frames) {
        this.intern.frame(f);
        rec.frames.push(f);
      }
      return;
    }
    // A loop, not push(...items): a part can hold more items than a call takes arguments.
    switch (p.list) {
      case 'connections':
        for (const x of p.items) this.lists.connections.push(x);
        break;
      case 'findings':
        for (const x of p.items) this.lists.findings.push(x);
        break;
      case 'h2':
        for (const x of p.items) {
          for (const f of x.frames) this.intern.frame(f);
          this.lists.h2.push(x);
        }
        break;
      case 'exchanges':
        for (const x of p.items) {
          this.intern.exchange(x);
          this.lists.exchanges.push(x);
        }
        break;
      case 'streams':
        for (const x of p.items) {
          this.intern.stream(x);
          this.lists.streams.push(x);
        }
        break;
    }
  }

  finish(head: TraceHead, packets: Trace['packets']): Trace {
    return { ...head, ...this.lists, packets };
  }
}
