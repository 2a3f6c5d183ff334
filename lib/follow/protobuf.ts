/**
 * Protocol Buffers wire format read without a schema (as `protoc --decode_raw` does): field
 * numbers, wire types, varints, fixed32/fixed64, length-delimited values shown as a nested message
 * where the bytes parse as one completely, as a string where they are printable UTF-8, as packed
 * varints only where nothing else fits and every byte is used, else as bytes.
 *
 * A guess is a guess: a short string can parse as a message and a message as packed varints, so
 * the order of preference is fixed (printable string, message, packed, bytes) and said in `as`.
 */

export type WireType = 0 | 1 | 2 | 5;

export interface PbField {
  field: number;
  wire: WireType;
  /** Byte offset of the field's tag in the message. */
  offset: number;
  /** How the value is shown. */
  as: 'varint' | 'fixed64' | 'fixed32' | 'string' | 'message' | 'packed' | 'bytes';
  /** varint/fixed: the unsigned value in decimal (exact, 64-bit). */
  value?: string;
  /** Other readings of a number: signed, zigzag, float, double. */
  alt?: string;
  text?: string;
  message?: PbField[];
  packed?: string[];
  bytes?: Uint8Array;
}

const MAX_DEPTH = 32;

interface Cursor {
  b: Uint8Array;
  p: number;
}

function readVarint(c: Cursor): bigint | null {
  let v = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (c.p >= c.b.length) return null;
    const byte = c.b[c.p++];
    v |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return v & 0xffffffffffffffffn;
    shift += 7n;
  }
  return null;
}

/**
 * Decodes `b` as one message; null when it is not one (a tag or value runs past the end, a wire
 * type that is not 0/1/2/5, a field number 0). An empty buffer is the empty message.
 */
export function decodeProtobuf(b: Uint8Array, depth = 0): PbField[] | null {
  if (depth > MAX_DEPTH) return null;
  const c: Cursor = { b, p: 0 };
  const out: PbField[] = [];
  while (c.p < b.length) {
    const offset = c.p;
    const tag = readVarint(c);
    if (tag === null || tag > 0xffffffffn) return null;
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (field < 1 || field > 0x1fffffff) return null;
    switch (wire) {
      case 0: {
        const v = readVarint(c);
        if (v === null) return null;
        out.push({ field, wire, offset, as: 'varint', value: v.toString(), alt: varintAlt(v) });
        break;
      }
      case 1: {
        if (c.p + 8 > b.length) return null;
        const dv = new DataView(b.buffer, b.byteOffset + c.p, 8);
        const v = dv.getBigUint64(0, true);
        const d = dv.getFloat64(0, true);
        c.p += 8;
        out.push({
          field,
          wire,
          offset,
          as: 'fixed64',
          value: v.toString(),
          alt: numberAlt(BigInt.asIntN(64, v), d),
        });
        break;
      }
      case 5: {
        if (c.p + 4 > b.length) return null;
        const dv = new DataView(b.buffer, b.byteOffset + c.p, 4);
        const v = dv.getUint32(0, true);
        const f = dv.getFloat32(0, true);
        c.p += 4;
        out.push({
          field,
          wire,
          offset,
          as: 'fixed32',
          value: String(v),
          alt: numberAlt(BigInt(dv.getInt32(0, true)), f),
        });
        break;
      }
      case 2: {
        const len = readVarint(c);
        if (len === null || len > BigInt(b.length - c.p)) return null;
        const bytes = b.subarray(c.p, c.p + Number(len));
        c.p += Number(len);
        out.push({ field, wire, offset, ...lengthDelimited(bytes, depth) });
        break;
      }
      default:
        return null;
    }
  }
  return out;
}

function varintAlt(v: bigint): string | undefined {
  const alts: string[] = [];
  const signed = BigInt.asIntN(64, v);
  if (signed < 0n) alts.push(`int64 ${signed}`);
  const zz = (v >> 1n) ^ -(v & 1n);
  if (v > 1n) alts.push(`sint ${zz}`);
  return alts.length ? alts.join(', ') : undefined;
}

function numberAlt(signed: bigint, f: number): string | undefined {
  const alts: string[] = [];
  if (signed < 0n) alts.push(`signed ${signed}`);
  if (Number.isFinite(f) && f !== 0 && Math.abs(f) >= 1e-6 && Math.abs(f) < 1e15)
    alts.push(`float ${Number(f.toPrecision(9))}`);
  return alts.length ? alts.join(', ') : undefined;
}

function lengthDelimited(bytes: Uint8Array, depth: number): Omit<PbField, 'field' | 'wire' | 'offset'> {
  const text = printableUtf8(bytes);
  if (text !== null) return { as: 'string', text };
  if (bytes.length > 0) {
    const m = decodeProtobuf(bytes, depth + 1);
    if (m !== null) return { as: 'message', message: m };
    const packed = packedVarints(bytes);
    if (packed !== null) return { as: 'packed', packed };
  }
  return { as: 'bytes', bytes };
}

/** UTF-8 text without control characters (tab, CR, LF allowed); null otherwise. */
export function printableUtf8(b: Uint8Array): string | null {
  if (b.length === 0) return '';
  let s: string;
  try {
    s = new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return null;
  }
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f || c === 0xfffd) return null;
  }
  return s;
}

/** Packed varints: every byte used, at least two values, none longer than 10 bytes. */
function packedVarints(b: Uint8Array): string[] | null {
  const c: Cursor = { b, p: 0 };
  const out: string[] = [];
  while (c.p < b.length) {
    const v = readVarint(c);
    if (v === null) return null;
    out.push(v.toString());
  }
  return out.length >= 2 ? out : null;
}

const WIRE_NAME: Record<WireType, string> = { 0: 'varint', 1: 'fixed64', 2: 'len', 5: 'fixed32' };

/** Text form, one field per line, nested messages indented (as protoc --decode_raw prints). */
export function formatProtobuf(fields: PbField[], indent = ''): string {
  const lines: string[] = [];
  for (const f of fields) {
    const head = `${indent}${f.field} (${WIRE_NAME[f.wire]})`;
    switch (f.as) {
      case 'message':
        lines.push(`${head} {`);
        if (f.message && f.message.length) lines.push(formatProtobuf(f.message, indent + '  '));
        lines.push(`${indent}}`);
        break;
      case 'string':
        lines.push(`${head}: ${JSON.stringify(f.text)}`);
        break;
      case 'packed':
        lines.push(`${head}: packed? [${(f.packed ?? []).join(', ')}]`);
        break;
      case 'bytes': {
        const b = f.bytes ?? new Uint8Array(0);
        const hex = Array.from(b.subarray(0, 64), (x) => x.toString(16).padStart(2, '0')).join('');
        lines.push(`${head}: bytes[${b.length}] ${hex}${b.length > 64 ? '…' : ''}`);
        break;
      }
      default:
        lines.push(`${head}: ${f.value}${f.alt ? `  (${f.alt})` : ''}`);
    }
  }
  return lines.join('\n');
}
