// Every committed sample (samples/<name>/ with expected.json) yields exactly its expected findings:
// each expected kind fires on the named connection/stream, and — when the sample says "quiet" —
// nothing else of severity warning or error does.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeBytes } from '../../lib/analyze';
import type { Connection, Finding, Trace } from '../../lib/trace';
import { SAMPLES_DIR } from '../shared';
import { checkFinding } from '../../lib/findings/testing';

interface ExpectedFinding {
  kind: string;
  connection: { serverPort: number; index: number } | null;
  stream?: number | null;
}
interface Expected {
  description: string;
  capture?: string;
  options?: Record<string, number>;
  findings: ExpectedFinding[];
  quiet: boolean;
}

function sampleDirs(): string[] {
  if (!existsSync(SAMPLES_DIR)) return [];
  return readdirSync(SAMPLES_DIR)
    .filter((d) => existsSync(path.join(SAMPLES_DIR, d, 'expected.json')))
    .sort();
}

function captureOf(dir: string, e: Expected): string {
  if (e.capture) return path.join(dir, e.capture);
  const f = readdirSync(dir).find((n) => /\.(pcap|pcapng)(\.gz)?$/.test(n));
  if (!f) throw new Error(`no capture in ${dir}`);
  return path.join(dir, f);
}

/** The connection an expectation names: the k-th connection (capture order) to that server port. */
function resolveConnection(trace: Trace, ref: { serverPort: number; index: number }): Connection | undefined {
  return trace.connections.filter((c) => c.serverPort === ref.serverPort)[ref.index];
}

function matches(f: Finding, e: ExpectedFinding, trace: Trace): boolean {
  if (f.kind !== e.kind) return false;
  if (e.connection === null) return f.connection === null;
  const c = resolveConnection(trace, e.connection);
  if (!c || f.connection !== c.id) return false;
  if (e.stream !== undefined && e.stream !== null && f.stream !== e.stream) return false;
  return true;
}

const dirs = sampleDirs();

describe('samples yield exactly their expected findings', () => {
  it('has samples to check', () => {
    expect(dirs.length).toBeGreaterThan(0);
  });
  for (const name of dirs) {
    it(name, () => {
      const dir = path.join(SAMPLES_DIR, name);
      const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
      const file = captureOf(dir, expected);
      const trace = analyzeBytes(
        path.basename(file),
        new Uint8Array(readFileSync(file)),
        expected.options ?? {},
      );
      for (const e of expected.findings) {
        const hit = trace.findings.some((f) => matches(f, e, trace));
        expect(
          hit,
          `expected ${e.kind} on ${JSON.stringify(e.connection)}${e.stream ? ` stream ${e.stream}` : ''}; got ${trace.findings.map((f) => `${f.kind}@${f.connection}/${f.stream}`).join(', ')}`,
        ).toBe(true);
      }
      if (expected.quiet) {
        const unexpected = trace.findings.filter(
          (f) => f.severity !== 'info' && !expected.findings.some((e) => matches(f, e, trace)),
        );
        expect(unexpected.map((f) => `${f.kind}@${f.connection}/${f.stream}: ${f.title}`)).toEqual([]);
      }
      // Every finding is specific: evidence, figures in title and explanation, a sane time range.
      for (const f of trace.findings) expect(checkFinding(f), f.kind).toEqual([]);
    });
  }
});
