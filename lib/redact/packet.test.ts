// One packet through the rewriter: addresses inside tunnels, payload edits, checksums a receiver
// accepts (recomputed here independently).
import { describe, expect, it } from 'vitest';
import { LINKTYPE_ETHERNET } from '../capture/link';
import { AddressMapper } from './addresses';
import { EditList } from './edits';
import { rewritePacket, type PacketRewriteContext } from './packet';

function sum(b: Uint8Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i += 2) s += (b[i] << 8) | (i + 1 < to ? b[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return s;
}

/** Ethernet + IPv4 + (UDP|TCP) + payload; checksums filled in. */
function frame(
  proto: 6 | 17,
  src: number[],
  dst: number[],
  sport: number,
  dport: number,
  payload: Uint8Array,
): Uint8Array {
  const l4 = proto === 6 ? 20 : 8;
  const b = new Uint8Array(14 + 20 + l4 + payload.length);
  b.set([0x02, 0, 0, 0, 0, 1, 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc, 0x08, 0x00]);
  const ip = 14;
  const total = 20 + l4 + payload.length;
  b.set([0x45, 0, total >> 8, total & 255, 0, 1, 0x40, 0, 64, proto, 0, 0, ...src, ...dst], ip);
  const ck = ~sum(b, ip, ip + 20) & 0xffff;
  b[ip + 10] = ck >> 8;
  b[ip + 11] = ck & 255;
  const t = ip + 20;
  b.set([sport >> 8, sport & 255, dport >> 8, dport & 255], t);
  if (proto === 6) b.set([0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff], t + 4);
  else b.set([(8 + payload.length) >> 8, (8 + payload.length) & 255], t + 4);
  b.set(payload, t + l4);
  fixL4(b, ip);
  return b;
}

function fixL4(b: Uint8Array, ip: number): void {
  const t = ip + 20;
  const proto = b[ip + 9];
  const at = t + (proto === 6 ? 16 : 6);
  b[at] = 0;
  b[at + 1] = 0;
  const ck = ~l4Sum(b, ip) & 0xffff;
  b[at] = ck >> 8;
  b[at + 1] = ck & 255;
}

function l4Sum(b: Uint8Array, ip: number): number {
  const total = (b[ip + 2] << 8) | b[ip + 3];
  const len = total - 20;
  const pseudo = new Uint8Array(12 + len);
  pseudo.set(b.subarray(ip + 12, ip + 20));
  pseudo[9] = b[ip + 9];
  pseudo[10] = len >> 8;
  pseudo[11] = len & 255;
  pseudo.set(b.subarray(ip + 20, ip + total), 12);
  return sum(pseudo, 0, pseudo.length);
}

const inner = () =>
  frame(6, [10, 0, 0, 1], [10, 0, 0, 2], 40000, 80, new TextEncoder().encode('GET /secret HTTP/1.1\r\n\r\n'));

function ctx(): PacketRewriteContext {
  return {
    mapper: new AddressMapper(new Uint8Array(32).fill(5)),
    mapPorts: false,
    keepPayload: false,
    tcp: null,
    fragment: null,
  };
}

describe('rewritePacket', () => {
  it('rewrites TCP in Ethernet: addresses, payload edits, both checksums right', () => {
    const b = inner();
    const edits = new EditList();
    edits.zero(4, 7); // "/secret"
    const c = ctx();
    c.tcp = { edits, offset: 0, covered: 1 << 30 };
    expect(rewritePacket(b, LINKTYPE_ETHERNET, c)).toBe('ip');
    expect([...b.subarray(26, 30)]).not.toEqual([10, 0, 0, 1]);
    expect(b[26]).toBe(10);
    expect(b[6] & 3).toBe(2);
    expect(new TextDecoder().decode(b.subarray(54))).toBe('GET \0\0\0\0\0\0\0 HTTP/1.1\r\n\r\n');
    expect(sum(b, 14, 34)).toBe(0xffff);
    expect(l4Sum(b, 14)).toBe(0xffff);
  });

  for (const [name, port, header] of [
    ['VXLAN', 4789, [0x08, 0, 0, 0, 0, 0, 42, 0]],
    ['Geneve', 6081, [0x00, 0, 0x65, 0x58, 0, 0, 42, 0]],
  ] as const) {
    it(`rewrites the inner frame of ${name}`, () => {
      const payload = new Uint8Array([...header, ...inner()]);
      const b = frame(17, [192, 168, 1, 1], [192, 168, 1, 2], 50000, port, payload);
      const innerAt = 14 + 20 + 8 + 8;
      rewritePacket(b, LINKTYPE_ETHERNET, ctx());
      // Outer and inner addresses mapped, the inner payload zeroed (no first-pass edits), the
      // tunnel header and inner headers kept, checksums right at both levels.
      expect([...b.subarray(26, 28)]).toEqual([192, 168]);
      expect([...b.subarray(26, 30)]).not.toEqual([192, 168, 1, 1]);
      expect([...b.subarray(42, 50)]).toEqual([...header]);
      const ip = innerAt + 14;
      expect(b[ip + 12]).toBe(10);
      expect([...b.subarray(ip + 12, ip + 16)]).not.toEqual([10, 0, 0, 1]);
      expect(b.subarray(ip + 40).every((x) => x === 0)).toBe(true);
      expect(sum(b, ip, ip + 20)).toBe(0xffff);
      expect(l4Sum(b, ip)).toBe(0xffff);
      expect(l4Sum(b, 14)).toBe(0xffff);
    });
  }
});
