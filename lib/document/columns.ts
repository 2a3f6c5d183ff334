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

/** One column while it is built: values, and validity once a null occurred. */
class ColumnBuf {
  readonly values: number[] = [];
  valid: number[] | null = null;
  push(v: number | null): void {
    if (v === null) {
      if (!this.valid) this.valid = new Array<number>(this.values.length).fill(1);
      this.values.push(0);
      this.valid.push(0);
    } else {
      this.values.push(v);
      this.valid?.push(1);
    }
  }
}

class TableBuilder {
  length = 0;
  readonly cols = new Map<string, ColumnBuf>();
  private extra: number[] | null = null;

  constructor(columns: string[] = []) {
    for (const c of columns) this.cols.set(c, new ColumnBuf());
  }

  col(name: string): ColumnBuf {
    const c = this.cols.get(name);
    if (!c) throw new Error(`no column ${name}`);
    return c;
  }

  /** The row's `$extra` (JSON text id), -1 none: the column exists only once a row needed it. */
  setExtra(row: number, id: number): void {
    if (!this.extra) this.extra = [];
    while (this.extra.length < row) this.extra.push(-1);
    this.extra[row] = id;
  }

  finish(): ColumnTable {
    const columns: Record<string, Column> = {};
    for (const [k, v] of this.cols) columns[k] = narrow(v.values);
    for (const [k, v] of this.cols) if (v.valid) columns[`${k}.valid`] = Uint8Array.from(v.valid);
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

/** A layout bound to one table's columns: the per-row work is array pushes, no name lookups. */
interface Compiled {
  layout: Layout;
  shape: ColumnBuf;
  fields: CompiledField[];
  /** The keys and id of the last shape seen: rows of one table nearly always share it. */
  lastKeys: string[];
  lastShape: number;
}

interface CompiledField {
  key: string;
  kind: FieldKind;
  a: ColumnBuf;
  b: ColumnBuf | null;
  side: TableBuilder | null;
  sub: Compiled | null;
}

/** Builds the columns of a trace; one instance per document. */
class DocumentBuilder {
  readonly strings = new Strings();
  readonly tables = new Map<string, TableBuilder>();
  private readonly headerIds = new Map<string, number>();
  private readonly headerIdentity = new Map<object, number>();
  private readonly fieldIds = new Map<string, number>();
  private readonly jsonIdentity = new Map<object, number>();
  private readonly shapes = new Map<string, number>();
  private readonly compiled = new Map<string, Compiled>();
  private readonly lists: ColumnBuf[];
  private readonly items: ColumnBuf;
  private readonly fieldName: ColumnBuf;
  private readonly fieldValue: ColumnBuf;

  constructor() {
    for (const [name, layout] of Object.entries(LAYOUTS))
      this.tables.set(name, new TableBuilder(layoutColumns(layout)));
    const lists = new TableBuilder(['fields.start', 'fields.count']);
    const fields = new TableBuilder(['name', 'value']);
    const items = new TableBuilder(['value']);
    this.tables.set(HEADER_LISTS, lists);
    this.tables.set(HEADER_FIELDS, fields);
    this.tables.set(HEADER_LIST_ITEMS, items);
    this.lists = [lists.col('fields.start'), lists.col('fields.count')];
    this.items = items.col('value');
    this.fieldName = fields.col('name');
    this.fieldValue = fields.col('value');
  }

  private compile(table: string, layout: Layout, prefix: string): Compiled {
    const key = `${table}/${prefix}`;
    let c = this.compiled.get(key);
    if (c) return c;
    const t = this.tables.get(table)!;
    const fields: CompiledField[] = [];
    for (const [k, kind] of Object.entries(layout)) {
      const name = prefix + k;
      const f: CompiledField = { key: k, kind, a: null!, b: null, side: null, sub: null };
      if (typeof kind === 'string') {
        if (kind === 'nums') {
          f.a = t.col(`${name}.start`);
          f.b = t.col(`${name}.count`);
          const sideName = `${table}.${name}`;
          let side = this.tables.get(sideName);
          if (!side) {
            side = new TableBuilder(['value']);
            this.tables.set(sideName, side);
          }
          f.side = side;
        } else f.a = t.col(name);
      } else if ('rows' in kind) {
        f.a = t.col(`${name}.start`);
        f.b = t.col(`${name}.count`);
        f.side = this.tables.get(kind.rows)!;
      } else {
        f.a = t.col(name);
        f.sub = this.compile(table, kind.obj, `${name}.`);
      }
      fields.push(f);
    }
    const empty = this.strings.id('');
    this.shapes.set('', empty);
    c = { layout, shape: t.col(prefix + SHAPE), fields, lastKeys: [], lastShape: empty };
    this.compiled.set(key, c);
    return c;
  }

  private json(v: unknown): number {
    const isObj = typeof v === 'object' && v !== null;
    if (isObj) {
      const known = this.jsonIdentity.get(v);
      if (known !== undefined) return known;
    }
    // Non-finite numbers and the 1 ns rounding as the document writes them (lib/json.ts): the
    // replacer only when the text has a number that is not an integer (a digit before . or e).
    let text = JSON.stringify(v) ?? 'null';
    if (/\d[.eE]/.test(text)) text = JSON.stringify(v, replacer) ?? 'null';
    const id = this.strings.id(text);
    // Frozen values (flag lists) cannot change under the cache; others are cached per document
    // build only, during which the trace does not change.
    if (isObj) this.jsonIdentity.set(v, id);
    return id;
  }

  headerList(h: [string, string][]): number {
    const known = this.headerIdentity.get(h);
    if (known !== undefined) return known;
    let key = '';
    for (const [n, v] of h) key += `${n}\u0000${v}\u0001`;
    let id = this.headerIds.get(key);
    if (id === undefined) {
      const lists = this.tables.get(HEADER_LISTS)!;
      id = lists.length++;
      this.headerIds.set(key, id);
      this.lists[0].push(this.items.values.length);
      this.lists[1].push(h.length);
      for (const [n, v] of h) {
        const fk = `${n}\u0000${v}`;
        let f = this.fieldIds.get(fk);
        if (f === undefined) {
          f = this.fieldIds.size;
          this.fieldIds.set(fk, f);
          this.fieldName.push(this.strings.id(n));
          this.fieldValue.push(this.strings.id(v));
        }
        this.items.push(f);
      }
      this.tables.get(HEADER_FIELDS)!.length = this.fieldIds.size;
      this.tables.get(HEADER_LIST_ITEMS)!.length = this.items.values.length;
    }
    this.headerIdentity.set(h, id);
    return id;
  }

  private shape(c: Compiled, keys: string[]): number {
    const text = keys.join('\n');
    let id = this.shapes.get(text);
    if (id === undefined) {
      id = this.strings.id(text);
      this.shapes.set(text, id);
    }
    c.lastKeys = keys;
    c.lastShape = id;
    return id;
  }

  /** Appends one record to `table`; returns its row. */
  row(table: TableName, rec: Record<string, unknown>): number {
    const t = this.tables.get(table)!;
    const r = t.length;
    const extra = this.fields(table, this.compile(table, LAYOUTS[table], ''), rec);
    t.length++;
    if (extra) t.setExtra(r, this.json(extra));
    return r;
  }

  /** Writes a record's fields into its columns; returns the values kept aside (extra). */
  private fields(table: string, c: Compiled, rec: Record<string, unknown>): Record<string, unknown> | null {
    // The row's keys, compared on the way with the last shape's; an array is made only on a change.
    const last = c.lastKeys;
    let keys: string[] | null = null;
    let n = 0;
    let extra: Record<string, unknown> | null = null;
    const layout = c.layout;
    for (const k in rec) {
      const v = rec[k];
      if (v === undefined) continue; // JSON leaves it out
      if (keys) keys.push(k);
      else if (last[n] !== k) {
        keys = last.slice(0, n);
        keys.push(k);
      }
      n++;
      const kind = layout[k];
      if (kind === undefined || !fits(kind, v)) (extra ??= {})[k] = v;
    }
    if (!keys && n !== last.length) keys = last.slice(0, n);
    c.shape.push(keys ? this.shape(c, keys) : c.lastShape);
    for (const f of c.fields) {
      const v = extra && f.key in extra ? undefined : rec[f.key];
      // A nested record with something its layout does not foresee is kept whole in extra.
      if (!this.value(table, f, v)) (extra ??= {})[f.key] = v;
    }
    return extra;
  }

  private value(table: string, f: CompiledField, v: unknown): boolean {
    const kind = f.kind;
    if (typeof kind === 'string') {
      switch (kind) {
        case 'num':
          f.a.push(v === undefined ? 0 : (v as number | null));
          return true;
        case 'str':
          f.a.push(typeof v === 'string' ? this.strings.id(v) : -1);
          return true;
        case 'bool':
          f.a.push(v === true ? 1 : v === false ? 0 : 2);
          return true;
        case 'json':
          f.a.push(v === undefined ? -1 : this.json(v));
          return true;
        case 'headers':
          f.a.push(Array.isArray(v) ? this.headerList(v as [string, string][]) : -1);
          return true;
        case 'nums': {
          const side = f.side!;
          const col = side.cols.get('value')!;
          f.a.push(side.length);
          f.b!.push(Array.isArray(v) ? v.length : -1);
          if (Array.isArray(v)) {
            for (const x of v as number[]) col.push(x);
            side.length += v.length;
          }
          return true;
        }
      }
    }
    if ('rows' in kind) {
      const child = f.side!;
      const list = Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
      f.a.push(child.length);
      f.b!.push(list.length);
      for (const x of list) this.row(kind.rows, x);
      return true;
    }
    const sub = f.sub!;
    if (isPlainObject(v)) {
      f.a.push(1);
      return this.fields(table, sub, v) === null;
    }
    f.a.push(0);
    this.blank(sub);
    return true;
  }

  /** Default values for every column of an absent nested record. */
  private blank(c: Compiled): void {
    c.shape.push(0);
    for (const f of c.fields) {
      f.a.push(0);
      if (f.b) f.b.push(-1);
      if (f.sub) this.blank(f.sub);
    }
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
