// The trace's parts packed into two typed arrays (plus their strings and object layouts) for the
// trip from the analysis worker to the page. A structured clone would do, but Chromium keeps each
// message's serialized bytes until its MessageEvent is garbage-collected, long after the page has
// read it: memory-infra dumps of the 2.24 GB bench capture (404,000 HTTP/2 streams) showed the
// renderer's buffer partition at 318 MB when the last part arrived, about the size of every
// part's clone together. Typed arrays are transferred instead, and the page hands them back to the
// worker once a part is read (messages.ts PartsTaken), so the bytes a part takes are freed then,
// not at the next full collection. A clone also writes every object's keys again; here each
// object layout is written once per part.
//
// The values are those of a trace (JSON-like: plain objects, arrays, strings, numbers, booleans,
// null, undefined); an unpacked value equals the packed one as a structured clone would (keys in
// their order, undefined members kept, -0 and NaN kept), and an array or object met twice in one
// part (a shared header list, pair or flag list: see transfer.ts Interner) is one after unpacking.

/** One tag a value, in `tags`; the number a tag carries (value, index, length) goes in `nums`. */
const NULL = 0;
const UNDEFINED = 1;
const TRUE = 2;
const FALSE = 3;
/** nums: the number. */
const NUMBER = 4;
/** nums: a 32-bit integer (not -0), read back with `| 0`: a small integer in V8, not a boxed double. */
const INT = 10;
/** nums: index in `strings`. */
const STRING = 5;
/** nums: length; the elements follow. */
const ARRAY = 6;
/** nums: index among the part's arrays and objects, in the order they were written. */
const SAME = 8;
/** nums: index in `layouts` (the object's keys, in order); the values follow in that order. */
const OBJECT = 9;

export interface PackedValue {
  tags: Uint8Array;
  nums: Float64Array;
  strings: string[];
  layouts: string[][];
}

/** Arrays to pack into, reused: the page hands each part's arrays back (buffers of transfer). */
export interface PackBuffers {
  tags: ArrayBuffer;
  nums: ArrayBuffer;
}

/**
 * Packs `value` into `buffers` (grown when too small: the returned views' buffers are the ones to
 * transfer). Class instances are packed as the plain objects of their own enumerable keys.
 */
export function pack(value: unknown, buffers?: PackBuffers): PackedValue {
  let tags = new Uint8Array(buffers?.tags ?? new ArrayBuffer(1 << 16));
  let nums = new Float64Array(buffers?.nums ?? new ArrayBuffer(8 << 16));
  let t = 0;
  let n = 0;
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const layouts: string[][] = [];
  /** Layouts by their first key (most objects of a part share a few layouts). */
  const layoutsByFirst = new Map<string, number[]>();
  // Compared key by key rather than looked up by joined keys: no string made per object.
  const layoutOf = (keys: string[]): number => {
    const first = keys.length ? keys[0] : '';
    let candidates = layoutsByFirst.get(first);
    if (!candidates) layoutsByFirst.set(first, (candidates = []));
    for (const li of candidates) {
      const l = layouts[li];
      if (l.length !== keys.length) continue;
      let i = 1;
      while (i < l.length && l[i] === keys[i]) i++;
      if (i >= l.length) return li;
    }
    layouts.push(keys);
    candidates.push(layouts.length - 1);
    return layouts.length - 1;
  };
  const written = new Map<object, number>();

  const put = (tag: number, num: number) => {
    if (t === tags.length) {
      const g = new Uint8Array(tags.length * 2);
      g.set(tags);
      tags = g;
    }
    tags[t++] = tag;
    if (tag === NULL || tag === UNDEFINED || tag === TRUE || tag === FALSE) return;
    if (n === nums.length) {
      const g = new Float64Array(nums.length * 2);
      g.set(nums);
      nums = g;
    }
    nums[n++] = num;
  };

  const write = (v: unknown): void => {
    switch (typeof v) {
      case 'number':
        put((v | 0) === v && !Object.is(v, -0) ? INT : NUMBER, v);
        return;
      case 'string': {
        let i = stringIndex.get(v);
        if (i === undefined) {
          i = strings.length;
          strings.push(v);
          stringIndex.set(v, i);
        }
        put(STRING, i);
        return;
      }
      case 'boolean':
        put(v ? TRUE : FALSE, 0);
        return;
      case 'undefined':
        put(UNDEFINED, 0);
        return;
      case 'object':
        break;
      default:
        throw new Error(`cannot pack a ${typeof v}`);
    }
    if (v === null) {
      put(NULL, 0);
      return;
    }
    const seen = written.get(v);
    if (seen !== undefined) {
      put(SAME, seen);
      return;
    }
    written.set(v, written.size);
    if (Array.isArray(v)) {
      put(ARRAY, v.length);
      for (let i = 0; i < v.length; i++) write(v[i]);
      return;
    }
    if (ArrayBuffer.isView(v)) throw new Error('cannot pack a typed array');
    const keys = Object.keys(v);
    const li = layoutOf(keys);
    put(OBJECT, li);
    const o = v as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) write(o[keys[i]]);
  };

  write(value);
  return { tags: tags.subarray(0, t), nums: nums.subarray(0, n), strings, layouts };
}

/**
 * An object with `keys` (null values) to copy for each object of that layout. Adding the keys one
 * by one to an empty object, by computed names, makes V8 switch an object of more than about a
 * dozen properties (a stream has 27) to a dictionary of its properties: about 2.5x the memory of
 * the structured clone's objects (80,800 streams: 222 MB of page heap against 87, in Node). JSON.parse
 * gives an object whose layout (hidden class) holds every key in the object itself, and a spread
 * copy keeps that layout; the values are then stored into keys that already exist.
 */
function template(keys: string[]): Record<string, unknown> {
  return JSON.parse(JSON.stringify(Object.fromEntries(keys.map((k) => [k, null])))) as Record<
    string,
    unknown
  >;
}

/** The value `pack` packed. */
export function unpack(p: PackedValue): unknown {
  const { tags, nums, strings, layouts } = p;
  let t = 0;
  let n = 0;
  const written: unknown[] = [];
  const templates = layouts.map(template);
  const read = (): unknown => {
    const tag = tags[t++];
    switch (tag) {
      case NULL:
        return null;
      case UNDEFINED:
        return undefined;
      case TRUE:
        return true;
      case FALSE:
        return false;
      case NUMBER:
        return nums[n++];
      case INT:
        return nums[n++] | 0;
      case STRING:
        return strings[nums[n++]];
      case ARRAY: {
        const len = nums[n++];
        // Made at its length: pushing onto [] leaves room for 16 more elements, and most arrays
        // here hold one or two (a frame's packets, a header pair).
        const a: unknown[] = new Array<unknown>(len);
        written.push(a);
        for (let i = 0; i < len; i++) a[i] = read();
        return a;
      }
      case SAME:
        return written[nums[n++]];
      case OBJECT: {
        const li = nums[n++];
        const keys = layouts[li];
        const o: Record<string, unknown> = { ...templates[li] };
        written.push(o);
        for (let i = 0; i < keys.length; i++) o[keys[i]] = read();
        return o;
      }
      default:
        throw new Error(`bad packed value: tag ${tag} at ${t - 1}`);
    }
  };
  const v = read();
  if (t !== tags.length || n !== nums.length) throw new Error('bad packed value: trailing data');
  return v;
}
