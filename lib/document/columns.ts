/**
 * The Trace as columns: every list of records (connections, streams, frames, exchanges, findings,
 * HTTP/2 connection records) becomes a table of typed-array columns, the way lib/packets.ts holds
 * packets; strings go to one dictionary, header lists to one table of distinct lists. A table row
 * costs a few dozen bytes and no objects; reader.ts makes objects for the rows a view asks for.
 *
 * Exactness: `toTraceColumns` then `TraceDocument.toTrace` gives a Trace whose JSON document is the
 * original's, byte for byte (document.test.ts checks it on every sample, lab and corpus capture).
 * For that each row keeps the order of its keys (its "shape", interned in the dictionary) and any
 * value the layout does not foresee (a key it does not know, or a value of another type) in the
 * row's `$extra` JSON.
 */
import type { PacketColumns } from '../packets';
import type { Trace } from '../trace';
import { toTraceJson, replacer } from '../json';
import { LAYOUTS, type FieldKind, type Layout, type TableName } from './schema';

/** A numeric column: the narrowest typed array that holds its values. */
export type Column =
  Float64Array | Uint32Array | Int32Array | Uint16Array | Int16Array | Uint8Array | Int8Array;

export interface ColumnTable {
  length: number;
  columns: Record<string, Column>;
}

/** The strings of a document, by index: an array, or a lazily decoded dictionary (arrow.ts). */
export interface StringDictionary {
  readonly length: number;
  get(i: number): string;
}

export interface TraceColumns {
  /** JSON text of { tool, version, input, options }: small, read whole. */
  head: string;
  strings: StringDictionary;
  /**
   * connections, streams, frames, exchanges, findings, h2, headerLists, headerFields, the side
   * tables of `nums` fields (`frames.packets`, ...), and `packets` (captures only).
   */
  tables: Record<string, ColumnTable>;
}

/** Names of the side tables holding list values: `<table>.<field path>`. */
export const HEADER_LISTS = 'headerLists';
export const HEADER_FIELDS = 'headerFields';
export const HEADER_LIST_ITEMS = 'headerLists.fields';
export const PACKETS = 'packets';

/** Row columns every record table has. */
export const SHAPE = '$shape';
export const EXTRA = '$extra';

export class ArrayDictionary implements StringDictionary {
  constructor(readonly values: string[]) {}
  get length(): number {
    return this.values.length;
  }
  get(i: number): string {
    return this.values[i];
  }
}

/** The smallest typed array holding every value of `v` exactly. */
export function narrow(v: number[]): Column {
  let min = 0;
  let max = 0;
  let ints = true;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isInteger(x) || Object.is(x, -0)) {
      ints = false;
      break;
    }
    if (x < min) min = x;
    else if (x > max) max = x;
  }
  if (ints) {
    if (min >= 0) {
      if (max <= 0xff) return Uint8Array.from(v);
      if (max <= 0xffff) return Uint16Array.from(v);
      if (max <= 0xffffffff) return Uint32Array.from(v);
    } else {
      if (min >= -0x80 && max <= 0x7f) return Int8Array.from(v);
      if (min >= -0x8000 && max <= 0x7fff) return Int16Array.from(v);
      if (min >= -0x80000000 && max <= 0x7fffffff) return Int32Array.from(v);
    }
  }
  return Float64Array.from(v);
}

class Strings {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

class TableBuilder {
  length = 0;
  readonly cols = new Map<string, number[]>();
  private readonly valid = new Map<string, number[]>();
  private extra: number[] | null = null;

  constructor(columns: string[] = []) {
    for (const c of columns) this.cols.set(c, []);
  }

  num(name: string, v: number | null): void {
    const col = this.cols.get(name);
    if (!col) throw new Error(`no column ${name}`);
    let valid = this.valid.get(name);
    if (v === null && !valid) {
      valid = new Array<number>(col.length).fill(1);
      this.valid.set(name, valid);
    }
    col.push(v ?? 0);
    valid?.push(v === null ? 0 : 1);
  }

  /** The row's `$extra` (JSON text id), -1 none: the column exists only once a row needed it. */
  setExtra(row: number, id: number): void {
    if (!this.extra) this.extra = new Array<number>(this.length + 1).fill(-1);
    while (this.extra.length <= row) this.extra.push(-1);
    this.extra[row] = id;
  }

  finish(): ColumnTable {
    const columns: Record<string, Column> = {};
    for (const [k, v] of this.cols) columns[k] = narrow(v);
    for (const [k, v] of this.valid) columns[`${k}.valid`] = Uint8Array.from(v);
    if (this.extra) {
      while (this.extra.length < this.length) this.extra.push(-1);
      columns[EXTRA] = narrow(this.extra);
    }
    return { length: this.length, columns };
  }
}

/** Column names a layout makes (for a record table: with its shape column). */
export function layoutColumns(layout: Layout, prefix = ''): string[] {
  const out: string[] = [prefix + SHAPE];
  for (const [key, kind] of Object.entries(layout)) {
    const name = prefix + key;
    if (typeof kind === 'string') {
      if (kind === 'nums') out.push(`${name}.start`, `${name}.count`);
      else out.push(name);
    } else if ('rows' in kind) out.push(`${name}.start`, `${name}.count`);
    else out.push(name, ...layoutColumns(kind.obj, `${name}.`));
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isHeaderList(v: unknown): v is [string, string][] {
  if (!Array.isArray(v)) return false;
  for (const p of v)
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string')
      return false;
  return true;
}

function fits(kind: FieldKind, v: unknown): boolean {
  if (typeof kind === 'string') {
    switch (kind) {
      case 'num':
        return v === null || typeof v === 'number';
      case 'str':
        return v === null || typeof v === 'string';
      case 'bool':
        return v === null || typeof v === 'boolean';
      case 'json':
        return true;
      case 'headers':
        return v === null || isHeaderList(v);
      case 'nums':
        return v === null || (Array.isArray(v) && v.every((x) => typeof x === 'number'));
    }
  }
  if ('rows' in kind) return Array.isArray(v) && v.every(isPlainObject);
  return v === null || isPlainObject(v);
}

/** Builds the columns of a trace; one instance per document. */
class DocumentBuilder {
  readonly strings = new Strings();
  readonly tables = new Map<string, TableBuilder>();
  private readonly headerIds = new Map<string, number>();
  private readonly fieldIds = new Map<string, number>();
  private readonly shapes = new Map<string, number>();

  constructor() {
    for (const [name, layout] of Object.entries(LAYOUTS))
      this.tables.set(name, new TableBuilder(layoutColumns(layout)));
    this.tables.set(HEADER_LISTS, new TableBuilder(['fields.start', 'fields.count']));
    this.tables.set(HEADER_FIELDS, new TableBuilder(['name', 'value']));
    this.tables.set(HEADER_LIST_ITEMS, new TableBuilder(['value']));
  }

  private side(name: string): TableBuilder {
    let t = this.tables.get(name);
    if (!t) {
      t = new TableBuilder(['value']);
      this.tables.set(name, t);
    }
    return t;
  }

  private json(v: unknown): number {
    // Non-finite numbers and the 1 ns rounding as the document writes them (lib/json.ts).
    return this.strings.id(JSON.stringify(v, replacer) ?? 'null');
  }

  headerList(h: [string, string][]): number {
    let key = '';
    for (const [n, v] of h) key += `${n}\u0000${v}\u0001`;
    let id = this.headerIds.get(key);
    if (id !== undefined) return id;
    const lists = this.tables.get(HEADER_LISTS)!;
    const items = this.tables.get(HEADER_LIST_ITEMS)!;
    const fields = this.tables.get(HEADER_FIELDS)!;
    id = lists.length++;
    this.headerIds.set(key, id);
    lists.num('fields.start', items.length);
    lists.num('fields.count', h.length);
    for (const [n, v] of h) {
      const fk = `${n}\u0000${v}`;
      let f = this.fieldIds.get(fk);
      if (f === undefined) {
        f = fields.length++;
        this.fieldIds.set(fk, f);
        fields.num('name', this.strings.id(n));
        fields.num('value', this.strings.id(v));
      }
      items.num('value', f);
      items.length++;
    }
    return id;
  }

  private shape(keys: string[]): number {
    const text = keys.join('\n');
    let id = this.shapes.get(text);
    if (id === undefined) {
      id = this.strings.id(text);
      this.shapes.set(text, id);
    }
    return id;
  }

  /** Appends one record to `table`; returns its row. */
  row(table: TableName, rec: Record<string, unknown>): number {
    const t = this.tables.get(table)!;
    const r = t.length;
    const extra = this.fields(t, table, LAYOUTS[table], '', rec);
    t.length++;
    if (extra) t.setExtra(r, this.json(extra));
    return r;
  }

  /** Writes a record's fields into `t`'s columns (prefixed); returns the values kept aside. */
  private fields(
    t: TableBuilder,
    table: string,
    layout: Layout,
    prefix: string,
    rec: Record<string, unknown>,
  ): Record<string, unknown> | null {
    const keys: string[] = [];
    let extra: Record<string, unknown> | null = null;
    for (const k of Object.keys(rec)) {
      const v = rec[k];
      if (v === undefined) continue; // JSON leaves it out
      keys.push(k);
      const kind = layout[k];
      if (kind === undefined || !fits(kind, v)) (extra ??= {})[k] = v;
    }
    t.num(prefix + SHAPE, this.shape(keys));
    for (const [key, kind] of Object.entries(layout)) {
      const name = prefix + key;
      const v = extra && key in extra ? undefined : rec[key];
      // A nested record with something its layout does not foresee is kept whole in extra.
      if (!this.value(t, table, name, kind, v)) (extra ??= {})[key] = v;
    }
    return extra;
  }

  private value(t: TableBuilder, table: string, name: string, kind: FieldKind, v: unknown): boolean {
    if (typeof kind === 'string') {
      switch (kind) {
        case 'num':
          t.num(name, v === undefined ? 0 : (v as number | null));
          return true;
        case 'str':
          t.num(name, typeof v === 'string' ? this.strings.id(v) : -1);
          return true;
        case 'bool':
          t.num(name, v === true ? 1 : v === false ? 0 : 2);
          return true;
        case 'json':
          t.num(name, v === undefined ? -1 : this.json(v));
          return true;
        case 'headers':
          t.num(name, Array.isArray(v) ? this.headerList(v as [string, string][]) : -1);
          return true;
        case 'nums': {
          const side = this.side(`${table}.${name}`);
          t.num(`${name}.start`, side.length);
          t.num(`${name}.count`, Array.isArray(v) ? v.length : -1);
          if (Array.isArray(v))
            for (const x of v as number[]) {
              side.num('value', x);
              side.length++;
            }
          return true;
        }
      }
    }
    if ('rows' in kind) {
      const child = this.tables.get(kind.rows)!;
      const list = Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
      t.num(`${name}.start`, child.length);
      t.num(`${name}.count`, list.length);
      // Children are appended after the parent's own columns are all written: tables differ.
      for (const x of list) this.row(kind.rows, x);
      return true;
    }
    const present = isPlainObject(v);
    t.num(name, present ? 1 : 0);
    const sub = present
      ? this.fields(t, table, kind.obj, `${name}.`, v)
      : this.blank(t, kind.obj, `${name}.`);
    return sub === null;
  }

  /** Default values for every column of an absent nested record. */
  private blank(t: TableBuilder, layout: Layout, prefix: string): null {
    for (const c of layoutColumns(layout, prefix)) t.num(c, c.endsWith('.count') ? -1 : 0);
    return null;
  }

  finish(head: string, packets: PacketColumns | null): TraceColumns {
    const tables: Record<string, ColumnTable> = {};
    for (const [k, b] of this.tables) tables[k] = b.finish();
    if (packets) {
      const columns: Record<string, Column> = {};
      for (const [k, v] of Object.entries(packets)) if (typeof v !== 'number') columns[k] = v as Column;
      tables[PACKETS] = { length: packets.length, columns };
    }
    return { head, strings: new ArrayDictionary(this.strings.values), tables };
  }
}

/**
 * The Trace as columns. `packets` adds the per-packet table (PacketTable.columnViews(): views, not
 * copies, so the caller must not let the table grow afterwards).
 */
export function toTraceColumns(trace: Trace, opts: { packets?: boolean } = {}): TraceColumns {
  const doc = toTraceJson(trace);
  const b = new DocumentBuilder();
  const head = JSON.stringify(
    { tool: doc.tool, version: doc.version, input: doc.input, options: doc.options },
    replacer,
  );
  for (const c of doc.connections) b.row('connections', c as unknown as Record<string, unknown>);
  for (const s of doc.streams) b.row('streams', s as unknown as Record<string, unknown>);
  for (const x of doc.exchanges) b.row('exchanges', x as unknown as Record<string, unknown>);
  for (const f of doc.findings) b.row('findings', f as unknown as Record<string, unknown>);
  for (const h of doc.h2) b.row('h2', h as unknown as Record<string, unknown>);
  const packets = opts.packets !== false && trace.packets ? trace.packets.columnViews() : null;
  return b.finish(head, packets);
}
