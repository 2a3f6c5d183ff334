/**
 * Keyed, consistent pseudonyms for addresses and ports, so a redacted capture still shows which
 * packets belong to the same host, subnet and connection without naming them.
 *
 * IP addresses: prefix-preserving in the manner of Crypto-PAn (Xu, Fan, Ammar, Moon 2002): bit i
 * of the output is bit i of the input XOR a keyed pseudo-random function of the input's first i
 * bits. Two addresses sharing a k-bit prefix map to addresses sharing exactly a k-bit prefix, and
 * the map is a bijection (each step is invertible given the prefix). The PRF is HMAC-SHA256 over
 * (family, bit index, masked prefix); results are cached per address, so the cost is per host, not
 * per packet.
 *
 * Special-purpose ranges keep the bits that make them what they are (RFC 6890): 10/8 stays 10/8,
 * 127/8 loopback stays loopback, fe80::/64 stays link-local, multicast stays multicast with its
 * scope, ::1 and 0.0.0.0 stay themselves. Other (public) IPv4 addresses are mapped with nothing
 * kept and, should the result land in a special range, mapped again ("cycle walking"), which keeps
 * public addresses public and the map a bijection. IPv4-mapped and NAT64 IPv6 addresses map their
 * IPv4 part with the IPv4 map, so one host has one pseudonym in both families.
 *
 * MAC addresses: unicast ones become locally administered unicast pseudonyms (the U/L bit set, the
 * I/G bit clear, no real vendor OUI); group (multicast/broadcast) and all-zero addresses are kept,
 * since they name no host (IPv4/IPv6 multicast MACs only repeat the group address).
 *
 * Ports (optional): ports below 1024 are kept (they name the service, and the analysis uses "one
 * port below 1024" to tell the client), others map consistently to other ports >= 1024.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { VXLAN_LINUX_PORT, VXLAN_PORT } from '../capture/vxlan';

/** Geneve's UDP port (RFC 8926), which the analysis decapsulates like VXLAN's. */
const GENEVE_PORT = 6081;

interface Range4 {
  net: number;
  bits: number;
  keep: number;
}

// prettier-ignore
const SPECIAL4: Range4[] = [
  { net: 0x00000000, bits: 32, keep: 32 }, // 0.0.0.0
  { net: 0xffffffff, bits: 32, keep: 32 }, // limited broadcast
  { net: 0x00000000, bits: 8, keep: 8 }, // "this network"
  { net: 0x0a000000, bits: 8, keep: 8 }, // 10/8
  { net: 0x64400000, bits: 10, keep: 10 }, // 100.64/10 shared (CGN)
  { net: 0x7f000000, bits: 8, keep: 8 }, // loopback
  { net: 0xa9fe0000, bits: 16, keep: 16 }, // link-local
  { net: 0xac100000, bits: 12, keep: 12 }, // 172.16/12
  { net: 0xc0000000, bits: 24, keep: 24 }, // 192.0.0/24 IETF
  { net: 0xc0000200, bits: 24, keep: 24 }, // TEST-NET-1
  { net: 0xc0a80000, bits: 16, keep: 16 }, // 192.168/16
  { net: 0xc6120000, bits: 15, keep: 15 }, // benchmarking
  { net: 0xc6336400, bits: 24, keep: 24 }, // TEST-NET-2
  { net: 0xcb007100, bits: 24, keep: 24 }, // TEST-NET-3
  { net: 0xe0000000, bits: 4, keep: 4 }, // multicast
  { net: 0xf0000000, bits: 4, keep: 4 }, // reserved
];

function special4(a: number): Range4 | null {
  for (const r of SPECIAL4) {
    const mask = r.bits === 0 ? 0 : (0xffffffff << (32 - r.bits)) >>> 0;
    if ((a & mask) >>> 0 === r.net) return r;
  }
  return null;
}

/** Bits of the IPv6 address `b` to keep, or -1 when its last 32 bits are an embedded IPv4 address. */
function keep6(b: Uint8Array): number {
  let zeroTo = 0;
  while (zeroTo < 16 && b[zeroTo] === 0) zeroTo++;
  if (zeroTo === 16) return 128; // ::
  if (zeroTo === 15 && b[15] === 1) return 128; // ::1
  // ::ffff:a.b.c.d (IPv4-mapped) and 64:ff9b::a.b.c.d (NAT64): the IPv4 map does the last 32 bits.
  if (zeroTo === 10 && b[10] === 0xff && b[11] === 0xff) return -1;
  if (
    b[0] === 0 &&
    b[1] === 0x64 &&
    b[2] === 0xff &&
    b[3] === 0x9b &&
    b.subarray(4, 12).every((x) => x === 0)
  )
    return -1;
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return 64; // link-local fe80::/64
  if (b[0] === 0xff) return 16; // multicast: flags and scope
  if ((b[0] & 0xfe) === 0xfc) return 8; // unique local fc00::/7 (fd stays fd)
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return 32; // documentation
  if ((b[0] & 0xe0) === 0x20) return 3; // global unicast 2000::/3
  return 8;
}

export interface RedactKey {
  /** Secret bytes (16 or more). The same key gives the same pseudonyms across files. */
  key: Uint8Array;
}

/** A fresh random key (Web Crypto's getRandomValues exists in browsers, workers and Node). */
export function randomKey(): Uint8Array {
  const k = new Uint8Array(32);
  globalThis.crypto.getRandomValues(k);
  return k;
}

export class AddressMapper {
  private readonly v4 = new Map<number, number>();
  private readonly v6 = new Map<string, Uint8Array>();
  private readonly macs = new Map<string, Uint8Array>();
  private readonly ports = new Map<number, number>();
  private readonly usedPorts = new Set<number>();
  /** Distinct addresses mapped (IPv4 + IPv6, MAC), for the report. */
  get ipCount(): number {
    return this.v4.size + this.v6.size;
  }
  get macCount(): number {
    return this.macs.size;
  }
  get portCount(): number {
    return this.ports.size;
  }

  constructor(private readonly key: Uint8Array) {}

  /** One pseudo-random bit from the first `i` bits of `prefix` (the rest of it ignored). */
  private prfBit(domain: number, i: number, prefix: Uint8Array): number {
    const n = (i + 7) >> 3;
    const msg = new Uint8Array(2 + n);
    msg[0] = domain;
    msg[1] = i;
    msg.set(prefix.subarray(0, n), 2);
    if (i & 7) msg[1 + n] &= (0xff00 >> (i & 7)) & 0xff;
    return hmac(sha256, this.key, msg)[0] & 1;
  }

  /** Crypto-PAn over the bits of `b` from bit `keep` on; returns a new array. */
  private permute(domain: number, b: Uint8Array, keep: number): Uint8Array {
    const out = b.slice();
    for (let i = keep; i < b.length * 8; i++) {
      const f = this.prfBit(domain, i, b);
      if (f) out[i >> 3] ^= 0x80 >> (i & 7);
    }
    return out;
  }

  /** IPv4 address as an unsigned 32-bit number. */
  ipv4(a: number): number {
    const hit = this.v4.get(a);
    if (hit !== undefined) return hit;
    const r = special4(a);
    let out: number;
    if (r) out = r.keep >= 32 ? a : toU32(this.permute(4, fromU32(a), r.keep));
    else {
      out = a;
      // Cycle walking: at most a handful of steps (special ranges are ~14% of the space).
      do out = toU32(this.permute(4, fromU32(out), 0));
      while (special4(out));
    }
    this.v4.set(a, out);
    return out;
  }

  /** Rewrites the IPv4 address at b[o..o+4) in place. */
  ipv4At(b: Uint8Array, o: number): void {
    const a = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
    const m = this.ipv4(a);
    b[o] = m >>> 24;
    b[o + 1] = (m >>> 16) & 0xff;
    b[o + 2] = (m >>> 8) & 0xff;
    b[o + 3] = m & 0xff;
  }

  /** Rewrites the IPv6 address at b[o..o+16) in place. */
  ipv6At(b: Uint8Array, o: number): void {
    const src = b.subarray(o, o + 16);
    let k = '';
    for (let i = 0; i < 16; i++) k += String.fromCharCode(src[i]);
    let out = this.v6.get(k);
    if (!out) {
      const keep = keep6(src);
      if (keep === -1) {
        out = src.slice();
        this.ipv4At(out, 12);
      } else out = keep >= 128 ? src.slice() : this.permute(6, src, keep);
      this.v6.set(k, out);
    }
    b.set(out, o);
  }

  /** Rewrites the MAC address at b[o..o+6) in place. */
  macAt(b: Uint8Array, o: number): void {
    if (b[o] & 1) return; // group address: multicast or broadcast
    let zero = true;
    for (let i = 0; i < 6; i++) if (b[o + i] !== 0) zero = false;
    if (zero) return;
    let k = '';
    for (let i = 0; i < 6; i++) k += String.fromCharCode(b[o + i]);
    let out = this.macs.get(k);
    if (!out) {
      const h = hmac(sha256, this.key, Uint8Array.of(0x4d, ...b.subarray(o, o + 6)));
      out = h.slice(0, 6);
      out[0] = (out[0] & 0xfc) | 0x02; // locally administered, unicast
      this.macs.set(k, out);
    }
    b.set(out, o);
  }

  /** `n` keyed pseudo-random bytes derived from `data` (for name pseudonyms). */
  keyed(domain: number, data: Uint8Array, n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let block = 0; block * 32 < n; block++) {
      const msg = new Uint8Array(data.length + 2);
      msg[0] = domain;
      msg[1] = block;
      msg.set(data, 2);
      const h = hmac(sha256, this.key, msg);
      out.set(h.subarray(0, Math.min(32, n - block * 32)), block * 32);
    }
    return out;
  }

  /** A port's pseudonym: ports below 1024 kept, others mapped one-to-one to ports >= 1024. */
  port(p: number): number {
    if (p < 1024) return p;
    const hit = this.ports.get(p);
    if (hit !== undefined) return hit;
    const h = hmac(sha256, this.key, Uint8Array.of(0x50, p >> 8, p & 0xff));
    let q = 1024 + (((h[0] << 8) | h[1]) % (65536 - 1024));
    // Never onto a port the analysis reads as a tunnel (VXLAN, Geneve): a plain UDP packet would turn into one.
    while (this.usedPorts.has(q) || q === VXLAN_PORT || q === VXLAN_LINUX_PORT)
      q = q === 65535 ? 1024 : q + 1;
    this.usedPorts.add(q);
    this.ports.set(p, q);
    return q;
  }
}

function fromU32(a: number): Uint8Array {
  return Uint8Array.of(a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff);
}

function toU32(b: Uint8Array): number {
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}
