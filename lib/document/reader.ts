/**
 * Reads a columnar trace (columns.ts) a row at a time: `doc.streams.length`, `doc.streamAt(i)` (an
 * H2Stream, frames included), `doc.framesOf(i)`, ... Objects are made only for the rows asked for;
 * equal header lists, strings and interned JSON values come back as one shared object (treat them as
 * read-only, as the views do). `toTrace()` makes the whole Trace, for the code that needs it.
 */
import { PacketTable, type PacketColumns } from '../packets';
import type {
  AnalysisOptions,
  Connection,
  Finding,
  H2ConnectionInfo,
  H2Frame,
  H2Stream,
  Http1Exchange,
  InputInfo,
  Trace,
} from '../trace';
import {
  EXTRA,
  HEADER_FIELDS,
  HEADER_LISTS,
  HEADER_LIST_ITEMS,
  PACKETS,
  SHAPE,
  type Column,
  type ColumnTable,
  type TraceColumns,
} from './columns';
import { LAYOUTS, type FieldKind, type Layout, type ListName, type TableName } from './schema';

export interface TraceHead {
  tool: 'tracelens';
  version: string;
  input: InputInfo;
  options: AnalysisOptions;
}

/** A table's rows, made on demand. */
export interface Rows<T> {
  readonly length: number;
  at(i: number): T;
  /** Rows [from, to), clamped to the table. */
  range(from: number, to: number): T[];
}

/** Thrown on a document whose columns do not agree with each other (corrupt or foreign). */
export class DocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocumentError';
  }
}

const MAX_CACHED_JSON = 100_000;

interface CompiledReader {
  table: string;
  prefix: string;
  length: number;
  shape: Column;
  extra: Column | null;
  fields: Map<string, (i: number) => unknown>;
}

export class TraceDocument {
  readonly head: TraceHead;
  readonly connections: Rows<Connection>;
  readonly streams: Rows<H2Stream>;
  readonly frames: Rows<H2Frame>;
  readonly exchanges: Rows<Http1Exchange>;
  readonly findings: Rows<Finding>;
  readonly h2: Rows<H2ConnectionInfo>;
  private readonly strings: (string | undefined)[];
  private readonly shapes = new Map<number, string[]>();
  private readonly json = new Map<number, unknown>();
  private readonly headerLists = new Map<number, [string, string][]>();
  private readonly pairs = new Map<number, [string, string]>();
  private readonly readers = new Map<string, CompiledReader>();

  constructor(readonly columns: TraceColumns) {
    try {
      this.head = JSON.parse(columns.head) as TraceHead;
    } catch {
      throw new DocumentError('the document head is not JSON');
    }
    if (this.head?.tool !== 'tracelens') throw new DocumentError('not a tracelens trace document');
    this.strings = new Array<string | undefined>(columns.strings.length);
    for (const name of Object.keys(LAYOUTS) as TableName[])
      if (!columns.tables[name]) throw new DocumentError(`the document has no ${name} table`);
    const rows = <T>(name: TableName): Rows<T> => {
      const length = columns.tables[name].length;
      const at = (i: number) => this.record(name, i) as T;
      return {
        length,
        at,
        range: (from, to) => {
          const out: T[] = [];
          for (let i = Math.max(0, from); i < Math.min(length, to); i++) out.push(at(i));
          return out;
        },
      };
    };
    this.connections = rows('connections');
    this.streams = rows('streams');
    this.frames = rows('frames');
    this.exchanges = rows('exchanges');
    this.findings = rows('findings');
    this.h2 = rows('h2');
  }

  streamAt(i: number): H2Stream {
    return this.streams.at(i);
  }

  /** The frames of stream row `i`, without making the stream. */
  framesOf(i: number): H2Frame[] {
    const t = this.table('streams');
    const start = this.col(t, 'frames.start', 'streams')[i];
    const count = this.col(t, 'frames.count', 'streams')[i];
    return this.frames.range(start, start + count);
  }

  /** How many rows a list has, without making any. */
  count(list: ListName): number {
    return this.columns.tables[list].length;
  }

  list(list: ListName): Rows<unknown> {
    return this.rowsOf(list);
  }

  private rowsOf(name: TableName): Rows<unknown> {
    return this[name] as Rows<unknown>;
  }

  /** The per-packet columns (captures), as views of the document's buffers. */
  packets(): PacketTable | null {
    const t = this.columns.tables[PACKETS];
    if (!t) return null;
    return PacketTable.fromColumns({ length: t.length, ...t.columns } as unknown as PacketColumns);
  }

  /** The whole Trace (every row made). */
  toTrace(): Trace {
    const all = <T>(r: Rows<T>) => r.range(0, r.length);
    return {
      ...this.head,
      connections: all(this.connections),
      streams: all(this.streams),
      exchanges: all(this.exchanges),
      findings: all(this.findings),
      h2: all(this.h2),
      packets: this.packets(),
    };
  }

  private table(name: string): ColumnTable {
    const t = this.columns.tables[name];
    if (!t) throw new DocumentError(`the document has no ${name} table`);
    return t;
  }

  private col(t: ColumnTable, name: string, table: string): Column {
    const c = t.columns[name];
    if (!c || c.length < t.length) throw new DocumentError(`column ${table}.${name} is missing or short`);
    return c;
  }

  str(i: number): string {
    let s = this.strings[i];
    if (s === undefined) {
      if (!(i >= 0 && i < this.strings.length)) throw new DocumentError(`string ${i} out of range`);
      s = this.columns.strings.get(i);
      this.strings[i] = s;
    }
    return s;
  }

  private parsed(i: number): unknown {
    if (this.json.has(i)) return this.json.get(i);
    let v: unknown;
    try {
      v = JSON.parse(this.str(i));
    } catch {
      throw new DocumentError(`string ${i} is not JSON`);
    }
    if (this.json.size < MAX_CACHED_JSON) this.json.set(i, v);
    return v;
  }

  private shape(i: number): string[] {
    let keys = this.shapes.get(i);
    if (!keys) {
      const s = this.str(i);
      keys = s === '' ? [] : s.split('\n');
      this.shapes.set(i, keys);
    }
    return keys;
  }

  /** Header list `id`: one shared array per distinct list, one shared pair per distinct field. */
  headerList(id: number): [string, string][] {
    let h = this.headerLists.get(id);
    if (h) return h;
    const lists = this.table(HEADER_LISTS);
    const items = this.table(HEADER_LIST_ITEMS);
    const fields = this.table(HEADER_FIELDS);
    const start = this.col(lists, 'fields.start', HEADER_LISTS)[id];
    const count = this.col(lists, 'fields.count', HEADER_LISTS)[id];
    const item = this.col(items, 'value', HEADER_LIST_ITEMS);
    const name = this.col(fields, 'name', HEADER_FIELDS);
    const value = this.col(fields, 'value', HEADER_FIELDS);
    if (start === undefined || start + count > items.length)
      throw new DocumentError(`header list ${id} out of range`);
    h = [];
    for (let j = start; j < start + count; j++) {
      const f = item[j];
      let p = this.pairs.get(f);
      if (!p) {
        p = [this.str(name[f]), this.str(value[f])];
        this.pairs.set(f, p);
      }
      h.push(p);
    }
    this.headerLists.set(id, h);
    return h;
  }

  private record(table: TableName, i: number): unknown {
    const c = this.compiled(table, LAYOUTS[table], '');
    if (!(i >= 0 && i < c.length)) throw new DocumentError(`${table} row ${i} out of range`);
    const x = c.extra ? c.extra[i] : -1;
    const extra = x >= 0 ? (this.parsed(x) as Record<string, unknown>) : null;
    return this.fields(c, i, extra);
  }

  private fields(
    c: CompiledReader,
    i: number,
    extra: Record<string, unknown> | null,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of this.shape(c.shape[i])) {
      if (extra && k in extra) {
        out[k] = extra[k];
        continue;
      }
      const read = c.fields.get(k);
      if (read === undefined) throw new DocumentError(`${c.table} row ${i}: unknown field ${c.prefix}${k}`);
      out[k] = read(i);
    }
    return out;
  }

  /** A layout bound to one table's columns: a reader per field, columns looked up once. */
  private compiled(table: string, layout: Layout, prefix: string): CompiledReader {
    const key = `${table}/${prefix}`;
    let c = this.readers.get(key);
    if (c) return c;
    const t = this.table(table);
    const fields = new Map<string, (i: number) => unknown>();
    for (const [k, kind] of Object.entries(layout))
      fields.set(k, this.fieldReader(t, table, prefix + k, kind));
    const x = t.columns[EXTRA];
    c = {
      table,
      prefix,
      length: t.length,
      shape: this.col(t, prefix + SHAPE, table),
      extra: x && x.length >= t.length ? x : null,
      fields,
    };
    this.readers.set(key, c);
    return c;
  }

  private fieldReader(t: ColumnTable, table: string, name: string, kind: FieldKind): (i: number) => unknown {
    if (typeof kind === 'string') {
      switch (kind) {
        case 'num': {
          const c = this.col(t, name, table);
          const valid = t.columns[`${name}.valid`];
          return valid ? (i) => (valid[i] === 0 ? null : c[i]) : (i) => c[i];
        }
        case 'str': {
          const c = this.col(t, name, table);
          return (i) => (c[i] < 0 ? null : this.str(c[i]));
        }
        case 'bool': {
          const c = this.col(t, name, table);
          return (i) => (c[i] === 2 ? null : c[i] === 1);
        }
        case 'json': {
          const c = this.col(t, name, table);
          return (i) => (c[i] < 0 ? null : this.parsed(c[i]));
        }
        case 'headers': {
          const c = this.col(t, name, table);
          return (i) => (c[i] < 0 ? null : this.headerList(c[i]));
        }
        case 'nums': {
          const count = this.col(t, `${name}.count`, table);
          const start = this.col(t, `${name}.start`, table);
          const side = this.table(`${table}.${name}`);
          const values = this.col(side, 'value', `${table}.${name}`);
          return (i) => {
            if (count[i] < 0) return null;
            if (start[i] + count[i] > side.length)
              throw new DocumentError(`${table}.${name} row ${i} out of range`);
            return Array.from(values.subarray(start[i], start[i] + count[i]));
          };
        }
      }
    }
    if ('rows' in kind) {
      const start = this.col(t, `${name}.start`, table);
      const count = this.col(t, `${name}.count`, table);
      const child = this.rowsOf(kind.rows);
      return (i) => {
        if (start[i] + count[i] > child.length)
          throw new DocumentError(`${table}.${name} row ${i} out of range`);
        return child.range(start[i], start[i] + count[i]);
      };
    }
    const present = this.col(t, name, table);
    const sub = this.compiled(table, kind.obj, `${name}.`);
    return (i) => (present[i] === 0 ? null : this.fields(sub, i, null));
  }
}
