/**
 * The detector registry: one list, run in order; findings sorted by severity (error, warning,
 * info) then start time, stable otherwise.
 */
import type { AnalysisOptions, Finding, Severity, Trace } from '../trace';
import type { Detector } from './types';
import { cap } from './text';
import { detector as idle } from './idle';
import { detector as deadline } from './deadline';
import { detector as halfClose } from './half-close';
import { detector as http1 } from './http1';
import { detector as h2 } from './h2';
import { detector as tcpHealth } from './tcp-health';
import { detector as coverage } from './coverage';

export type { Detector } from './types';

export const DETECTORS: readonly Detector[] = [idle, deadline, halfClose, http1, h2, tcpHealth, coverage];

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function sortFindings(findings: Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.f.startS - b.f.startS || a.i - b.i)
    .map((x) => x.f);
}

export function runDetectors(trace: Trace, opts: AnalysisOptions): Finding[] {
  const all: Finding[] = [];
  for (const d of DETECTORS) {
    try {
      for (const f of d.detect(trace, opts))
        all.push({ ...f, title: cap(f.title), explanation: cap(f.explanation) });
    } catch (e) {
      // One broken detector must not take the whole analysis down; say so in the input warnings.
      trace.input.warnings.push(`detector ${d.id} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return sortFindings(all);
}
