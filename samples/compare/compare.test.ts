// Compare sample pairs (samples/compare/<pair>/{a,b}/capture.pcap): each pair differs in one known way;
// `tracelens compare` must name exactly that change and report no run-to-run noise.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeBytes } from '../../lib/analyze';
import { compareTraces, type Difference } from '../../lib/compare';
import type { Trace } from '../../lib/trace';

const HERE = dirname(fileURLToPath(import.meta.url));
const PAIRS = ['keepalive', 'trailers', 'timeout'];

interface Expected {
  description: string;
  options: Record<string, number>;
  connection: { serverPort: number; index: number };
  summaryMustMention: string[];
  differences: Difference[];
  streamDifferences: { path: string; differences: Difference[] }[];
  findings: { onlyA: string[]; onlyB: string[] };
  noiseFree: boolean;
}

function load(pair: string, run: 'a' | 'b', options: Record<string, number>): Trace {
  const bytes = readFileSync(join(HERE, pair, run, 'capture.pcap'));
  return analyzeBytes(`${pair}/${run}`, new Uint8Array(bytes), options);
}

/** Strings and null exactly; numbers within a tolerance (durations, byte counts and gaps vary a little per run). */
function sameValue(actual: Difference['a'], expected: Difference['a']): boolean {
  if (typeof expected === 'number' && typeof actual === 'number') {
    return Math.abs(actual - expected) <= Math.max(0.5, Math.abs(expected) * 0.35);
  }
  return actual === expected;
}

function expectDifferences(actual: Difference[], expected: Difference[]): void {
  expect(actual.map((d) => d.what).sort()).toEqual(expected.map((d) => d.what).sort());
  for (const e of expected) {
    const d = actual.find((x) => x.what === e.what)!;
    expect(sameValue(d.a, e.a), `${e.what} A: got ${d.a}, expected ${e.a}`).toBe(true);
    expect(sameValue(d.b, e.b), `${e.what} B: got ${d.b}, expected ${e.b}`).toBe(true);
  }
}

for (const pair of PAIRS) {
  describe(`compare/${pair}`, () => {
    const expected = JSON.parse(readFileSync(join(HERE, pair, 'expected.json'), 'utf8')) as Expected;
    const ta = load(pair, 'a', expected.options);
    const tb = load(pair, 'b', expected.options);
    const r = compareTraces(ta, tb);
    const nth = (t: Trace) =>
      t.connections.filter((c) => c.serverPort === expected.connection.serverPort)[expected.connection.index];

    it('the summary names the change', () => {
      for (const re of expected.summaryMustMention) {
        expect(
          r.summary.some((s) => new RegExp(re).test(s)),
          `no summary line matches /${re}/:\n${r.summary.join('\n')}`,
        ).toBe(true);
      }
    });

    it('the connection of interest carries exactly the expected differences', () => {
      const ca = nth(ta);
      const cb = nth(tb);
      expect(ca).toBeDefined();
      expect(cb).toBeDefined();
      const m = r.matches.find((x) => x.a === ca.id);
      expect(m, 'connection of interest not matched').toBeDefined();
      expect(m!.b).toBe(cb.id);
      expectDifferences(m!.differences, expected.differences);
      expect(m!.streams.map((s) => s.path).sort()).toEqual(
        expected.streamDifferences.map((s) => s.path).sort(),
      );
      for (const es of expected.streamDifferences) {
        expectDifferences(m!.streams.find((s) => s.path === es.path)!.differences, es.differences);
      }
    });

    it('findings that differ are the expected ones', () => {
      expect([...new Set(r.findings.onlyA.map((f) => f.kind))].sort()).toEqual(
        [...expected.findings.onlyA].sort(),
      );
      expect([...new Set(r.findings.onlyB.map((f) => f.kind))].sort()).toEqual(
        [...expected.findings.onlyB].sort(),
      );
    });

    it('no noise: every connection matched, nothing else differs, one summary line', () => {
      expect(expected.noiseFree).toBe(true);
      expect(r.onlyInA).toEqual([]);
      expect(r.onlyInB).toEqual([]);
      const ca = nth(ta);
      for (const m of r.matches) {
        if (m.a === ca.id) continue;
        expect(m.differences, `${m.a} vs ${m.b}`).toEqual([]);
        expect(m.streams, `${m.a} vs ${m.b}`).toEqual([]);
      }
      expect(r.summary).toHaveLength(1);
    });

    it('a run compared with itself has no differences', () => {
      for (const t of [ta, tb]) {
        const self = compareTraces(t, t);
        expect(self.matches.every((m) => m.differences.length === 0 && m.streams.length === 0)).toBe(true);
        expect(self.summary).toEqual(['no differences that matter: same connections, outcomes and findings']);
      }
    });
  });
}
