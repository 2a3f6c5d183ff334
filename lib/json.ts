/**
 * The Trace as the JSON document of shared/contracts/trace-json.md: contract fields first, with
 * their names and meanings, then our additions. Per-packet columns are not part of the document.
 */
import { H2FrameRecord, type Trace } from './trace';

export interface TraceJson extends Omit<Trace, 'packets'> {
  [key: string]: unknown;
}

export function toTraceJson(trace: Trace): TraceJson {
  const { packets: _packets, ...rest } = trace;
  void _packets;
  return {
    tool: rest.tool,
    version: rest.version,
    input: rest.input,
    options: rest.options,
    connections: rest.connections,
    streams: rest.streams,
    exchanges: rest.exchanges,
    findings: rest.findings,
    h2: rest.h2,
  };
}

/**
 * The number rule of the document: finite numbers only (NaN/Infinity become null), non-integers
 * rounded to 1 ns. Exported for the test that checks the fast path below against it.
 */
export function replacer(_k: string, v: unknown): unknown {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    if (!Number.isInteger(v)) return Math.round(v * 1e9) / 1e9;
  }
  return v;
}

/**
 * Arrays written without the replacer. A replacer function makes the engine call back into
 * JavaScript for every key and value, which was most of the CLI's time on large HTTP/2 captures
 * (streams and their frames are nearly all of such a document). Their numbers need no rule: times
 * are exact where they are born (`elapsedS` in lib/trace.ts) and only copied into frames, streams
 * and exchanges, everything else there is an integer, and JSON.stringify already writes NaN and
 * Infinity as null. tests/unit/json.test.ts checks, on every sample and real capture, that the
 * output is identical to the replacer's.
 */
const EXACT_ARRAYS = new Set(['streams', 'exchanges']);

/** Elements of a top-level array serialized per engine call: about 1 MB of text for streams. */
const BATCH = 256;

/**
 * Writes exactly the text of JSON.stringify(toTraceJson(trace), replacer, indent), but in pieces:
 * a large HTTP/2 capture's document is tens of MB, and as one string (plus the copy with the
 * trailing newline, plus its UTF-8 encoding for the write) it more than doubled the CLI's peak
 * memory. The document's top level is laid out here; its arrays (streams, connections, ...) go
 * to the engine in batches wrapped as [[...batch]], whose text has the elements already indented
 * to their depth in the document: only the wrapper's brackets are cut off. `indent` 0 gives the
 * compact form (traceJsonBytes writes that one faster, as bytes).
 */
export function writeTraceJson(trace: Trace, sink: (chunk: string) => void, indent = 2): void {
  for (const piece of traceJsonText(trace, indent)) sink(piece);
}

/** The pieces writeTraceJson writes, one at a time, so that a writer can wait between them. */
export function* traceJsonText(trace: Trace, indent = 2): Generator<string, void, undefined> {
  const gap = ' '.repeat(Math.max(0, Math.min(10, Math.floor(indent))));
  const doc = toTraceJson(trace);
  const nl1 = gap ? '\n' + gap : '';
  const colon = gap ? ': ' : ':';
  // JSON.stringify([[a, b]], r, gap) is '[' nl1 '[' nl2 a ',' nl2 b nl1 ']' '\n' ']' (no newlines without a gap).
  const cutHead = 2 + nl1.length;
  const cutTail = nl1.length + (gap ? 3 : 2);
  let buf = '{';
  let first = true;
  for (const key of Object.keys(doc)) {
    const v = doc[key];
    const head = (first ? '' : ',') + nl1 + JSON.stringify(key) + colon;
    if (Array.isArray(v) && v.length > 0) {
      const exact = EXACT_ARRAYS.has(key);
      buf += head + '[';
      for (let i = 0; i < v.length; i += BATCH) {
        const batch = [v.slice(i, i + BATCH)];
        const t = exact ? JSON.stringify(batch, null, gap) : JSON.stringify(batch, replacer, gap);
        buf += (i > 0 ? ',' : '') + t.slice(cutHead, t.length - cutTail);
        if (buf.length >= 1 << 20) {
          yield buf;
          buf = '';
        }
      }
      buf += nl1 + ']';
    } else {
      const t = JSON.stringify(v, replacer, gap) as string | undefined;
      if (t === undefined) continue; // no JSON form: the key is left out, as JSON.stringify does
      // JSON text has no raw newline inside strings (they are escaped): every "\n" is layout.
      buf += head + (gap ? t.replaceAll('\n', nl1) : t);
    }
    first = false;
  }
  buf += first ? '}' : (gap ? '\n' : '') + '}';
  yield buf;
}

/** Bytes per chunk traceJsonBytes hands out. */
const CHUNK_BYTES = 1 << 20;
const Q = 0x22; // "
const BACKSLASH = 0x5c;
const ASCII = new TextEncoder();
/** Bytes of `"key":` per object key: a document has a few dozen distinct keys, written millions of times. */
const KEY_BYTES = new Map<string, Uint8Array>();
const KEY_CACHE_MAX = 4096;
const NULL_BYTES = ASCII.encode('null');
const TRUE_BYTES = ASCII.encode('true');
const FALSE_BYTES = ASCII.encode('false');
/** Slots of JsonByteWriter's table of recent non-integer texts (a power of 2). */
const FLOAT_SLOTS = 1024;
/** Bytes of frozen flag-name lists already written, by identity (see JsonByteWriter.flagList). */
const FLAG_LIST_BYTES = new WeakMap<object, Uint8Array>();
const FRAME_PROTO: unknown = H2FrameRecord.prototype;
/**
 * `{"number":` and `,"<key>":` for the members of H2FrameRecord, in its order. The first member is
 * always present, so every later key carries its leading comma.
 */
const FRAME_KEYS = {
  number: ASCII.encode('{"number":'),
  ...(Object.fromEntries(
    [
      'connection',
      'stream',
      'type',
      'typeId',
      'flags',
      'flagsRaw',
      'length',
      'dir',
      'tS',
      'packets',
      'line',
      'info',
      'headers',
    ].map((k) => [k, ASCII.encode(`,"${k}":`)]),
  ) as Record<Exclude<keyof H2FrameRecord, 'number'>, Uint8Array>),
};
/** Bytes of header lists already written, by array identity (see JsonByteWriter.pairList). */
const PAIR_LIST_BYTES = new WeakMap<object, Uint8Array>();

/**
 * The compact document (exactly JSON.stringify(toTraceJson(trace), replacer)) as UTF-8 bytes, in
 * fresh chunks of about 1 MB that the caller may keep (a stream's write queue does). Written by
 * hand rather than by JSON.stringify: the engine's text then had to be flattened and encoded to
 * UTF-8 again for the write, and the two together took longer than the whole HTTP/2 analysis of a
 * request-heavy capture. Plain ASCII strings (nearly all: ids, header names, paths) are copied
 * byte by byte; anything needing an escape or UTF-8 goes through JSON.stringify and TextEncoder;
 * header lists shared by HPACK are written once. Key order, omitted undefined members, null in
 * arrays and the number rule are JSON.stringify's; lib/json.test.ts compares the two on every
 * sample and corpus capture.
 */
export function* traceJsonBytes(
  trace: Trace,
  chunkBytes = CHUNK_BYTES,
): Generator<Uint8Array, void, undefined> {
  const w = new JsonByteWriter(chunkBytes);
  const doc = toTraceJson(trace);
  w.byte(0x7b);
  let first = true;
  for (const key of Object.keys(doc)) {
    const v = doc[key];
    if (!hasJsonForm(v)) continue;
    if (!first) w.byte(0x2c);
    first = false;
    w.key(key);
    if (Array.isArray(v)) {
      w.byte(0x5b);
      for (let i = 0; i < v.length; i++) {
        if (i > 0) w.byte(0x2c);
        w.value(v[i]);
        if (w.full()) yield* w.take();
      }
      w.byte(0x5d);
    } else w.value(v);
    if (w.full()) yield* w.take();
  }
  w.byte(0x7d);
  yield* w.take(true);
}

/** Digits of a non-negative int32 of 10 or more. */
function decimalDigits(x: number): number {
  if (x < 100) return 2;
  if (x < 1000) return 3;
  if (x < 10000) return 4;
  if (x < 100000) return 5;
  if (x < 1000000) return 6;
  if (x < 10000000) return 7;
  if (x < 100000000) return 8;
  if (x < 1000000000) return 9;
  return 10;
}

function hasJsonForm(v: unknown): boolean {
  return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
}

function isStringPair(v: unknown): boolean {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string';
}

class JsonByteWriter {
  private buf: Uint8Array;
  private pos = 0;
  private done: Uint8Array[] = [];
  /** Texts of recently written non-integers (see number). */
  private readonly floatKeys = new Float64Array(FLOAT_SLOTS).fill(NaN);
  private readonly floatTexts: string[] = new Array<string>(FLOAT_SLOTS).fill('');

  constructor(private readonly size: number) {
    this.buf = new Uint8Array(size);
  }

  full(): boolean {
    return this.done.length > 0;
  }

  /** The finished chunks (and with `all`, the one being filled). */
  *take(all = false): Generator<Uint8Array, void, undefined> {
    if (all && this.pos > 0) {
      this.done.push(this.buf.subarray(0, this.pos));
      this.pos = 0;
    }
    const out = this.done;
    this.done = [];
    yield* out;
  }

  /** Room for `n` more bytes: a full chunk is set aside and a new one started. */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) this.done.push(this.buf.subarray(0, this.pos));
    this.buf = new Uint8Array(Math.max(this.size, n));
    this.pos = 0;
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.room(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    // Keys and literals are a few bytes: a loop is cheaper than TypedArray.set's call for them.
    if (n <= 32) {
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) buf[p++] = b[i];
      this.pos = p;
      return;
    }
    this.buf.set(b, this.pos);
    this.pos += n;
  }

  key(k: string): void {
    let b = KEY_BYTES.get(k);
    if (!b) {
      b = ASCII.encode(JSON.stringify(k) + ':');
      if (KEY_BYTES.size < KEY_CACHE_MAX) KEY_BYTES.set(k, b);
    }
    this.bytes(b);
  }

  string(s: string): void {
    const n = s.length;
    // Room for the plain path: every char one byte, plus the quotes.
    this.room(n + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = Q;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === Q || c === BACKSLASH) return this.escapedString(s);
      buf[p++] = c;
    }
    buf[p++] = Q;
    this.pos = p;
  }

  /** A string with escapes or non-ASCII: JSON.stringify's escaping, then UTF-8 (at most 3 bytes a UTF-16 unit). */
  private escapedString(s: string): void {
    const t = JSON.stringify(s);
    this.room(t.length * 3);
    const r = ASCII.encodeInto(t, this.buf.subarray(this.pos));
    this.pos += r.written;
  }

  number(v: number): void {
    if (!Number.isFinite(v)) return this.bytes(NULL_BYTES);
    if (Number.isInteger(v) && v >= 0 && v < 1e15) {
      // Digits written directly: integers (packet and frame numbers, lengths) are most numbers.
      this.room(16);
      const buf = this.buf;
      if (v < 10) {
        buf[this.pos++] = 0x30 + v;
        return;
      }
      if (v <= 0x7fffffff) {
        // Small integers (nearly all): int32 arithmetic throughout (a division by 10 becomes a
        // multiplication), the digit count by comparison.
        let x = v | 0;
        const digits = decimalDigits(x);
        let p = this.pos + digits;
        this.pos = p;
        do {
          const q = (x / 10) | 0;
          buf[--p] = 0x30 + (x - q * 10);
          x = q;
        } while (x > 0);
        return;
      }
      let digits = 1;
      for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
      const end = this.pos + digits;
      let p = end;
      for (let x = v; p > end - digits; x = Math.floor(x / 10)) buf[--p] = 0x30 + (x % 10);
      this.pos = end;
      return;
    }
    // The number rule of the document (replacer above): non-integers rounded to 1 ns. A time is
    // written many times over (a frame's tS is its stream's startS, endS, responseS...): the last
    // texts are kept in a small table indexed by the value's microseconds.
    const slot = Math.trunc(v * 1e6) & (FLOAT_SLOTS - 1);
    let t: string;
    if (this.floatKeys[slot] === v) t = this.floatTexts[slot];
    else {
      t = String(Number.isInteger(v) ? v : Math.round(v * 1e9) / 1e9);
      this.floatKeys[slot] = v;
      this.floatTexts[slot] = t;
    }
    this.room(t.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < t.length; i++) buf[p++] = t.charCodeAt(i);
    this.pos = p;
  }

  /** Any JSON value, as JSON.stringify(v, replacer) writes it. */
  value(v: unknown): void {
    switch (typeof v) {
      case 'string':
        return this.string(v);
      case 'number':
        return this.number(v);
      case 'boolean':
        return this.bytes(v ? TRUE_BYTES : FALSE_BYTES);
      case 'object':
        if (v === null) return this.bytes(NULL_BYTES);
        if (Array.isArray(v)) return this.array(v);
        if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return this.viaEngine(v);
        return this.object(v as Record<string, unknown>);
      case 'bigint':
        // JSON.stringify throws on BigInt; so does this, with the engine's message.
        JSON.stringify(v);
        return;
      default:
        // undefined, functions and symbols: null inside arrays (objects leave them out).
        return this.bytes(NULL_BYTES);
    }
  }

  private array(a: readonly unknown[]): void {
    if (a.length > 0 && isStringPair(a[0])) return this.pairList(a);
    this.byte(0x5b);
    for (let i = 0; i < a.length; i++) {
      if (i > 0) this.byte(0x2c);
      this.value(a[i]);
    }
    this.byte(0x5d);
  }

  /**
   * A list of string pairs (a header list): its bytes are kept by identity, since HPACK shares
   * one array per distinct list (lib/http2/hpack.ts internHeaderList) and a stream's request and
   * response headers also appear on the frames that carried them.
   */
  private pairList(a: readonly unknown[]): void {
    const known = PAIR_LIST_BYTES.get(a);
    if (known) return this.bytes(known);
    const startBuf = this.buf;
    const start = this.pos;
    let pairs = true;
    this.byte(0x5b);
    for (let i = 0; i < a.length; i++) {
      if (i > 0) this.byte(0x2c);
      const e = a[i];
      if (pairs && !isStringPair(e)) pairs = false;
      this.value(e);
    }
    this.byte(0x5d);
    // Kept only when every element was a pair of strings and the text did not straddle chunks.
    if (pairs && this.buf === startBuf) PAIR_LIST_BYTES.set(a, this.buf.slice(start, this.pos));
  }

  private object(o: Record<string, unknown>): void {
    const proto: unknown = Object.getPrototypeOf(o);
    if (proto === FRAME_PROTO) return this.frame(o as unknown as H2FrameRecord);
    this.byte(0x7b);
    let first = true;
    if (proto === Object.prototype || proto === null) {
      // A plain object (nearly every one in a Trace): for-in walks its own keys in Object.keys
      // order (it has no enumerable inherited ones) without allocating the keys array per object,
      // which was a good part of the garbage of writing millions of frames.
      for (const k in o) {
        const v = o[k];
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        if (!first) this.byte(0x2c);
        first = false;
        this.key(k);
        this.value(v);
      }
    } else {
      for (const k of Object.keys(o)) {
        const v = o[k];
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        if (!first) this.byte(0x2c);
        first = false;
        this.key(k);
        this.value(v);
      }
    }
    this.byte(0x7d);
  }

  /**
   * An HTTP/2 frame made by the session: its members in their fixed order (H2FrameRecord), each
   * written as object() would write it, without walking the keys or looking their bytes up.
   */
  private frame(f: H2FrameRecord): void {
    this.bytes(FRAME_KEYS.number);
    this.number(f.number);
    this.bytes(FRAME_KEYS.connection);
    this.value(f.connection);
    this.bytes(FRAME_KEYS.stream);
    this.value(f.stream);
    this.bytes(FRAME_KEYS.type);
    this.value(f.type);
    this.bytes(FRAME_KEYS.typeId);
    this.value(f.typeId);
    this.bytes(FRAME_KEYS.flags);
    this.flagList(f.flags);
    this.bytes(FRAME_KEYS.flagsRaw);
    this.value(f.flagsRaw);
    this.bytes(FRAME_KEYS.length);
    this.value(f.length);
    this.bytes(FRAME_KEYS.dir);
    this.value(f.dir);
    this.bytes(FRAME_KEYS.tS);
    this.value(f.tS);
    this.bytes(FRAME_KEYS.packets);
    this.value(f.packets);
    if (hasJsonForm(f.line)) {
      this.bytes(FRAME_KEYS.line);
      this.value(f.line);
    }
    if (hasJsonForm(f.info)) {
      this.bytes(FRAME_KEYS.info);
      this.value(f.info);
    }
    if (hasJsonForm(f.headers)) {
      this.bytes(FRAME_KEYS.headers);
      this.value(f.headers);
    }
    this.byte(0x7d);
  }

  /**
   * A frame's flag names: the session shares one frozen array per type and flags
   * (frameFlagNames), so their text is kept by identity.
   */
  private flagList(a: unknown): void {
    if (!Array.isArray(a) || !Object.isFrozen(a)) return this.value(a);
    let b = FLAG_LIST_BYTES.get(a);
    if (!b) {
      b = ASCII.encode(JSON.stringify(a));
      FLAG_LIST_BYTES.set(a, b);
    }
    this.bytes(b);
  }

  /** Objects with toJSON (none in a Trace today): the engine's own text. */
  private viaEngine(v: unknown): void {
    const t = JSON.stringify(v, replacer);
    this.bytes(ASCII.encode(t));
  }
}

/** Serializes with finite numbers only (NaN/Infinity become null) and rounded times (1 ns). */
export function stringifyTrace(trace: Trace, indent = 2): string {
  const parts: string[] = [];
  writeTraceJson(trace, (c) => parts.push(c), indent);
  return parts.join('');
}

/**
 * Exactly the text of JSON.stringify(value, replacer, indent), in pieces of about `pieceChars`:
 * for documents built of many small values (the correlation's per-packet columns) whose single
 * string, plus its UTF-8 copy for the write, would hold the whole document in memory twice.
 * Objects and arrays are laid out here, with JSON.stringify's key order, omissions and
 * indentation; everything else is the engine's own text.
 */
export function* jsonPieces(
  value: unknown,
  replacer?: (key: string, value: unknown) => unknown,
  indent?: number,
  pieceChars = 1 << 20,
): Generator<string, void, undefined> {
  const gap = ' '.repeat(Math.max(0, Math.min(10, Math.floor(indent ?? 0))));
  let buf = '';
  const apply = (holder: unknown, key: string, v: unknown): unknown => {
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function')
      v = (v as { toJSON: (k: string) => unknown }).toJSON(key);
    return replacer ? replacer.call(holder, key, v) : v;
  };
  function* write(v: unknown, depth: string): Generator<string, void, undefined> {
    if (
      v === null ||
      typeof v !== 'object' ||
      v instanceof Number ||
      v instanceof String ||
      v instanceof Boolean
    ) {
      buf += JSON.stringify(v) ?? 'null';
    } else if (Array.isArray(v)) {
      if (v.length === 0) {
        buf += '[]';
        return;
      }
      const inner = depth + gap;
      buf += '[';
      for (let i = 0; i < v.length; i++) {
        if (i > 0) buf += ',';
        if (gap) buf += '\n' + inner;
        const e = apply(v, String(i), v[i]);
        if (!hasJsonForm(e)) buf += 'null';
        else yield* write(e, inner);
        if (buf.length >= pieceChars) {
          yield buf;
          buf = '';
        }
      }
      buf += (gap ? '\n' + depth : '') + ']';
    } else {
      const inner = depth + gap;
      let first = true;
      buf += '{';
      for (const k of Object.keys(v)) {
        const e = apply(v, k, (v as Record<string, unknown>)[k]);
        if (!hasJsonForm(e)) continue;
        buf += (first ? '' : ',') + (gap ? '\n' + inner : '') + JSON.stringify(k) + (gap ? ': ' : ':');
        first = false;
        yield* write(e, inner);
        if (buf.length >= pieceChars) {
          yield buf;
          buf = '';
        }
      }
      buf += first ? '}' : (gap ? '\n' + depth : '') + '}';
    }
  }
  const root = apply({ '': value }, '', value);
  if (!hasJsonForm(root)) return;
  yield* write(root, '');
  yield buf;
}
