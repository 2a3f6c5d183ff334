// What the packet session uses of the display-filter language (lib/filter) and its fields
// (lib/filter/registry.ts), and, TEMPORARILY, a packet-list model of its own: lib/packet-list.ts
// (packetRow, coloringRule) is being written at the same time; until it lands this file gives its
// interface from the packet columns. Replaced by a re-export when it lands.
import {
  A_FAST_RETRANSMISSION,
  A_RETRANSMISSION,
  A_DUP_ACK,
  A_LOST_SEGMENT,
  A_OUT_OF_ORDER,
} from '@/lib/packets';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '@/lib/packets';
import type { FieldContext } from '@/lib/filter/types';

export { FieldIndex, compileFilter, filterRows } from '@/lib/filter';
export type { CompiledFilter, FilterError } from '@/lib/filter';

export { FIELD_LAYERS, fieldContext } from '@/lib/filter/registry';

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
