'use client';
// What a display filter leaves of the trace's lists: the connections, HTTP/2 streams, HTTP/1
// exchanges and findings with at least one matching packet (the worker found them; here they are
// only picked by index). Findings keep a map back to their index in the trace, which is how the
// page selects them.
import { useMemo } from 'react';
import type { FilterResult } from '@/app/worker/packet-messages';
import type { Connection, Finding, H2Stream, Http1Exchange, Trace } from '@/lib/trace';

export interface Narrowed {
  active: boolean;
  connections: Connection[];
  streams: ReadonlySet<H2Stream> | null;
  exchanges: ReadonlySet<Http1Exchange> | null;
  findings: Finding[];
  /** Index in trace.findings of each entry of `findings`. */
  findingIndex: number[];
}

export function useNarrowed(trace: Trace, result: FilterResult | null): Narrowed {
  return useMemo(() => {
    if (!result) {
      return {
        active: false,
        connections: trace.connections,
        streams: null,
        exchanges: null,
        findings: trace.findings,
        findingIndex: trace.findings.map((_, i) => i),
      };
    }
    const at = <T>(list: T[], idx: Uint32Array) =>
      Array.from(idx, (i) => list[i]).filter((x) => x !== undefined);
    return {
      active: true,
      connections: at(trace.connections, result.connections),
      streams: new Set(at(trace.streams, result.streams)),
      exchanges: new Set(at(trace.exchanges, result.exchanges)),
      findings: at(trace.findings, result.findings),
      findingIndex: Array.from(result.findings),
    };
  }, [trace, result]);
}
