/**
 * Display-filter fields of TCP (tcp.*), with Wireshark's names and meanings: relative sequence
 * numbers by default (tcp.seq relative to the sender's ISN, tcp.seq_raw as on the wire), the scaled
 * window (tcp.window_size; tcp.window_size_value raw), tcp.stream numbered as tshark numbers it,
 * and the tcp.analysis.* flags of the tracker's per-segment analysis (lib/tcp/tracker.ts).
 *
 * Everything a filter over millions of packets reads comes from the packet columns; per-connection
 * facts (stream numbers, base sequence numbers, window scales) and per-packet derived values
 * (previous packet of the connection, bytes in flight) are built once, lazily, on first use.
 * Options and the payload are read from the packet's bytes.
 */
import { def, headersOf } from '../capture/fields';
import type { FieldContext, FieldLayer, FieldValue } from '../filter/types';
import {
  A_ACKED_UNSEEN,
  A_DUP_ACK,
  A_FAST_RETRANSMISSION,
  A_KEEP_ALIVE,
  A_KEEP_ALIVE_ACK,
  A_LOST_SEGMENT,
  A_OUT_OF_ORDER,
  A_RETRANSMISSION,
  A_SPURIOUS_RETRANSMISSION,
  A_WINDOW_FULL,
  A_WINDOW_UPDATE,
  A_ZERO_WINDOW,
  A_ZERO_WINDOW_PROBE,
  DIR_S2C,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from '../packets';

/**
 * The TCP flags in bit order: the bit, the name Wireshark's Info column and detail give it, and its
 * tcp.flags.* field with the field's title.
 */
export const TCP_FLAGS: readonly { bit: number; name: string; field: string; title: string }[] = [
  { bit: TCP_FIN, name: 'FIN', field: 'tcp.flags.fin', title: 'Fin' },
  { bit: TCP_SYN, name: 'SYN', field: 'tcp.flags.syn', title: 'Syn' },
  { bit: TCP_RST, name: 'RST', field: 'tcp.flags.reset', title: 'Reset' },
  { bit: TCP_PSH, name: 'PSH', field: 'tcp.flags.push', title: 'Push' },
  { bit: TCP_ACK, name: 'ACK', field: 'tcp.flags.ack', title: 'Acknowledgment' },
  { bit: TCP_URG, name: 'URG', field: 'tcp.flags.urg', title: 'Urgent' },
  { bit: TCP_ECE, name: 'ECE', field: 'tcp.flags.ece', title: 'ECN-Echo' },
  { bit: TCP_CWR, name: 'CWR', field: 'tcp.flags.cwr', title: 'Congestion Window Reduced' },
];

/** Analysis bits that make Wireshark add tcp.analysis.flags. */
export const ANALYSIS_FLAG_BITS =
  A_RETRANSMISSION |
  A_FAST_RETRANSMISSION |
  A_SPURIOUS_RETRANSMISSION |
  A_OUT_OF_ORDER |
  A_DUP_ACK |
  A_ZERO_WINDOW |
  A_ZERO_WINDOW_PROBE |
  A_WINDOW_FULL |
  A_KEEP_ALIVE |
  A_KEEP_ALIVE_ACK |
  A_LOST_SEGMENT |
  A_WINDOW_UPDATE |
  A_ACKED_UNSEEN;

const isTcp = (ctx: FieldContext, row: number): boolean => ctx.packets.conn[row] >= 0;

/** A field of TCP packets only. */
function tcp(read: (ctx: FieldContext, row: number, out: FieldValue[]) => void) {
  return (ctx: FieldContext, row: number, out: FieldValue[]): void => {
    if (isTcp(ctx, row)) read(ctx, row, out);
  };
}

/**
 * tcp.stream per connection: tshark keys a stream on addresses and ports alone, so the same
 * 4-tuple on two VLANs (or two overlay networks) at the same time is one tshark stream where the
 * tracker keeps two connections; a new connection on a tuple that has ended (port reuse) is a new
 * stream in both.
 */
export function tcpStreamNumbers(ctx: FieldContext): Int32Array {
  const key = 'tcp.stream';
  let m = ctx.cache.get(key) as Int32Array | undefined;
  if (m) return m;
  const conns = ctx.trace.connections;
  m = new Int32Array(conns.length);
  const lastByTuple = new Map<string, number>();
  let next = 0;
  for (let i = 0; i < conns.length; i++) {
    const c = conns[i];
    const a = `${c.clientIp}|${c.clientPort}`;
    const b = `${c.serverIp}|${c.serverPort}`;
    const tuple = a < b ? `${a}|${b}` : `${b}|${a}`;
    const prev = lastByTuple.get(tuple);
    const p = prev === undefined ? null : conns[prev];
    // One connection seen on two networks (each direction on its own VLAN, a mirror of both
    // ends): tshark's one stream. A SYN with another ISN on the tuple starts a new stream there
    // whatever the network (two overlays' connections on one tuple), as port reuse does.
    const pk = ctx.packets;
    const newIsn =
      p !== null &&
      c.directionBasis === 'syn' &&
      p.handshake.syn !== null &&
      pk.seq[c.firstPacket - 1] !== pk.seq[p.handshake.syn - 1];
    const sameTimeOtherNetwork =
      p !== null &&
      !newIsn &&
      (p.vlan.join('.') !== c.vlan.join('.') || (p.tunnel ?? '') !== (c.tunnel ?? '')) &&
      p.lastPacket > c.firstPacket;
    m[i] = sameTimeOtherNetwork && prev !== undefined ? m[prev] : next++;
    lastByTuple.set(tuple, i);
  }
  ctx.cache.set(key, m);
  return m;
}

/**
 * Per packet, the tshark stream and the side within it (2 * stream + side; side 0 = the client of
 * the stream's first connection): per-stream state (base sequence numbers, window scales, times)
 * is kept on these keys, as tshark keeps it per stream.
 */
export function streamSide(ctx: FieldContext, row: number): number {
  const key = 'tcp.streamFlip';
  let flip = ctx.cache.get(key) as Uint8Array | undefined;
  const streams = tcpStreamNumbers(ctx);
  if (!flip) {
    const conns = ctx.trace.connections;
    flip = new Uint8Array(conns.length);
    const firstOf = new Int32Array(conns.length).fill(-1);
    for (let i = 0; i < conns.length; i++) {
      const f = firstOf[streams[i]];
      if (f < 0) firstOf[streams[i]] = i;
      else if (conns[f].clientIp !== conns[i].clientIp || conns[f].clientPort !== conns[i].clientPort)
        flip[i] = 1;
    }
    ctx.cache.set(key, flip);
  }
  const conn = ctx.packets.conn[row];
  return 2 * streams[conn] + (ctx.packets.dir[row] ^ flip[conn]);
}

interface SeqState {
  /** Per connection and direction (index 2 * conn + dir): base sequence number, set or not. */
  base: Uint32Array;
  set: Uint8Array;
}

/**
 * Base sequence numbers as Wireshark sets them for relative numbers: the ISN of a SYN; otherwise
 * one below the first sequence number seen from that side, or one below the first ACK number that
 * acknowledges it when the other side speaks first.
 */
function seqBases(ctx: FieldContext): SeqState {
  const key = 'tcp.seqBase';
  let s = ctx.cache.get(key) as SeqState | undefined;
  if (s) return s;
  const p = ctx.packets;
  const n = ctx.trace.connections.length;
  s = { base: new Uint32Array(2 * n), set: new Uint8Array(2 * n) };
  for (let row = 0; row < p.length; row++) {
    if (p.conn[row] < 0) continue;
    const f = streamSide(ctx, row);
    const r = f ^ 1;
    const flags = p.tcpFlags[row];
    if (flags & TCP_SYN) {
      if (!s.set[f] || (s.base[f] !== p.seq[row] && flags & TCP_ACK)) {
        s.base[f] = p.seq[row];
        s.set[f] = 1;
      }
    } else if (!s.set[f]) {
      s.base[f] = (p.seq[row] - 1) >>> 0;
      s.set[f] = 1;
    }
    if (flags & TCP_ACK && !s.set[r]) {
      s.base[r] = (p.ack[row] - 1) >>> 0;
      s.set[r] = 1;
    }
  }
  ctx.cache.set(key, s);
  return s;
}

function relSeq(ctx: FieldContext, row: number): number {
  const s = seqBases(ctx);
  return (ctx.packets.seq[row] - s.base[streamSide(ctx, row)]) >>> 0;
}

function relAck(ctx: FieldContext, row: number): number {
  const s = seqBases(ctx);
  return (ctx.packets.ack[row] - s.base[streamSide(ctx, row) ^ 1]) >>> 0;
}

export interface TcpOptions {
  mss: number;
  wscale: number;
  sackPerm: boolean;
  tsval: number;
  tsecr: number;
  hasTs: boolean;
}

/** The options of TCP packet `row`, read from its bytes; null without them. */
export function tcpOptionsOf(ctx: FieldContext, row: number): TcpOptions | null {
  const s = headersOf(ctx, row);
  if (!s || s.tcp < 0) return null;
  const b = s.bytes;
  const o = s.tcp;
  const end = Math.min(b.length, o + (b[o + 12] >> 4) * 4);
  const r: TcpOptions = { mss: -1, wscale: -1, sackPerm: false, tsval: 0, tsecr: 0, hasTs: false };
  let p = o + 20;
  while (p < end) {
    const kind = b[p];
    if (kind === 0) break;
    if (kind === 1) {
      p++;
      continue;
    }
    if (p + 1 >= end) break;
    const len = b[p + 1];
    if (len < 2 || p + len > end) break;
    if (kind === 2 && len === 4) r.mss = (b[p + 2] << 8) | b[p + 3];
    else if (kind === 3 && len === 3) r.wscale = b[p + 2];
    else if (kind === 4) r.sackPerm = true;
    else if (kind === 8 && len === 10) {
      r.hasTs = true;
      r.tsval = ((b[p + 2] << 24) | (b[p + 3] << 16) | (b[p + 4] << 8) | b[p + 5]) >>> 0;
      r.tsecr = ((b[p + 6] << 24) | (b[p + 7] << 16) | (b[p + 8] << 8) | b[p + 9]) >>> 0;
    }
    p += len;
  }
  return r;
}

/**
 * Window scale shift per connection and direction (2 * conn + dir): the shift its SYN announced
 * when both SYNs carried the option (RFC 7323), -2 when the handshake was seen without it on both
 * sides ("no scaling"), -1 when unknown (no handshake captured, or no bytes to read it from).
 */
export function windowScales(ctx: FieldContext): Int8Array {
  const key = 'tcp.wscale';
  let w = ctx.cache.get(key) as Int8Array | undefined;
  if (w) return w;
  const conns = ctx.trace.connections;
  w = new Int8Array(2 * conns.length).fill(-1);
  // The stream's SYN and SYN-ACK (in any of its connections: tshark's stream may span VLANs).
  const syn = new Int32Array(conns.length).fill(-1);
  const synAck = new Int32Array(conns.length).fill(-1);
  for (let i = 0; i < conns.length; i++) {
    const h = conns[i].handshake;
    for (const [pkt, into] of [
      [h.syn, syn],
      [h.synAck, synAck],
    ] as const) {
      if (pkt === null) continue;
      const side = streamSide(ctx, pkt - 1);
      into[side >> 1] = into[side >> 1] < 0 ? pkt - 1 : into[side >> 1];
    }
  }
  for (let st = 0; st < conns.length; st++) {
    const a = syn[st] >= 0 ? tcpOptionsOf(ctx, syn[st]) : null;
    const b = synAck[st] >= 0 ? tcpOptionsOf(ctx, synAck[st]) : null;
    const side =
      syn[st] >= 0 ? streamSide(ctx, syn[st]) : synAck[st] >= 0 ? streamSide(ctx, synAck[st]) ^ 1 : -1;
    if (side < 0) continue;
    // Scaling is on only when both SYNs carry the option; one SYN without it turns it off.
    if ((a && a.wscale < 0) || (b && b.wscale < 0)) {
      w[side] = -2;
      w[side ^ 1] = -2;
    } else if (a && b) {
      w[side] = Math.min(14, a.wscale);
      w[side ^ 1] = Math.min(14, b.wscale);
    }
  }
  ctx.cache.set(key, w);
  return w;
}

function scaledWindow(ctx: FieldContext, row: number): number {
  const raw = ctx.packets.window[row];
  if (ctx.packets.tcpFlags[row] & TCP_SYN) return raw;
  const shift = windowScales(ctx)[streamSide(ctx, row)];
  return shift >= 0 ? raw * 2 ** shift : raw;
}

/**
 * Per packet, the previous packet of the same tshark stream (-1 for its first) and the stream's
 * first packet, built once.
 */
export function streamNeighbours(ctx: FieldContext): { prev: Int32Array; first: Int32Array } {
  const key = 'tcp.prevRow';
  let r = ctx.cache.get(key) as { prev: Int32Array; first: Int32Array } | undefined;
  if (r) return r;
  const p = ctx.packets;
  const streams = tcpStreamNumbers(ctx);
  const prev = new Int32Array(p.length).fill(-1);
  const first = new Int32Array(ctx.trace.connections.length).fill(-1);
  const last = new Int32Array(ctx.trace.connections.length).fill(-1);
  for (let row = 0; row < p.length; row++) {
    const c = p.conn[row];
    if (c < 0) continue;
    const st = streams[c];
    prev[row] = last[st];
    last[st] = row;
    if (first[st] < 0) first[st] = row;
  }
  r = { prev, first };
  ctx.cache.set(key, r);
  return r;
}

/**
 * Connections that reuse the 4-tuple of an earlier one (a new SYN after the old connection): on
 * their first SYN Wireshark says "TCP Port numbers reused" (tcp.analysis.reused_ports).
 */
export function reusedPortsSyn(ctx: FieldContext): Set<number> {
  const key = 'tcp.reusedPorts';
  let r = ctx.cache.get(key) as Set<number> | undefined;
  if (r) return r;
  r = new Set();
  const seen = new Set<string>();
  for (const c of ctx.trace.connections) {
    const a = `${c.clientIp}|${c.clientPort}`;
    const b = `${c.serverIp}|${c.serverPort}`;
    const tuple = `${c.vlan.join('.')}@${c.tunnel ?? ''}|${a < b ? `${a}|${b}` : `${b}|${a}`}`;
    if (seen.has(tuple) && c.handshake.syn !== null && c.directionBasis === 'syn') r.add(c.handshake.syn - 1);
    seen.add(tuple);
  }
  ctx.cache.set(key, r);
  return r;
}

const flag = (bit: number) => tcp((c, row, out) => void out.push((c.packets.tcpFlags[row] & bit) !== 0));
const analysis = (bits: number) =>
  tcp((c, row, out) => {
    if (c.packets.analysis[row] & bits) out.push(true);
  });

export const TCP_LAYER: FieldLayer = {
  protocol: 'tcp',
  fields: [
    def(
      'tcp',
      'none',
      'Transmission Control Protocol',
      tcp((_c, _r, out) => void out.push(true)),
    ),
    def(
      'tcp.srcport',
      'uint',
      'Source Port',
      tcp((c, row, out) => {
        const k = c.trace.connections[c.packets.conn[row]];
        out.push(c.packets.dir[row] === DIR_S2C ? k.serverPort : k.clientPort);
      }),
    ),
    def(
      'tcp.dstport',
      'uint',
      'Destination Port',
      tcp((c, row, out) => {
        const k = c.trace.connections[c.packets.conn[row]];
        out.push(c.packets.dir[row] === DIR_S2C ? k.clientPort : k.serverPort);
      }),
    ),
    def(
      'tcp.port',
      'uint',
      'Source or Destination Port',
      tcp((c, row, out) => {
        const k = c.trace.connections[c.packets.conn[row]];
        if (c.packets.dir[row] === DIR_S2C) out.push(k.serverPort, k.clientPort);
        else out.push(k.clientPort, k.serverPort);
      }),
    ),
    def(
      'tcp.stream',
      'uint',
      'Stream index',
      tcp((c, row, out) => void out.push(tcpStreamNumbers(c)[c.packets.conn[row]])),
    ),
    def(
      'tcp.len',
      'uint',
      'TCP Segment Len',
      tcp((c, row, out) => void out.push(c.packets.payloadLen[row])),
    ),
    def(
      'tcp.seq',
      'uint',
      'Sequence Number',
      tcp((c, row, out) => void out.push(relSeq(c, row))),
    ),
    def(
      'tcp.seq_raw',
      'uint',
      'Sequence Number (raw)',
      tcp((c, row, out) => void out.push(c.packets.seq[row])),
    ),
    def(
      'tcp.nxtseq',
      'uint',
      'Next Sequence Number',
      tcp((c, row, out) => {
        const flags = c.packets.tcpFlags[row];
        const len = c.packets.payloadLen[row] + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0);
        out.push((relSeq(c, row) + len) >>> 0);
      }),
    ),
    def(
      'tcp.ack',
      'uint',
      'Acknowledgment Number',
      tcp((c, row, out) => {
        // Without the ACK flag the number means nothing: Wireshark shows it raw.
        out.push(c.packets.tcpFlags[row] & TCP_ACK ? relAck(c, row) : c.packets.ack[row]);
      }),
    ),
    def(
      'tcp.ack_raw',
      'uint',
      'Acknowledgment number (raw)',
      tcp((c, row, out) => {
        out.push(c.packets.ack[row]);
      }),
    ),
    def(
      'tcp.hdr_len',
      'uint',
      'Header Length',
      tcp((c, row, out) => void out.push((c.packets.tcpOffset[row] >> 4) * 4)),
    ),
    def(
      'tcp.flags',
      'uint',
      'Flags',
      tcp((c, row, out) => void out.push(((c.packets.tcpOffset[row] & 0x0f) << 8) | c.packets.tcpFlags[row])),
    ),
    ...TCP_FLAGS.map((f) => def(f.field, 'bool', f.title, flag(f.bit))),
    def(
      'tcp.window_size_value',
      'uint',
      'Window',
      tcp((c, row, out) => void out.push(c.packets.window[row])),
    ),
    def(
      'tcp.window_size',
      'uint',
      'Calculated window size',
      tcp((c, row, out) => void out.push(scaledWindow(c, row))),
    ),
    def(
      'tcp.window_size_scalefactor',
      'int',
      'Window size scaling factor',
      tcp((c, row, out) => {
        if (c.packets.tcpFlags[row] & TCP_SYN) return;
        const shift = windowScales(c)[streamSide(c, row)];
        out.push(shift >= 0 ? 2 ** shift : shift);
      }),
    ),
    def(
      'tcp.payload',
      'bytes',
      'TCP payload',
      tcp((c, row, out) => {
        const s = headersOf(c, row);
        if (!s || s.tcp < 0) return;
        const start = s.tcp + (s.bytes[s.tcp + 12] >> 4) * 4;
        if (s.tcpEnd > start) out.push(s.bytes.subarray(start, s.tcpEnd));
      }),
    ),
    def(
      'tcp.options.mss_val',
      'uint',
      'MSS Value',
      tcp((c, row, out) => {
        const o = c.packets.tcpOffset[row] > 0x5f ? tcpOptionsOf(c, row) : null;
        if (o && o.mss >= 0) out.push(o.mss);
      }),
    ),
    def(
      'tcp.options.wscale.shift',
      'uint',
      'Shift count',
      tcp((c, row, out) => {
        const o = c.packets.tcpOffset[row] > 0x5f ? tcpOptionsOf(c, row) : null;
        if (o && o.wscale >= 0) out.push(o.wscale);
      }),
    ),
    def(
      'tcp.options.sack_perm',
      'none',
      'TCP SACK Permitted Option',
      tcp((c, row, out) => {
        const o = c.packets.tcpOffset[row] > 0x5f ? tcpOptionsOf(c, row) : null;
        if (o?.sackPerm) out.push(true);
      }),
    ),
    def(
      'tcp.options.timestamp.tsval',
      'uint',
      'Timestamp value',
      tcp((c, row, out) => {
        const o = c.packets.tcpOffset[row] > 0x5f ? tcpOptionsOf(c, row) : null;
        if (o?.hasTs) out.push(o.tsval);
      }),
    ),
    def(
      'tcp.options.timestamp.tsecr',
      'uint',
      'Timestamp echo reply',
      tcp((c, row, out) => {
        const o = c.packets.tcpOffset[row] > 0x5f ? tcpOptionsOf(c, row) : null;
        if (o?.hasTs) out.push(o.tsecr);
      }),
    ),
    def(
      'tcp.time_relative',
      'float',
      'Time since first frame in this TCP stream',
      tcp((c, row, out) => {
        const first = streamNeighbours(c).first[tcpStreamNumbers(c)[c.packets.conn[row]]];
        out.push(c.packets.time[row] - c.packets.time[first]);
      }),
    ),
    def(
      'tcp.time_delta',
      'float',
      'Time since previous frame in this TCP stream',
      tcp((c, row, out) => {
        const prev = streamNeighbours(c).prev[row];
        out.push(prev < 0 ? 0 : c.packets.time[row] - c.packets.time[prev]);
      }),
    ),
    def(
      'tcp.analysis.flags',
      'none',
      'TCP Analysis Flags',
      tcp((c, row, out) => {
        if (c.packets.analysis[row] & ANALYSIS_FLAG_BITS || reusedPortsSyn(c).has(row)) out.push(true);
      }),
    ),
    def(
      'tcp.analysis.reused_ports',
      'none',
      'A new tcp session is started with the same ports as an earlier session in this trace',
      (c, row, out) => void (reusedPortsSyn(c).has(row) && out.push(true)),
    ),
    def(
      'tcp.analysis.retransmission',
      'none',
      'This frame is a (suspected) retransmission',
      analysis(A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION),
    ),
    def(
      'tcp.analysis.fast_retransmission',
      'none',
      'This frame is a (suspected) fast retransmission',
      analysis(A_FAST_RETRANSMISSION),
    ),
    def(
      'tcp.analysis.spurious_retransmission',
      'none',
      'This frame is a (suspected) spurious retransmission',
      analysis(A_SPURIOUS_RETRANSMISSION),
    ),
    def(
      'tcp.analysis.out_of_order',
      'none',
      'This frame is a (suspected) out-of-order segment',
      analysis(A_OUT_OF_ORDER),
    ),
    def('tcp.analysis.duplicate_ack', 'none', 'Duplicate ACK', analysis(A_DUP_ACK)),
    def('tcp.analysis.zero_window', 'none', 'This is a zero-window', analysis(A_ZERO_WINDOW)),
    def(
      'tcp.analysis.zero_window_probe',
      'none',
      'This is a zero-window-probe',
      analysis(A_ZERO_WINDOW_PROBE),
    ),
    def(
      'tcp.analysis.window_full',
      'none',
      'The transmission window is now completely full',
      analysis(A_WINDOW_FULL),
    ),
    def('tcp.analysis.window_update', 'none', 'This is a tcp window update', analysis(A_WINDOW_UPDATE)),
    def('tcp.analysis.keep_alive', 'none', 'This is a TCP keep-alive segment', analysis(A_KEEP_ALIVE)),
    def(
      'tcp.analysis.keep_alive_ack',
      'none',
      'This is an ACK to a TCP keep-alive segment',
      analysis(A_KEEP_ALIVE_ACK),
    ),
    def(
      'tcp.analysis.lost_segment',
      'none',
      'Previous segment(s) not captured (common at capture start)',
      analysis(A_LOST_SEGMENT),
    ),
    def(
      'tcp.analysis.ack_lost_segment',
      'none',
      "ACKed segment that wasn't captured (common at capture start)",
      analysis(A_ACKED_UNSEEN),
    ),
  ],
};
