'use client';
// What a display filter leaves of the trace's lists: the connections, HTTP/2 streams, HTTP/1
// exchanges and findings with at least one matching packet (the worker found them; here they are
// only picked by index). Findings keep a map back to their index in the trace, which is how the
// page selects them.
import { useMemo } from 'react';
import type { FilterResult } from '@/app/worker/packet-messages';
import type { Connection, Finding, H2Stream, Http1Exchange, Trace } from '@/lib/trace';
import { PacketTable } from '@/lib/packets';
import { tcpStreamNumbers } from '@/lib/tcp/fields';

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

/**
 * The display filter a right-click on a page element stands for: a connection row
 * (`tcp.stream == N`), an HTTP/2 stream row (`tcp.stream == N && http2.streamid == M`) or a finding
 * (`tracelens.finding == "kind"`); null for anything else.
 */
export function filterForElement(el: Element | null, trace: Trace): string | null {
  if (!el) return null;
  // tcp.stream is tshark's stream number, which is not always the connection's index (the same
  // tuple on two VLANs at once is one tshark stream).
  const stream = (ci: number) =>
    tcpStreamNumbers({
      trace,
      packets: trace.packets ?? new PacketTable(),
      bytes: () => null,
      cache: streamCache(trace),
    })[ci];
  const streamRow = el.closest('[data-stream][data-stream-conn]');
  if (streamRow) {
    const ci = trace.connections.findIndex((c) => c.id === streamRow.getAttribute('data-stream-conn'));
    const sid = Number(streamRow.getAttribute('data-stream'));
    if (ci >= 0 && Number.isInteger(sid)) return `tcp.stream == ${stream(ci)} && http2.streamid == ${sid}`;
  }
  const connRow = el.closest('[data-conn]');
  if (connRow) {
    const ci = trace.connections.findIndex((c) => c.id === connRow.getAttribute('data-conn'));
    if (ci >= 0) return `tcp.stream == ${stream(ci)}`;
  }
  const finding = el.closest('[data-finding-kind],[data-kind-group]');
  if (finding) {
    const kind = finding.getAttribute('data-finding-kind') ?? finding.getAttribute('data-kind-group');
    if (kind) return `tracelens.finding == ${JSON.stringify(kind)}`;
  }
  return null;
}

/** The field layers' per-trace cache, one per trace (tcpStreamNumbers keeps its map there). */
const caches = new WeakMap<Trace, Map<string, unknown>>();
function streamCache(trace: Trace): Map<string, unknown> {
  let c = caches.get(trace);
  if (!c) caches.set(trace, (c = new Map()));
  return c;
}
