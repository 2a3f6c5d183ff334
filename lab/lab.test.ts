// Every lab scenario (lab/<name>/expected.json) yields exactly its expected findings, on each of
// its committed captures; the benign ones nothing at warning or above. See lab/README.md for the
// format. Regenerating captures needs root (lab/<name>/generate.sh); these tests only read them.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Analyzer } from '../lib/analyze';
import type { AnalysisOptions, Finding, Severity, Trace } from '../lib/trace';

export interface ExpectedKind {
  kind: string;
  severity: Severity;
  /** Exact count, or a range with min/max (a range only where the real program's timing varies). */
  count?: number;
  min?: number;
  max?: number;
}

export interface ExpectedCapture {
  options?: Partial<AnalysisOptions>;
  /** A key log file in the scenario folder. */
  keylog?: string;
  findings: ExpectedKind[];
  /** Input facts the capture must show (connections, streams, exchanges), when stated. */
  counts?: { connections?: number; streams?: number; exchanges?: number };
}

export interface LabExpected {
  shows: string;
  benign: boolean;
  captures: Record<string, ExpectedCapture>;
}

const LAB_DIR = __dirname;

function scenarios(): string[] {
  return readdirSync(LAB_DIR)
    .filter((d) => existsSync(path.join(LAB_DIR, d, 'expected.json')))
    .sort();
}

function analyzeFile(file: string, e: ExpectedCapture, dir: string): Trace {
  const bytes = new Uint8Array(readFileSync(file));
  const keylog = e.keylog ? readFileSync(path.join(dir, e.keylog), 'utf8') : undefined;
  const a = new Analyzer({ name: path.basename(file), size: bytes.length, keylog }, e.options ?? {});
  const step = 1 << 20;
  for (let off = 0; off < bytes.length; off += step) a.push(bytes.subarray(off, off + step));
  return a.finish();
}

function describeFinding(f: Finding): string {
  return `${f.severity} ${f.kind}@${f.connection ?? '-'}/${f.stream ?? '-'}: ${f.title}`;
}

/** Differences between what a capture yields and what it should: empty when they agree. */
export function labMismatches(trace: Trace, e: ExpectedCapture, benign: boolean): string[] {
  const problems: string[] = [];
  const byKey = new Map<string, Finding[]>();
  for (const f of trace.findings) {
    const key = `${f.kind}|${f.severity}`;
    byKey.set(key, [...(byKey.get(key) ?? []), f]);
  }
  const listed = new Set<string>();
  for (const x of e.findings) {
    const key = `${x.kind}|${x.severity}`;
    listed.add(key);
    const n = byKey.get(key)?.length ?? 0;
    const min = x.count ?? x.min ?? 1;
    const max = x.count ?? x.max ?? Infinity;
    if (n < min || n > max)
      problems.push(`${x.severity} ${x.kind}: ${n} found, expected ${min === max ? min : `${min}..${max}`}`);
    if (benign && x.severity !== 'info') problems.push(`benign scenario lists ${x.severity} ${x.kind}`);
  }
  for (const f of trace.findings)
    if (f.severity !== 'info' && !listed.has(`${f.kind}|${f.severity}`))
      problems.push(`unexpected ${describeFinding(f)}`);
  const c = e.counts;
  if (c?.connections !== undefined && trace.connections.length !== c.connections)
    problems.push(`connections: ${trace.connections.length}, expected ${c.connections}`);
  if (c?.streams !== undefined && trace.streams.length !== c.streams)
    problems.push(`streams: ${trace.streams.length}, expected ${c.streams}`);
  if (c?.exchanges !== undefined && trace.exchanges.length !== c.exchanges)
    problems.push(`exchanges: ${trace.exchanges.length}, expected ${c.exchanges}`);
  return problems;
}

const names = scenarios();

describe('lab scenarios yield exactly their expected findings', () => {
  it('has scenarios', () => {
    expect(names.length).toBeGreaterThan(0);
  });
  for (const name of names) {
    const dir = path.join(LAB_DIR, name);
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as LabExpected;
    for (const [file, e] of Object.entries(expected.captures)) {
      it(`${name}/${file}`, () => {
        const p = path.join(dir, file);
        expect(existsSync(p), `${p} is missing`).toBe(true);
        const trace = analyzeFile(p, e, dir);
        expect(labMismatches(trace, e, expected.benign)).toEqual([]);
      });
    }
  }
});
