/**
 * The trace document as an Apache Arrow IPC file (see README.md beside this file for why Arrow and
 * how to read it with DuckDB or pandas).
 *
 * Layout: one record batch of one row. Column `strings` (List<Utf8>) is the string dictionary; every
 * other column is one table of the columnar model (columns.ts) as List<Struct<...>>: `streams`,
 * `frames`, `connections`, `exchanges`, `findings`, `h2`, `headerLists`, `headerFields`, the list
 * side tables (`frames.packets`, ...) and `packets`. Struct fields are the model's columns with
 * their narrowed integer or Float64 types; a number column's nulls are the Arrow validity bitmap.
 * String-valued fields hold an index into `strings` (-1 = null). The schema's metadata carries
 * `tracelens.head` (input, options, tool, version: JSON), `tracelens.document` (layout version) and
 * `tracelens.strings` (which fields are string indices, by table: JSON).
 *
 * Reading is zero-copy: the model's columns are views of the IPC buffers (apache-arrow's reader
 * copies a buffer only when it is misaligned); strings are decoded one at a time when first used.
 */
import {
  Data,
  Field,
  Float64,
  Int8,
  Int16,
  Int32,
  List,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Uint8,
  Uint16,
  Uint32,
  Utf8,
  makeData,
  tableFromIPC,
  tableToIPC,
  type DataType,
} from 'apache-arrow';
import {
  EXTRA,
  HEADER_FIELDS,
  SHAPE,
  type Column,
  type ColumnTable,
  type StringDictionary,
  type TraceColumns,
} from './columns';
import { LAYOUTS, type Layout, type TableName } from './schema';
import { DocumentError } from './reader';

export const DOCUMENT_VERSION = '1';
export const ARROW_MAGIC = 'ARROW1';

function arrowType(c: Column): DataType {
  if (c instanceof Float64Array) return new Float64();
  if (c instanceof Uint32Array) return new Uint32();
  if (c instanceof Int32Array) return new Int32();
  if (c instanceof Uint16Array) return new Uint16();
  if (c instanceof Int16Array) return new Int16();
  if (c instanceof Int8Array) return new Int8();
  return new Uint8();
}

/** Fields of a layout whose columns hold string indices (str, json, shapes). */
function stringFields(layout: Layout, prefix = ''): string[] {
  const out = [prefix + SHAPE];
  for (const [k, kind] of Object.entries(layout)) {
    if (kind === 'str' || kind === 'json') out.push(prefix + k);
    else if (typeof kind === 'object' && 'obj' in kind) out.push(...stringFields(kind.obj, `${prefix}${k}.`));
  }
  return out;
}

/** Table -> its string-index columns: written to the metadata so that other readers can resolve them. */
export function stringColumns(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [t, layout] of Object.entries(LAYOUTS) as [TableName, Layout][])
    out[t] = [...stringFields(layout), EXTRA];
  out[HEADER_FIELDS] = ['name', 'value'];
  return out;
}

function bitmap(valid: Uint8Array): { bits: Uint8Array; nulls: number } {
  const bits = new Uint8Array((valid.length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < valid.length; i++) {
    if (valid[i]) bits[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return { bits, nulls };
}

function tableData(t: ColumnTable): { type: List; data: Data<List> } {
  const fields: Field[] = [];
  const children: Data[] = [];
  for (const [name, col] of Object.entries(t.columns)) {
    if (name.endsWith('.valid') && t.columns[name.slice(0, -6)]) continue;
    const type = arrowType(col);
    const valid = t.columns[`${name}.valid`];
    const nb = valid ? bitmap(valid as Uint8Array) : null;
    fields.push(new Field(name, type, nb !== null));
    children.push(
      makeData({
        type,
        length: t.length,
        nullCount: nb?.nulls ?? 0,
        nullBitmap: nb?.bits,
        data: col,
      } as Parameters<typeof makeData>[0]) as Data,
    );
  }
  const struct = new Struct(fields);
  const rows = makeData({ type: struct, length: t.length, nullCount: 0, children });
  const type = new List(new Field('item', struct, false));
  const data = makeData({
    type,
    length: 1,
    nullCount: 0,
    valueOffsets: new Int32Array([0, t.length]),
    child: rows,
  });
  return { type, data };
}

function stringsData(s: StringDictionary): { type: List; data: Data<List> } {
  const enc = new TextEncoder();
  const offsets = new Int32Array(s.length + 1);
  let bytes = new Uint8Array(Math.max(1024, s.length * 16));
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s.get(i);
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (o + v.length * 3 > bytes.length) {
      const b = new Uint8Array(Math.max(bytes.length * 2, o + v.length * 3));
      b.set(bytes.subarray(0, o));
      bytes = b;
    }
    o += enc.encodeInto(v, bytes.subarray(o)).written;
    offsets[i + 1] = o;
  }
  if (o > 0x7fffffff) throw new Error('the string dictionary exceeds 2 GiB');
  const utf8 = makeData({
    type: new Utf8(),
    length: s.length,
    nullCount: 0,
    valueOffsets: offsets,
    data: bytes.subarray(0, o),
  });
  const type = new List(new Field('item', new Utf8(), false));
  const data = makeData({
    type,
    length: 1,
    nullCount: 0,
    valueOffsets: new Int32Array([0, s.length]),
    child: utf8,
  });
  return { type, data };
}

/** The columns as one Arrow IPC file. */
export function encodeArrow(cols: TraceColumns): Uint8Array {
  const fields: Field[] = [];
  const children: Data[] = [];
  const add = (name: string, x: { type: List; data: Data<List> }) => {
    fields.push(new Field(name, x.type, false));
    children.push(x.data);
  };
  add('strings', stringsData(cols.strings));
  for (const [name, t] of Object.entries(cols.tables)) add(name, tableData(t));
  const metadata = new Map([
    ['tracelens.document', DOCUMENT_VERSION],
    ['tracelens.head', cols.head],
    ['tracelens.strings', JSON.stringify(stringColumns())],
  ]);
  const schema = new Schema(fields, metadata);
  const batch = new RecordBatch(
    schema,
    makeData({ type: new Struct(fields), length: 1, nullCount: 0, children }),
  );
  return tableToIPC(new Table([batch]), 'file');
}

/** Strings decoded from the IPC buffer when first read (reader.ts caches them). */
class ArrowStrings implements StringDictionary {
  private readonly dec = new TextDecoder();
  constructor(
    private readonly offsets: Int32Array,
    private readonly bytes: Uint8Array,
    readonly length: number,
    private readonly base: number,
  ) {}
  get(i: number): string {
    const j = this.base + i;
    return this.dec.decode(this.bytes.subarray(this.offsets[j], this.offsets[j + 1]));
  }
}

/** Whether `bytes` starts like an Arrow IPC file. */
export function isArrowFile(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < ARROW_MAGIC.length; i++) if (bytes[i] !== ARROW_MAGIC.charCodeAt(i)) return false;
  return true;
}

/** Reads a document written by encodeArrow; throws DocumentError on anything else. */
export function decodeArrow(bytes: Uint8Array): TraceColumns {
  if (!isArrowFile(bytes)) throw new DocumentError('not an Arrow IPC file');
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new DocumentError(`unreadable Arrow IPC file: ${e instanceof Error ? e.message : String(e)}`);
  }
  const meta = table.schema.metadata;
  const head = meta.get('tracelens.head');
  if (!head || meta.get('tracelens.document') !== DOCUMENT_VERSION)
    throw new DocumentError('not a tracelens trace document (or of another version)');
  if (table.numRows !== 1 || table.batches.length !== 1)
    throw new DocumentError('a trace document has one row');
  const batch = table.batches[0];
  let strings: StringDictionary | null = null;
  const tables: Record<string, ColumnTable> = {};
  for (const field of table.schema.fields) {
    const list = batch.getChild(field.name)?.data[0];
    if (!list || !list.valueOffsets || list.children.length !== 1)
      throw new DocumentError(`column ${field.name} is not a list`);
    const from = list.valueOffsets[list.offset];
    const to = list.valueOffsets[list.offset + 1];
    const rows = list.children[0];
    const length = to - from;
    if (field.name === 'strings') {
      if (!rows.valueOffsets || !(rows.values instanceof Uint8Array))
        throw new DocumentError('strings are not UTF-8');
      strings = new ArrowStrings(rows.valueOffsets as Int32Array, rows.values, length, rows.offset + from);
      continue;
    }
    const columns: Record<string, Column> = {};
    const struct = rows.type as Struct;
    struct.children.forEach((f, k) => {
      const d = rows.children[k];
      const start = d.offset + from;
      const values = d.values as Column;
      if (!ArrayBuffer.isView(values) || values.length < start + length)
        throw new DocumentError(`column ${field.name}.${f.name} is short`);
      columns[f.name] = values.subarray(start, start + length);
      if (d.nullCount > 0 && d.nullBitmap) {
        const valid = new Uint8Array(length);
        for (let i = 0; i < length; i++) {
          const b = d.offset + from + i;
          valid[i] = (d.nullBitmap[b >> 3] >> (b & 7)) & 1;
        }
        columns[`${f.name}.valid`] = valid;
      }
    });
    tables[field.name] = { length, columns };
  }
  if (!strings) throw new DocumentError('the document has no strings');
  return { head, strings, tables };
}
