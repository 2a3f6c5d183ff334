/**
 * A format of our own for the same columns, kept as the yardstick Arrow was measured against
 * (README.md beside this file; scripts/bench-document.mjs): "TLDC", a little-endian u32 version, a
 * u32 length of a JSON directory (head, tables -> columns -> type, byte offset, and the strings'
 * offsets/bytes), then every buffer 8-byte aligned. It is not served or exported: Arrow is.
 */
import {
  ArrayDictionary,
  type Column,
  type ColumnTable,
  type StringDictionary,
  type TraceColumns,
} from './columns';
import { DocumentError } from './reader';

const MAGIC = [0x54, 0x4c, 0x44, 0x43];

const TYPES = {
  f64: Float64Array,
  u32: Uint32Array,
  i32: Int32Array,
  u16: Uint16Array,
  i16: Int16Array,
  u8: Uint8Array,
  i8: Int8Array,
} as const;
type TypeName = keyof typeof TYPES;

function typeName(c: Column): TypeName {
  for (const [k, ctor] of Object.entries(TYPES)) if (c instanceof ctor) return k as TypeName;
  throw new Error('not a column');
}

interface Directory {
  head: string;
  strings: { count: number; offsets: number; bytes: number; byteLength: number };
  tables: Record<string, { length: number; columns: Record<string, { type: TypeName; at: number }> }>;
}

const pad = (n: number) => (n + 7) & ~7;

export function encodeBinary(cols: TraceColumns): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const offsets = new Uint32Array(cols.strings.length + 1);
  const texts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < cols.strings.length; i++) {
    const b = enc.encode(cols.strings.get(i));
    texts.push(b);
    total += b.length;
    offsets[i + 1] = total;
  }
  const strBytes = new Uint8Array(total);
  let o = 0;
  for (const b of texts) {
    strBytes.set(b, o);
    o += b.length;
  }
  let at = 0;
  const place = (b: Uint8Array) => {
    const where = at;
    parts.push(b);
    at += pad(b.byteLength);
    return where;
  };
  const bytesOf = (c: Column) => new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
  const dir: Directory = {
    head: cols.head,
    strings: {
      count: cols.strings.length,
      offsets: place(bytesOf(offsets)),
      bytes: place(strBytes),
      byteLength: total,
    },
    tables: {},
  };
  for (const [name, t] of Object.entries(cols.tables)) {
    const columns: Directory['tables'][string]['columns'] = {};
    for (const [c, v] of Object.entries(t.columns)) columns[c] = { type: typeName(v), at: place(bytesOf(v)) };
    dir.tables[name] = { length: t.length, columns };
  }
  const dirBytes = enc.encode(JSON.stringify(dir));
  const start = pad(12 + dirBytes.length);
  const out = new Uint8Array(start + at);
  out.set(MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, 1, true);
  dv.setUint32(8, dirBytes.length, true);
  out.set(dirBytes, 12);
  let p = start;
  for (const b of parts) {
    out.set(b, p);
    p += pad(b.byteLength);
  }
  return out;
}

class BinaryStrings implements StringDictionary {
  private readonly dec = new TextDecoder();
  constructor(
    private readonly offsets: Uint32Array,
    private readonly bytes: Uint8Array,
    readonly length: number,
  ) {}
  get(i: number): string {
    return this.dec.decode(this.bytes.subarray(this.offsets[i], this.offsets[i + 1]));
  }
}

export function decodeBinary(buf: Uint8Array): TraceColumns {
  if (buf.length < 12 || MAGIC.some((m, i) => buf[i] !== m)) throw new DocumentError('not a TLDC document');
  // Views need alignment: copy once when the caller's bytes are not 8-byte aligned.
  const b = buf.byteOffset % 8 === 0 ? buf : buf.slice();
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = dv.getUint32(8, true);
  let dir: Directory;
  try {
    dir = JSON.parse(new TextDecoder().decode(b.subarray(12, 12 + n))) as Directory;
  } catch {
    throw new DocumentError('the TLDC directory is not JSON');
  }
  const base = b.byteOffset + pad(12 + n);
  const view = <T extends Column>(
    ctor: { new (x: ArrayBufferLike, o: number, l: number): T; BYTES_PER_ELEMENT: number },
    at: number,
    count: number,
  ): T => {
    if (pad(12 + n) + at + count * ctor.BYTES_PER_ELEMENT > b.byteLength)
      throw new DocumentError('truncated TLDC document');
    return new ctor(b.buffer, base + at, count);
  };
  const s = dir.strings;
  const strings =
    s.count === 0
      ? new ArrayDictionary([])
      : new BinaryStrings(
          view(Uint32Array, s.offsets, s.count + 1),
          view(Uint8Array, s.bytes, s.byteLength),
          s.count,
        );
  const tables: Record<string, ColumnTable> = {};
  for (const [name, t] of Object.entries(dir.tables)) {
    const columns: Record<string, Column> = {};
    for (const [c, v] of Object.entries(t.columns)) {
      const ctor = TYPES[v.type] as unknown as {
        new (x: ArrayBufferLike, o: number, l: number): Column;
        BYTES_PER_ELEMENT: number;
      };
      if (!ctor) throw new DocumentError(`column ${name}.${c} has an unknown type`);
      columns[c] = view(ctor, v.at, t.length);
    }
    tables[name] = { length: t.length, columns };
  }
  return { head: dir.head, strings, tables };
}
