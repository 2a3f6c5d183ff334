/**
 * The packet list as Wireshark shows it: per row number, time, source, destination, protocol
 * (the highest layer: TCP, HTTP, HTTP2, GRPC, TLSv1.3, UDP ...), length and info, plus the name of
 * the default colouring rule that paints the row. Computed on demand for the rows in view (a
 * million-packet capture is never listed whole); per-trace indexes come from the field layers and
 * are built once, in the FieldContext cache.
 *
 * Info follows tshark's one-line summaries: TCP `51234 → 443 [SYN, ACK] Seq=0 Ack=1 Win=65535
 * Len=0 MSS=1460 ...` with `[TCP Retransmission]`-style prefixes, HTTP start lines, HTTP/2 frame
 * lists (`HEADERS[1]: GET /, DATA[1]`), TLS record and handshake names. What is not dissected
 * (DNS, QUIC, ...) is listed as its transport (UDP) with ports and length.
 */
import { headersOf, IP_PROTOCOL_NAMES } from './capture/fields';
import { ipv6Text } from './capture/link';
import { hexColon, ipv4Text } from './filter/literals';
import type { FieldContext, FieldValue } from './filter/types';
import type { Http1Exchange, Trace } from './trace';
import { http1MessagesByRow, headerValue, type Http1Occurrence } from './http1/fields';
import { h2FramesByRow, prefaceRows } from './http2/fields';
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
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from './packets';
import {
  ANALYSIS_FLAG_BITS,
  reusedPortsSyn,
  streamSide,
  TCP_FLAGS,
  TCP_LAYER,
  windowScales,
} from './tcp/fields';
import {
  tlsRecordStarts,
  tlsRecordsByRow,
  TLS_CONTENT_TYPE_NAMES,
  TLS_HANDSHAKE_TYPE_NAMES,
  type TlsRecord,
} from './tls/fields';

export interface PacketRow {
  /** 1-based packet number. */
  number: number;
  /** Seconds since the first packet. */
  timeS: number;
  src: string;
  dst: string;
  protocol: string;
  /** Bytes on the wire (frame.len). */
  length: number;
  info: string;
}

/** Analysis prefixes in the order Wireshark writes them into the Info column. */
const TCP_PREFIXES: [number, string][] = [
  [A_ACKED_UNSEEN, 'TCP ACKed unseen segment'],
  [A_LOST_SEGMENT, 'TCP Previous segment not captured'],
  [A_ZERO_WINDOW_PROBE, 'TCP ZeroWindowProbe'],
  [A_WINDOW_FULL, 'TCP Window Full'],
  [A_KEEP_ALIVE, 'TCP Keep-Alive'],
  [A_KEEP_ALIVE_ACK, 'TCP Keep-Alive ACK'],
  [A_WINDOW_UPDATE, 'TCP Window Update'],
  [A_ZERO_WINDOW, 'TCP ZeroWindow'],
  [A_SPURIOUS_RETRANSMISSION, 'TCP Spurious Retransmission'],
  [A_FAST_RETRANSMISSION, 'TCP Fast Retransmission'],
  [A_OUT_OF_ORDER, 'TCP Out-Of-Order'],
];

/** One row of the packet list. */
export function packetRow(ctx: FieldContext, row: number): PacketRow {
  const p = ctx.packets;
  const r: PacketRow = {
    number: row + 1,
    timeS: p.time[row],
    src: '',
    dst: '',
    protocol: '',
    length: p.origLen[row],
    info: '',
  };
  const conn = p.conn[row];
  if (conn >= 0) {
    const c = ctx.trace.connections[conn];
    const s2c = p.dir[row] === DIR_S2C;
    r.src = s2c ? c.serverIp : c.clientIp;
    r.dst = s2c ? c.clientIp : c.serverIp;
    const app = appSummary(ctx, row);
    r.protocol = app?.protocol ?? 'TCP';
    r.info = app?.info ?? tcpInfo(ctx, row) + reassemblySuffix(ctx, row);
    return r;
  }
  const h = headersOf(ctx, row);
  if (!h) {
    r.protocol = p.l4[row] ? (IP_PROTOCOL_NAMES[p.l4[row]] ?? `IP proto ${p.l4[row]}`) : '';
    return r;
  }
  const ip4 = h.ip4[h.ip4.length - 1];
  const ip6 = h.ip6[h.ip6.length - 1];
  const lastIp = h.layers.lastIndexOf('ip') > h.layers.lastIndexOf('ipv6') ? 'ip' : 'ipv6';
  if (ip4 && (lastIp === 'ip' || !ip6)) {
    r.src = ipv4Text(ip4.src);
    r.dst = ipv4Text(ip4.dst);
  } else if (ip6) {
    r.src = ipv6Text(ip6.src, 0);
    r.dst = ipv6Text(ip6.dst, 0);
  } else if (h.eth.length) {
    const e = h.eth[h.eth.length - 1];
    r.src = hexColon(e.src);
    r.dst = hexColon(e.dst);
  }
  const top = h.layers[h.layers.length - 1];
  const udp = h.udp[h.udp.length - 1];
  if (top === 'udp' && udp) {
    r.protocol = 'UDP';
    r.info = `${udp.srcport} → ${udp.dstport} Len=${Math.max(0, udp.length - 8)}`;
  } else if (top === 'icmp' || top === 'icmpv6') {
    r.protocol = top === 'icmp' ? 'ICMP' : 'ICMPv6';
    r.info = icmpInfo(
      h.bytes,
      h.icmp,
      top === 'icmpv6',
      ip4 && top === 'icmp' ? ip4.ttl : ip6 ? ip6.hlim : 0,
    );
  } else if (top === 'ip' || top === 'ipv6') {
    const frag = ip4 && (ip4.flags & 1 || ip4.fragOffset);
    r.protocol = top === 'ip' ? 'IPv4' : 'IPv6';
    if (frag)
      r.info = `Fragmented IP protocol (proto=${ip4.proto}, off=${ip4.fragOffset * 8}, ID=${ip4.id.toString(16).padStart(4, '0')})`;
  } else if (h.eth.length) {
    const type = h.eth[h.eth.length - 1].type;
    r.protocol =
      type === 0x0806 ? 'ARP' : type === 0x88cc ? 'LLDP' : `0x${type.toString(16).padStart(4, '0')}`;
  } else r.protocol = top ?? '';
  return r;
}

/**
 * tshark's note on a segment whose payload belongs to an application message that ends in a later
 * packet (" [TCP segment of a reassembled PDU]"); empty otherwise.
 */
function reassemblySuffix(ctx: FieldContext, row: number): string {
  const p = ctx.packets;
  if (p.payloadLen[row] === 0 || p.analysis[row] & (A_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION)) return '';
  const c = ctx.trace.connections[p.conn[row]];
  // After an upgrade (WebSocket, a CONNECT tunnel) the bytes are no longer HTTP messages.
  if (c.protocol === 'unknown' || (c.upgrade && p.time[row] >= c.upgrade.atS)) return '';
  return ' [TCP segment of a reassembled PDU]';
}

const ICMP_NAMES: Record<number, string> = {
  3: 'Destination unreachable',
  4: 'Source quench',
  5: 'Redirect',
  11: 'Time-to-live exceeded',
  12: 'Parameter problem',
};
const ICMPV6_NAMES: Record<number, string> = {
  1: 'Destination Unreachable',
  2: 'Packet Too Big',
  3: 'Time Exceeded',
  4: 'Parameter Problem',
  133: 'Router Solicitation',
  134: 'Router Advertisement',
  135: 'Neighbor Solicitation',
  136: 'Neighbor Advertisement',
};

/** tshark's ICMP summary for echo requests/replies and the common errors. */
function icmpInfo(b: Uint8Array, at: number, v6: boolean, ttl: number): string {
  if (at < 0 || at + 8 > b.length) return '';
  const type = b[at];
  const request = v6 ? 128 : 8;
  const reply = v6 ? 129 : 0;
  if (type === request || type === reply) {
    const id = (b[at + 4] << 8) | b[at + 5];
    const seqBe = (b[at + 6] << 8) | b[at + 7];
    const seqLe = (b[at + 7] << 8) | b[at + 6];
    const what = type === request ? 'request ' : 'reply   ';
    return `Echo (ping) ${what} id=0x${id.toString(16).padStart(4, '0')}, seq=${seqBe}/${seqLe}, ${v6 ? 'hop limit' : 'ttl'}=${ttl}`;
  }
  return (v6 ? ICMPV6_NAMES : ICMP_NAMES)[type] ?? '';
}

/** HTTP, HTTP/2, gRPC or TLS summary of a TCP packet where such a message ends; null otherwise. */
function appSummary(ctx: FieldContext, row: number): { protocol: string; info: string } | null {
  const frames = h2FramesByRow(ctx).get(row);
  const preface = prefaceRows(ctx).has(row);
  if (frames || preface) {
    const parts: string[] = preface ? ['Magic'] : [];
    let grpc = false;
    for (const { frame: f, stream } of frames ?? []) {
      let text = `${f.type}[${f.stream}]`;
      const hdr = (n: string): string | null => f.headers?.find(([k]) => k === n)?.[1] ?? null;
      if (f.typeId === 1 || f.typeId === 9) {
        const method = hdr(':method');
        const status = hdr(':status');
        if (method) text += `: ${method} ${hdr(':path') ?? ''}`.trimEnd();
        else if (status) text += `: ${status}${REASONS[Number(status)] ? ' ' + REASONS[Number(status)] : ''}`;
      } else if (f.typeId === 0 && f.length > 0 && stream?.grpc) {
        grpc = true;
        text += /^application\/grpc(\+proto)?(;|$)/.test(stream.grpc.contentType)
          ? ' (GRPC) (PROTOBUF)'
          : ' (GRPC)';
      }
      parts.push(text);
    }
    return { protocol: grpc ? 'GRPC' : 'HTTP2', info: parts.join(', ') };
  }
  const messages = http1MessagesByRow(ctx).get(row);
  if (messages) {
    let json = false;
    const parts = messages.map(({ exchange: x, request }) => {
      const msg = request ? x.request : x.response;
      const ct = msg ? headerValue(msg.headers, 'content-type') : null;
      const media = ct ? ct.split(';')[0].trim().toLowerCase() : '';
      const body = (msg?.bodyBytes ?? 0) > 0;
      const line = request
        ? `${x.method ?? ''} ${x.path ?? ''} ${x.version ?? ''} `
        : `${x.version ?? 'HTTP/1.1'} ${x.status ?? ''} ${x.reason ?? ''} `;
      // tshark hands a JSON body to its JSON dissector, which names itself in both columns.
      if (body && (media === 'application/json' || media.endsWith('+json'))) {
        json = true;
        return `${line}, JavaScript Object Notation (${media})`;
      }
      return media && body && !request ? `${line} (${media})` : line;
    });
    return { protocol: json ? 'HTTP/JSON' : 'HTTP', info: parts.join(' , ') };
  }
  const records = tlsRecordsByRow(ctx).get(row);
  if (records) return { protocol: tlsProtocol(records), info: tlsInfo(records) };
  // The first segment of a record that ends later: tshark's TLS layer leaves only the note.
  if (tlsRecordStarts(ctx).has(row)) return { protocol: 'TCP', info: '[TCP segment of a reassembled PDU]' };
  const start = http1ResponseStarts(ctx).get(row);
  if (start) {
    const x = start.exchange;
    return {
      protocol: 'TCP',
      info: `${x.version ?? 'HTTP/1.1'} ${x.status ?? ''} ${x.reason ?? ''}  [TCP segment of a reassembled PDU]`,
    };
  }
  return null;
}

/** Rows where an HTTP/1 response that ends later begins: tshark shows its status line there. */
function http1ResponseStarts(ctx: FieldContext): Map<number, Http1Occurrence> {
  const key = 'packetList.http1Starts';
  let m = ctx.cache.get(key) as Map<number, Http1Occurrence> | undefined;
  if (m) return m;
  m = new Map();
  for (const x of ctx.trace.exchanges) {
    const r = x.response;
    if (r && r.packets[0] > 0 && r.packets[1] > r.packets[0])
      m.set(r.packets[0] - 1, { exchange: x, request: false });
  }
  ctx.cache.set(key, m);
  return m;
}

const TLS_RECORD_VERSION: Record<number, string> = {
  0x0300: 'SSLv3',
  0x0301: 'TLSv1',
  0x0302: 'TLSv1.1',
  0x0303: 'TLSv1.2',
};

function tlsProtocol(records: TlsRecord[]): string {
  const last = records[records.length - 1];
  if (last.tls13) return 'TLSv1.3';
  return TLS_RECORD_VERSION[last.version] ?? 'TLS';
}

function tlsInfo(records: TlsRecord[]): string {
  const parts: string[] = [];
  for (const r of records) {
    if (r.contentType === 22 && r.handshakes.length > 0)
      for (const h of r.handshakes) parts.push(TLS_HANDSHAKE_TYPE_NAMES[h.type] ?? `Handshake ${h.type}`);
    else if (r.contentType === 22) parts.push(r.encrypted ? 'Encrypted Handshake Message' : 'Handshake');
    else if (r.contentType === 21) parts.push(r.encrypted ? 'Encrypted Alert' : 'Alert');
    else parts.push(TLS_CONTENT_TYPE_NAMES[r.contentType] ?? `Content Type ${r.contentType}`);
  }
  return parts.join(', ');
}

/** Reason phrases tshark prints after an HTTP/2 :status. */
const REASONS: Record<number, string> = {
  100: 'Continue',
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  206: 'Partial Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Per packet: the duplicate-ACK count and the frame of the ACK it repeats (tshark's "Dup ACK 5#2"). */
function dupAcks(ctx: FieldContext): Map<number, [number, number]> {
  const key = 'packetList.dupAck';
  let m = ctx.cache.get(key) as Map<number, [number, number]> | undefined;
  if (m) return m;
  m = new Map();
  const p = ctx.packets;
  const lastAckRow = new Map<number, number>();
  const count = new Map<number, number>();
  for (let row = 0; row < p.length; row++) {
    if (p.conn[row] < 0) continue;
    const side = streamSide(ctx, row);
    if (p.analysis[row] & A_DUP_ACK) {
      const n = (count.get(side) ?? 0) + 1;
      count.set(side, n);
      m.set(row, [(lastAckRow.get(side) ?? row) + 1, n]);
    } else if (p.tcpFlags[row] & TCP_ACK) {
      const prev = lastAckRow.get(side);
      if (
        prev === undefined ||
        p.ack[prev] !== p.ack[row] ||
        p.payloadLen[row] > 0 ||
        p.tcpFlags[row] & (TCP_SYN | TCP_FIN | TCP_RST)
      ) {
        lastAckRow.set(side, row);
        count.set(side, 0);
      }
    }
  }
  ctx.cache.set(key, m);
  return m;
}

/** tshark's TCP Info text. */
export function tcpInfo(ctx: FieldContext, row: number): string {
  const p = ctx.packets;
  const conn = ctx.trace.connections[p.conn[row]];
  const s2c = p.dir[row] === DIR_S2C;
  const sport = s2c ? conn.serverPort : conn.clientPort;
  const dport = s2c ? conn.clientPort : conn.serverPort;
  const flags = p.tcpFlags[row];
  const a = p.analysis[row];
  const prefixes: string[] = [];
  if (reusedPortsSyn(ctx).has(row)) prefixes.push('TCP Port numbers reused');
  for (const [bit, text] of TCP_PREFIXES) if (a & bit) prefixes.push(text);
  if (a & A_RETRANSMISSION && !(a & (A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION)))
    prefixes.push('TCP Retransmission');
  if (a & A_DUP_ACK) {
    const d = dupAcks(ctx).get(row);
    prefixes.push(d ? `TCP Dup ACK ${d[0]}#${d[1]}` : 'TCP Dup ACK');
  }
  const names = TCP_FLAGS.filter((f) => flags & f.bit).map((f) => f.name);
  // The AE (formerly NS) bit and the reserved bits, in byte 12 of the header.
  const high = p.tcpOffset[row] & 0x0f;
  if (high & 1) names.push('AE');
  if (high & 0x0e) names.push('Reserved');
  const side = streamSide(ctx, row);
  const seq = relative(ctx, row, 'seq');
  let text = `${sport} → ${dport} [${names.join(', ')}] Seq=${seq}`;
  if (flags & TCP_ACK) text += ` Ack=${relative(ctx, row, 'ack')}`;
  const raw = p.window[row];
  const shift = flags & TCP_SYN ? -1 : windowScales(ctx)[side];
  text += ` Win=${shift >= 0 ? raw * 2 ** shift : raw} Len=${p.payloadLen[row]}`;
  if (flags & TCP_URG) text += ' Urg';
  text += optionsText(ctx, row);
  const prefix = prefixes.map((x) => `[${x}] `).join('');
  return prefix + text;
}

/** Relative seq/ack through the tcp.* fields (the same numbers a filter sees). */
function relative(ctx: FieldContext, row: number, which: 'seq' | 'ack'): number {
  const out: FieldValue[] = [];
  const f = which === 'seq' ? TCP_SEQ : TCP_ACK_FIELD;
  f?.read(ctx, row, out);
  return Number(out[0] ?? 0);
}

const TCP_SEQ = TCP_LAYER.fields.find((f) => f.name === 'tcp.seq');
const TCP_ACK_FIELD = TCP_LAYER.fields.find((f) => f.name === 'tcp.ack');

/** The TCP options as tshark lists them after Len= (in their order in the header). */
function optionsText(ctx: FieldContext, row: number): string {
  if (ctx.packets.tcpOffset[row] >> 4 <= 5) return '';
  const h = headersOf(ctx, row);
  if (!h || h.tcp < 0) return '';
  const b = h.bytes;
  const end = Math.min(b.length, h.tcp + (b[h.tcp + 12] >> 4) * 4);
  let o = h.tcp + 20;
  let s = '';
  const u32 = (i: number): number => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
  while (o < end) {
    const kind = b[o];
    if (kind === 0) break;
    if (kind === 1) {
      o++;
      continue;
    }
    if (o + 1 >= end) break;
    const len = b[o + 1];
    if (len < 2 || o + len > end) break;
    if (kind === 2 && len === 4) s += ` MSS=${(b[o + 2] << 8) | b[o + 3]}`;
    else if (kind === 3 && len === 3) s += ` WS=${2 ** Math.min(14, b[o + 2])}`;
    else if (kind === 4) s += ' SACK_PERM';
    else if (kind === 8 && len === 10) s += ` TSval=${u32(o + 2)} TSecr=${u32(o + 6)}`;
    else if (kind === 5) {
      // SACK blocks, relative to the other side's base sequence number like Ack=.
      const ackRaw = ctx.packets.ack[row];
      const ackRel = relative(ctx, row, 'ack');
      for (let i = o + 2; i + 8 <= o + len; i += 8)
        s += ` SLE=${(u32(i) - ackRaw + ackRel) >>> 0} SRE=${(u32(i + 4) - ackRaw + ackRel) >>> 0}`;
    }
    o += len;
  }
  return s;
}

/** Bad TCP: analysis flags other than window updates and keep-alives (Wireshark's first rule). */
const BAD_TCP_BITS = ANALYSIS_FLAG_BITS & ~(A_WINDOW_UPDATE | A_KEEP_ALIVE | A_KEEP_ALIVE_ACK);

/**
 * The name of Wireshark's default colouring rule that paints the row (its colorfilters file, first
 * match wins), for the rules tracelens can evaluate; null when none applies.
 */
export function coloringRule(ctx: FieldContext, row: number): string | null {
  const p = ctx.packets;
  const conn = p.conn[row];
  if (conn >= 0) {
    const flags = p.tcpFlags[row];
    if (p.analysis[row] & BAD_TCP_BITS) return 'Bad TCP';
    if (flags & TCP_RST) return 'TCP RST';
    // ip.ttl < 5 && ip.dst != 224.0.0.0/4 (TCP is never multicast).
    if (p.ttl[row] < 5 && ctx.trace.connections[conn].clientIp.includes('.')) return 'TTL low or unexpected';
    const c = ctx.trace.connections[conn];
    if (http1MessagesByRow(ctx).has(row) || h2FramesByRow(ctx).has(row) || prefaceRows(ctx).has(row))
      return 'HTTP';
    if (c.clientPort === 80 || c.serverPort === 80) return 'HTTP';
    if (flags & (TCP_SYN | TCP_FIN)) return 'TCP SYN/FIN';
    return 'TCP';
  }
  const h = headersOf(ctx, row);
  if (!h) return null;
  const top = h.layers[h.layers.length - 1];
  if (h.eth.length && h.eth[h.eth.length - 1].type === 0x0806) return 'ARP';
  if (top === 'icmp' || top === 'icmpv6') {
    // ICMP errors: destination unreachable, source quench, redirect, time exceeded (v4); 1..4 (v6).
    const t = h.icmp >= 0 ? h.bytes[h.icmp] : -1;
    if (
      (top === 'icmp' && (t === 3 || t === 4 || t === 5 || t === 11)) ||
      (top === 'icmpv6' && t >= 1 && t <= 4)
    )
      return 'ICMP errors';
    return 'ICMP';
  }
  const ip4 = h.ip4[h.ip4.length - 1];
  if (ip4 && ip4.ttl < 5 && ip4.dst >>> 28 !== 0xe) return 'TTL low or unexpected';
  if (h.udp.length) return 'UDP';
  if (h.eth.length && h.eth[0].dst[0] & 1) return 'Broadcast';
  return null;
}
