// Trace -> columns -> Trace: the JSON document comes back byte for byte, on every committed sample
// and lab capture and (when present) every real and Zeek capture of the corpus.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Analyzer, AnalysisError } from '../analyze';
import { stringifyTrace } from '../json';
import { HAS_CORPUS, LAB_DIR, REAL_CAPTURES, SAMPLES_DIR, ZEEK_CAPTURES } from '../../tests/shared';
import type { Trace } from '../trace';
import { EXTRA, toTraceColumns } from './columns';
import { TraceDocument } from './reader';
import { decodeArrow, encodeArrow } from './arrow';
import { decodeBinary, encodeBinary } from './binary';

function inputsUnder(dir: string, depth = 0): string[] {
  if (!existsSync(dir) || depth > 3) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...inputsUnder(p, depth + 1));
    else if (/\.(pcap|pcapng|log)(\.gz)?$/.test(name)) out.push(p);
  }
  return out;
}

export function analyzeFile(file: string): Trace | null {
  const keyFile = ['.keys', '.keylog']
    .map((ext) => file.replace(/\.pcap(ng)?(\.gz)?$/, ext))
    .find((f) => f !== file && existsSync(f));
  const keylog = keyFile ? readFileSync(keyFile, 'utf8') : undefined;
  const bytes = new Uint8Array(readFileSync(file));
  const a = new Analyzer({ name: path.basename(file), size: bytes.length, keylog });
  try {
    a.push(bytes);
    return a.finish();
  } catch (e) {
    if (e instanceof AnalysisError) return null;
    throw e;
  }
}

const files = [
  ...inputsUnder(SAMPLES_DIR),
  ...inputsUnder(LAB_DIR),
  ...inputsUnder(REAL_CAPTURES),
  ...inputsUnder(ZEEK_CAPTURES),
];

describe('Trace -> columns -> Trace JSON is the original JSON', () => {
  it('has inputs', () => expect(files.length).toBeGreaterThan(HAS_CORPUS ? 100 : 50));
  for (const file of files) {
    it(path.relative(path.dirname(SAMPLES_DIR), file), () => {
      const trace = analyzeFile(file);
      if (!trace) return;
      const want = stringifyTrace(trace, 0);
      const cols = toTraceColumns(trace);
      expect(stringifyTrace(new TraceDocument(cols).toTrace(), 0)).toBe(want);
      // The layout foresees every field the analysis writes: nothing went to a row's extra JSON.
      for (const [name, t] of Object.entries(cols.tables)) expect(t.columns[EXTRA], name).toBeUndefined();
      // Through the Arrow IPC file, and through the format it was measured against.
      const fromArrow = new TraceDocument(decodeArrow(encodeArrow(cols))).toTrace();
      expect(stringifyTrace(fromArrow, 0)).toBe(want);
      expect(stringifyTrace(new TraceDocument(decodeBinary(encodeBinary(cols))).toTrace(), 0)).toBe(want);
      // The packet columns come back too, equal.
      if (trace.packets) {
        const p = fromArrow.packets!;
        expect(p.length).toBe(trace.packets.length);
        expect(Array.from(p.time.subarray(0, p.length))).toEqual(
          Array.from(trace.packets.time.subarray(0, p.length)),
        );
        expect(Array.from(p.conn.subarray(0, p.length))).toEqual(
          Array.from(trace.packets.conn.subarray(0, p.length)),
        );
      }
    });
  }
});
