// The display filter a right-click on the trace view stands for. A module of its own, loaded on the
// first right-click: tshark's stream numbering (lib/tcp/fields) brings the capture layers' field
// tables with it, code the view does not otherwise need to draw.
import type { Trace } from '@/lib/trace';
import { PacketTable } from '@/lib/packets';
import { tcpStreamNumbers } from '@/lib/tcp/fields';

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
