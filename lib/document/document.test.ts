// Trace -> columns -> Trace: the JSON document comes back byte for byte, on every committed sample
// and lab capture and (when present) every real and Zeek capture of the corpus.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { stringifyTrace } from '../json';
import { HAS_CORPUS, LAB_DIR, REAL_CAPTURES, SAMPLES_DIR, ZEEK_CAPTURES } from '../../tests/shared';
import { analyzeInput, inputsUnder } from '../../tests/inputs';
import { EXTRA, toTraceColumns } from './columns';
import { TraceDocument } from './reader';
import { decodeArrow, encodeArrow } from './arrow';
import { decodeBinary, encodeBinary } from './binary';

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
      const trace = analyzeInput(file);
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
