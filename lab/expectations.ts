// What a lab scenario expects of its captures (lab/README.md), and the comparison: shared by
// lab.test.ts and report.ts.
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
