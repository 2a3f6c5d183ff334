/**
 * tracelens' own display-filter fields (tracelens.*): what the analysis concluded about a packet,
 * so that `tracelens.finding == "<kind>"` or `tracelens.severity == "error"` select the
 * packets a finding names as evidence (directly, or through the HTTP/2 frames it names), and
 * `tracelens.idle_gap > 30` the packets that ended a silence on their connection.
 */
import { def } from '../capture/fields';
import type { FieldContext, FieldLayer, FieldValue } from '../filter/types';
import type { Finding, Severity } from '../trace';

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** Packet row -> findings whose evidence names the packet (or a frame completed in it). */
export function findingsByRow(ctx: FieldContext): Map<number, Finding[]> {
  const key = 'tracelens.findings';
  let m = ctx.cache.get(key) as Map<number, Finding[]> | undefined;
  if (m) return m;
  const map = new Map<number, Finding[]>();
  let frameRow: Map<number, number> | null = null;
  const frameRows = (): Map<number, number> => {
    if (frameRow) return frameRow;
    frameRow = new Map();
    const put = (n: number, packets: number[]): void => {
      if (packets.length) frameRow?.set(n, packets[packets.length - 1] - 1);
    };
    for (const s of ctx.trace.streams) for (const f of s.frames) put(f.number, f.packets);
    for (const c of ctx.trace.h2) for (const f of c.frames) put(f.number, f.packets);
    return frameRow;
  };
  const add = (row: number, f: Finding): void => {
    if (row < 0 || row >= ctx.packets.length) return;
    const list = map.get(row);
    if (!list) map.set(row, [f]);
    else if (!list.includes(f)) list.push(f);
  };
  for (const f of ctx.trace.findings) {
    for (const e of f.evidence) {
      if (e.packet !== undefined) add(e.packet - 1, f);
      else if (e.frame !== undefined) {
        const row = frameRows().get(e.frame);
        if (row !== undefined) add(row, f);
      }
    }
  }
  m = map;
  ctx.cache.set(key, m);
  return m;
}

/**
 * Seconds of silence on the packet's connection before it (since the connection's previous
 * packet, either direction); absent for a connection's first packet and non-TCP packets.
 */
function idleGaps(ctx: FieldContext): Float64Array {
  const key = 'tracelens.idleGap';
  let g = ctx.cache.get(key) as Float64Array | undefined;
  if (g) return g;
  const p = ctx.packets;
  g = new Float64Array(p.length).fill(-1);
  const last = new Float64Array(ctx.trace.connections.length).fill(-1);
  for (let row = 0; row < p.length; row++) {
    const c = p.conn[row];
    if (c < 0) continue;
    if (last[c] >= 0) g[row] = Math.max(0, p.time[row] - last[c]);
    last[c] = p.time[row];
  }
  ctx.cache.set(key, g);
  return g;
}

export const FINDINGS_LAYER: FieldLayer = {
  protocol: 'tracelens',
  fields: [
    def('tracelens', 'none', 'tracelens analysis', (c, row, out) => {
      if (c.packets.conn[row] >= 0 || findingsByRow(c).has(row)) out.push(true);
    }),
    def(
      'tracelens.finding',
      'string',
      'Kind of a finding that names this packet as evidence',
      (c, row, out) => {
        for (const f of findingsByRow(c).get(row) ?? []) if (!out.includes(f.kind)) out.push(f.kind);
      },
    ),
    def(
      'tracelens.severity',
      'string',
      'Highest severity of the findings that name this packet (error, warning, info)',
      (c, row, out) => {
        const list = findingsByRow(c).get(row);
        if (!list) return;
        let best: Severity = 'info';
        for (const f of list) if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[best]) best = f.severity;
        out.push(best);
      },
    ),
    def(
      'tracelens.idle_gap',
      'float',
      'Seconds of silence on the connection before this packet',
      (c, row, out: FieldValue[]) => {
        const v = idleGaps(c)[row];
        if (v >= 0) out.push(v);
      },
    ),
    def('tracelens.connection', 'string', 'Connection id ("c3")', (c, row, out) => {
      const conn = c.packets.conn[row];
      if (conn >= 0) out.push(c.trace.connections[conn].id);
    }),
    def(
      'tracelens.protocol',
      'string',
      'Application protocol of the connection (http1, h2, tls, unknown)',
      (c, row, out) => {
        const conn = c.packets.conn[row];
        if (conn >= 0) out.push(c.trace.connections[conn].protocol);
      },
    ),
  ],
};
