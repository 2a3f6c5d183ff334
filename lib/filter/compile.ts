/**
 * The display-filter compiler: syntax tree + fields -> a predicate over packet rows, built of
 * closures. Types are checked and literals converted once, here, for the type of the field they
 * meet (as Wireshark's semantic pass does); at run time a comparison reads the field's occurrences
 * into an array owned by that node (reused for every row: no allocation per row) and applies the
 * operator's quantifier:
 *
 *   ==  <  >  <=  >=  contains  matches   any occurrence (pair) satisfies
 *   !=   all_ne: the field is present and no occurrence equals     (Wireshark >= 3.6)
 *   !==  any_ne: some occurrence differs                           (`~=` in Wireshark 3.6)
 *   ===  all_eq: the field is present and every occurrence equals
 *   in {..}   any occurrence is in the set;  not in  = !(in)
 *
 * A field or function result that is absent makes its comparison false (and `!` of that true).
 */
import { ipv6Text } from '../capture/link';
import type { FieldContext, FieldDef, FieldType, FieldValue } from './types';
import type { FieldIndex } from './field-index';
import type { ArithOp, CmpOp, ExprNode, SetItem, SliceRange, Span, ValueNode } from './parser';
import {
  hexColon,
  ipv4Text,
  parseBool,
  parseBytes,
  parseEther,
  parseFloatLiteral,
  parseInteger,
  parseIpv4,
  parseIpv6,
  prefixEqual,
  unescapeString,
  utf8,
  utf8Length,
  type Ipv4Literal,
  type Ipv6Literal,
  type ParseResult,
} from './literals';

/** A runtime value: a field's value, or an address literal with its prefix. */
type Val = FieldValue | Ipv4Literal | Ipv6Literal;
export type RowPredicate = (ctx: FieldContext, row: number) => boolean;
type Producer = (ctx: FieldContext, row: number, out: Val[]) => void;

export interface CompileError {
  message: string;
  pos: number;
  len: number;
  suggestion?: string;
}

export class CompileFail {
  constructor(readonly error: CompileError) {}
}

function fail(node: Span, message: string, suggestion?: string): CompileFail {
  return new CompileFail({ message, pos: node.pos, len: node.len, suggestion });
}

/** Comparison families: which values compare with which, and how literals are read. */
type Family = 'num' | 'string' | 'bytes' | 'ipv4' | 'ipv6' | 'none';

function family(t: FieldType): Family {
  switch (t) {
    case 'uint':
    case 'int':
    case 'bool':
    case 'float':
      return 'num';
    case 'string':
      return 'string';
    case 'bytes':
    case 'ether':
      return 'bytes';
    case 'ipv4':
      return 'ipv4';
    case 'ipv6':
      return 'ipv6';
    default:
      return 'none';
  }
}

const TYPE_NAMES: Record<FieldType, string> = {
  none: 'protocol / flag (presence only)',
  bool: 'Boolean',
  uint: 'Unsigned integer',
  int: 'Signed integer',
  float: 'Floating point',
  string: 'Character string',
  bytes: 'Byte sequence',
  ipv4: 'IPv4 address',
  ipv6: 'IPv6 address',
  ether: 'Ethernet or other MAC address',
};

interface Compiled {
  type: FieldType;
  produce: Producer;
  /** The field itself, unsliced and untransformed (fast paths read it directly). */
  field?: FieldDef;
  /** Constant values (literals, folded arithmetic). */
  constant?: Val[];
}

/**
 * The type a field has as a value. `frame` is registered as a protocol (presence) but, compared or
 * sliced, it is the packet's bytes, as in Wireshark (`frame contains "GET"`, `frame[12:2]`).
 */
function valueType(f: FieldDef): FieldType {
  return f.type === 'none' && f.name === 'frame' ? 'bytes' : f.type;
}

const num = (v: Val): number => (typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : NaN);

function bytesCompare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function bytesIndexOf(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const first = needle[0];
  const last = hay.length - needle.length;
  outer: for (let i = hay.indexOf(first); i >= 0 && i <= last; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const isIpv4Lit = (v: Val): v is Ipv4Literal =>
  typeof v === 'object' && !(v instanceof Uint8Array) && v.kind === 'ipv4';
const isIpv6Lit = (v: Val): v is Ipv6Literal =>
  typeof v === 'object' && !(v instanceof Uint8Array) && v.kind === 'ipv6';

function equalIn(f: Family): (a: Val, b: Val) => boolean {
  switch (f) {
    case 'num':
      return (a, b) => num(a) === num(b);
    case 'string':
      return (a, b) => a === b;
    case 'bytes':
      return (a, b) => a instanceof Uint8Array && b instanceof Uint8Array && bytesCompare(a, b) === 0;
    case 'ipv4':
      return (a, b) => {
        if (isIpv4Lit(b))
          return typeof a === 'number' ? (a & b.mask) >>> 0 === b.net : isIpv4Lit(a) && a.net === b.net;
        if (isIpv4Lit(a)) return typeof b === 'number' && (b & a.mask) >>> 0 === a.net;
        return a === b;
      };
    case 'ipv6':
      return (a, b) => {
        if (isIpv6Lit(b)) return a instanceof Uint8Array && prefixEqual(a, b.bytes, b.bits);
        if (isIpv6Lit(a)) return b instanceof Uint8Array && prefixEqual(b, a.bytes, a.bits);
        return a instanceof Uint8Array && b instanceof Uint8Array && bytesCompare(a, b) === 0;
      };
    default:
      return () => false;
  }
}

function orderIn(f: Family): (a: Val, b: Val) => number {
  switch (f) {
    case 'num':
      return (a, b) => {
        const x = num(a);
        const y = num(b);
        return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
      };
    case 'string':
      return (a, b) => (a < b ? -1 : a > b ? 1 : 0);
    case 'ipv4':
      return (a, b) => {
        const x = isIpv4Lit(a) ? a.net : (a as number) >>> 0;
        const y = isIpv4Lit(b) ? b.net : (b as number) >>> 0;
        return x < y ? -1 : x > y ? 1 : 0;
      };
    case 'ipv6':
    case 'bytes':
      return (a, b) => {
        const x = isIpv6Lit(a) ? a.bytes : (a as Uint8Array);
        const y = isIpv6Lit(b) ? b.bytes : (b as Uint8Array);
        return bytesCompare(x, y);
      };
    default:
      return () => NaN;
  }
}

/** A string literal's bytes: its characters as bytes when all are below 256 (escapes \xhh), else UTF-8. */
function stringBytes(s: string): Uint8Array {
  let narrow = true;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) narrow = false;
  if (!narrow) return utf8(s);
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/**
 * PCRE (Wireshark's `matches`) -> JS RegExp. Wireshark matches case-insensitively unless the
 * pattern says (?-i); leading inline flags (?i) (?-i) (?s) (?m) (?x is refused) become RegExp
 * flags, \A \z \Z become ^ $ $.
 */
export function pcreToRegExp(pattern: string): { ok: true; re: RegExp } | { ok: false; message: string } {
  let p = pattern;
  let flags = new Set(['i']);
  for (;;) {
    const m = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)/.exec(p);
    if (!m) break;
    const on = m[1];
    const off = m[2] ?? '';
    for (const c of on) {
      if (c === 'x') return { ok: false, message: 'The (?x) extended mode is not supported here.' };
      if ('ism'.includes(c)) flags.add(c);
    }
    for (const c of off) flags.delete(c);
    p = p.slice(m[0].length);
  }
  p = p.replace(/\\A/g, '^').replace(/\\[zZ]/g, '$');
  // Python/PCRE named groups and back references; \Q...\E quotes a literal.
  p = p.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  p = p.replace(/\\Q([\s\S]*?)(?:\\E|$)/g, (_m, lit: string) => lit.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  try {
    return { ok: true, re: new RegExp(p, [...flags].join('')) };
  } catch (e) {
    flags = new Set();
    return {
      ok: false,
      message: `"${pattern}" is not a valid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
    };
  }
}

type FuncSpec = {
  min: number;
  max: number;
  compile: (c: Compiler, node: ValueNode & { k: 'call' }, args: ValueNode[]) => Compiled;
};

export class Compiler {
  readonly usedFields = new Set<string>();
  constructor(private readonly index: FieldIndex) {}

  private fieldOf(node: ValueNode): FieldDef | undefined {
    return node.k === 'word' ? this.index.get(node.text) : undefined;
  }

  private isLiteral(node: ValueNode): boolean {
    return (node.k === 'word' && !this.index.has(node.text)) || node.k === 'string' || node.k === 'char';
  }

  /** A word that looks like a field name (proto.field) but is not one: its error, with a suggestion. */
  private unknownField(node: ValueNode & { k: 'word' }): CompileFail {
    const s = this.index.suggest(node.text);
    const hint = s ? ` (did you mean '${s}'?)` : '';
    return fail(node, `unknown field '${node.text}'${hint}`, s);
  }

  private looksLikeFieldName(text: string): boolean {
    return (
      /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$/.test(text) || this.index.suggest(text) !== undefined
    );
  }

  /** The type of a value, or null for a literal whose type comes from the other side. */
  typeOf(node: ValueNode): FieldType | null {
    switch (node.k) {
      case 'word': {
        const f = this.index.get(node.text);
        return f ? valueType(f) : null;
      }
      case 'string':
      case 'char':
        return null;
      case 'slice': {
        const t = this.typeOf(node.base);
        return t === 'string' ? 'string' : t === null ? null : 'bytes';
      }
      case 'call': {
        const name = node.name;
        this.funcSpec(node);
        if (name === 'len' || name === 'count') return 'uint';
        if (name === 'lower' || name === 'upper' || name === 'string') return 'string';
        if (name === 'abs' || name === 'min' || name === 'max') {
          for (const a of node.args) {
            const t = this.typeOf(a);
            if (t) return t;
          }
          return null;
        }
        return null;
      }
      case 'arith':
        return this.typeOf(node.a) ?? this.typeOf(node.b);
      case 'neg': {
        const t = this.typeOf(node.a);
        return t === 'uint' ? 'int' : t;
      }
    }
  }

  /** Converts a literal node to constant values of `type` (for the field `about` in messages). */
  private literal(node: ValueNode, type: FieldType, about: FieldDef | undefined): Val[] {
    const what = about ? about.name : TYPE_NAMES[type];
    if (type === 'none') {
      throw fail(
        node,
        `${about ? `'${about.name}'` : 'A protocol'} can only be tested for presence; compare one of its fields instead.`,
      );
    }
    if (node.k === 'char') {
      const fam = family(type);
      if (fam === 'num') return [node.code];
      if (fam === 'bytes') return [Uint8Array.of(node.code)];
      if (fam === 'string') return [String.fromCharCode(node.code)];
      throw fail(node, `${what} (${TYPE_NAMES[type]}) cannot be compared with a character constant.`);
    }
    let text: string;
    let quoted = false;
    if (node.k === 'string') {
      quoted = true;
      if (node.raw) text = node.text;
      else {
        const u = unescapeString(node.text);
        if ('message' in u)
          throw new CompileFail({ message: u.message, pos: node.pos + 1 + u.offset, len: u.length });
        text = u.value;
      }
    } else if (node.k === 'word') text = node.text;
    else throw fail(node, 'A literal value was expected here.');

    const bad = (message: string): CompileFail => {
      if (node.k === 'word' && this.looksLikeFieldName(node.text) && !/^[0-9a-fA-F:.\-/]+$/.test(node.text))
        return this.unknownField(node);
      return fail(node, message);
    };
    const parsed = <T extends Val>(r: ParseResult<T>): T[] => {
      if (r.ok) return [r.value];
      throw bad(r.message);
    };
    const notFromString = (): CompileFail =>
      fail(
        node,
        `${TYPE_NAMES[type]} ${about ? `field '${about.name}' ` : ''}cannot be converted from a string ("${text}").`,
      );
    switch (type) {
      case 'uint':
      case 'int': {
        // A quoted value name is accepted as tshark does (http2.type == "HEADERS"); other strings are not.
        if (quoted && !about?.valueNames) throw notFromString();
        const r = quoted ? ({ ok: false, message: '' } as const) : parseInteger(text);
        if (r.ok) {
          if (type === 'uint' && r.value < 0 && about) return [r.value]; // never equal; as tshark, no error
          return [r.value];
        }
        if (about?.valueNames) {
          const names = about.valueNames;
          let found: number | undefined;
          for (const k of Object.keys(names)) if (names[Number(k)] === text) found = Number(k);
          if (found === undefined)
            for (const k of Object.keys(names))
              if (names[Number(k)].toLowerCase() === text.toLowerCase()) found = Number(k);
          if (found !== undefined) return [found];
          throw bad(`"${text}" cannot be found among the possible values for ${about.name}.`);
        }
        throw bad(r.message);
      }
      case 'bool': {
        if (quoted) throw notFromString();
        return parsed(parseBool(text));
      }
      case 'float': {
        if (quoted) throw notFromString();
        return parsed(parseFloatLiteral(text));
      }
      case 'string':
        return [text];
      case 'bytes': {
        if (quoted) return [stringBytes(text)];
        return parsed(parseBytes(text));
      }
      case 'ether':
        return parsed(parseEther(text));
      case 'ipv4':
        return parsed(parseIpv4(text));
      case 'ipv6':
        return parsed(parseIpv6(text));
    }
  }

  /** Compiles a value node; literals take `want` (the other side's type). */
  value(node: ValueNode, want: FieldType | null, about?: FieldDef): Compiled {
    if (this.isLiteral(node)) {
      if (want === null) {
        if (node.k === 'word' && this.looksLikeFieldName(node.text)) throw this.unknownField(node);
        throw fail(
          node,
          `${node.k === 'word' ? node.text : node.k === 'string' ? `"${node.text}"` : 'This character'} is neither a field nor a protocol name.`,
        );
      }
      const constant = this.literal(node, want, about);
      return {
        type: want,
        constant,
        produce: (_ctx, _row, out) => {
          for (let i = 0; i < constant.length; i++) out.push(constant[i]);
        },
      };
    }
    switch (node.k) {
      case 'word': {
        const f = this.index.get(node.text)!;
        this.usedFields.add(f.name);
        if (valueType(f) !== f.type) {
          // `frame` as a value is the packet's captured bytes (frame contains "GET", frame[12:2]),
          // read back through the context; absent when the bytes are not at hand.
          return {
            type: 'bytes',
            produce: (ctx, row, out) => {
              const b = ctx.bytes(row);
              if (b) out.push(b);
            },
          };
        }
        const read = f.read;
        return { type: f.type, field: f, produce: read as Producer };
      }
      case 'slice':
        return this.slice(node);
      case 'call':
        return this.call(node);
      case 'arith':
        return this.arith(node, want);
      case 'neg': {
        const a = this.value(node.a, want);
        if (family(a.type) !== 'num')
          throw fail(node, `Unary minus applies to numbers, not to ${TYPE_NAMES[a.type]}.`);
        const buf: Val[] = [];
        return {
          type: a.type === 'uint' ? 'int' : a.type,
          produce: (ctx, row, out) => {
            buf.length = 0;
            a.produce(ctx, row, buf);
            for (let i = 0; i < buf.length; i++) out.push(-num(buf[i]));
          },
        };
      }
      default:
        throw fail(node, 'A value was expected here.');
    }
  }

  private slice(node: ValueNode & { k: 'slice' }): Compiled {
    const base = this.value(node.base, null);
    const t = base.type;
    if (t !== 'bytes' && t !== 'ether' && t !== 'string' && t !== 'ipv4' && t !== 'ipv6') {
      const name = node.base.k === 'word' ? node.base.text : 'This value';
      throw fail(node.base, `"${name}" is a ${TYPE_NAMES[t]} and cannot be sliced into a sequence of bytes.`);
    }
    const ranges = node.ranges;
    const buf: Val[] = [];
    const pick = (len: number, r: SliceRange): [number, number] | null => {
      let start = r.start < 0 ? len + r.start : r.start;
      let end: number;
      if (r.end !== undefined) end = (r.end < 0 ? len + r.end : r.end) + 1;
      else if (r.length === null) end = len;
      else end = start + r.length;
      if (start < 0 || end > len || end < start) return null;
      if (start === end && r.length !== 0) return null;
      start = Math.max(0, start);
      return [start, end];
    };
    if (t === 'string') {
      return {
        type: 'string',
        produce: (ctx, row, out) => {
          buf.length = 0;
          base.produce(ctx, row, buf);
          for (let k = 0; k < buf.length; k++) {
            const s = buf[k] as string;
            let acc = '';
            let okAll = true;
            for (const r of ranges) {
              const p = pick(s.length, r);
              if (!p) {
                okAll = false;
                break;
              }
              acc += s.slice(p[0], p[1]);
            }
            if (okAll) out.push(acc);
          }
        },
      };
    }
    const single = ranges.length === 1 ? ranges[0] : null;
    return {
      type: 'bytes',
      produce: (ctx, row, out) => {
        buf.length = 0;
        base.produce(ctx, row, buf);
        for (let k = 0; k < buf.length; k++) {
          const v = buf[k];
          const b =
            typeof v === 'number'
              ? Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255)
              : v instanceof Uint8Array
                ? v
                : null;
          if (!b) continue;
          if (single) {
            const p = pick(b.length, single);
            if (p) out.push(b.subarray(p[0], p[1]));
            continue;
          }
          const parts: Uint8Array[] = [];
          let total = 0;
          let okAll = true;
          for (const r of ranges) {
            const p = pick(b.length, r);
            if (!p) {
              okAll = false;
              break;
            }
            parts.push(b.subarray(p[0], p[1]));
            total += p[1] - p[0];
          }
          if (!okAll) continue;
          const joined = new Uint8Array(total);
          let o = 0;
          for (const part of parts) {
            joined.set(part, o);
            o += part.length;
          }
          out.push(joined);
        }
      },
    };
  }

  private static readonly FUNCS: Record<string, FuncSpec> = {
    len: {
      min: 1,
      max: 1,
      compile: (c, node, [arg]) => {
        const a = c.value(arg, null);
        const t = a.type;
        if (t !== 'bytes' && t !== 'ether' && t !== 'string' && t !== 'ipv4' && t !== 'ipv6')
          throw fail(arg, `len() takes a string or a byte sequence, not a ${TYPE_NAMES[t]}.`);
        const buf: Val[] = [];
        return {
          type: 'uint',
          produce: (ctx, row, out) => {
            buf.length = 0;
            a.produce(ctx, row, buf);
            for (let i = 0; i < buf.length; i++) {
              const v = buf[i];
              out.push(
                typeof v === 'string'
                  ? utf8Length(v)
                  : v instanceof Uint8Array
                    ? v.length
                    : typeof v === 'number'
                      ? 4
                      : 0,
              );
            }
          },
        };
      },
    },
    count: {
      min: 1,
      max: 1,
      compile: (c, node, [arg]) => {
        if (!(arg.k === 'word' && c.index.has(arg.text))) throw fail(arg, 'count() takes a field name.');
        const a = c.value(arg, null);
        const buf: Val[] = [];
        return {
          type: 'uint',
          produce: (ctx, row, out) => {
            buf.length = 0;
            a.produce(ctx, row, buf);
            if (buf.length > 0) out.push(buf.length);
          },
        };
      },
    },
    lower: { min: 1, max: 1, compile: (c, node, [arg]) => c.stringMap(arg, 'lower', (s) => s.toLowerCase()) },
    upper: { min: 1, max: 1, compile: (c, node, [arg]) => c.stringMap(arg, 'upper', (s) => s.toUpperCase()) },
    string: {
      min: 1,
      max: 1,
      compile: (c, node, [arg]) => {
        const a = c.value(arg, null);
        const t = a.type;
        if (t === 'none') throw fail(arg, 'string() takes a field with a value, not a protocol.');
        const buf: Val[] = [];
        const show = (v: Val): string => {
          if (typeof v === 'string') return v;
          if (typeof v === 'boolean') return v ? '1' : '0';
          if (typeof v === 'number') return t === 'ipv4' ? ipv4Text(v >>> 0) : String(v);
          if (v instanceof Uint8Array) return t === 'ipv6' ? ipv6Text(v, 0) : hexColon(v);
          return '';
        };
        return {
          type: 'string',
          produce: (ctx, row, out) => {
            buf.length = 0;
            a.produce(ctx, row, buf);
            for (let i = 0; i < buf.length; i++) out.push(show(buf[i]));
          },
        };
      },
    },
    abs: {
      min: 1,
      max: 1,
      compile: (c, node, [arg]) => {
        const a = c.value(arg, c.typeOf(arg) ?? 'int');
        if (family(a.type) !== 'num') throw fail(arg, `abs() takes a number, not a ${TYPE_NAMES[a.type]}.`);
        const buf: Val[] = [];
        return {
          type: a.type,
          produce: (ctx, row, out) => {
            buf.length = 0;
            a.produce(ctx, row, buf);
            for (let i = 0; i < buf.length; i++) out.push(Math.abs(num(buf[i])));
          },
        };
      },
    },
    min: { min: 1, max: 64, compile: (c, node, args) => c.extreme(node, args, -1) },
    max: { min: 1, max: 64, compile: (c, node, args) => c.extreme(node, args, 1) },
  };

  stringMap(arg: ValueNode, name: string, f: (s: string) => string): Compiled {
    const a = this.value(arg, 'string');
    if (a.type !== 'string') throw fail(arg, `${name}() takes a string, not a ${TYPE_NAMES[a.type]}.`);
    const buf: Val[] = [];
    return {
      type: 'string',
      produce: (ctx, row, out) => {
        buf.length = 0;
        a.produce(ctx, row, buf);
        for (let i = 0; i < buf.length; i++) out.push(f(buf[i] as string));
      },
    };
  }

  extreme(node: ValueNode & { k: 'call' }, args: ValueNode[], sign: 1 | -1): Compiled {
    let t: FieldType | null = null;
    for (const a of args) t = t ?? this.typeOf(a);
    if (t === null) throw fail(node, `${node.name}() needs at least one field among its arguments.`);
    const fam = family(t);
    if (fam !== 'num' && fam !== 'string' && fam !== 'ipv4')
      throw fail(node, `${node.name}() takes numbers, strings or IPv4 addresses, not ${TYPE_NAMES[t]}.`);
    const parts = args.map((a) => {
      const c = this.value(a, t);
      if (family(c.type) !== fam)
        throw fail(
          a,
          `${node.name}() arguments must be of one type: ${TYPE_NAMES[c.type]} is not ${TYPE_NAMES[t!]}.`,
        );
      return c;
    });
    const order = orderIn(fam);
    const buf: Val[] = [];
    return {
      type: t,
      produce: (ctx, row, out) => {
        buf.length = 0;
        for (const p of parts) p.produce(ctx, row, buf);
        if (buf.length === 0) return;
        let best = buf[0];
        for (let i = 1; i < buf.length; i++) if (order(buf[i], best) * sign > 0) best = buf[i];
        out.push(best);
      },
    };
  }

  private call(node: ValueNode & { k: 'call' }): Compiled {
    const spec = this.funcSpec(node);
    if (node.args.length < spec.min || node.args.length > spec.max) {
      const n =
        spec.min === spec.max
          ? `${spec.min} argument${spec.min > 1 ? 's' : ''}`
          : `${spec.min} or more arguments`;
      throw fail(node, `${node.name}() takes ${n}, not ${node.args.length}.`);
    }
    return spec.compile(this, node, node.args);
  }

  private funcSpec(node: ValueNode & { k: 'call' }): FuncSpec {
    const spec = Object.hasOwn(Compiler.FUNCS, node.name) ? Compiler.FUNCS[node.name] : undefined;
    if (!spec) {
      const names = Object.keys(Compiler.FUNCS);
      const near =
        names.find((n) => n.toLowerCase() === node.name.toLowerCase()) ??
        names.find((n) => n.startsWith(node.name.slice(0, 2)));
      throw new CompileFail({
        message: `The function '${node.name}' does not exist${near ? ` (did you mean '${near}'?)` : ''}; functions: ${names.join(', ')}.`,
        pos: node.pos,
        len: node.nameLen,
        suggestion: near,
      });
    }
    return spec;
  }

  private arith(node: ValueNode & { k: 'arith' }, want: FieldType | null): Compiled {
    const t = this.typeOf(node) ?? want;
    if (t === null) throw fail(node, 'Arithmetic needs a field among its operands.');
    if (family(t) !== 'num') throw fail(node, `Arithmetic applies to numbers, not to ${TYPE_NAMES[t]}.`);
    const a = this.value(node.a, t);
    const b = this.value(node.b, t);
    for (const [side, c] of [
      [node.a, a],
      [node.b, b],
    ] as const)
      if (family(c.type) !== 'num')
        throw fail(side, `Arithmetic applies to numbers, not to ${TYPE_NAMES[c.type]}.`);
    const type: FieldType =
      a.type === 'float' || b.type === 'float' ? 'float' : a.type === 'int' || b.type === 'int' ? 'int' : t;
    // Integer division truncates, as on Wireshark's integer types.
    const op = node.op === '/' && type !== 'float' ? intDivide : ARITH[node.op];
    if (a.constant && b.constant) {
      const constant = a.constant
        .flatMap((x) => b.constant!.map((y) => op(num(x), num(y))))
        .filter((v) => !Number.isNaN(v));
      return {
        type,
        constant,
        produce: (_c, _r, out) => {
          for (let i = 0; i < constant.length; i++) out.push(constant[i]);
        },
      };
    }
    const ba: Val[] = [];
    const bb: Val[] = [];
    return {
      type,
      produce: (ctx, row, out) => {
        ba.length = 0;
        bb.length = 0;
        a.produce(ctx, row, ba);
        if (ba.length === 0) return;
        b.produce(ctx, row, bb);
        for (let i = 0; i < ba.length; i++)
          for (let j = 0; j < bb.length; j++) {
            const v = op(num(ba[i]), num(bb[j]));
            if (!Number.isNaN(v)) out.push(v);
          }
      },
    };
  }

  // ---- logical expressions ----

  expr(node: ExprNode): RowPredicate {
    switch (node.k) {
      case 'and': {
        const items = node.items.map((n) => this.expr(n));
        if (items.length === 2) {
          const [a, b] = items;
          return (ctx, row) => a(ctx, row) && b(ctx, row);
        }
        return (ctx, row) => {
          for (let i = 0; i < items.length; i++) if (!items[i](ctx, row)) return false;
          return true;
        };
      }
      case 'or': {
        const items = node.items.map((n) => this.expr(n));
        if (items.length === 2) {
          const [a, b] = items;
          return (ctx, row) => a(ctx, row) || b(ctx, row);
        }
        return (ctx, row) => {
          for (let i = 0; i < items.length; i++) if (items[i](ctx, row)) return true;
          return false;
        };
      }
      case 'xor': {
        // a ^^ b ^^ c is true when an odd number of them are (xor is associative).
        const items = node.items.map((n) => this.expr(n));
        return (ctx, row) => {
          let odd = false;
          for (let i = 0; i < items.length; i++) if (items[i](ctx, row)) odd = !odd;
          return odd;
        };
      }
      case 'not': {
        const a = this.expr(node.a);
        return (ctx, row) => !a(ctx, row);
      }
      case 'test':
        return this.test(node.a);
      case 'cmp':
        return this.compare(node);
      case 'in':
        return this.membership(node);
    }
  }

  private test(node: ValueNode): RowPredicate {
    if (this.isLiteral(node)) {
      if (node.k === 'word')
        throw this.looksLikeFieldName(node.text) || /^[A-Za-z_]/.test(node.text)
          ? this.unknownField(node)
          : fail(node, `"${node.text}" is neither a field nor a protocol name.`);
      throw fail(node, 'A field, a protocol or a comparison was expected here, not a literal value.');
    }
    const direct = node.k === 'word' ? this.index.get(node.text) : undefined;
    if (direct) this.usedFields.add(direct.name);
    const produce = direct ? (direct.read as Producer) : this.value(node, null).produce;
    const buf: Val[] = [];
    if (node.k === 'arith') {
      // A bare arithmetic value (`tcp.flags & 0x02`) is true when non-zero.
      return (ctx, row) => {
        buf.length = 0;
        produce(ctx, row, buf);
        for (let i = 0; i < buf.length; i++) if (num(buf[i]) !== 0) return true;
        return false;
      };
    }
    return (ctx, row) => {
      buf.length = 0;
      produce(ctx, row, buf);
      return buf.length > 0;
    };
  }

  /** Types both sides of a comparison: the typed side decides how the literal side is read. */
  private sides(a: ValueNode, b: ValueNode, opText: string): [Compiled, Compiled] {
    const ta = this.typeOf(a);
    const tb = this.typeOf(b);
    if (ta === null && tb === null) {
      if (a.k === 'word' && this.looksLikeFieldName(a.text)) throw this.unknownField(a);
      if (b.k === 'word' && this.looksLikeFieldName(b.text)) throw this.unknownField(b);
      const shown = a.k === 'word' ? a.text : a.k === 'string' ? `"${a.text}"` : 'a literal';
      throw fail(a, `Left side of "${opText}" expression must be a field or function, not ${shown}.`);
    }
    const fa = this.fieldOf(a);
    const fb = this.fieldOf(b);
    const ca = this.value(a, ta ?? tb, fb);
    const cb = this.value(b, tb ?? ta, fa);
    return [ca, cb];
  }

  private compare(node: ExprNode & { k: 'cmp' }): RowPredicate {
    const op = node.op;
    if (op === 'matches') return this.matches(node);
    if (op === 'contains') {
      // Checked before the literal is read for the field's type: tshark's message says the field
      // cannot be searched, not that `3` is a bad address.
      const ta = this.typeOf(node.a);
      const fam = ta === null ? null : family(ta);
      if (ta !== null && fam !== 'string' && fam !== 'bytes' && fam !== 'none') {
        const shown = node.a.k === 'word' ? node.a.text : TYPE_NAMES[ta];
        throw fail(node.a, `${shown} (type=${TYPE_NAMES[ta]}) cannot participate in contains comparison.`);
      }
    }
    const [a, b] = this.sides(node.a, node.b, op);
    const fa = family(a.type);
    const fb = family(b.type);
    const name = (n: ValueNode, c: Compiled) =>
      n.k === 'word' && c.field ? c.field.name : TYPE_NAMES[c.type];
    if (fa === 'none' || fb === 'none') {
      const [n, c] = fa === 'none' ? [node.a, a] : [node.b, b];
      throw fail(n, `'${name(n, c)}' can only be tested for presence; compare one of its fields instead.`);
    }
    if (op === 'contains') {
      if (fa !== 'string' && fa !== 'bytes')
        throw fail(
          node.a,
          `${name(node.a, a)} (type=${TYPE_NAMES[a.type]}) cannot participate in contains comparison.`,
        );
      if (fa !== fb)
        throw fail(node.b, `${name(node.a, a)} and ${name(node.b, b)} are not of compatible types.`);
      return this.quantified(
        a,
        b,
        'any',
        fa === 'string'
          ? (x, y) => (x as string).includes(y as string)
          : (x, y) => bytesIndexOf(x as Uint8Array, y as Uint8Array) >= 0,
      );
    }
    if (fa !== fb)
      throw fail(node.b, `${name(node.a, a)} and ${name(node.b, b)} are not of compatible types.`);
    const fast = this.fastConstant(a, b, op);
    if (fast) return fast;
    const eq = equalIn(fa);
    const order = orderIn(fa);
    switch (op) {
      case '==':
        return this.quantified(a, b, 'any', eq);
      case '!=':
        return this.quantified(a, b, 'none', eq);
      case '===':
        return this.quantified(a, b, 'all', eq);
      case '!==':
        return this.quantified(a, b, 'any', (x, y) => !eq(x, y));
      case '<':
        return this.quantified(a, b, 'any', (x, y) => order(x, y) < 0);
      case '>':
        return this.quantified(a, b, 'any', (x, y) => order(x, y) > 0);
      case '<=':
        return this.quantified(a, b, 'any', (x, y) => order(x, y) <= 0);
      case '>=':
        return this.quantified(a, b, 'any', (x, y) => order(x, y) >= 0);
    }
  }

  /**
   * `field OP constant` on numbers and IPv4 addresses (the common case: tcp.port == 443,
   * ip.addr == 10.0.0.0/8, tcp.len > 0) as one loop over the occurrences, without a closure call
   * per value. The number is compared as (v & mask) == net (mask = ~0 for plain numbers), so one
   * loop serves both.
   */
  private fastConstant(a: Compiled, b: Compiled, op: CmpOp): RowPredicate | null {
    if (!a.field || !b.constant || b.constant.length !== 1) return null;
    const fam = family(a.type);
    const k = b.constant[0];
    let c: number;
    let mask = -1;
    if (fam === 'num') c = num(k);
    else if (fam === 'ipv4' && (op === '==' || op === '!=' || op === '===' || op === '!==')) {
      if (isIpv4Lit(k)) {
        c = k.net | 0;
        mask = k.mask | 0;
      } else if (typeof k === 'number') c = k | 0;
      else return null;
    } else return null;
    if (Number.isNaN(c)) return null;
    const read = a.field.read;
    const buf: FieldValue[] = [];
    // Values as numbers: booleans as 0/1; IPv4 compared as signed 32-bit after masking.
    const v32 = fam === 'ipv4';
    const val = (v: FieldValue): number => (typeof v === 'number' ? (v32 ? v & mask : v) : v ? 1 : 0);
    const any = (test: (x: number) => boolean): RowPredicate => {
      return (ctx, row) => {
        buf.length = 0;
        read(ctx, row, buf);
        for (let i = 0; i < buf.length; i++) if (test(val(buf[i]))) return true;
        return false;
      };
    };
    switch (op) {
      case '==':
        return any((x) => x === c);
      case '!==':
        return any((x) => x !== c);
      case '<':
        return any((x) => x < c);
      case '>':
        return any((x) => x > c);
      case '<=':
        return any((x) => x <= c);
      case '>=':
        return any((x) => x >= c);
      case '!=':
      case '===': {
        const wantEqual = op === '===';
        return (ctx, row) => {
          buf.length = 0;
          read(ctx, row, buf);
          if (buf.length === 0) return false;
          for (let i = 0; i < buf.length; i++) if ((val(buf[i]) === c) !== wantEqual) return false;
          return true;
        };
      }
      default:
        return null;
    }
  }

  /** any: some pair satisfies; none: both present and no pair satisfies; all: both present and every pair does. */
  private quantified(
    a: Compiled,
    b: Compiled,
    q: 'any' | 'none' | 'all',
    test: (x: Val, y: Val) => boolean,
  ): RowPredicate {
    const ba: Val[] = [];
    const bb: Val[] = [];
    const pa = a.produce;
    const constB = b.constant;
    const pb = b.produce;
    return (ctx, row) => {
      ba.length = 0;
      pa(ctx, row, ba);
      if (ba.length === 0) return false;
      let rb: Val[];
      if (constB) rb = constB;
      else {
        bb.length = 0;
        pb(ctx, row, bb);
        rb = bb;
      }
      if (rb.length === 0) return false;
      for (let i = 0; i < ba.length; i++)
        for (let j = 0; j < rb.length; j++) {
          const r = test(ba[i], rb[j]);
          if (q === 'any' && r) return true;
          if (q === 'none' && r) return false;
          if (q === 'all' && !r) return false;
        }
      return q !== 'any';
    };
  }

  private matches(node: ExprNode & { k: 'cmp' }): RowPredicate {
    const ta = this.typeOf(node.a);
    if (ta === null) {
      if (node.a.k === 'word' && this.looksLikeFieldName(node.a.text)) throw this.unknownField(node.a);
      throw fail(node.a, 'Left side of "matches" must be a field or function.');
    }
    const fam = family(ta);
    if (fam !== 'string' && fam !== 'bytes') {
      const n = node.a.k === 'word' ? node.a.text : TYPE_NAMES[ta];
      throw fail(node.a, `${n} (type=${TYPE_NAMES[ta]}) cannot participate in matches comparison.`);
    }
    if (node.b.k !== 'string')
      throw fail(node.b, 'The right side of "matches" must be a string: matches "regex".');
    let pattern = node.b.text;
    if (!node.b.raw) {
      const u = unescapeString(pattern);
      if ('message' in u)
        throw new CompileFail({ message: u.message, pos: node.b.pos + 1 + u.offset, len: u.length });
      pattern = u.value;
    }
    const r = pcreToRegExp(pattern);
    if (!r.ok) throw fail(node.b, r.message);
    const re = r.re;
    const a = this.value(node.a, null);
    const buf: Val[] = [];
    return (ctx, row) => {
      buf.length = 0;
      a.produce(ctx, row, buf);
      for (let i = 0; i < buf.length; i++) {
        const v = buf[i];
        const s = typeof v === 'string' ? v : v instanceof Uint8Array ? latin1(v) : null;
        if (s !== null && re.test(s)) return true;
      }
      return false;
    };
  }

  private membership(node: ExprNode & { k: 'in' }): RowPredicate {
    const ta = this.typeOf(node.a);
    if (ta === null) {
      if (node.a.k === 'word' && this.looksLikeFieldName(node.a.text)) throw this.unknownField(node.a);
      throw fail(node.a, 'Left side of "in" must be a field or function.');
    }
    const fam = family(ta);
    if (fam === 'none')
      throw fail(node.a, `'${node.a.k === 'word' ? node.a.text : 'This'}' can only be tested for presence.`);
    const about = this.fieldOf(node.a);
    const a = this.value(node.a, null);
    const eq = equalIn(fam);
    const order = orderIn(fam);
    const items = node.items.map((it: SetItem) => {
      const lo = this.value(it.lo, this.typeOf(it.lo) ?? ta, about);
      if (family(lo.type) !== fam)
        throw fail(
          it.lo,
          `This set element (${TYPE_NAMES[lo.type]}) does not compare with ${TYPE_NAMES[ta]}.`,
        );
      let hi: Compiled | undefined;
      if (it.hi) {
        if (fam === 'bytes') throw fail(it.hi, 'Ranges in sets take numbers, strings or addresses.');
        hi = this.value(it.hi, this.typeOf(it.hi) ?? ta, about);
        if (family(hi.type) !== fam)
          throw fail(
            it.hi,
            `This set element (${TYPE_NAMES[hi.type]}) does not compare with ${TYPE_NAMES[ta]}.`,
          );
      }
      return { lo, hi, blo: [] as Val[], bhi: [] as Val[] };
    });
    const ba: Val[] = [];
    const negated = node.negated;
    if (
      fam === 'num' &&
      items.every((it) => it.lo.constant?.length === 1 && (!it.hi || it.hi.constant?.length === 1))
    ) {
      // Numbers against constant members and ranges: two arrays, no closure per comparison.
      const los = Float64Array.from(items, (it) => num(it.lo.constant![0]));
      const his = Float64Array.from(items, (it) =>
        it.hi ? num(it.hi.constant![0]) : num(it.lo.constant![0]),
      );
      const produce = a.produce;
      return (ctx, row) => {
        ba.length = 0;
        produce(ctx, row, ba);
        for (let i = 0; i < ba.length; i++) {
          const x = num(ba[i]);
          for (let j = 0; j < los.length; j++) if (x >= los[j] && x <= his[j]) return !negated;
        }
        return negated;
      };
    }
    return (ctx, row) => {
      ba.length = 0;
      a.produce(ctx, row, ba);
      let found = false;
      if (ba.length > 0)
        outer: for (const it of items) {
          const los = it.lo.constant ?? ((it.blo.length = 0), it.lo.produce(ctx, row, it.blo), it.blo);
          if (!it.hi) {
            for (let i = 0; i < ba.length; i++)
              for (let j = 0; j < los.length; j++)
                if (eq(ba[i], los[j])) {
                  found = true;
                  break outer;
                }
            continue;
          }
          const his = it.hi.constant ?? ((it.bhi.length = 0), it.hi.produce(ctx, row, it.bhi), it.bhi);
          for (let i = 0; i < ba.length; i++)
            for (let j = 0; j < los.length; j++)
              for (let k = 0; k < his.length; k++)
                if (order(ba[i], los[j]) >= 0 && order(ba[i], his[k]) <= 0) {
                  found = true;
                  break outer;
                }
        }
      return negated ? !found : found;
    };
  }
}

const ARITH: Record<ArithOp, (x: number, y: number) => number> = {
  '+': (x, y) => x + y,
  '-': (x, y) => x - y,
  '*': (x, y) => x * y,
  '/': (x, y) => (y === 0 ? NaN : x / y),
  '%': (x, y) => (y === 0 ? NaN : x % y),
  '&': (x, y) =>
    x >= 0 && y >= 0 && x <= 0xffffffff && y <= 0xffffffff
      ? (x & y) >>> 0
      : Number(BigInt.asUintN(64, BigInt(Math.trunc(x))) & BigInt.asUintN(64, BigInt(Math.trunc(y)))),
};

/** Division by zero gives no value (the comparison is false), as Wireshark's run-time error does. */
const intDivide = (x: number, y: number): number => (y === 0 ? NaN : Math.trunc(x / y));

export type { CmpOp };
