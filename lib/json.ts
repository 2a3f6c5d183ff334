/**
 * The Trace as the JSON document of shared/contracts/trace-json.md: contract fields first, with
 * their names and meanings, then our additions. Per-packet columns are not part of the document.
 */
import type { Trace } from './trace';

export interface TraceJson extends Omit<Trace, 'packets'> {
  [key: string]: unknown;
}

export function toTraceJson(trace: Trace): TraceJson {
  const { packets: _packets, ...rest } = trace;
  void _packets;
  return {
    tool: rest.tool,
    version: rest.version,
    input: rest.input,
    options: rest.options,
    connections: rest.connections,
    streams: rest.streams,
    exchanges: rest.exchanges,
    findings: rest.findings,
    h2: rest.h2,
  };
}

/** Serializes with finite numbers only (NaN/Infinity become null) and rounded times (1 ns). */
export function stringifyTrace(trace: Trace, indent = 2): string {
  return JSON.stringify(
    toTraceJson(trace),
    (_k, v: unknown) => {
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) return null;
        if (!Number.isInteger(v)) return Math.round(v * 1e9) / 1e9;
      }
      return v;
    },
    indent,
  );
}
