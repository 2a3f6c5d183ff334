/**
 * HPACK header block decoder (RFC 7541). One decoder per direction per connection; it holds that
 * direction's dynamic table. Errors throw HpackError with the byte offset in the block; after an
 * error the table state is unknown, so the decoder marks itself broken and refuses later blocks
 * (the caller reports them as undecodable rather than showing wrong headers).
 *
 * After a capture gap (forgetTable) the entries inserted by lost header blocks are unknown, but
 * the table is not lost for good: entries inserted after the gap are the newest, hence indices
 * 62.. of the real table too, and the encoder never refers to entries it has evicted. A field that
 * refers to an entry older than the gap is unknown: it is left out of the list and counted in
 * `unknownFields`, and the rest of the block (with its insertions) is still decoded. A size
 * update to 0 empties the table and makes it fully known again.
 */
import { huffmanDecodeInto } from './huffman';

export type HeaderList = [string, string][];

export class HpackError extends Error {
  constructor(
    message: string,
    /** Offset in the header block where decoding failed. */
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = 'HpackError';
  }
}

// prettier-ignore
export const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''],
  ['etag', ''], ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''],
  ['if-modified-since', ''], ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''],
  ['last-modified', ''], ['link', ''], ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''],
  ['proxy-authorization', ''], ['range', ''], ['referer', ''], ['refresh', ''], ['retry-after', ''],
  ['server', ''], ['set-cookie', ''], ['strict-transport-security', ''], ['transfer-encoding', ''],
  ['user-agent', ''], ['vary', ''], ['via', ''], ['www-authenticate', ''],
];
const STATIC_LEN = STATIC_TABLE.length; // 61

/** Per-entry overhead in table size accounting (RFC 7541 §4.1). */
const ENTRY_OVERHEAD = 32;

const utf8 = new TextDecoder('utf-8');

/** Recently decoded short ASCII strings, by a hash of their bytes (see bytesToString). */
const STRING_CACHE_SIZE = 4096;
const STRING_CACHE_MAX_LENGTH = 64;
const stringCache: (string | undefined)[] = new Array<string | undefined>(STRING_CACHE_SIZE).fill(undefined);

/**
 * Strings are decoded as UTF-8. Short ASCII strings (nearly all header names and values) come from
 * a small cache when the same bytes were decoded recently: a request-heavy capture repeats the same
 * paths, dates and server names thousands of times, and one shared string each costs no
 * allocation, makes equal header lists compare by identity (internHeaderList) and keeps the
 * analysis's memory down. A cached string is checked against the bytes before it is used.
 */
function bytesToString(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= STRING_CACHE_MAX_LENGTH) {
    let h = n;
    let ascii = true;
    for (let i = start; i < end; i++) {
      const c = b[i];
      if (c > 0x7f) {
        ascii = false;
        break;
      }
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (ascii) {
      const slot = (h ^ (h >>> 15)) & (STRING_CACHE_SIZE - 1);
      const known = stringCache[slot];
      if (known !== undefined && known.length === n) {
        let same = true;
        for (let i = 0; i < n; i++) {
          if (known.charCodeAt(i) !== b[start + i]) {
            same = false;
            break;
          }
        }
        if (same) return known;
      }
      // One flat string (a character-by-character concatenation makes a rope the first reader
      // must flatten).
      const s = String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
      stringCache[slot] = s;
      return s;
    }
  }
  return utf8.decode(b.subarray(start, end));
}

export class DynamicTable {
  /** Newest first: entries[0] is index 62. Kept as a ring would be faster; tables are small. */
  entries: [string, string][] = [];
  private sizes: number[] = [];
  /** Entries whose name is unknown (inserted after a gap with a reference to a lost entry). */
  private unknownAt = new Set<[string, string]>();
  size = 0;
  maxSize: number;
  /**
   * Entries older than `entries` exist but are unknown (lost with a capture gap). Sizes are then a
   * lower bound, so entries are evicted no sooner than the encoder evicts them.
   */
  olderUnknown = false;
  constructor(maxSize = 4096) {
    this.maxSize = maxSize;
  }
  /** Inserts an entry and returns it (the decoder puts the same pair in the header list). */
  add(name: string, value: string, octets: number, known = true): [string, string] {
    const e: [string, string] = [name, value];
    this.entries.unshift(e);
    if (!known) this.unknownAt.add(e);
    this.sizes.unshift(octets + ENTRY_OVERHEAD);
    this.size += octets + ENTRY_OVERHEAD;
    this.evict();
    return e;
  }
  /** The entry at dynamic index i (0 = newest), or null when it is unknown (capture gap). */
  get(i: number): [string, string] | null | undefined {
    const e = this.entries[i];
    if (!e) return this.olderUnknown ? null : undefined;
    // Unknown entries exist only after a capture gap: no set lookup per field otherwise.
    return this.unknownAt.size > 0 && this.unknownAt.has(e) ? null : e;
  }
  setMax(max: number): void {
    this.maxSize = max;
    this.evict();
    if (max === 0) this.olderUnknown = false;
  }
  /** A capture gap: the entries are unknown from here on (see the file comment). */
  forget(): void {
    this.entries = [];
    this.sizes = [];
    this.unknownAt.clear();
    this.size = 0;
    this.olderUnknown = true;
  }
  private evict(): void {
    while (this.size > this.maxSize && this.entries.length > 0) {
      const e = this.entries.pop() as [string, string];
      this.unknownAt.delete(e);
      this.size -= this.sizes.pop() ?? 0;
    }
  }
}

export class HpackDecoder {
  readonly table: DynamicTable;
  /** The largest table size the decoder's side allowed (its SETTINGS_HEADER_TABLE_SIZE). */
  private allowedMax: number;
  constructor(maxTableSize = 4096) {
    this.table = new DynamicTable(maxTableSize);
    this.allowedMax = maxTableSize;
  }
  broken: string | null = null;
  /** Fields of the last decoded block left out because they referred to unknown entries. */
  unknownFields = 0;
  private scratch = new Uint8Array(256);
  /** Octet lengths of the name and value last read (for table size accounting). */
  private lastOctets = 0;

  /** Our side's SETTINGS_HEADER_TABLE_SIZE took effect (after its ACK): the encoder may use up to this. */
  setAllowedMax(max: number): void {
    // The table itself shrinks only when the encoder sends its size update (§4.2).
    this.allowedMax = max;
  }
  get allowed(): number {
    return this.allowedMax;
  }

  /** A capture gap: header blocks (and their table insertions) may have been lost. */
  forgetTable(): void {
    this.table.forget();
    this.broken = null;
  }

  decode(block: Uint8Array): HeaderList {
    this.unknownFields = 0;
    if (this.broken) throw new HpackError(`decoder state lost earlier (${this.broken})`, 0);
    try {
      return this.decodeBlock(block);
    } catch (e) {
      if (e instanceof HpackError) this.broken = e.message;
      throw e;
    }
  }

  private decodeBlock(b: Uint8Array): HeaderList {
    return internHeaderList(this.decodeFields(b));
  }

  private decodeFields(b: Uint8Array): HeaderList {
    const out: HeaderList = [];
    const pos = { p: 0 };
    let sawField = false;
    while (pos.p < b.length) {
      const start = pos.p;
      const first = b[pos.p];
      if (first & 0x80) {
        const idx = this.readInt(b, pos, 7);
        const e = this.lookup(idx, start);
        if (e) out.push(e);
        else this.unknownFields++;
        sawField = true;
      } else if ((first & 0xe0) === 0x20) {
        if (sawField) throw new HpackError('dynamic table size update after a header field', start);
        const max = this.readInt(b, pos, 5);
        if (max > this.allowedMax)
          throw new HpackError(`table size update ${max} above allowed ${this.allowedMax}`, start);
        this.table.setMax(max);
      } else {
        // Literal: with incremental indexing (01xxxxxx, 6-bit index), without (0000xxxx), never (0001xxxx).
        const indexing = (first & 0xc0) === 0x40;
        const idx = this.readInt(b, pos, indexing ? 6 : 4);
        let name: string | null;
        let nameOctets: number;
        if (idx === 0) {
          name = this.readString(b, pos);
          nameOctets = this.lastOctets;
        } else {
          const e = this.lookup(idx, start);
          name = e ? e[0] : null;
          // An unknown name is at least one octet: sizes stay a lower bound.
          nameOctets = name === null ? 1 : utf8Length(name);
        }
        const value = this.readString(b, pos);
        const valueOctets = this.lastOctets;
        // An indexed literal's pair is the table's entry itself (one array, not two).
        const entry = indexing
          ? this.table.add(name ?? '', value, nameOctets + valueOctets, name !== null)
          : null;
        if (name !== null) out.push(entry ?? [name, value]);
        else this.unknownFields++;
        sawField = true;
      }
    }
    return out;
  }

  /** A table entry; null when it is unknown (lost with a capture gap). */
  private lookup(idx: number, at: number): [string, string] | null {
    if (idx === 0) throw new HpackError('index 0', at);
    // The entry itself, not a copy: decoded header lists are never modified (see internHeaderList).
    if (idx <= STATIC_LEN) return STATIC_TABLE[idx - 1] as [string, string];
    const e = this.table.get(idx - STATIC_LEN - 1);
    if (e === null) return null;
    if (!e)
      throw new HpackError(
        `index ${idx} beyond table (${STATIC_LEN + this.table.entries.length} entries)`,
        at,
      );
    return e;
  }

  /** RFC 7541 §5.1 prefixed integer. */
  private readInt(b: Uint8Array, pos: { p: number }, prefixBits: number): number {
    const start = pos.p;
    const mask = (1 << prefixBits) - 1;
    let v = b[pos.p++] & mask;
    if (v < mask) return v;
    let m = 0;
    for (;;) {
      if (pos.p >= b.length) throw new HpackError('truncated integer', start);
      const c = b[pos.p++];
      v += (c & 0x7f) * 2 ** m;
      m += 7;
      // Nothing in HTTP/2 needs more than 2^32; larger is garbage or an attack.
      if (v > 0xffffffff || m > 35) throw new HpackError('integer overflow', start);
      if ((c & 0x80) === 0) return v;
    }
  }

  private readString(b: Uint8Array, pos: { p: number }): string {
    const start = pos.p;
    if (pos.p >= b.length) throw new HpackError('truncated block (string expected)', start);
    const huff = (b[pos.p] & 0x80) !== 0;
    const len = this.readInt(b, pos, 7);
    const end = pos.p + len;
    if (end > b.length)
      throw new HpackError(`truncated string (${len} bytes, ${b.length - pos.p} left)`, start);
    let s: string;
    if (huff) {
      const need = Math.ceil((len * 8) / 5);
      if (this.scratch.length < need) this.scratch = new Uint8Array(Math.max(need, this.scratch.length * 2));
      const r = huffmanDecodeInto(b, pos.p, end, this.scratch);
      if (!r.ok)
        throw new HpackError(
          r.reason === 'eos' ? 'Huffman EOS or invalid code' : 'bad Huffman padding',
          start,
        );
      s = bytesToString(this.scratch, 0, r.length);
      this.lastOctets = r.length;
    } else {
      s = bytesToString(b, pos.p, end);
      this.lastOctets = len;
    }
    pos.p = end;
    return s;
  }
}

/** Distinct header lists kept for sharing; past this the table starts over (memory stays bounded). */
const INTERN_MAX = 8192;
/** ... and characters in them (the table outlives an analysis: a server worker runs many). */
const INTERN_MAX_CHARS = 4 << 20;
let interned = new Map<number, HeaderList[]>();
let internedCount = 0;
let internedChars = 0;

/**
 * One shared array per distinct decoded header list. A request-heavy capture repeats a handful of
 * lists (the same client, the same paths, the same server answers) tens of thousands of times:
 * shared, they cost one array each instead of one array per pair per stream, and the JSON writer
 * serializes each once (lib/json.ts caches by identity). Callers must therefore never modify a
 * decoded list or its pairs (nothing does: they are facts read off the wire). Identical content
 * gives an identical document whether or not two lists share an array. Lists are found by a hash
 * of their characters and compared pair by pair (no key string is built: that cost more than the
 * HPACK decoding). The table is bounded in lists and characters, since it outlives an analysis.
 */
export function internHeaderList(list: HeaderList): HeaderList {
  const n = list.length;
  if (n === 0) return list;
  let h = n;
  let chars = 0;
  for (let i = 0; i < n; i++) {
    h = hashPair(h, list[i]);
    chars += list[i][0].length + list[i][1].length;
  }
  let bucket = interned.get(h);
  if (bucket) {
    for (const known of bucket) if (sameList(known, list)) return known;
    // A weak hash may put many lists in one bucket: past a few, a list is simply not shared.
    if (bucket.length >= BUCKET_MAX) return list;
  }
  if (internedCount >= INTERN_MAX || internedChars + chars > INTERN_MAX_CHARS) {
    interned = new Map();
    internedCount = 0;
    internedChars = 0;
    bucket = undefined;
  }
  if (bucket) bucket.push(list);
  else interned.set(h, [list]);
  internedCount++;
  internedChars += chars;
  return list;
}

const BUCKET_MAX = 8;

/**
 * A cheap hash of a header pair: the lengths, and of the value its first two and last six
 * characters (where values of the same header differ: paths' query strings, dates' seconds, ids).
 * Equal lists always hash equal; sameList decides.
 */
function hashPair(h: number, [name, value]: [string, string]): number {
  const n = value.length;
  h = Math.imul(h ^ name.length, 0x01000193) ^ name.charCodeAt(name.length - 1);
  h = Math.imul(h ^ n, 0x01000193);
  if (n > 0) h = Math.imul(h ^ value.charCodeAt(0), 0x01000193);
  if (n > 1) h = Math.imul(h ^ value.charCodeAt(1), 0x01000193);
  for (let i = Math.max(2, n - 6); i < n; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  return h | 0;
}

function sameList(a: HeaderList, b: HeaderList): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y && (x[0] !== y[0] || x[1] !== y[1])) return false;
  }
  return true;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3;
  }
  return n;
}
