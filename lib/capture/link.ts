/**
 * Link and network layer decoding: finds the IP header under the link layer and reads what the TCP
 * analysis needs. Allocates only the result object and the two address strings.
 */
import type { NetDecodeFailure, NetPacket } from './types';

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
    case LINKTYPE_ETHERNET: {
      if (n < 14) return fail('malformed', 'Ethernet header cut short');
      let off = 12;
      let type = (data[off] << 8) | data[off + 1];
      let vlan: number[] = NO_VLAN;
      while (type === ETH_VLAN || type === ETH_QINQ || type === ETH_QINQ_OLD) {
        if (off + 6 > n) return fail('malformed', 'VLAN tag cut short');
        if (vlan === NO_VLAN) vlan = [];
        vlan.push(((data[off + 2] << 8) | data[off + 3]) & 0x0fff);
        off += 4;
        type = (data[off] << 8) | data[off + 1];
      }
      return byEtherType(type, data, off + 2, vlan);
    }
    case LINKTYPE_LINUX_SLL:
      if (n < 16) return fail('malformed', 'Linux cooked header cut short');
      return byEtherType((data[14] << 8) | data[15], data, 16, NO_VLAN);
    case LINKTYPE_LINUX_SLL2:
      if (n < 20) return fail('malformed', 'Linux cooked v2 header cut short');
      return byEtherType((data[0] << 8) | data[1], data, 20, NO_VLAN);
    case LINKTYPE_RAW:
    case 12: // LINKTYPE_RAW's number on OpenBSD and some others (DLT_RAW)
    case 14: // DLT_RAW on BSD/OS
      if (n < 1) return fail('malformed', 'empty raw IP packet');
      return byVersion(data, 0);
    case LINKTYPE_IPV4:
      return decodeIpv4(data, 0, NO_VLAN);
    case LINKTYPE_IPV6:
      return decodeIpv6(data, 0, NO_VLAN);
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

function byAf(af: number, data: Uint8Array): NetPacket | NetDecodeFailure {
  if (af === 2) return decodeIpv4(data, 4, NO_VLAN);
  if (isAfInet6(af)) return decodeIpv6(data, 4, NO_VLAN);
  return fail('not-ip', `address family ${af}`);
}

function byVersion(data: Uint8Array, off: number): NetPacket | NetDecodeFailure {
  const v = data[off] >> 4;
  if (v === 4) return decodeIpv4(data, off, NO_VLAN);
  if (v === 6) return decodeIpv6(data, off, NO_VLAN);
  return fail('not-ip', `IP version ${v}`);
}

function byEtherType(
  type: number,
  data: Uint8Array,
  off: number,
  vlan: number[],
): NetPacket | NetDecodeFailure {
  if (type === ETH_IPV4) return decodeIpv4(data, off, vlan);
  if (type === ETH_IPV6) return decodeIpv6(data, off, vlan);
  return fail('not-ip', `ethertype 0x${type.toString(16).padStart(4, '0')}`);
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

export function decodeIpv4(data: Uint8Array, off: number, vlan: number[]): NetPacket | NetDecodeFailure {
  const n = data.length;
  if (off + 20 > n) return fail('malformed', 'IPv4 header cut short');
  const vihl = data[off];
  if (vihl >> 4 !== 4) return fail('malformed', `IP version ${vihl >> 4} where IPv4 was expected`);
  const ihl = (vihl & 0x0f) * 4;
  if (ihl < 20) return fail('malformed', `IPv4 header length ${ihl}`);
  if (off + ihl > n) return fail('malformed', 'IPv4 options cut short');
  const total = (data[off + 2] << 8) | data[off + 3];
  // TSO captures show total length 0; then the packet runs to the end of the captured bytes.
  const ipLen = total === 0 ? n - off : total;
  if (ipLen < ihl) return fail('malformed', `IPv4 total length ${total} shorter than its header`);
  const flagsFrag = (data[off + 6] << 8) | data[off + 7];
  const fragOffset = flagsFrag & 0x1fff;
  const moreFragments = (flagsFrag & 0x2000) !== 0;
  return {
    ipVersion: 4,
    src: ipv4Text(data, off + 12),
    dst: ipv4Text(data, off + 16),
    protocol: data[off + 9],
    ttl: data[off + 8],
    ipId: (data[off + 4] << 8) | data[off + 5],
    vlan,
    l4Offset: off + ihl,
    l4Length: ipLen - ihl,
    fragment: moreFragments || fragOffset !== 0,
    firstFragment: fragOffset === 0,
  };
}

export function decodeIpv6(data: Uint8Array, off: number, vlan: number[]): NetPacket | NetDecodeFailure {
  const n = data.length;
  if (off + 40 > n) return fail('malformed', 'IPv6 header cut short');
  if (data[off] >> 4 !== 6) return fail('malformed', `IP version ${data[off] >> 4} where IPv6 was expected`);
  const payloadLen = (data[off + 4] << 8) | data[off + 5];
  // Jumbograms (payload length 0 with a hop-by-hop option) and TSO: take what was captured.
  const end = payloadLen === 0 ? n : off + 40 + payloadLen;
  let next = data[off + 6];
  let p = off + 40;
  let fragment = false;
  let firstFragment = true;
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
  return {
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
