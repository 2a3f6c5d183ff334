/**
 * Display-filter fields of the capture layers: frame.*, eth.*, vlan.id, ip.*, ipv6.*, udp.*, with
 * Wireshark's names and meanings.
 *
 * Frame facts come from the packet columns. Link and network headers are decoded on demand from
 * the packet's bytes (`ctx.bytes(row)`), every layer of a tunnelled packet in order, outer first,
 * as Wireshark shows them (a VXLAN packet has two `ip.src`). For TCP packets the frequent IP fields
 * (ip.src, ip.dst, ip.ttl, ip.id, ipv6.hlim) are answered from the columns and the connection when
 * the connection is not tunnelled, so that a filter over millions of packets does not read them;
 * when the bytes are not at hand, TCP packets still have those fields (from the columns) and other
 * byte-level fields are absent.
 */
import type { FieldContext, FieldDef, FieldLayer, FieldType, FieldValue } from '../filter/types';
import { GENEVE_PORT, geneveInner } from './geneve';
import { GRE_PPP, GRE_TEB, greInner } from './gre';
import { mplsInner } from './mpls';
import { ETH_PPPOE_SESSION, pppInner, pppoeSession, type PppInner } from './pppoe';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
} from './link';
import { LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW } from './link';
import { VXLAN_LINUX_PORT, VXLAN_PORT, vxlanInner } from './vxlan';

/** A field definition in one line. */
export function def(
  name: string,
  type: FieldType,
  title: string,
  read: (ctx: FieldContext, row: number, out: FieldValue[]) => void,
  valueNames?: Record<number, string>,
): FieldDef {
  return valueNames ? { name, type, title, read, valueNames } : { name, type, title, read };
}

export interface EthHeader {
  dst: Uint8Array;
  src: Uint8Array;
  type: number;
}
export interface Ipv4Header {
  src: number;
  dst: number;
  ttl: number;
  id: number;
  proto: number;
  /** The 3 flag bits (0x4 reserved, 0x2 DF, 0x1 MF) and the fragment offset in 8-byte units. */
  flags: number;
  fragOffset: number;
  len: number;
  hdrLen: number;
  dsfield: number;
}
export interface Ipv6Header {
  src: Uint8Array;
  dst: Uint8Array;
  hlim: number;
  nxt: number;
  plen: number;
}
export interface UdpHeader {
  srcport: number;
  dstport: number;
  length: number;
}

/** The headers of one packet, outermost first. */
export interface HeaderStack {
  eth: EthHeader[];
  vlan: number[];
  ip4: Ipv4Header[];
  ip6: Ipv6Header[];
  udp: UdpHeader[];
  /** Offset of the innermost TCP header in the packet's bytes, -1 when none. */
  tcp: number;
  /** Where the TCP segment ends in the packet (IP length bound, cut to the captured bytes). */
  tcpEnd: number;
  /** Offset of the outermost ICMP / ICMPv6 header (its type byte), -1 when none. */
  icmp: number;
  /** Layer names in order ("eth", "vlan", "ip", "udp", "vxlan", "eth", "ip", "tcp"). */
  layers: string[];
  bytes: Uint8Array;
}

const MAX_LAYERS = 8;

/**
 * Decodes the link, network and transport headers of a packet for display. Stops quietly where
 * the bytes end or a header is broken: what was decoded up to there is returned.
 */
export function decodeHeaders(linkType: number, b: Uint8Array): HeaderStack {
  const s: HeaderStack = {
    eth: [],
    vlan: [],
    ip4: [],
    ip6: [],
    udp: [],
    tcp: -1,
    tcpEnd: 0,
    icmp: -1,
    layers: [],
    bytes: b,
  };
  const n = b.length;
  const u16 = (o: number): number => (b[o] << 8) | b[o + 1];
  let depth = 0;

  const ether = (off: number, limit: number): void => {
    if (off + 14 > n) return;
    s.layers.push('eth');
    let p = off + 12;
    let type = u16(p);
    // eth.type is the frame's own type field (0x8100 when tagged; vlan.etype is the inner one).
    s.eth.push({ dst: b.slice(off, off + 6), src: b.slice(off + 6, off + 12), type });
    while ((type === 0x8100 || type === 0x88a8 || type === 0x9100) && p + 6 <= n) {
      s.layers.push('vlan');
      s.vlan.push(u16(p + 2) & 0x0fff);
      p += 4;
      type = u16(p);
    }
    etherType(type, p + 2, limit);
  };

  const etherType = (type: number, off: number, limit: number): void => {
    if (type === 0x0800) ipv4(off, limit);
    else if (type === 0x86dd) ipv6(off, limit);
    else if ((type === 0x8847 || type === 0x8848) && ++depth <= MAX_LAYERS) {
      s.layers.push('mpls');
      const m = mplsInner(b, off);
      if (m.kind === 'ipv4') ipv4(m.offset, limit);
      else if (m.kind === 'ipv6') ipv6(m.offset, limit);
      else if (m.kind === 'ether') ether(m.offset, limit);
    } else if (type === ETH_PPPOE_SESSION) {
      s.layers.push('pppoes', 'ppp');
      ppp(pppoeSession(b, off), limit);
    } else if (type === GRE_PPP) {
      s.layers.push('ppp');
      ppp(pppInner(b, off, limit), limit);
    }
  };

  const ppp = (r: PppInner, limit: number): void => {
    if (r.ip === 4) ipv4(r.offset, Math.min(limit, r.end));
    else if (r.ip === 6) ipv6(r.offset, Math.min(limit, r.end));
  };

  const ipv4 = (off: number, limit: number): void => {
    if (off + 20 > n || b[off] >> 4 !== 4 || ++depth > MAX_LAYERS) return;
    const hdrLen = (b[off] & 0x0f) * 4;
    const total = u16(off + 2);
    const ff = u16(off + 6);
    const h: Ipv4Header = {
      src: ((b[off + 12] << 24) | (b[off + 13] << 16) | (b[off + 14] << 8) | b[off + 15]) >>> 0,
      dst: ((b[off + 16] << 24) | (b[off + 17] << 16) | (b[off + 18] << 8) | b[off + 19]) >>> 0,
      ttl: b[off + 8],
      id: u16(off + 4),
      proto: b[off + 9],
      flags: ff >> 13,
      fragOffset: ff & 0x1fff,
      len: total,
      hdrLen,
      dsfield: b[off + 1],
    };
    s.ip4.push(h);
    s.layers.push('ip');
    if (hdrLen < 20 || h.fragOffset !== 0 || ff & 0x2000) return; // a fragment: its upper layer is elsewhere
    const end = Math.min(limit, total === 0 ? n : off + total);
    upper(h.proto, off + hdrLen, end);
  };

  const ipv6 = (off: number, limit: number): void => {
    if (off + 40 > n || b[off] >> 4 !== 6 || ++depth > MAX_LAYERS) return;
    const plen = u16(off + 4);
    const h: Ipv6Header = {
      src: b.slice(off + 8, off + 24),
      dst: b.slice(off + 24, off + 40),
      hlim: b[off + 7],
      nxt: b[off + 6],
      plen,
    };
    s.ip6.push(h);
    s.layers.push('ipv6');
    const end = Math.min(limit, plen === 0 ? n : off + 40 + plen);
    let next = h.nxt;
    let p = off + 40;
    for (let i = 0; i < 8 && p + 8 <= n; i++) {
      if (next === 0 || next === 43 || next === 60) {
        const len = (b[p + 1] + 1) * 8;
        next = b[p];
        p += len;
      } else if (next === 51) {
        const len = (b[p + 1] + 2) * 4;
        next = b[p];
        p += len;
      } else if (next === 44)
        return; // fragment
      else break;
    }
    upper(next, p, end);
  };

  const upper = (proto: number, off: number, end: number): void => {
    if (proto === 6) {
      if (off + 20 <= n) {
        s.tcp = off;
        s.tcpEnd = Math.min(n, end);
        s.layers.push('tcp');
      }
    } else if (proto === 17) {
      if (off + 8 > n) return;
      const h: UdpHeader = { srcport: u16(off), dstport: u16(off + 2), length: u16(off + 4) };
      s.udp.push(h);
      s.layers.push('udp');
      if (h.dstport === VXLAN_PORT || h.dstport === VXLAN_LINUX_PORT) {
        const v = vxlanInner(b, off + 8, h.dstport);
        if (v.vni >= 0 && 'offset' in v) {
          s.layers.push('vxlan');
          ether(v.offset, end);
        }
      } else if (h.dstport === GENEVE_PORT) {
        const g = geneveInner(b, off + 8, end);
        if ('offset' in g) {
          s.layers.push('geneve');
          if (g.type === GRE_TEB) ether(g.offset, end);
          else etherType(g.type, g.offset, end);
        }
      }
    } else if (proto === 4) ipv4(off, end);
    else if (proto === 41) ipv6(off, end);
    else if (proto === 47) {
      const g = greInner(b, off, end);
      if (g.type >= 0 && 'offset' in g) {
        s.layers.push('gre');
        if (g.type === GRE_TEB) ether(g.offset, end);
        else etherType(g.type, g.offset, end);
      }
    } else if (proto === 1 || proto === 58) {
      s.layers.push(proto === 1 ? 'icmp' : 'icmpv6');
      if (s.icmp < 0 && off < n) s.icmp = off;
    }
  };

  const byVersion = (off: number): void => {
    if (off >= n) return;
    if (b[off] >> 4 === 4) ipv4(off, n);
    else if (b[off] >> 4 === 6) ipv6(off, n);
  };

  switch (linkType) {
    case LINKTYPE_ETHERNET:
      ether(0, n);
      break;
    case LINKTYPE_LINUX_SLL:
      if (n >= 16) {
        s.layers.push('sll');
        etherType(u16(14), 16, n);
      }
      break;
    case LINKTYPE_LINUX_SLL2:
      if (n >= 20) {
        s.layers.push('sll');
        etherType(u16(0), 20, n);
      }
      break;
    case LINKTYPE_RAW:
    case 12:
    case 14:
      s.layers.push('raw');
      byVersion(0);
      break;
    case LINKTYPE_IPV4:
      ipv4(0, n);
      break;
    case LINKTYPE_IPV6:
      ipv6(0, n);
      break;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      if (n >= 4) {
        s.layers.push('null');
        byVersion(4);
      }
      break;
  }
  return s;
}

const HEADERS_CACHE = 'capture.headers';

/** The decoded headers of packet `row` (the last row's are kept), or null without its bytes. */
export function headersOf(ctx: FieldContext, row: number): HeaderStack | null {
  let c = ctx.cache.get(HEADERS_CACHE) as { row: number; stack: HeaderStack | null } | undefined;
  if (c && c.row === row) return c.stack;
  const bytes = ctx.bytes(row);
  const stack = bytes ? decodeHeaders(ctx.packets.linkType[row], bytes) : null;
  c = { row, stack };
  ctx.cache.set(HEADERS_CACHE, c);
  return stack;
}

/** Per connection: 1 = one plain IP header (columns answer ip.*), 2 = tunnelled or unknown. */
const PLAIN_CACHE = 'capture.plainConn';

/**
 * Whether the IP fields of TCP packet `row` can be answered from the columns and its connection:
 * yes when its connection is not tunnelled (its first packet has one IP header), or when the bytes
 * are not at hand at all.
 */
export function ipFromColumns(ctx: FieldContext, row: number): boolean {
  const conn = ctx.packets.conn[row];
  if (conn < 0) return false;
  let plain = ctx.cache.get(PLAIN_CACHE) as Uint8Array | undefined;
  if (!plain) {
    plain = new Uint8Array(ctx.trace.connections.length);
    ctx.cache.set(PLAIN_CACHE, plain);
  }
  if (plain[conn] === 0) {
    const c = ctx.trace.connections[conn];
    const first = c.firstPacket - 1;
    const bytes = c.tunnel ? null : ctx.bytes(first);
    if (c.tunnel) plain[conn] = 2;
    else if (!bytes) plain[conn] = 1;
    else {
      const s = decodeHeaders(ctx.packets.linkType[first], bytes);
      plain[conn] = s.ip4.length + s.ip6.length === 1 ? 1 : 2;
    }
  }
  return plain[conn] === 1;
}

/** IPv4 text to its 32-bit value; NaN when not dotted IPv4. */
export function ipv4Number(text: string): number {
  const p = text.split('.');
  if (p.length !== 4) return Number.NaN;
  let v = 0;
  for (const x of p) {
    const k = Number(x);
    if (!/^\d{1,3}$/.test(x) || k > 255) return Number.NaN;
    v = v * 256 + k;
  }
  return v;
}

/** IPv6 text (any valid form, IPv4-mapped tail allowed) to 16 bytes; null if invalid. */
export function ipv6Bytes(text: string): Uint8Array | null {
  let t = text;
  const tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (v4) {
    const n = ipv4Number(v4[2]);
    if (Number.isNaN(n)) return null;
    tail.push(Math.floor(n / 65536), n % 65536);
    t = v4[1].endsWith('::') ? v4[1] : v4[1].slice(0, -1);
  }
  const groups = (x: string): number[] | null => {
    if (x === '') return [];
    const r: number[] = [];
    for (const h of x.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(h)) return null;
      r.push(parseInt(h, 16));
    }
    return r;
  };
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const head = groups(halves[0]);
  const back = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !back) return null;
  let all: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - back.length - tail.length;
    if (fill < 1) return null;
    all = [...head, ...new Array<number>(fill).fill(0), ...back, ...tail];
  } else all = [...head, ...tail];
  if (all.length !== 8) return null;
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Per connection: [clientIp, serverIp] as IPv4 numbers or IPv6 bytes. */
const ADDR_CACHE = 'capture.connAddr';
type ConnAddr = [number | Uint8Array | null, number | Uint8Array | null];

function connAddresses(ctx: FieldContext, conn: number): ConnAddr {
  let m = ctx.cache.get(ADDR_CACHE) as (ConnAddr | undefined)[] | undefined;
  if (!m) {
    m = [];
    ctx.cache.set(ADDR_CACHE, m);
  }
  let a = m[conn];
  if (!a) {
    const c = ctx.trace.connections[conn];
    const parse = (t: string): number | Uint8Array | null => {
      if (t.includes(':')) return ipv6Bytes(t);
      const v = ipv4Number(t);
      return Number.isNaN(v) ? null : v;
    };
    a = [parse(c.clientIp), parse(c.serverIp)];
    m[conn] = a;
  }
  return a;
}

/** Source and destination address of TCP packet `row` from its connection. */
export function tcpAddresses(ctx: FieldContext, row: number): ConnAddr {
  const a = connAddresses(ctx, ctx.packets.conn[row]);
  return ctx.packets.dir[row] === 1 ? [a[1], a[0]] : a;
}

function ip4Fields(
  pick: (h: Ipv4Header, out: FieldValue[]) => void,
  fast?: (ctx: FieldContext, row: number, out: FieldValue[]) => boolean,
) {
  return (ctx: FieldContext, row: number, out: FieldValue[]): void => {
    if (fast && ctx.packets.conn[row] >= 0 && ipFromColumns(ctx, row) && fast(ctx, row, out)) return;
    const s = headersOf(ctx, row);
    if (s) for (const h of s.ip4) pick(h, out);
  };
}

function ip6Fields(
  pick: (h: Ipv6Header, out: FieldValue[]) => void,
  fast?: (ctx: FieldContext, row: number, out: FieldValue[]) => boolean,
) {
  return (ctx: FieldContext, row: number, out: FieldValue[]): void => {
    if (fast && ctx.packets.conn[row] >= 0 && ipFromColumns(ctx, row) && fast(ctx, row, out)) return;
    const s = headersOf(ctx, row);
    if (s) for (const h of s.ip6) pick(h, out);
  };
}

/** The fast path of a TCP packet's address: true when it answered (the family matched). */
function fastAddr(which: 0 | 1 | 2, family: 4 | 6) {
  return (ctx: FieldContext, row: number, out: FieldValue[]): boolean => {
    const [src, dst] = tcpAddresses(ctx, row);
    const is4 = typeof src === 'number';
    if ((family === 4) !== is4 || src === null || dst === null) return true; // other family: absent
    if (which === 0 || which === 2) out.push(src);
    if (which === 1 || which === 2) out.push(dst);
    return true;
  };
}

const isV4Conn = (ctx: FieldContext, row: number): boolean => typeof tcpAddresses(ctx, row)[0] === 'number';

export const IP_PROTOCOL_NAMES: Record<number, string> = {
  1: 'ICMP',
  2: 'IGMP',
  4: 'IPIP',
  6: 'TCP',
  17: 'UDP',
  41: 'IPv6',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  58: 'ICMPv6',
  132: 'SCTP',
};

export const ETHER_TYPE_NAMES: Record<number, string> = {
  0x0800: 'IPv4',
  0x0806: 'ARP',
  0x86dd: 'IPv6',
  0x8100: '802.1Q Virtual LAN',
  0x88a8: '802.1ad Provider Bridge (Q-in-Q)',
  0x8847: 'MPLS label switched packet',
  0x8864: 'PPPoE Session',
};

export const FRAME_LAYER: FieldLayer = {
  protocol: 'frame',
  fields: [
    def('frame', 'none', 'Frame', (_c, _r, out) => void out.push(true)),
    def('frame.number', 'uint', 'Frame Number', (_c, row, out) => void out.push(row + 1)),
    def(
      'frame.time_relative',
      'float',
      'Time since reference or first frame',
      (c, row, out) => void out.push(c.packets.time[row]),
    ),
    def(
      'frame.time_delta',
      'float',
      'Time delta from previous captured frame',
      (c, row, out) => void out.push(row === 0 ? 0 : c.packets.time[row] - c.packets.time[row - 1]),
    ),
    def('frame.time_epoch', 'float', 'Epoch Time', (c, row, out) => {
      const e = c.trace.input.startEpoch;
      if (e) out.push(e[0] + e[1] / 1e9 + c.packets.time[row]);
    }),
    def(
      'frame.len',
      'uint',
      'Frame length on the wire',
      (c, row, out) => void out.push(c.packets.origLen[row]),
    ),
    def(
      'frame.cap_len',
      'uint',
      'Frame length stored into the capture file',
      (c, row, out) => void out.push(c.packets.caplen[row]),
    ),
    // The link, network and transport layers in tshark's spelling ("eth:ethertype:ip:tcp"); the
    // application layers above TCP are not named here.
    def('frame.protocols', 'string', 'Protocols in frame', (c, row, out) => {
      const s = headersOf(c, row);
      if (!s) return;
      const names: string[] = [];
      for (const l of s.layers) {
        names.push(l);
        if (l === 'eth' || l === 'sll' || l === 'vlan') names.push('ethertype');
      }
      out.push(names.join(':'));
    }),
    def('frame.interface_id', 'uint', 'Interface id', (c, row, out) => {
      // pcap files have no interfaces: Wireshark shows the field for pcapng only.
      if (c.trace.input.format === 'pcapng') out.push(c.packets.iface[row]);
    }),
  ],
};

const ethPick =
  (pick: (h: EthHeader, out: FieldValue[]) => void) => (c: FieldContext, row: number, out: FieldValue[]) => {
    // No Ethernet header under a plain TCP packet of another link type: no read needed.
    if (c.packets.linkType[row] !== LINKTYPE_ETHERNET && ipFromColumns(c, row)) return;
    const s = headersOf(c, row);
    if (s) for (const h of s.eth) pick(h, out);
  };

export const ETH_LAYER: FieldLayer = {
  protocol: 'eth',
  fields: [
    def('eth', 'none', 'Ethernet', (c, row, out) => {
      const first: FieldValue[] = [];
      ethPick((h, o) => void o.push(h.type))(c, row, first);
      if (first.length > 0) out.push(true);
    }),
    def(
      'eth.src',
      'ether',
      'Source',
      ethPick((h, out) => void out.push(h.src)),
    ),
    def(
      'eth.dst',
      'ether',
      'Destination',
      ethPick((h, out) => void out.push(h.dst)),
    ),
    def(
      'eth.addr',
      'ether',
      'Address',
      ethPick((h, out) => void out.push(h.dst, h.src)),
    ),
    def(
      'eth.type',
      'uint',
      'Type',
      ethPick((h, out) => void out.push(h.type)),
      ETHER_TYPE_NAMES,
    ),
  ],
};

export const VLAN_LAYER: FieldLayer = {
  protocol: 'vlan',
  fields: [
    def('vlan', 'none', '802.1Q Virtual LAN', (c, row, out) => {
      const s = headersOf(c, row);
      if (s && s.vlan.length > 0) out.push(true);
    }),
    def('vlan.id', 'uint', 'ID', (c, row, out) => {
      const s = headersOf(c, row);
      if (s) for (const v of s.vlan) out.push(v);
    }),
  ],
};

export const IP_LAYER: FieldLayer = {
  protocol: 'ip',
  fields: [
    def('ip', 'none', 'Internet Protocol Version 4', (c, row, out) => {
      if (c.packets.conn[row] >= 0 && ipFromColumns(c, row)) {
        if (isV4Conn(c, row)) out.push(true);
      } else if ((headersOf(c, row)?.ip4.length ?? 0) > 0) out.push(true);
    }),
    def(
      'ip.src',
      'ipv4',
      'Source Address',
      ip4Fields((h, out) => void out.push(h.src), fastAddr(0, 4)),
    ),
    def(
      'ip.dst',
      'ipv4',
      'Destination Address',
      ip4Fields((h, out) => void out.push(h.dst), fastAddr(1, 4)),
    ),
    def(
      'ip.addr',
      'ipv4',
      'Source or Destination Address',
      ip4Fields((h, out) => void out.push(h.src, h.dst), fastAddr(2, 4)),
    ),
    def(
      'ip.ttl',
      'uint',
      'Time to Live',
      ip4Fields(
        (h, out) => void out.push(h.ttl),
        (c, row, out) => {
          if (isV4Conn(c, row)) out.push(c.packets.ttl[row]);
          return true;
        },
      ),
    ),
    def(
      'ip.id',
      'uint',
      'Identification',
      ip4Fields(
        (h, out) => void out.push(h.id),
        (c, row, out) => {
          if (isV4Conn(c, row)) out.push(c.packets.ipId[row]);
          return true;
        },
      ),
    ),
    def(
      'ip.proto',
      'uint',
      'Protocol',
      ip4Fields(
        (h, out) => void out.push(h.proto),
        (c, row, out) => {
          if (isV4Conn(c, row)) out.push(6);
          return true;
        },
      ),
      IP_PROTOCOL_NAMES,
    ),
    def(
      'ip.flags',
      'uint',
      'Flags',
      ip4Fields((h, out) => void out.push(h.flags)),
    ),
    def(
      'ip.flags.rb',
      'bool',
      'Reserved bit',
      ip4Fields((h, out) => void out.push((h.flags & 4) !== 0)),
    ),
    def(
      'ip.flags.df',
      'bool',
      "Don't fragment",
      ip4Fields((h, out) => void out.push((h.flags & 2) !== 0)),
    ),
    def(
      'ip.flags.mf',
      'bool',
      'More fragments',
      ip4Fields((h, out) => void out.push((h.flags & 1) !== 0)),
    ),
    def(
      'ip.frag_offset',
      'uint',
      'Fragment Offset',
      ip4Fields((h, out) => void out.push(h.fragOffset * 8)),
    ),
    def(
      'ip.len',
      'uint',
      'Total Length',
      ip4Fields((h, out) => void out.push(h.len)),
    ),
    def(
      'ip.hdr_len',
      'uint',
      'Header Length',
      ip4Fields((h, out) => void out.push(h.hdrLen)),
    ),
    def(
      'ip.dsfield',
      'uint',
      'Differentiated Services Field',
      ip4Fields((h, out) => void out.push(h.dsfield)),
    ),
    def(
      'ip.dsfield.dscp',
      'uint',
      'Differentiated Services Codepoint',
      ip4Fields((h, out) => void out.push(h.dsfield >> 2)),
    ),
  ],
};

export const IPV6_LAYER: FieldLayer = {
  protocol: 'ipv6',
  fields: [
    def('ipv6', 'none', 'Internet Protocol Version 6', (c, row, out) => {
      if (c.packets.conn[row] >= 0 && ipFromColumns(c, row)) {
        if (!isV4Conn(c, row)) out.push(true);
      } else if ((headersOf(c, row)?.ip6.length ?? 0) > 0) out.push(true);
    }),
    def(
      'ipv6.src',
      'ipv6',
      'Source Address',
      ip6Fields((h, out) => void out.push(h.src), fastAddr(0, 6)),
    ),
    def(
      'ipv6.dst',
      'ipv6',
      'Destination Address',
      ip6Fields((h, out) => void out.push(h.dst), fastAddr(1, 6)),
    ),
    def(
      'ipv6.addr',
      'ipv6',
      'Source or Destination Address',
      ip6Fields((h, out) => void out.push(h.src, h.dst), fastAddr(2, 6)),
    ),
    def(
      'ipv6.hlim',
      'uint',
      'Hop Limit',
      ip6Fields(
        (h, out) => void out.push(h.hlim),
        (c, row, out) => {
          if (!isV4Conn(c, row)) out.push(c.packets.ttl[row]);
          return true;
        },
      ),
    ),
    def(
      'ipv6.nxt',
      'uint',
      'Next Header',
      ip6Fields((h, out) => void out.push(h.nxt)),
      IP_PROTOCOL_NAMES,
    ),
    def(
      'ipv6.plen',
      'uint',
      'Payload Length',
      ip6Fields((h, out) => void out.push(h.plen)),
    ),
  ],
};

const udpPick =
  (pick: (h: UdpHeader, out: FieldValue[]) => void) => (c: FieldContext, row: number, out: FieldValue[]) => {
    // A TCP packet of a connection that is not tunnelled has no UDP header: no read needed.
    if (c.packets.conn[row] >= 0 && ipFromColumns(c, row)) return;
    const s = headersOf(c, row);
    if (s) for (const h of s.udp) pick(h, out);
  };

export const UDP_LAYER: FieldLayer = {
  protocol: 'udp',
  fields: [
    def('udp', 'none', 'User Datagram Protocol', (c, row, out) => {
      const first: FieldValue[] = [];
      udpPick((h, o) => void o.push(h.length))(c, row, first);
      if (first.length > 0) out.push(true);
    }),
    def(
      'udp.srcport',
      'uint',
      'Source Port',
      udpPick((h, out) => void out.push(h.srcport)),
    ),
    def(
      'udp.dstport',
      'uint',
      'Destination Port',
      udpPick((h, out) => void out.push(h.dstport)),
    ),
    def(
      'udp.port',
      'uint',
      'Source or Destination Port',
      udpPick((h, out) => void out.push(h.srcport, h.dstport)),
    ),
    def(
      'udp.length',
      'uint',
      'Length',
      udpPick((h, out) => void out.push(h.length)),
    ),
  ],
};

export const CAPTURE_LAYERS: FieldLayer[] = [
  FRAME_LAYER,
  ETH_LAYER,
  VLAN_LAYER,
  IP_LAYER,
  IPV6_LAYER,
  UDP_LAYER,
];
