/**
 * An HTTP body as a person wants to read it: Content-Encoding undone (gzip, deflate, br; a chain
 * of them in reverse order), then JSON pretty-printed, text as text, anything else as hex. The
 * decompressed size is capped (a small body can inflate to gigabytes): past the cap the body is
 * shown as it came, with a note saying why.
 */
import { Gunzip, Inflate, Unzlib } from 'fflate';
import { decompress as brotliDecompress } from 'brotli/decompress';
import { concatBytes } from '../bytes';

/** Largest decompressed body shown (bytes). */
export const MAX_DECODED_BODY = 16 * 1024 * 1024;

export type BodyKind = 'empty' | 'json' | 'text' | 'binary';

export interface DecodedBody {
  kind: BodyKind;
  /** The bytes after undoing Content-Encoding (or the wire bytes, when that failed). */
  bytes: Uint8Array;
  /** JSON pretty-printed, or the text; for binary, a hex dump of the start. */
  text: string;
  /** Encodings undone, in the order they were undone. */
  decoded: string[];
  /** What could not be done, in words ("gzip: invalid header", "br: over the 16 MiB cap"). */
  notes: string[];
}

class CapExceeded extends Error {}

/** Streams through an fflate inflater, stopping at `cap` output bytes. */
function inflateCapped(kind: 'gzip' | 'deflate' | 'zlib', input: Uint8Array, cap: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const ondata = (d: Uint8Array) => {
    total += d.length;
    if (total > cap) throw new CapExceeded();
    parts.push(d);
  };
  const z = kind === 'gzip' ? new Gunzip(ondata) : kind === 'zlib' ? new Unzlib(ondata) : new Inflate(ondata);
  // Pushed in slices, so that the cap stops a bomb before it has inflated much.
  const STEP = 16 * 1024;
  for (let o = 0; o < input.length; o += STEP) z.push(input.subarray(o, o + STEP), o + STEP >= input.length);
  if (input.length === 0) z.push(new Uint8Array(0), true);
  return concatBytes(parts, total);
}

/**
 * Brotli. The pure-JS decoder (the `brotli` package: browser and Node alike) has no streaming
 * output, and grows its output to each meta-block's declared length (16 MiB at most per block), so
 * the cap is applied to the result: nothing past it is kept or shown, but a bomb of many blocks is
 * inflated in the worker before it is refused.
 */
function brotliCapped(input: Uint8Array, cap: number): Uint8Array {
  const out = brotliDecompress(input);
  if (out.length > cap) throw new CapExceeded();
  return out;
}

/** Undoes one content coding; throws on damage. */
export function undoEncoding(coding: string, b: Uint8Array, cap = MAX_DECODED_BODY): Uint8Array {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return inflateCapped('gzip', b, cap);
    case 'deflate':
      // RFC 9110 says zlib-wrapped; some servers send raw deflate: tell them by the zlib header.
      return b.length >= 2 && (b[0] & 0x0f) === 8 && ((b[0] << 8) | b[1]) % 31 === 0
        ? inflateCapped('zlib', b, cap)
        : inflateCapped('deflate', b, cap);
    case 'br':
      return brotliCapped(b, cap);
    case 'identity':
      return b;
    default:
      throw new Error(`content coding "${coding}" is not supported`);
  }
}

/** Decodes a body given its Content-Encoding and Content-Type header values (null if absent). */
export function decodeBody(
  wire: Uint8Array,
  contentEncoding: string | null,
  contentType: string | null,
  cap = MAX_DECODED_BODY,
): DecodedBody {
  const notes: string[] = [];
  const decoded: string[] = [];
  let bytes = wire;
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s && s !== 'identity')
    .reverse();
  for (const c of codings) {
    try {
      bytes = undoEncoding(c, bytes, cap);
      decoded.push(c);
    } catch (e) {
      notes.push(
        e instanceof CapExceeded
          ? `${c}: decompresses to more than ${Math.round(cap / 1048576)} MiB; shown as sent`
          : `${c}: ${e instanceof Error ? e.message : String(e)}; shown as sent`,
      );
      bytes = wire;
      decoded.length = 0;
      break;
    }
  }
  return { ...describe(bytes, contentType), decoded, notes };
}

/** Text, JSON or binary: by the content type first, by the bytes when it does not say. */
export function describe(
  bytes: Uint8Array,
  contentType: string | null,
): { kind: BodyKind; bytes: Uint8Array; text: string } {
  if (bytes.length === 0) return { kind: 'empty', bytes, text: '' };
  const ct = (contentType ?? '').toLowerCase();
  const text = utf8(bytes);
  if (text !== null) {
    const looksJson = /[/+]json\b/.test(ct) || (!ct && /^\s*[[{]/.test(text));
    if (looksJson) {
      try {
        return { kind: 'json', bytes, text: JSON.stringify(JSON.parse(text), null, 2) };
      } catch {
        // Not valid JSON after all (truncated, NDJSON): shown as text.
      }
    }
    if (
      ct.startsWith('text/') ||
      /json|xml|javascript|x-www-form-urlencoded|html/.test(ct) ||
      isMostlyPrintable(text)
    )
      return { kind: 'text', bytes, text };
  }
  return { kind: 'binary', bytes, text: hexDump(bytes, 4096) };
}

/** Strict UTF-8 decode, or null when the bytes are not UTF-8. */
export function utf8(b: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return null;
  }
}

function isMostlyPrintable(s: string): boolean {
  const n = Math.min(s.length, 4096);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) bad++;
  }
  return bad <= n / 100;
}

/** Hex dump of the first `limit` bytes (16 per row), with a line saying how many were left out. */
export function hexDump(b: Uint8Array, limit = b.length): string {
  const lines: string[] = [];
  const n = Math.min(b.length, limit);
  for (let o = 0; o < n; o += 16) {
    const row = b.subarray(o, Math.min(o + 16, n));
    let hex = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      if (i === 8) hex += ' ';
      hex += i < row.length ? row[i].toString(16).padStart(2, '0') + ' ' : '   ';
      if (i < row.length) ascii += row[i] >= 0x20 && row[i] < 0x7f ? String.fromCharCode(row[i]) : '.';
    }
    lines.push(`${o.toString(16).padStart(8, '0')}  ${hex} ${ascii}`);
  }
  if (b.length > n) lines.push(`… ${(b.length - n).toLocaleString('en-US')} more bytes`);
  return lines.join('\n');
}
