// TEMPORARY adapter: the display-filter language (lib/filter), its fields (lib/filter/registry.ts)
// and the packet-list model (lib/packet-list.ts) are being written at the same time; until they
// land this file gives their interfaces with a few fields, so that the packet session and the UI
// are built against them. Replaced by re-exports when they land.
import {
  A_FAST_RETRANSMISSION,
  A_RETRANSMISSION,
  A_DUP_ACK,
  A_LOST_SEGMENT,
  A_OUT_OF_ORDER,
} from '@/lib/packets';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '@/lib/packets';
import type { FieldContext, FieldDef, FieldLayer, FieldValue } from '@/lib/filter/types';
import type { Trace } from '@/lib/trace';

export interface FilterError {
  message: string;
  column: number;
  length: number;
  suggestion?: string;
}
export interface CompiledFilter {
  fields: string[];
  match(ctx: FieldContext, row: number): boolean;
}

export class FieldIndex {
  private byName = new Map<string, FieldDef>();
  constructor(layers: FieldLayer[]) {
    for (const l of layers) for (const f of l.fields) this.byName.set(f.name, f);
  }
  get(name: string): FieldDef | undefined {
    return this.byName.get(name);
  }
  complete(prefix: string): FieldDef[] {
    return [...this.byName.values()].filter((f) => f.name.startsWith(prefix)).slice(0, 50);
  }
}

const conn = (ctx: FieldContext, row: number) => ctx.packets.conn[row];
const flag =
  (bit: number) =>
  (ctx: FieldContext, row: number, out: FieldValue[]): void => {
    if (conn(ctx, row) >= 0) out.push((ctx.packets.tcpFlags[row] & bit) !== 0 ? 1 : 0);
  };
const port = (side: 'src' | 'dst') => (ctx: FieldContext, row: number, out: FieldValue[]) => {
  const c = ctx.trace.connections[conn(ctx, row)];
  if (!c) return;
  const c2s = ctx.packets.dir[row] === 0;
  out.push((side === 'src') === c2s ? c.clientPort : c.serverPort);
};

export const FIELD_LAYERS: FieldLayer[] = [
  {
    protocol: 'frame',
    fields: [
      { name: 'frame', type: 'none', title: 'Frame', read: (_c, _r, o) => void o.push(true) },
      { name: 'frame.number', type: 'uint', title: 'Frame Number', read: (_c, r, o) => void o.push(r + 1) },
      {
        name: 'frame.len',
        type: 'uint',
        title: 'Frame length',
        read: (c, r, o) => void o.push(c.packets.origLen[r]),
      },
    ],
  },
  {
    protocol: 'tcp',
    fields: [
      { name: 'tcp', type: 'none', title: 'TCP', read: (c, r, o) => void (conn(c, r) >= 0 && o.push(true)) },
      {
        name: 'tcp.stream',
        type: 'uint',
        title: 'Stream index',
        read: (c, r, o) => void (conn(c, r) >= 0 && o.push(conn(c, r))),
      },
      { name: 'tcp.srcport', type: 'uint', title: 'Source Port', read: port('src') },
      { name: 'tcp.dstport', type: 'uint', title: 'Destination Port', read: port('dst') },
      {
        name: 'tcp.port',
        type: 'uint',
        title: 'Source or Destination Port',
        read: (c, r, o) => {
          port('src')(c, r, o);
          port('dst')(c, r, o);
        },
      },
      {
        name: 'tcp.len',
        type: 'uint',
        title: 'TCP Segment Len',
        read: (c, r, o) => void (conn(c, r) >= 0 && o.push(c.packets.payloadLen[r])),
      },
      { name: 'tcp.flags.syn', type: 'bool', title: 'Syn', read: flag(TCP_SYN) },
      { name: 'tcp.flags.fin', type: 'bool', title: 'Fin', read: flag(TCP_FIN) },
      { name: 'tcp.flags.reset', type: 'bool', title: 'Reset', read: flag(TCP_RST) },
      { name: 'tcp.flags.ack', type: 'bool', title: 'Acknowledgment', read: flag(TCP_ACK) },
      { name: 'tcp.flags.push', type: 'bool', title: 'Push', read: flag(TCP_PSH) },
      {
        name: 'tcp.analysis.retransmission',
        type: 'none',
        title: 'Retransmission',
        read: (c, r, o) => void (c.packets.analysis[r] & A_RETRANSMISSION && o.push(true)),
      },
    ],
  },
  {
    protocol: 'tracelens',
    fields: [
      {
        name: 'tracelens.finding',
        type: 'string',
        title: 'Finding kind',
        read: (c, r, o) => {
          for (const f of c.trace.findings) if (f.evidence.some((e) => e.packet === r + 1)) o.push(f.kind);
        },
      },
    ],
  },
];

export function fieldContext(trace: Trace, bytes?: (row: number) => Uint8Array | null): FieldContext {
  return { trace, packets: trace.packets!, bytes: bytes ?? (() => null), cache: new Map() };
}

/** `a == b && c` with field names, numbers and "strings"; enough to drive the UI. */
export function compileFilter(
  text: string,
  fields: FieldIndex,
): { ok: true; filter: CompiledFilter } | { ok: false; error: FilterError } {
  const terms: ((ctx: FieldContext, row: number) => boolean)[] = [];
  const names: string[] = [];
  const re = /\s*([A-Za-z_][\w.]*)\s*(?:(==|!=)\s*("[^"]*"|[\w.]+))?\s*(&&|$)/y;
  let at = 0;
  if (!text.trim()) return { ok: true, filter: { fields: [], match: () => true } };
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m || m[0] === '') {
      const col = at + 1 + (text.slice(at).length - text.slice(at).trimStart().length);
      return {
        ok: false,
        error: {
          message: `"${text.slice(col - 1)}" was unexpected in this context.`,
          column: col,
          length: text.length - col + 1,
        },
      };
    }
    const [, name, op, lit] = m;
    const def = fields.get(name);
    const col = text.indexOf(name, at) + 1;
    if (!def)
      return {
        ok: false,
        error: {
          message: `"${name}" is not a valid protocol or protocol field.`,
          column: col,
          length: name.length,
        },
      };
    names.push(name);
    const want: FieldValue | undefined =
      lit === undefined ? undefined : lit.startsWith('"') ? lit.slice(1, -1) : Number(lit);
    const out: FieldValue[] = [];
    terms.push((ctx, row) => {
      out.length = 0;
      def.read(ctx, row, out);
      if (!op) return out.length > 0;
      const hit = out.some((v) => v === want || Number(v) === want);
      return op === '==' ? hit : out.length > 0 && !hit;
    });
    at = re.lastIndex;
  }
  return { ok: true, filter: { fields: names, match: (ctx, row) => terms.every((t) => t(ctx, row)) } };
}

export function filterRows(ctx: FieldContext, filter: CompiledFilter): Uint32Array {
  const n = ctx.packets.length;
  let out = new Uint32Array(Math.min(n, 1024));
  let k = 0;
  for (let r = 0; r < n; r++) {
    if (!filter.match(ctx, r)) continue;
    if (k === out.length) {
      const g = new Uint32Array(out.length * 2);
      g.set(out);
      out = g;
    }
    out[k++] = r;
  }
  return out.slice(0, k);
}

export interface PacketRow {
  number: number;
  timeS: number;
  src: string;
  dst: string;
  protocol: string;
  length: number;
  info: string;
}

export function packetRow(ctx: FieldContext, row: number): PacketRow {
  const p = ctx.packets;
  const c = ctx.trace.connections[p.conn[row]];
  const base = { number: row + 1, timeS: p.time[row], length: p.origLen[row] };
  if (!c)
    return {
      ...base,
      src: '',
      dst: '',
      protocol: p.l4 === undefined ? '' : p.l4[row] === 17 ? 'UDP' : 'IP',
      info: '',
    };
  const c2s = p.dir[row] === 0;
  const f = p.tcpFlags[row];
  const names = [
    [TCP_FIN, 'FIN'],
    [TCP_SYN, 'SYN'],
    [TCP_RST, 'RST'],
    [TCP_PSH, 'PSH'],
    [TCP_ACK, 'ACK'],
  ]
    .filter(([b]) => f & (b as number))
    .map(([, s]) => s)
    .join(', ');
  const a = p.analysis[row];
  const pre = a & A_RETRANSMISSION ? '[TCP Retransmission] ' : a & A_DUP_ACK ? '[TCP Dup ACK] ' : '';
  const sp = c2s ? c.clientPort : c.serverPort;
  const dp = c2s ? c.serverPort : c.clientPort;
  return {
    ...base,
    src: c2s ? c.clientIp : c.serverIp,
    dst: c2s ? c.serverIp : c.clientIp,
    protocol: p.payloadLen[row] > 0 && c.protocol !== 'unknown' ? c.protocol.toUpperCase() : 'TCP',
    info: `${pre}${sp} → ${dp} [${names}] Len=${p.payloadLen[row]}`,
  };
}

export function coloringRule(ctx: FieldContext, row: number): string | null {
  const p = ctx.packets;
  if (p.conn[row] < 0) return null;
  const a = p.analysis[row];
  if (a & (A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_DUP_ACK | A_LOST_SEGMENT | A_OUT_OF_ORDER))
    return 'Bad TCP';
  const f = p.tcpFlags[row];
  if (f & TCP_RST) return 'TCP RST';
  if (f & (TCP_SYN | TCP_FIN)) return 'TCP SYN/FIN';
  return 'TCP';
}
