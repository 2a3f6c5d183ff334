// The display-filter language (lib/filter) and, TEMPORARILY, a few fields and a packet-list model
// of its own: the fields (lib/filter/registry.ts) and the packet-list model (lib/packet-list.ts)
// are being written at the same time; until they land this file gives their interfaces, so that
// the packet session and the UI are built against them. Replaced by re-exports when they land.
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

export { FieldIndex, compileFilter, filterRows } from '@/lib/filter';
export type { CompiledFilter, FilterError } from '@/lib/filter';

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
