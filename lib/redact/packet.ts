/**
 * Second pass, one packet: link-layer addresses, IP addresses, optionally ports, the payload edits
 * the first pass found, then the checksums. `data` is the packet's captured bytes, rewritten in
 * place (the caller hands a copy it owns).
 *
 * Checksums are computed afresh when the whole datagram was captured (so a loopback capture's
 * offloaded, never-filled checksums come out correct), and updated incrementally (RFC 1624) over
 * the captured part when it was cut short or fragmented: the bytes we never saw did not change.
 */
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from '../capture/link';
import { greInner, GRE_PPP, GRE_TEB } from '../capture/gre';
import { mplsInner } from '../capture/mpls';
import { pppInner, pppoeSession, ETH_PPPOE_SESSION } from '../capture/pppoe';
import { vxlanInner, VXLAN_LINUX_PORT, VXLAN_PORT } from '../capture/vxlan';
import type { AddressMapper } from './addresses';
import type { EditList } from './edits';

export interface PacketRewriteContext {
  mapper: AddressMapper;
  mapPorts: boolean;
  keepPayload: boolean;
  /** The TCP stream position of this packet's payload, from the first pass, or null. */
  tcp: { edits: EditList; offset: number; covered: number } | null;
  /**
   * This packet is an IP fragment of a TCP datagram the first pass reassembled: its TCP payload
   * bytes are data[at, at + length), stream bytes from `offset` on (the caller applies them), and
   * nothing here zeroes the datagram's payload.
   */
  fragment: { edits: EditList; at: number; offset: number; length: number; covered: number } | null;
}

const MAX_DEPTH = 8;

export type PacketOutcome = 'ip' | 'non-ip' | 'unsupported';

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_ARP = 0x0806;
const ETH_VLAN = [0x8100, 0x88a8, 0x9100];
const ETH_MPLS = 0x8847;
const IPPROTO_GRE = 47;
const GENEVE_PORT = 6081;
const IPPROTO_IPIP = 4;
const IPPROTO_IPV6 = 41;
const ETH_MPLS_MC = 0x8848;

export function rewritePacket(data: Uint8Array, linkType: number, ctx: PacketRewriteContext): PacketOutcome {
  const n = data.length;
  let out: PacketOutcome;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      out = ether(data, 0, ctx, 0);
      break;
    case LINKTYPE_LINUX_SLL: {
      if (n < 16) return zeroFrom(data, 0, 'non-ip');
      const alen = (data[4] << 8) | data[5];
      if (alen === 6) ctx.mapper.macAt(data, 6);
      else data.fill(0, 6, 14);
      out = byEtherType((data[14] << 8) | data[15], data, 16, ctx, 0);
      break;
    }
    case LINKTYPE_LINUX_SLL2: {
      if (n < 20) return zeroFrom(data, 0, 'non-ip');
      if (data[11] === 6) ctx.mapper.macAt(data, 12);
      else data.fill(0, 12, 20);
      out = byEtherType((data[0] << 8) | data[1], data, 20, ctx, 0);
      break;
    }
    case LINKTYPE_RAW:
    case 12:
    case 14:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      out = ip(data, 0, ctx, 0);
      break;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      if (n < 4) return zeroFrom(data, 0, 'non-ip');
      out = ip(data, 4, ctx, 0);
      break;
    default:
      // A link layer we do not read may carry anything: keep nothing.
      return zeroFrom(data, 0, 'unsupported');
  }
  const f = ctx.fragment;
  if (f) {
    const end = Math.min(n, f.at + f.length);
    if (end > f.at) {
      f.edits.apply(data, f.at, f.offset, end - f.at);
      if (!ctx.keepPayload && f.offset + (end - f.at) > f.covered)
        data.fill(0, f.at + Math.max(0, f.covered - f.offset), end);
    }
  }
  return out;
}

function ether(data: Uint8Array, off: number, ctx: PacketRewriteContext, depth: number): PacketOutcome {
  const n = data.length;
  if (off + 14 > n) return zeroFrom(data, off, 'non-ip');
  ctx.mapper.macAt(data, off);
  ctx.mapper.macAt(data, off + 6);
  let p = off + 12;
  let type = (data[p] << 8) | data[p + 1];
  while (ETH_VLAN.includes(type) && p + 6 <= n) {
    p += 4;
    type = (data[p] << 8) | data[p + 1];
  }
  return byEtherType(type, data, p + 2, ctx, depth);
}

function zeroFrom<T extends PacketOutcome>(data: Uint8Array, from: number, outcome: T): T {
  if (from < data.length) data.fill(0, from);
  return outcome;
}

function byEtherType(
  type: number,
  data: Uint8Array,
  off: number,
  ctx: PacketRewriteContext,
  depth: number,
): PacketOutcome {
  if (type === ETH_IPV4 || type === ETH_IPV6) return ip(data, off, ctx, depth);
  if (type === ETH_ARP) {
    // Ethernet/IPv4 ARP: sender and target hardware and protocol addresses.
    if (off + 28 <= data.length && data[off + 4] === 6 && data[off + 5] === 4) {
      ctx.mapper.macAt(data, off + 8);
      ctx.mapper.ipv4At(data, off + 14);
      ctx.mapper.macAt(data, off + 18);
      ctx.mapper.ipv4At(data, off + 24);
      return 'non-ip';
    }
  }
  if (depth < MAX_DEPTH && type === ETH_PPPOE_SESSION) {
    const r = pppoeSession(data, off);
    if (r.ip !== 0) return ip(data, r.offset, ctx, depth + 1);
  }
  if (depth < MAX_DEPTH && (type === ETH_MPLS || type === ETH_MPLS_MC)) {
    const m = mplsInner(data, off);
    if (m.kind === 'ether') return ether(data, m.offset, ctx, depth + 1);
    if (m.kind === 'ipv4' || m.kind === 'ipv6') return ip(data, m.offset, ctx, depth + 1);
  }
  // LLDP, CDP, STP, ...: names and descriptions we do not read. Keep the link header only.
  return zeroFrom(data, off, 'non-ip');
}

function ip(data: Uint8Array, off: number, ctx: PacketRewriteContext, depth: number): PacketOutcome {
  const n = data.length;
  if (off >= n) return 'non-ip';
  const v = data[off] >> 4;
  if (v === 4) return ipv4(data, off, ctx, depth);
  if (v === 6) return ipv6(data, off, ctx, depth);
  return zeroFrom(data, off, 'non-ip');
}

function ipv4(data: Uint8Array, off: number, ctx: PacketRewriteContext, depth: number): PacketOutcome {
  const n = data.length;
  if (off + 20 > n) return zeroFrom(data, off, 'non-ip');
  const ihl = (data[off] & 0x0f) * 4;
  if (ihl < 20 || off + ihl > n) return zeroFrom(data, off + 20, 'ip');
  const total = (data[off + 2] << 8) | data[off + 3];
  const end = total === 0 ? n : off + Math.max(total, ihl);
  const fragOff = ((data[off + 6] << 8) | data[off + 7]) & 0x1fff;
  const more = (data[off + 6] & 0x20) !== 0;
  const proto = data[off + 9];
  const l4 = off + ihl;
  const old = l4Start(data, off, 4, proto, l4, end, fragOff === 0);
  ctx.mapper.ipv4At(data, off + 12);
  ctx.mapper.ipv4At(data, off + 16);
  // IP options (record route, timestamps) may hold more addresses: zero them (NOPs would be
  // 1, but zeros are End of Options, which every stack accepts).
  if (ihl > 20) data.fill(0, off + 20, off + ihl);
  data[off + 10] = 0;
  data[off + 11] = 0;
  const ck = ~fold(sum(data, off, off + ihl, 0)) & 0xffff;
  data[off + 10] = ck >> 8;
  data[off + 11] = ck & 0xff;
  // A later fragment: bytes without headers. Those of a reassembled TCP datagram are rewritten by
  // the fragment map (rewritePacket); others are zeroed.
  if (fragOff !== 0) return ctx.fragment ? 'ip' : zeroFrom(data, l4, 'ip');
  l4Rewrite(data, 4, off, proto, l4, end, !more, old, ctx, depth);
  return 'ip';
}

function ipv6(data: Uint8Array, off: number, ctx: PacketRewriteContext, depth: number): PacketOutcome {
  const n = data.length;
  if (off + 40 > n) return zeroFrom(data, off + 8, 'non-ip');
  const payloadLen = (data[off + 4] << 8) | data[off + 5];
  const end = payloadLen === 0 ? n : off + 40 + payloadLen;
  let next = data[off + 6];
  let p = off + 40;
  let whole = true;
  let firstFragment = true;
  for (;;) {
    if (next === 0 || next === 43 || next === 60) {
      if (p + 8 > n) break;
      const len = (data[p + 1] + 1) * 8;
      // Options and routing headers may hold addresses: keep the chain, zero the contents.
      // (Zeros read as Pad1 options, or as an empty routing header of type 0.)
      data.fill(0, p + 2, Math.min(n, p + len));
      next = data[p];
      p += len;
    } else if (next === 44) {
      if (p + 8 > n) break;
      const fo = ((data[p + 2] << 8) | data[p + 3]) >> 3;
      firstFragment = fo === 0;
      whole = false;
      next = data[p];
      p += 8;
      if (!firstFragment) break;
    } else if (next === 51) {
      if (p + 8 > n) break;
      next = data[p];
      p += (data[p + 1] + 2) * 4;
    } else break;
  }
  const old = l4Start(data, off, 6, next, p, end, firstFragment);
  ctx.mapper.ipv6At(data, off + 8);
  ctx.mapper.ipv6At(data, off + 24);
  if (!firstFragment) return ctx.fragment ? 'ip' : zeroFrom(data, Math.min(p, n), 'ip');
  l4Rewrite(data, 6, off, next, p, end, whole, old, ctx, depth);
  return 'ip';
}

/** Ones' complement sum of the checksum-covered bytes as they are now (before rewriting). */
function l4Start(
  data: Uint8Array,
  ipOff: number,
  version: 4 | 6,
  proto: number,
  l4: number,
  end: number,
  first: boolean,
): number {
  if (!first || !hasChecksum(version, proto)) return 0;
  return coveredSum(data, ipOff, version, proto, l4, end);
}

function hasChecksum(version: 4 | 6, proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 58 || (version === 4 && proto === 1);
}

function checksumAt(proto: number): number {
  return proto === 6 ? 16 : proto === 17 ? 6 : 2;
}

function coveredSum(
  data: Uint8Array,
  ipOff: number,
  version: 4 | 6,
  proto: number,
  l4: number,
  end: number,
): number {
  const capEnd = Math.min(end, data.length);
  let s = sum(data, l4, capEnd, 0);
  if (proto === 1) return s; // ICMPv4: no pseudo-header
  const len = end - l4;
  if (version === 4) s = sum(data, ipOff + 12, ipOff + 20, s);
  else s = sum(data, ipOff + 8, ipOff + 40, s);
  s += proto + (len >>> 16) + (len & 0xffff);
  return s;
}

function l4Rewrite(
  data: Uint8Array,
  version: 4 | 6,
  ipOff: number,
  proto: number,
  l4: number,
  end: number,
  whole: boolean,
  oldSum: number,
  ctx: PacketRewriteContext,
  depth: number,
): void {
  const n = data.length;
  const capEnd = Math.min(end, n);
  if (proto === 6 && ctx.fragment) {
    // The first fragment of a reassembled TCP datagram: the header is here, the payload is the
    // fragment map's.
    if (ctx.mapPorts && l4 + 4 <= n) mapPorts(data, l4, ctx);
  } else if (proto === 6) {
    if (l4 + 20 > n) return void zeroFrom(data, l4, 'ip');
    const hl = (data[l4 + 12] >> 4) * 4;
    if (ctx.mapPorts) mapPorts(data, l4, ctx);
    const pay = l4 + Math.max(20, hl);
    if (pay < capEnd) {
      const t = ctx.tcp;
      if (!t) {
        if (!ctx.keepPayload) data.fill(0, pay, capEnd);
      } else {
        t.edits.apply(data, pay, t.offset, capEnd - pay);
        if (!ctx.keepPayload) {
          // Bytes no walker saw: before offset 0 or past what reassembly handed over.
          const len = capEnd - pay;
          if (t.offset < 0) data.fill(0, pay, pay + Math.min(len, -t.offset));
          if (t.offset + len > t.covered) data.fill(0, pay + Math.max(0, t.covered - t.offset), capEnd);
        }
      }
    }
  } else if (proto === 17) {
    if (l4 + 8 > n) return void zeroFrom(data, l4, 'ip');
    const dst = (data[l4 + 2] << 8) | data[l4 + 3];
    const v =
      depth < MAX_DEPTH && (dst === VXLAN_PORT || dst === VXLAN_LINUX_PORT)
        ? vxlanInner(data, l4 + 8, dst)
        : null;
    // VXLAN, Geneve: the inner frame is rewritten like any other (its ports are the inner ones).
    const g = depth < MAX_DEPTH && dst === GENEVE_PORT ? geneve(data, l4 + 8, capEnd) : null;
    if (v && 'offset' in v) ether(data, v.offset, ctx, depth + 1);
    else if (g && g.type === GRE_TEB) ether(data, g.offset, ctx, depth + 1);
    else if (g && (g.type === ETH_IPV4 || g.type === ETH_IPV6)) ip(data, g.offset, ctx, depth + 1);
    else {
      if (ctx.mapPorts) mapPorts(data, l4, ctx);
      if (!ctx.keepPayload && !ctx.fragment) data.fill(0, Math.min(l4 + 8, capEnd), capEnd);
    }
  } else if (proto === IPPROTO_GRE && depth < MAX_DEPTH) {
    const g = greInner(data, l4, capEnd);
    if (g.type === GRE_TEB && 'offset' in g) ether(data, g.offset, ctx, depth + 1);
    else if (g.type === GRE_PPP && 'offset' in g) {
      const r = pppInner(data, g.offset, capEnd);
      if (r.ip !== 0) ip(data, r.offset, ctx, depth + 1);
      else data.fill(0, Math.min(g.offset, capEnd), capEnd);
    } else if (g.type >= 0 && 'offset' in g) byEtherType(g.type, data, g.offset, ctx, depth + 1);
    else data.fill(0, Math.min(l4, capEnd), capEnd);
    return;
  } else if ((proto === IPPROTO_IPIP || proto === IPPROTO_IPV6) && depth < MAX_DEPTH) {
    ip(data, l4, ctx, depth + 1);
    return;
  } else if (proto === 1 || proto === 58) {
    // ICMP: errors quote the offending packet's headers, NDP names addresses: keep the type,
    // code and checksum, zero the rest (the analysis reads TCP only).
    data.fill(0, Math.min(l4 + 4, capEnd), capEnd);
  } else {
    data.fill(0, Math.min(l4, capEnd), capEnd);
    return;
  }
  if (!hasChecksum(version, proto)) return;
  const at = l4 + checksumAt(proto);
  if (at + 2 > n) return;
  const old = (data[at] << 8) | data[at + 1];
  // UDP over IPv4 may go without a checksum (0): leave it so.
  if (proto === 17 && version === 4 && old === 0) return;
  let ck: number;
  if (whole && end <= n) {
    data[at] = 0;
    data[at + 1] = 0;
    ck = ~fold(coveredSum(data, ipOff, version, proto, l4, end)) & 0xffff;
  } else {
    // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), over everything we changed.
    const newSum = coveredSum(data, ipOff, version, proto, l4, end);
    ck = ~fold((~old & 0xffff) + (~fold(oldSum) & 0xffff) + fold(newSum)) & 0xffff;
  }
  if (proto === 17 && ck === 0) ck = 0xffff;
  data[at] = ck >> 8;
  data[at + 1] = ck & 0xff;
}

/** Geneve (RFC 8926): protocol type and where the inner packet starts, or null. */
function geneve(data: Uint8Array, off: number, end: number): { type: number; offset: number } | null {
  if (off + 8 > end || data[off] >> 6 !== 0) return null;
  const inner = off + 8 + (data[off] & 0x3f) * 4;
  return inner <= end ? { type: (data[off + 2] << 8) | data[off + 3], offset: inner } : null;
}

function mapPorts(data: Uint8Array, l4: number, ctx: PacketRewriteContext): void {
  for (const o of [l4, l4 + 2]) {
    const p = ctx.mapper.port((data[o] << 8) | data[o + 1]);
    data[o] = p >> 8;
    data[o + 1] = p & 0xff;
  }
}

/** Big-endian 16-bit word sum of data[from, to), unfolded, added to `acc`. */
function sum(data: Uint8Array, from: number, to: number, acc: number): number {
  let s = acc;
  let i = from;
  for (; i + 1 < to; i += 2) s += (data[i] << 8) | data[i + 1];
  if (i < to) s += data[i] << 8;
  return s;
}

function fold(s: number): number {
  let x = s;
  while (x > 0xffff) x = (x & 0xffff) + Math.floor(x / 65536);
  return x;
}
