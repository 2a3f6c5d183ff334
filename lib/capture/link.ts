/**
 * Link and network layer decoding: finds the IP header under the link layer — and under the
 * encapsulations a capture point often sees (VLAN tags, PPPoE, MPLS label stacks and Ethernet
 * pseudowires, VXLAN, Geneve, GRE/gretap/ERSPAN, PPTP, IP-in-IP) — and reads what the TCP analysis needs.
 * Stateless: IP fragments are reassembled by lib/capture/network.ts, which calls back into
 * `descend` with the whole datagram. Offsets index the packet's own bytes; nothing is copied.
 */
import { GENEVE_PORT, geneveInner } from './geneve';
import { greInner, GRE_PPP, GRE_TEB } from './gre';
import { mplsInner } from './mpls';
import { ETH_PPPOE_DISCOVERY, ETH_PPPOE_SESSION, pppInner, pppoeSession, type PppInner } from './pppoe';
import type { FragmentInfo, NetDecodeFailure, NetPacket } from './types';
import { VXLAN_LINUX_PORT, VXLAN_PORT, vxlanInner } from './vxlan';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;
const ETH_QINQ_OLD = 0x9100;
const ETH_MPLS = 0x8847;
const ETH_MPLS_MULTICAST = 0x8848;

const IPPROTO_IPIP = 4;
const IPPROTO_UDP = 17;
const IPPROTO_IPV6 = 41;
const IPPROTO_GRE = 47;

/** Encapsulations peeled off one packet before giving up (a loop of tunnels is damage). */
const MAX_DEPTH = 8;

function fail(reason: NetDecodeFailure['reason'], detail: string): NetDecodeFailure {
  return { reason, detail };
}

/** Address family numbers BSD systems use for IPv6 (NetBSD/OpenBSD 24, FreeBSD 28, macOS 30). */
function isAfInet6(af: number): boolean {
  return af === 24 || af === 28 || af === 30;
}

export function decodeNetwork(linkType: number, data: Uint8Array): NetPacket | NetDecodeFailure {
  const n = data.length;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return ethernet(data, 0, NO_TUNNEL, 0);
    case LINKTYPE_LINUX_SLL:
      if (n < 16) return fail('malformed', 'Linux cooked header cut short');
      return byEtherType((data[14] << 8) | data[15], data, 16, NO_VLAN, NO_TUNNEL, 0);
    case LINKTYPE_LINUX_SLL2:
      if (n < 20) return fail('malformed', 'Linux cooked v2 header cut short');
      return byEtherType((data[0] << 8) | data[1], data, 20, NO_VLAN, NO_TUNNEL, 0);
    case LINKTYPE_RAW:
    case 12: // LINKTYPE_RAW's number on OpenBSD and some others (DLT_RAW)
    case 14: // DLT_RAW on BSD/OS
      if (n < 1) return fail('malformed', 'empty raw IP packet');
      return byVersion(data, 0, NO_TUNNEL, 0);
    case LINKTYPE_IPV4:
      return descend(decodeIpv4(data, 0, NO_VLAN), data, 0);
    case LINKTYPE_IPV6:
      return descend(decodeIpv6(data, 0, NO_VLAN), data, 0);
    case LINKTYPE_NULL: {
      if (n < 4) return fail('malformed', 'loopback header cut short');
      // Host byte order of the capturing machine: small values tell which order it was.
      const le = data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24);
      const af = (le & 0xffff0000) !== 0 ? (data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3] : le;
      return byAf(af, data);
    }
    case LINKTYPE_LOOP: {
      if (n < 4) return fail('malformed', 'loopback header cut short');
      return byAf((data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3], data);
    }
    default:
      return fail('unsupported-link', `link type ${linkType}`);
  }
}

/** Shared by all untagged packets, so they allocate nothing; frozen so no consumer can change it. */
const NO_VLAN = Object.freeze([]) as unknown as number[];

/** No overlay network: shared, like NO_VLAN. */
const NO_TUNNEL = '';

function byAf(af: number, data: Uint8Array): NetPacket | NetDecodeFailure {
  if (af === 2) return descend(decodeIpv4(data, 4, NO_VLAN), data, 0);
  if (isAfInet6(af)) return descend(decodeIpv6(data, 4, NO_VLAN), data, 0);
  return fail('not-ip', `address family ${af}`);
}

/** An IP packet at `off` told apart by its version nibble (raw IP, MPLS, IP-in-IP). */
function byVersion(
  data: Uint8Array,
  off: number,
  tunnel: string,
  depth: number,
  limit = Infinity,
): NetPacket | NetDecodeFailure {
  if (off >= data.length) return fail('malformed', 'IP header cut short');
  const v = data[off] >> 4;
  if (v === 4) return descend(withTunnel(decodeIpv4(data, off, NO_VLAN, limit), tunnel), data, depth);
  if (v === 6) return descend(withTunnel(decodeIpv6(data, off, NO_VLAN, limit), tunnel), data, depth);
  return fail('not-ip', `IP version ${v}`);
}

/**
 * An Ethernet frame at `off` (the link layer, or the inner frame of VXLAN, gretap, ERSPAN or an
 * MPLS pseudowire): its VLAN tags, then its type. The tags of the innermost frame are the ones a
 * connection is keyed on: an outer frame's tags belong to the underlay.
 */
function ethernet(
  data: Uint8Array,
  off: number,
  tunnel: string,
  depth: number,
  limit = Infinity,
): NetPacket | NetDecodeFailure {
  const n = data.length;
  if (off + 14 > n) return fail('malformed', 'Ethernet header cut short');
  let p = off + 12;
  let type = (data[p] << 8) | data[p + 1];
  let vlan: number[] = NO_VLAN;
  while (type === ETH_VLAN || type === ETH_QINQ || type === ETH_QINQ_OLD) {
    if (p + 6 > n) return fail('malformed', 'VLAN tag cut short');
    if (vlan === NO_VLAN) vlan = [];
    vlan.push(((data[p + 2] << 8) | data[p + 3]) & 0x0fff);
    p += 4;
    type = (data[p] << 8) | data[p + 1];
  }
  return byEtherType(type, data, p + 2, vlan, tunnel, depth, limit);
}

function byEtherType(
  type: number,
  data: Uint8Array,
  off: number,
  vlan: number[],
  tunnel: string,
  depth: number,
  limit = Infinity,
): NetPacket | NetDecodeFailure {
  if (type === ETH_IPV4) return descend(withTunnel(decodeIpv4(data, off, vlan, limit), tunnel), data, depth);
  if (type === ETH_IPV6) return descend(withTunnel(decodeIpv6(data, off, vlan, limit), tunnel), data, depth);
  if (depth >= MAX_DEPTH) return fail('malformed', `more than ${MAX_DEPTH} encapsulations`);
  if (type === ETH_PPPOE_SESSION)
    return byPpp(pppoeSession(data, off), data, vlan, tunnel, depth + 1, 'PPPoE', limit);
  if (type === ETH_PPPOE_DISCOVERY) return fail('not-ip', 'PPPoE discovery');
  if (type === ETH_MPLS || type === ETH_MPLS_MULTICAST) {
    const m = mplsInner(data, off);
    if (m.kind === 'none') return fail(m.malformed ? 'malformed' : 'not-ip', m.detail);
    // Labels are per hop and per direction (a VPN label is chosen by the receiving edge router), so
    // they do not key a connection; the frame's VLAN tags still do.
    if (m.kind === 'ether') return ethernet(data, m.offset, tunnel, depth + 1, limit);
    const inner =
      m.kind === 'ipv4' ? decodeIpv4(data, m.offset, vlan, limit) : decodeIpv6(data, m.offset, vlan, limit);
    return descend(withTunnel(inner, tunnel), data, depth + 1);
  }
  return fail('not-ip', `ethertype 0x${type.toString(16).padStart(4, '0')}`);
}

function byPpp(
  r: PppInner,
  data: Uint8Array,
  vlan: number[],
  tunnel: string,
  depth: number,
  what: string,
  limit = Infinity,
): NetPacket | NetDecodeFailure {
  if (r.ip === 0) return fail(r.malformed ? 'malformed' : 'not-ip', what ? `${what}: ${r.detail}` : r.detail);
  const end = Math.min(limit, r.end);
  const inner = r.ip === 4 ? decodeIpv4(data, r.offset, vlan, end) : decodeIpv6(data, r.offset, vlan, end);
  return descend(withTunnel(inner, tunnel), data, depth);
}

function withTunnel(net: NetPacket | NetDecodeFailure, tunnel: string): NetPacket | NetDecodeFailure {
  if (tunnel !== NO_TUNNEL && !('reason' in net)) net.tunnel = tunnel;
  return net;
}

/**
 * Looks inside an IP packet that carries another network: GRE, IP-in-IP, IPv6-in-IP, VXLAN,
 * Geneve. Returns the innermost packet whose upper layer is not a tunnel (or the failure that
 * stopped the way down). A fragment is returned as it is: what it carries is known only once it is
 * reassembled (lib/capture/network.ts does that and comes back here).
 *
 * Keying: the inner addresses and ports, the innermost frame's VLAN tags, and the VXLAN or Geneve
 * network identifier — the same inner tuple in two VNIs is two networks — but not the outer
 * addresses (one connection may be carried between several tunnel endpoints, or mirrored from
 * both ends), the GRE key (ikey and okey may differ per direction) or the ERSPAN session.
 */
export function descend(
  r: NetPacket | NetDecodeFailure,
  data: Uint8Array,
  depth: number,
): NetPacket | NetDecodeFailure {
  if ('reason' in r || r.fragment) return r;
  const net = r;
  const p = net.l4Offset;
  const end = Math.min(data.length, p + net.l4Length);
  // What the outer packet says it carries bounds the inner one, as Wireshark bounds it.
  const limit = p + net.l4Length;
  const tunnel = net.tunnel ?? NO_TUNNEL;
  switch (net.protocol) {
    case IPPROTO_UDP: {
      if (p + 8 > end) return net;
      const dst = (data[p + 2] << 8) | data[p + 3];
      if (dst === GENEVE_PORT) {
        if (depth >= MAX_DEPTH) return fail('malformed', `more than ${MAX_DEPTH} encapsulations`);
        const g = geneveInner(data, p + 8, end);
        if (!('offset' in g))
          return g.malformed ? fail('malformed', `${g.detail}`) : fail('not-ip', g.detail);
        const overlay = `geneve ${g.vni}`;
        if (g.type === GRE_TEB)
          return inTunnel(ethernet(data, g.offset, overlay, depth + 1, limit), 'Geneve');
        return inTunnel(byEtherType(g.type, data, g.offset, NO_VLAN, overlay, depth + 1, limit), 'Geneve');
      }
      if (dst !== VXLAN_PORT && dst !== VXLAN_LINUX_PORT) return net;
      if (depth >= MAX_DEPTH) return fail('malformed', `more than ${MAX_DEPTH} encapsulations`);
      const v = vxlanInner(data, p + 8, dst);
      if (v.vni < 0)
        return dst === VXLAN_PORT && 'detail' in v && v.malformed ? fail('malformed', v.detail) : net;
      if (!('offset' in v)) return net;
      return inTunnel(ethernet(data, v.offset, `vxlan ${v.vni}`, depth + 1, limit), 'VXLAN');
    }
    case IPPROTO_GRE: {
      if (depth >= MAX_DEPTH) return fail('malformed', `more than ${MAX_DEPTH} encapsulations`);
      const g = greInner(data, p, end);
      if (g.type < 0 || !('offset' in g))
        return fail('detail' in g && g.malformed ? 'malformed' : 'not-ip', 'detail' in g ? g.detail : 'GRE');
      if (g.type === GRE_TEB) return inTunnel(ethernet(data, g.offset, tunnel, depth + 1, limit), 'GRE');
      if (g.type === GRE_PPP)
        return inTunnel(
          byPpp(pppInner(data, g.offset, end), data, NO_VLAN, tunnel, depth + 1, '', limit),
          'GRE',
        );
      return inTunnel(byEtherType(g.type, data, g.offset, NO_VLAN, tunnel, depth + 1, limit), 'GRE');
    }
    case IPPROTO_IPIP:
    case IPPROTO_IPV6:
      if (depth >= MAX_DEPTH) return fail('malformed', `more than ${MAX_DEPTH} encapsulations`);
      return byVersion(data, p, tunnel, depth + 1, limit);
    default:
      return net;
  }
}

/** Names the tunnel in a failure found inside it ("not IP: ethertype 0x0806 in VXLAN"). */
function inTunnel(r: NetPacket | NetDecodeFailure, what: string): NetPacket | NetDecodeFailure {
  if ('reason' in r && !r.detail.includes(' in ')) r.detail = `${r.detail} in ${what}`;
  return r;
}

/**
 * Dotted text of the IPv4 address at `at`. A capture holds few distinct addresses, so the text is
 * kept per address: one string per packet and direction less to build, and the tracker's tuple
 * comparisons then meet the same string object. Bounded: cleared when it grows past 64 Ki entries.
 */
const ipv4Texts = new Map<number, string>();
function ipv4Text(data: Uint8Array, at: number): string {
  const n = ((data[at] << 24) | (data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3]) >>> 0;
  let t = ipv4Texts.get(n);
  if (t === undefined) {
    if (ipv4Texts.size >= 65536) ipv4Texts.clear();
    t = `${data[at]}.${data[at + 1]}.${data[at + 2]}.${data[at + 3]}`;
    ipv4Texts.set(n, t);
  }
  return t;
}

/**
 * `limit`: where the enclosing layer says this packet ends (a PPPoE length, an outer IP packet);
 * an IP length field claiming more is cut there, as Wireshark's reported length does.
 */
export function decodeIpv4(
  data: Uint8Array,
  off: number,
  vlan: number[],
  limit = Infinity,
): NetPacket | NetDecodeFailure {
  const n = data.length;
  if (off + 20 > n) return fail('malformed', 'IPv4 header cut short');
  const vihl = data[off];
  if (vihl >> 4 !== 4) return fail('malformed', `IP version ${vihl >> 4} where IPv4 was expected`);
  const ihl = (vihl & 0x0f) * 4;
  if (ihl < 20) return fail('malformed', `IPv4 header length ${ihl}`);
  if (off + ihl > n) return fail('malformed', 'IPv4 options cut short');
  const total = (data[off + 2] << 8) | data[off + 3];
  // TSO captures show total length 0; then the packet runs to the end of the captured bytes.
  let ipLen = total === 0 ? n - off : total;
  if (off + ipLen > limit && limit - off >= ihl) ipLen = limit - off;
  if (ipLen < ihl) return fail('malformed', `IPv4 total length ${total} shorter than its header`);
  const flagsFrag = (data[off + 6] << 8) | data[off + 7];
  const fragOffset = flagsFrag & 0x1fff;
  const moreFragments = (flagsFrag & 0x2000) !== 0;
  const ipId = (data[off + 4] << 8) | data[off + 5];
  const fragment = moreFragments || fragOffset !== 0;
  const net: NetPacket = {
    ipVersion: 4,
    src: ipv4Text(data, off + 12),
    dst: ipv4Text(data, off + 16),
    protocol: data[off + 9],
    ttl: data[off + 8],
    ipId,
    vlan,
    l4Offset: off + ihl,
    l4Length: ipLen - ihl,
    fragment,
    firstFragment: fragOffset === 0,
  };
  if (fragment) {
    net.frag = {
      id: ipId,
      offset: fragOffset * 8,
      more: moreFragments,
      dataOffset: off + ihl,
      dataLength: ipLen - ihl,
      next: data[off + 9],
    } satisfies FragmentInfo;
  }
  return net;
}

export function decodeIpv6(
  data: Uint8Array,
  off: number,
  vlan: number[],
  limit = Infinity,
): NetPacket | NetDecodeFailure {
  const n = data.length;
  if (off + 40 > n) return fail('malformed', 'IPv6 header cut short');
  if (data[off] >> 4 !== 6) return fail('malformed', `IP version ${data[off] >> 4} where IPv6 was expected`);
  const payloadLen = (data[off + 4] << 8) | data[off + 5];
  // Jumbograms (payload length 0 with a hop-by-hop option) and TSO: take what was captured.
  let end = payloadLen === 0 ? n : off + 40 + payloadLen;
  if (end > limit && limit >= off + 40) end = limit;
  let next = data[off + 6];
  let p = off + 40;
  let fragment = false;
  let firstFragment = true;
  let frag: FragmentInfo | undefined;
  for (;;) {
    if (next === 0 || next === 43 || next === 60) {
      if (p + 8 > n) return fail('malformed', 'IPv6 extension header cut short');
      const len = (data[p + 1] + 1) * 8;
      next = data[p];
      p += len;
    } else if (next === 44) {
      if (p + 8 > n) return fail('malformed', 'IPv6 fragment header cut short');
      const fo = (data[p + 2] << 8) | data[p + 3];
      fragment = true;
      firstFragment = fo >> 3 === 0;
      frag = {
        id: ((data[p + 4] << 24) | (data[p + 5] << 16) | (data[p + 6] << 8) | data[p + 7]) >>> 0,
        offset: fo & 0xfff8,
        more: (fo & 1) !== 0,
        dataOffset: p + 8,
        dataLength: end - (p + 8),
        next: data[p],
      };
      next = data[p];
      p += 8;
      if (!firstFragment) break;
    } else if (next === 51) {
      if (p + 8 > n) return fail('malformed', 'IPv6 AH header cut short');
      const len = (data[p + 1] + 2) * 4;
      next = data[p];
      p += len;
    } else break;
    if (p > end) return fail('malformed', 'IPv6 extension headers run past the payload');
  }
  const net: NetPacket = {
    ipVersion: 6,
    src: ipv6Text(data, off + 8),
    dst: ipv6Text(data, off + 24),
    protocol: next,
    ttl: data[off + 7],
    ipId: null,
    vlan,
    l4Offset: p,
    l4Length: end - p,
    fragment,
    firstFragment,
  };
  if (frag) {
    if (frag.dataLength < 0) return fail('malformed', 'IPv6 fragment header past the payload');
    net.frag = frag;
  }
  return net;
}

/**
 * Walks IPv6 extension headers from `next` at `p` (used on a reassembled fragmentable part, which
 * may start with destination options or routing headers before the upper layer). Returns the upper
 * layer's protocol and offset, or null when the headers run past `end`.
 */
export function skipIpv6Extensions(
  data: Uint8Array,
  next: number,
  p: number,
  end: number,
): { protocol: number; offset: number } | null {
  for (let i = 0; i < 16; i++) {
    if (next === 0 || next === 43 || next === 60) {
      if (p + 8 > end) return null;
      const len = (data[p + 1] + 1) * 8;
      next = data[p];
      p += len;
    } else if (next === 51) {
      if (p + 8 > end) return null;
      const len = (data[p + 1] + 2) * 4;
      next = data[p];
      p += len;
    } else return p <= end ? { protocol: next, offset: p } : null;
  }
  return null;
}

/** RFC 5952 text: lowercase hex, longest run (first if tied, length >= 2) of zero groups as "::". */
export function ipv6Text(b: Uint8Array, o: number): string {
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    const zero = b[o + 2 * i] === 0 && b[o + 2 * i + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = i;
      const len = i - runStart + 1;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
    } else runStart = -1;
  }
  if (bestLen < 2) bestStart = -1;
  // IPv4-mapped addresses print their last 32 bits dotted, as inet_ntop does.
  if (bestStart === 0 && bestLen === 5 && b[o + 10] === 0xff && b[o + 11] === 0xff) {
    return `::ffff:${b[o + 12]}.${b[o + 13]}.${b[o + 14]}.${b[o + 15]}`;
  }
  let s = '';
  let needColon = false;
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      needColon = false;
      continue;
    }
    if (needColon) s += ':';
    s += ((b[o + 2 * i] << 8) | b[o + 2 * i + 1]).toString(16);
    needColon = true;
  }
  return s;
}
