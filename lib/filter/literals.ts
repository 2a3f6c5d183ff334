/**
 * Literal values of the display-filter language, parsed for the type of the field they are compared
 * with (as Wireshark converts an "unparsed" literal only once it knows the other side's FT_* type):
 * integers (decimal, 0x hex, 0 octal, 0b binary), floats, byte strings (aa:bb:cc, aa-bb-cc,
 * aa.bb.cc, a lone hex byte), IPv4 and IPv6 addresses with an optional /prefix, MAC addresses.
 *
 * Each parser returns the value or a string saying what is wrong (never throws).
 */

/** An IPv4 literal: address with its prefix mask (0xffffffff for a plain address). */
export interface Ipv4Literal {
  kind: 'ipv4';
  net: number;
  mask: number;
}

/** An IPv6 literal: 16 bytes and the number of leading bits that count. */
export interface Ipv6Literal {
  kind: 'ipv6';
  bytes: Uint8Array;
  bits: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = <T>(message: string): ParseResult<T> => ({ ok: false, message });

/** Integer literal: 123, 0x7b, 0173 (octal, as in C), 0b1111011; optional leading minus. */
export function parseInteger(text: string): ParseResult<number> {
  let s = text;
  let sign = 1;
  if (s.startsWith('-')) {
    sign = -1;
    s = s.slice(1);
  } else if (s.startsWith('+')) s = s.slice(1);
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) v = parseInt(s.slice(2), 16);
  else if (/^0[bB][01]+$/.test(s)) v = parseInt(s.slice(2), 2);
  else if (/^0[0-7]+$/.test(s)) v = parseInt(s.slice(1), 8);
  else if (/^(0|[1-9][0-9]*)$/.test(s)) v = parseInt(s, 10);
  else if (/^0[0-9]+$/.test(s))
    return fail(`"${text}" is not a valid number (a leading 0 means octal: digits 0 to 7).`);
  else return fail(`"${text}" is not a valid number.`);
  if (!Number.isSafeInteger(v)) return fail(`"${text}" is too big for a number.`);
  return ok(sign * v);
}

/** Float literal: 1, 1.5, .5, 1e-3, 0x10 (integers in any base are floats too). */
export function parseFloatLiteral(text: string): ParseResult<number> {
  if (/^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/.test(text)) {
    const v = Number(text);
    if (Number.isFinite(v)) return ok(v);
  }
  const i = parseInteger(text);
  if (i.ok) return i;
  return fail(`"${text}" is not a valid number.`);
}

/** Boolean literal as Wireshark 4 reads it for FT_BOOLEAN: 1/0 (any integer), True/False. */
export function parseBool(text: string): ParseResult<number> {
  const t = text.toLowerCase();
  if (t === 'true') return ok(1);
  if (t === 'false') return ok(0);
  const i = parseInteger(text);
  if (i.ok) return ok(i.value === 0 ? 0 : 1);
  return fail(`"${text}" is not a valid boolean (use 1, 0, True or False).`);
}

/**
 * Byte string: hex pairs separated by ':', '-' or '.' (one separator kind throughout), or a lone
 * byte of one or two hex digits ("00", "a"), or 0x.. (as one byte when it fits, as Wireshark takes
 * `tcp.payload[0] == 0x47`).
 */
export function parseBytes(text: string): ParseResult<Uint8Array> {
  if (/^0[xX][0-9a-fA-F]{1,2}$/.test(text)) return ok(Uint8Array.of(parseInt(text.slice(2), 16)));
  if (/^[0-9a-fA-F]{1,2}$/.test(text)) return ok(Uint8Array.of(parseInt(text, 16)));
  const m = /^[0-9a-fA-F]{1,2}([:.-])/.exec(text);
  if (m) {
    const parts = text.split(m[1]);
    if (parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p)))
      return ok(Uint8Array.from(parts.map((p) => parseInt(p, 16))));
  }
  // Cisco-style dotted groups of four hex digits (0011.2233.4455).
  if (/^[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4})+$/.test(text)) {
    const hex = text.replace(/\./g, '');
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return ok(out);
  }
  return fail(`"${text}" is not a valid byte string.`);
}

export function parseEther(text: string): ParseResult<Uint8Array> {
  const b = parseBytes(text);
  if (!b.ok) return fail(`"${text}" is not a valid Ethernet address.`);
  if (b.value.length < 6) return fail(`"${text}" contains too few bytes to be a valid Ethernet address.`);
  if (b.value.length > 6) return fail(`"${text}" contains too many bytes to be a valid Ethernet address.`);
  return b;
}

function parseDottedQuad(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v;
}

/** IPv4 address with an optional /prefix (0..32). Host names are not resolved. */
export function parseIpv4(text: string): ParseResult<Ipv4Literal> {
  const slash = text.indexOf('/');
  const addrText = slash >= 0 ? text.slice(0, slash) : text;
  const addr = parseDottedQuad(addrText);
  if (addr === null) return fail(`"${addrText}" is not a valid IPv4 address (host names are not resolved).`);
  let bits = 32;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^[0-9]{1,2}$/.test(p) || Number(p) > 32)
      return fail(`"${p}" is not a valid IPv4 prefix length (0 to 32).`);
    bits = Number(p);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ok({ kind: 'ipv4', net: (addr & mask) >>> 0, mask });
}

/** The 16 bytes of an IPv6 address in text form (RFC 4291 2.2, with an embedded IPv4 tail); null if not one. */
export function ipv6Bytes(text: string): Uint8Array | null {
  if (text.length < 2 || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseDottedQuad(p);
        if (v4 === null) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  let all: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    all = head;
  }
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = all[i] >> 8;
    bytes[2 * i + 1] = all[i] & 0xff;
  }
  return bytes;
}

/** IPv6 address with an optional /prefix (0..128). */
export function parseIpv6(text: string): ParseResult<Ipv6Literal> {
  const slash = text.indexOf('/');
  const addrText = slash >= 0 ? text.slice(0, slash) : text;
  const bytes = ipv6Bytes(addrText);
  if (!bytes) return fail(`"${addrText}" is not a valid IPv6 address.`);
  let bits = 128;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > 128)
      return fail(`"${p}" is not a valid IPv6 prefix length (0 to 128).`);
    bits = Number(p);
  }
  return ok({ kind: 'ipv6', bytes, bits });
}

/** Whether the first `bits` bits of a and b are equal. */
export function prefixEqual(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const full = bits >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return (a[full] & m) === (b[full] & m);
}

const UTF8 = new TextEncoder();
export function utf8(s: string): Uint8Array {
  return UTF8.encode(s);
}

/** UTF-8 length of a string without encoding it (len() on strings counts bytes, as Wireshark does). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Bytes as Wireshark prints them in string(): lowercase hex pairs joined by ':'. */
export function hexColon(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (i ? ':' : '') + (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

export function ipv4Text(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/**
 * Decodes the escapes of a double-quoted string literal (\\ \" \' \a \b \f \n \r \t \v, \xhh,
 * \ooo octal, \uXXXX, \UXXXXXXXX), as Wireshark's scanner does; any other escape is an error.
 * Returns the value, or { message, offset } of the bad escape within `body`.
 */
export function unescapeString(
  body: string,
): { value: string } | { message: string; offset: number; length: number } {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[i + 1];
    const simple: Record<string, string> = {
      '\\': '\\',
      '"': '"',
      "'": "'",
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
    };
    if (n !== undefined && n in simple) {
      out += simple[n];
      i++;
      continue;
    }
    let m: RegExpExecArray | null;
    const rest = body.slice(i + 1);
    if ((m = /^x([0-9a-fA-F]{1,2})/.exec(rest))) {
      out += String.fromCharCode(parseInt(m[1], 16));
      i += m[0].length;
    } else if ((m = /^([0-7]{1,3})/.exec(rest))) {
      out += String.fromCharCode(parseInt(m[1], 8) & 0xff);
      i += m[0].length;
    } else if ((m = /^u([0-9a-fA-F]{4})/.exec(rest)) || (m = /^U([0-9a-fA-F]{8})/.exec(rest))) {
      const cp = parseInt(m[1], 16);
      if (cp > 0x10ffff)
        return { message: `\\${m[0]} is not a valid Unicode code point`, offset: i, length: m[0].length + 1 };
      out += String.fromCodePoint(cp);
      i += m[0].length;
    } else {
      const shown = n === undefined ? '\\' : `\\${n}`;
      return {
        message: `${shown} is not a valid character escape sequence`,
        offset: i,
        length: shown.length,
      };
    }
  }
  return { value: out };
}
