/**
 * Shared pieces of the debug-log readers: what a line parser hands back, and the HTTP/2 names
 * (frame types, flags, settings, error codes) that logs print instead of numbers.
 */
import {
  ERROR_NAMES,
  SETTING_NAMES,
  errorCodeName,
  frameFlagNames,
  frameTypeName,
  settingName,
} from '../http2/frames';
import type { H2FrameInput } from '../stream';

/** One connection as a log shows it, before it is turned into a trace Connection. */
export interface LogConnectionDraft {
  /** Stable key from the log: a Go Framer pointer, "nghttp#1", ... */
  key: string;
  /** Whose view the frames are from: the client's, the server's, or both sides' (merged). */
  view: 'client' | 'server' | 'both';
  /** How the view was decided (for warnings and documentation). */
  viewBasis: string;
  /** Addresses the log printed for this connection, if any. */
  clientAddr: string | null;
  serverAddr: string | null;
  frames: H2FrameInput[];
  /** Key of the other side's view of the same TCP connection, when the log has both and pairs them. */
  peerKey?: string;
  firstLine: number;
  lastLine: number;
}

export interface LogParseOutput {
  connections: LogConnectionDraft[];
  warnings: string[];
  /** Lines that did not parse: how many, and the first line numbers (at most UNPARSED_KEPT). */
  unparsed: LineNumbers;
  /** Unix time of the first timestamped line as [seconds, nanoseconds], when the log has absolute times. */
  startEpoch: [number, number] | null;
  /** How many lines of each recognised kind were seen (tests list the kinds they expect). */
  lineKinds: Record<string, number>;
}

/** Line numbers kept per list: enough to show, bounded for inputs that are all garbage. */
export const UNPARSED_KEPT = 1000;

/** A count of lines with the first UNPARSED_KEPT of their numbers. */
export class LineNumbers {
  count = 0;
  lines: number[] = [];
  add(line: number): void {
    this.count++;
    if (this.lines.length < UNPARSED_KEPT) this.lines.push(line);
  }
}

/** A stateful parser fed one line at a time (without its line ending). */
export interface LogLineParser {
  line(text: string, lineNo: number): void;
  finish(): LogParseOutput;
}

/**
 * Name -> number tables for reading names out of log lines, derived from the HTTP/2 module's
 * number -> name tables so both readers of frames agree on every name.
 */
function invert(names: (id: number) => string, ids: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[names(id)] = id;
  return out;
}
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export const FRAME_TYPES: Record<string, number> = invert(frameTypeName, [...range(10), 0xa, 0xc, 0x10]);

/** Flag names per frame type, as RFC 9113 and both tools name them. */
export const FLAG_BITS: Record<number, Record<string, number>> = Object.fromEntries(
  [0x0, 0x1, 0x4, 0x5, 0x6, 0x9].map((type) => [
    type,
    Object.fromEntries(
      [0x1, 0x4, 0x8, 0x20].flatMap((bit) => frameFlagNames(type, bit).map((name) => [name, bit])),
    ),
  ]),
);

export const ERROR_CODES: Record<string, number> = invert(errorCodeName, range(ERROR_NAMES.length));

export function errorName(code: number): string {
  return ERROR_NAMES[code] ?? `UNKNOWN(0x${code.toString(16)})`;
}

export const SETTING_IDS: Record<string, number> = invert(
  settingName,
  Object.keys(SETTING_NAMES).map(Number),
);

export { settingName };

/** Frame input with the fields every log frame has; the rest are filled by the parser. */
export function logFrame(
  typeId: number,
  flagsRaw: number,
  streamId: number,
  length: number,
  tS: number,
  line: number,
): H2FrameInput {
  return { dir: 'c2s', tS, typeId, flagsRaw, streamId, length, packets: [], line };
}

/** Bytes as lowercase hex. */
export function toHex(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] & 0xff).toString(16).padStart(2, '0');
  return out;
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
  '"': 34,
  "'": 39,
};

/**
 * Reads a Go `%q` string starting at `text[start]` (which must be `"`). Returns the bytes it spells
 * (Go strings are bytes: `\xNN` escapes need not be UTF-8) and the index after the closing quote,
 * or null when the quoting is broken.
 */
export function readGoQuoted(text: string, start: number): { bytes: number[]; end: number } | null {
  if (text[start] !== '"') return null;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') return { bytes, end: i + 1 };
    if (ch !== '\\') {
      const cp = text.codePointAt(i) ?? 0;
      const s = String.fromCodePoint(cp);
      for (const b of encoder.encode(s)) bytes.push(b);
      i += s.length;
      continue;
    }
    const esc = text[i + 1];
    if (esc === undefined) return null;
    if (esc in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[esc]);
      i += 2;
    } else if (esc === 'x') {
      const hex = text.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 4;
    } else if (esc === 'u' || esc === 'U') {
      const n = esc === 'u' ? 4 : 8;
      const hex = text.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return null;
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) return null;
      for (const b of encoder.encode(String.fromCodePoint(cp))) bytes.push(b);
      i += 2 + n;
    } else if (/[0-7]/.test(esc)) {
      const oct = text.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) return null;
      bytes.push(parseInt(oct, 8) & 0xff);
      i += 4;
    } else {
      return null;
    }
  }
  return null;
}

const latin1Decoder = new TextDecoder('utf-8', { fatal: false });

/** Header names and values as text (invalid UTF-8 shows as U+FFFD; logs rarely have any). */
export function bytesToText(bytes: number[]): string {
  return latin1Decoder.decode(new Uint8Array(bytes));
}
