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
import type { AddressMapper } from './addresses';
import type { EditList } from './edits';

export interface PacketRewriteContext {
  mapper: AddressMapper;
  mapPorts: boolean;
  keepPayload: boolean;
  /** The TCP stream position of this packet's payload, from the first pass, or null. */
  tcp: { edits: EditList; offset: number; covered: number } | null;
}

export type PacketOutcome = 'ip' | 'non-ip' | 'unsupported';

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_ARP = 0x0806;
const ETH_VLAN = [0x8100, 0x88a8, 0x9100];

export function rewritePacket(data: Uint8Array, linkType: number, ctx: PacketRewriteContext): PacketOutcome {
  const n = data.length;
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      if (n < 14) return zeroFrom(data, 0, 'non-ip');
      ctx.mapper.macAt(data, 0);
      ctx.mapper.macAt(data, 6);
      let off = 12;
      let type = (data[off] << 8) | data[off + 1];
      while (ETH_VLAN.includes(type) && off + 6 <= n) {
        off += 4;
        type = (data[off] << 8) | data[off + 1];
      }
      return byEtherType(type, data, off + 2, ctx);
    }
    case LINKTYPE_LINUX_SLL: {
      if (n < 16) return zeroFrom(data, 0, 'non-ip');
      const alen = (data[4] << 8) | data[5];
      if (alen === 6) ctx.mapper.macAt(data, 6);
      else data.fill(0, 6, 14);
      return byEtherType((data[14] << 8) | data[15], data, 16, ctx);
    }
    case LINKTYPE_LINUX_SLL2: {
      if (n < 20) return zeroFrom(data, 0, 'non-ip');
      if (data[11] === 6) ctx.mapper.macAt(data, 12);
      else data.fill(0, 12, 20);
      return byEtherType((data[0] << 8) | data[1], data, 20, ctx);
    }
    case LINKTYPE_RAW:
    case 12:
    case 14:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return ip(data, 0, ctx);
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      if (n < 4) return zeroFrom(data, 0, 'non-ip');
      return ip(data, 4, ctx);
    default:
      // A link layer we do not read may carry anything: keep nothing.
      return zeroFrom(data, 0, 'unsupported');
  }
}

function zeroFrom<T extends PacketOutcome>(data: Uint8Array, from: number, outcome: T): T {
  if (from < data.length) data.fill(0, from);
  return outcome;
}

function byEtherType(type: number, data: Uint8Array, off: number, ctx: PacketRewriteContext): PacketOutcome {
  if (type === ETH_IPV4 || type === ETH_IPV6) return ip(data, off, ctx);
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
  // LLDP, CDP, STP, ...: names and descriptions we do not read. Keep the link header only.
  return zeroFrom(data, off, 'non-ip');
}

function ip(data: Uint8Array, off: number, ctx: PacketRewriteContext): PacketOutcome {
  const n = data.length;
  if (off >= n) return 'non-ip';
  const v = data[off] >> 4;
  if (v === 4) return ipv4(data, off, ctx);
  if (v === 6) return ipv6(data, off, ctx);
  return zeroFrom(data, off, 'non-ip');
}

function ipv4(data: Uint8Array, off: number, ctx: PacketRewriteContext): PacketOutcome {
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
  if (fragOff !== 0) return zeroFrom(data, l4, 'ip'); // a later fragment: bytes without headers
  l4Rewrite(data, 4, off, proto, l4, end, !more, old, ctx);
  return 'ip';
}

function ipv6(data: Uint8Array, off: number, ctx: PacketRewriteContext): PacketOutcome {
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
  if (!firstFragment) return zeroFrom(data, Math.min(p, n), 'ip');
  l4Rewrite(data, 6, off, next, p, end, whole, old, ctx);
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
): void {
  const n = data.length;
  const capEnd = Math.min(end, n);
  if (proto === 6) {
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
    if (ctx.mapPorts) mapPorts(data, l4, ctx);
    if (!ctx.keepPayload) data.fill(0, Math.min(l4 + 8, capEnd), capEnd);
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
