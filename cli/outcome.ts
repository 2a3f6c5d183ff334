/**
 * What every CLI command does the same way: read a key log, decide the exit status from
 * `--fail-on`, and report a failure in one line (the stack only with TRACELENS_DEBUG).
 */
import { readFileSync } from 'node:fs';
import { AnalysisError } from '../lib/analyze';
import type { Severity } from '../lib/trace';

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** Exit status 3 when a finding is at or above `failOn`, else 0. */
export function failOnStatus(findings: readonly { severity: Severity }[], failOn: Severity | null): number {
  if (!failOn) return 0;
  const min = SEVERITY_RANK[failOn];
  return findings.some((f) => SEVERITY_RANK[f.severity] >= min) ? 3 : 0;
}

export function readKeylog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new AnalysisError(`cannot read key log ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/**
 * The exit status of a command that threw: 1 with one line on stderr. Never a stack trace for
 * the user: the detail only with TRACELENS_DEBUG.
 */
export function reportFailure(e: unknown, err: NodeJS.WritableStream): number {
  if (e instanceof AnalysisError) {
    err.write(`tracelens: ${e.message}\n`);
    return 1;
  }
  err.write(`tracelens: internal error: ${(e as Error).message ?? String(e)}\n`);
  if (process.env.TRACELENS_DEBUG) err.write(String((e as Error).stack) + '\n');
  return 1;
}
