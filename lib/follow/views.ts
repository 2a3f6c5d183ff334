/**
 * How a followed stream is shown, as Wireshark's Follow dialog shows it: ASCII (printable bytes,
 * line ends kept, the rest as '.'), hex dump (offset, 16 bytes, their ASCII), raw (hex per run).
 * A stream of millions of lines is shown through a line index — which run and which byte each
 * line starts at — so that a view formats only the lines on screen.
 */
import type { Dir } from '../trace';
import type { FollowRun, FollowedStream } from './tcp';

export type FollowMode = 'ascii' | 'hex' | 'raw';

/** Longest ASCII line before it wraps (binary data has no line ends). */
export const ASCII_WRAP = 120;
const HEX_ROW = 16;
const RAW_ROW = 32;

export interface LineIndex {
  count: number;
  /** Run index of each line. */
  run: Uint32Array;
  /** Byte index inside its run where each line starts (for missing runs: 0). */
  start: Uint32Array;
}

/** Lines of each run in `mode`: the index a virtualised view pages through. */
export function buildLineIndex(runs: readonly FollowRun[], mode: FollowMode): LineIndex {
  let run = new Uint32Array(1024);
  let start = new Uint32Array(1024);
  let n = 0;
  const push = (r: number, s: number) => {
    if (n === run.length) {
      const r2 = new Uint32Array(n * 2);
      r2.set(run);
      run = r2;
      const s2 = new Uint32Array(n * 2);
      s2.set(start);
      start = s2;
    }
    run[n] = r;
    start[n] = s;
    n++;
  };
  runs.forEach((r, ri) => {
    const b = r.bytes;
    if (r.missing || !b || b.length === 0) {
      push(ri, 0);
      return;
    }
    if (mode === 'hex' || mode === 'raw') {
      const step = mode === 'hex' ? HEX_ROW : RAW_ROW;
      for (let s = 0; s < b.length; s += step) push(ri, s);
      return;
    }
    let s = 0;
    while (s < b.length) {
      push(ri, s);
      let e = s;
      const lim = Math.min(b.length, s + ASCII_WRAP);
      while (e < lim && b[e] !== 0x0a) e++;
      s = e < b.length && b[e] === 0x0a ? e + 1 : e;
    }
  });
  return { count: n, run: run.subarray(0, n), start: start.subarray(0, n) };
}

/** The text of line `i` of the index. */
export function lineText(runs: readonly FollowRun[], index: LineIndex, i: number, mode: FollowMode): string {
  const r = runs[index.run[i]];
  if (r.missing) return `[${r.length.toLocaleString('en-US')} bytes missing in capture]`;
  const b = r.bytes;
  if (!b) return `[${r.length.toLocaleString('en-US')} bytes not kept]`;
  const s = index.start[i];
  if (mode === 'hex') return hexRow(b, s, r.offset);
  if (mode === 'raw') return toHex(b.subarray(s, s + RAW_ROW));
  let e = s;
  const lim = Math.min(b.length, s + ASCII_WRAP);
  while (e < lim && b[e] !== 0x0a) e++;
  return asciiOf(b.subarray(s, e));
}

/** Printable ASCII as is, other bytes as '.' (a CR before the line end dropped). */
export function asciiOf(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0x0d && i === b.length - 1) break;
    out += c === 0x09 || (c >= 0x20 && c < 0x7f) ? String.fromCharCode(c) : '.';
  }
  return out;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

/** One hex-dump row: stream offset (8 hex digits), 16 bytes in two groups of 8, their ASCII. */
export function hexRow(b: Uint8Array, at: number, streamOffset = 0): string {
  const row = b.subarray(at, at + HEX_ROW);
  let hex = '';
  for (let i = 0; i < HEX_ROW; i++) {
    if (i === 8) hex += ' ';
    hex += i < row.length ? (row[i] < 16 ? '0' : '') + row[i].toString(16) + ' ' : '   ';
  }
  let ascii = '';
  for (const c of row) ascii += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  return `${(streamOffset + at).toString(16).padStart(8, '0')}  ${hex} ${ascii}`;
}

/**
 * The whole conversation as text, for download: each run under a header line naming its
 * direction, gaps as "[N bytes missing in capture]", as Wireshark saves the ASCII view.
 */
export function conversationText(
  s: FollowedStream,
  names: Record<Dir, string>,
  mode: Exclude<FollowMode, 'raw'> = 'ascii',
): string {
  const out: string[] = [];
  const index = buildLineIndex(s.runs, mode);
  let lastRun = -1;
  for (let i = 0; i < index.count; i++) {
    const ri = index.run[i];
    if (ri !== lastRun) {
      const r = s.runs[ri];
      out.push(`==== ${names[r.dir]} (${r.dir === 'c2s' ? 'client → server' : 'server → client'})`);
      lastRun = ri;
    }
    out.push(lineText(s.runs, index, i, mode));
  }
  const dropped = s.dropped.c2s + s.dropped.s2c;
  if (dropped > 0) out.push(`[${dropped.toLocaleString('en-US')} further bytes not kept]`);
  return out.join('\n') + '\n';
}
