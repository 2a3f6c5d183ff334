// Test helper: compares display-filter fields (lib/filter/registry.ts) with tshark's
// `-T fields` output on a capture, packet by packet, occurrence by occurrence.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Analyzer } from '../lib/analyze';
import { ipv6Text } from '../lib/capture/link';
import { fieldContext, fieldIndex } from '../lib/filter/registry';
import type { FieldContext, FieldDef, FieldValue } from '../lib/filter/types';
import type { Trace } from '../lib/trace';

let tsharkChecked: boolean | null = null;
/** Whether tshark runs here. */
export function hasTshark(): boolean {
  if (tsharkChecked === null) {
    try {
      execFileSync('tshark', ['--version'], { stdio: 'ignore' });
      tsharkChecked = true;
    } catch {
      tsharkChecked = false;
    }
  }
  return tsharkChecked;
}

export interface Loaded {
  trace: Trace;
  ctx: FieldContext;
}

/** Analyzes a capture (gzip too) and gives a field context whose bytes come from its decompressed copy. */
export function loadCapture(file: string, keylog?: string): Loaded {
  let bytes: Uint8Array = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const a = new Analyzer(
    { name: file, size: bytes.length, keylog: keylog ? readFileSync(keylog, 'utf8') : undefined },
    {},
  );
  a.push(bytes);
  const trace = a.finish();
  const p = trace.packets;
  const ctx = fieldContext(trace, (row) =>
    p ? bytes.subarray(p.fileOffset[row], p.fileOffset[row] + p.caplen[row]) : null,
  );
  return { trace, ctx };
}

/** tshark's text for one value of ours. */
export function formatValue(f: FieldDef, v: FieldValue): string {
  if (f.type === 'none') return '1';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (f.type === 'ipv4' && typeof v === 'number')
    return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
  if (f.type === 'ipv6' && v instanceof Uint8Array) return ipv6Text(v, 0);
  if (f.type === 'ether' && v instanceof Uint8Array)
    return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join(':');
  if (v instanceof Uint8Array) return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('');
  return String(v);
}

function same(f: FieldDef, ours: string, theirs: string): boolean {
  if (ours === theirs) return true;
  if (f.type === 'none') return theirs !== '';
  if (f.type === 'float') return Math.abs(Number(ours) - Number(theirs)) < 2e-6;
  if (/^0x[0-9a-f]+$/i.test(theirs)) return Number(ours) === parseInt(theirs, 16);
  if (f.type === 'uint' || f.type === 'int' || f.type === 'bool') return Number(ours) === Number(theirs);
  return false;
}

export interface FieldDiff {
  field: string;
  /** Packets where the field was compared (present on either side). */
  compared: number;
  mismatches: { packet: number; ours: string; tshark: string }[];
}

/**
 * Runs tshark once for `fields` on `file` and compares every packet. `tsharkArgs` adds options
 * (e.g. `-o tls.keylog_file:...`).
 */
export function compareWithTshark(
  loaded: Loaded,
  file: string,
  fields: string[],
  tsharkArgs: string[] = [],
): FieldDiff[] {
  const index = fieldIndex();
  const defs = fields.map((n) => {
    const f = index.get(n);
    if (!f) throw new Error(`no field ${n}`);
    return f;
  });
  const args = ['-r', file, ...tsharkArgs, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|'];
  // tshark prints a field named twice empty the first time: frame.number only once.
  const cols = ['frame.number', ...fields.filter((n) => n !== 'frame.number')];
  for (const n of cols) args.push('-e', n);
  // A damaged capture makes tshark exit 2 after printing what it read: its output still counts.
  const run = spawnSync('tshark', args, { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const text = run.stdout.toString();
  const at = fields.map((n) => cols.indexOf(n));
  const diffs: FieldDiff[] = fields.map((field) => ({ field, compared: 0, mismatches: [] }));
  for (const line of text.split('\n')) {
    if (!line) continue;
    const values = line.split('\t');
    const row = Number(values[0]) - 1;
    defs.forEach((f, i) => {
      const theirs = values[at[i]] ?? '';
      const out: FieldValue[] = [];
      f.read(loaded.ctx, row, out);
      const ours = out.map((v) => formatValue(f, v));
      const t = theirs === '' ? [] : f.type === 'none' ? [theirs] : theirs.split('|');
      if (ours.length === 0 && t.length === 0) return;
      diffs[i].compared++;
      const ok =
        f.type === 'none'
          ? ours.length > 0 === t.length > 0
          : ours.length === t.length && ours.every((o, k) => same(f, o, t[k]));
      if (!ok) diffs[i].mismatches.push({ packet: row + 1, ours: ours.join('|'), tshark: t.join('|') });
    });
  }
  return diffs;
}

/** One line per field that differs: "tcp.seq: 3/120 packets differ (first #5: ours 1, tshark 0)". */
export function describeDiffs(diffs: FieldDiff[], file: string): string[] {
  return diffs
    .filter((d) => d.mismatches.length > 0)
    .map((d) => {
      const m = d.mismatches[0];
      return `${file} ${d.field}: ${d.mismatches.length}/${d.compared} packets differ (first #${m.packet}: ours ${JSON.stringify(m.ours)}, tshark ${JSON.stringify(m.tshark)})`;
    });
}

/**
 * tshark options that make it decode what tracelens found by content: HTTP/2 (and gRPC) on ports
 * tshark does not know, HTTP/1 likewise.
 */
export function decodeAsArgs(trace: Trace): string[] {
  const args: string[] = [];
  const seen = new Set<string>();
  for (const c of trace.connections) {
    if (c.tls) continue;
    const proto = c.protocol === 'h2' ? 'http2' : c.protocol === 'http1' ? 'http' : null;
    if (!proto || [80, 443, 8080].includes(c.serverPort)) continue;
    const k = `${c.serverPort},${proto}`;
    if (seen.has(k)) continue;
    seen.add(k);
    args.push('-d', `tcp.port==${k}`);
  }
  return args;
}

/**
 * The differences left once known, documented divergences are taken out: `known` maps
 * "capture field" (or "capture *") to why tracelens answers otherwise there.
 */
export function unexplained(
  dir: string,
  files: string[],
  fields: string[],
  known: Record<string, string>,
  opts: { keys?: boolean } = {},
): string[] {
  const problems: string[] = [];
  for (const name of files) {
    const file = `${dir}/${name}`;
    const keys = file.replace(/\.(pcap|pcapng)(\.gz)?$/, '.keys');
    const keylog = opts.keys !== false && existsSync(keys) ? keys : undefined;
    const loaded = loadCapture(file, keylog);
    const args = [
      ...(keylog ? ['-o', `tls.keylog_file:${keylog}`] : ['-o', 'tls.keylog_file:']),
      ...decodeAsArgs(loaded.trace),
    ];
    const wanted = fields.filter((f) => !(`${name} ${f}` in known) && !(`${name} *` in known));
    problems.push(...describeDiffs(compareWithTshark(loaded, file, wanted, args), name));
  }
  return problems;
}
