/**
 * Byte builders for network-layer tests: Ethernet, VLAN, IPv4/IPv6 (and their fragments), TCP, UDP
 * and the tunnels lib/capture decodes (PPPoE, MPLS, VXLAN, GRE, ERSPAN). Test support only.
 */
import type { NetDecodeFailure, NetPacket } from './types';

export type Bytes = Uint8Array | number[];

export const cat = (...parts: Bytes[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
export const ascii = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const be32 = (v: number) => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];

export function tcp(
  srcPort: number,
  dstPort: number,
  payload: Bytes = [],
  seq = 1000,
  flags = 0x18,
): Uint8Array {
  return cat(
    be16(srcPort),
    be16(dstPort),
    be32(seq),
    be32(1),
    [0x50, flags],
    be16(65535),
    [0, 0, 0, 0],
    payload,
  );
}

export function udp(srcPort: number, dstPort: number, payload: Bytes): Uint8Array {
  return cat(be16(srcPort), be16(dstPort), be16(8 + payload.length), [0, 0], payload);
}

export function ipv4(o: {
  src?: number[];
  dst?: number[];
  proto?: number;
  payload: Bytes;
  id?: number;
  /** Fragment offset in bytes (a multiple of 8) and the MF flag. */
  fragOffset?: number;
  more?: boolean;
  ttl?: number;
}): Uint8Array {
  const total = 20 + o.payload.length;
  const ff = ((o.more ? 0x2000 : 0) | ((o.fragOffset ?? 0) >> 3)) & 0xffff;
  return cat(
    [0x45, 0],
    be16(total),
    be16(o.id ?? 0x1234),
    be16(ff),
    [o.ttl ?? 64, o.proto ?? 6, 0, 0],
    o.src ?? [10, 0, 0, 1],
    o.dst ?? [10, 0, 0, 2],
    o.payload,
  );
}

const V6A = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const V6B = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

export function ipv6(o: {
  src?: number[];
  dst?: number[];
  next?: number;
  payload: Bytes;
  hop?: number;
}): Uint8Array {
  return cat(
    [0x60, 0, 0, 0],
    be16(o.payload.length),
    [o.next ?? 6, o.hop ?? 64],
    o.src ?? V6A,
    o.dst ?? V6B,
    o.payload,
  );
}

/** An IPv6 Fragment extension header. */
export function ipv6Frag(next: number, offset: number, more: boolean, id: number): number[] {
  return [next, 0, ...be16((offset & 0xfff8) | (more ? 1 : 0)), ...be32(id)];
}

export const MAC_A = [0x02, 0, 0, 0, 0, 0x0a];
export const MAC_B = [0x02, 0, 0, 0, 0, 0x0b];

export function eth(type: number, payload: Bytes, vlans: number[] = [], pad = 0): Uint8Array {
  const tags = vlans.flatMap((v, i) => [...be16(i === 0 && vlans.length > 1 ? 0x88a8 : 0x8100), ...be16(v)]);
  return cat(MAC_B, MAC_A, tags, be16(type), payload, new Array<number>(pad).fill(0));
}

export function vxlan(vni: number, inner: Bytes, flags = 0x08): Uint8Array {
  return cat([flags, 0, 0, 0], [(vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0], inner);
}

export function gre(
  proto: number,
  payload: Bytes,
  o: { key?: number; seq?: number; checksum?: boolean; version?: number } = {},
): Uint8Array {
  const flags =
    (o.checksum ? 0x8000 : 0) |
    (o.key !== undefined ? 0x2000 : 0) |
    (o.seq !== undefined ? 0x1000 : 0) |
    (o.version ?? 0);
  return cat(
    be16(flags),
    be16(proto),
    o.checksum ? [0, 0, 0, 0] : [],
    o.key !== undefined ? be32(o.key) : [],
    o.seq !== undefined ? be32(o.seq) : [],
    payload,
  );
}

export function mpls(labels: number[], payload: Bytes): Uint8Array {
  const stack = labels.flatMap((l, i) => [
    (l >> 12) & 0xff,
    (l >> 4) & 0xff,
    ((l & 0xf) << 4) | (i === labels.length - 1 ? 1 : 0),
    64,
  ]);
  return cat(stack, payload);
}

export function pppoe(session: number, pppProto: number, payload: Bytes): Uint8Array {
  return cat([0x11, 0], be16(session), be16(2 + payload.length), be16(pppProto), payload);
}

export function ok(r: NetPacket | NetDecodeFailure): NetPacket {
  if ('reason' in r) throw new Error(`decode failed: ${r.reason} ${r.detail}`);
  return r;
}

/** The TCP payload a decoded packet points at, as text. */
export function tcpPayloadText(net: NetPacket, data: Uint8Array): string {
  const bytes = net.reassembled ?? data;
  const hl = (bytes[net.l4Offset + 12] >> 4) * 4;
  return String.fromCharCode(...bytes.subarray(net.l4Offset + hl, net.l4Offset + net.l4Length));
}
