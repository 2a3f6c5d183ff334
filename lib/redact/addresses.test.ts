import { describe, expect, it } from 'vitest';
import { AddressMapper } from './addresses';

const KEY = new Uint8Array(32).fill(1);

function v4(s: string): number {
  return s.split('.').reduce((a, x) => ((a << 8) | Number(x)) >>> 0, 0);
}
function text4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
function commonPrefix(a: number, b: number): number {
  let k = 0;
  while (k < 32 && ((a ^ b) & (0x80000000 >>> k)) === 0) k++;
  return k;
}
function v6(groups: number[]): Uint8Array {
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    b[2 * i] = g >> 8;
    b[2 * i + 1] = g & 255;
  });
  return b;
}

describe('AddressMapper', () => {
  it('is consistent, keyed and one-to-one', () => {
    const m = new AddressMapper(KEY);
    const other = new AddressMapper(new Uint8Array(32).fill(2));
    const seen = new Map<number, number>();
    let seed = 1;
    for (let i = 0; i < 3000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const a = seed;
      const b = m.ipv4(a);
      expect(m.ipv4(a)).toBe(b);
      expect(new AddressMapper(KEY).ipv4(a)).toBe(b);
      if (seen.has(b)) expect(seen.get(b)).toBe(a);
      seen.set(b, a);
      if (i < 50) expect(other.ipv4(a)).not.toBe(b);
    }
  });

  it('preserves prefixes: two addresses share exactly as many leading bits after as before', () => {
    const m = new AddressMapper(KEY);
    const pairs = [
      ['10.1.2.3', '10.1.2.4'],
      ['10.1.2.3', '10.1.9.4'],
      ['192.168.1.10', '192.168.200.10'],
      ['172.16.0.1', '172.31.255.254'],
      ['127.0.0.1', '127.0.0.53'],
    ];
    for (const [a, b] of pairs) {
      const x = v4(a);
      const y = v4(b);
      expect(commonPrefix(m.ipv4(x), m.ipv4(y)), `${a} ${b}`).toBe(commonPrefix(x, y));
    }
  });

  it('keeps special ranges in place and public addresses public', () => {
    const m = new AddressMapper(KEY);
    const within = (a: string, net: string, bits: number) => {
      const got = m.ipv4(v4(a));
      expect(commonPrefix(got, v4(net)), `${a} -> ${text4(got)}`).toBeGreaterThanOrEqual(bits);
      expect(got).not.toBe(v4(a));
    };
    within('10.20.30.40', '10.0.0.0', 8);
    within('172.20.1.1', '172.16.0.0', 12);
    within('192.168.7.9', '192.168.0.0', 16);
    within('127.0.0.1', '127.0.0.0', 8);
    within('169.254.3.4', '169.254.0.0', 16);
    within('100.70.1.1', '100.64.0.0', 10);
    within('239.1.2.3', '224.0.0.0', 4);
    expect(m.ipv4(v4('0.0.0.0'))).toBe(0);
    expect(m.ipv4(v4('255.255.255.255'))).toBe(0xffffffff);
    for (const pub of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '140.82.112.3']) {
      const got = text4(m.ipv4(v4(pub)));
      expect(got).not.toMatch(/^(10|127|0)\.|^192\.168\.|^169\.254\.|^172\.(1[6-9]|2\d|3[01])\.|^2[2-5]\d\./);
    }
  });

  it('maps IPv6 by class; IPv4-mapped addresses like their IPv4 address', () => {
    const m = new AddressMapper(KEY);
    const map = (b: Uint8Array) => {
      const c = b.slice();
      m.ipv6At(c, 0);
      return c;
    };
    expect(map(v6([0, 0, 0, 0, 0, 0, 0, 1]))).toEqual(v6([0, 0, 0, 0, 0, 0, 0, 1]));
    const ll = map(v6([0xfe80, 0, 0, 0, 0x1234, 0x5678, 0x9abc, 0xdef0]));
    expect([...ll.subarray(0, 8)]).toEqual([0xfe, 0x80, 0, 0, 0, 0, 0, 0]);
    expect([...ll.subarray(8)]).not.toEqual([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
    expect(map(v6([0xfd12, 0x3456, 0, 0, 0, 0, 0, 1]))[0]).toBe(0xfd);
    const mc = map(v6([0xff02, 0, 0, 0, 0, 0, 0, 0xfb]));
    expect([mc[0], mc[1]]).toEqual([0xff, 0x02]);
    const g = map(v6([0x2001, 0x0db9, 1, 2, 3, 4, 5, 6]));
    expect(g[0] >> 5).toBe(1); // still 2000::/3
    const mapped = map(v6([0, 0, 0, 0, 0, 0xffff, 0x0a01, 0x0203]));
    const four = m.ipv4(v4('10.1.2.3'));
    expect([...mapped.subarray(0, 12)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
    expect(((mapped[12] << 24) | (mapped[13] << 16) | (mapped[14] << 8) | mapped[15]) >>> 0).toBe(four);
  });

  it('gives unicast MACs locally administered pseudonyms and keeps group and zero addresses', () => {
    const m = new AddressMapper(KEY);
    const mac = Uint8Array.of(0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc);
    const a = mac.slice();
    m.macAt(a, 0);
    expect(a).not.toEqual(mac);
    expect(a[0] & 0x03).toBe(0x02);
    const b = mac.slice();
    m.macAt(b, 0);
    expect(b).toEqual(a);
    for (const keep of [
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
      [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb],
      [0x33, 0x33, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0],
    ]) {
      const c = Uint8Array.from(keep);
      m.macAt(c, 0);
      expect([...c]).toEqual(keep);
    }
  });

  it('maps ports at or above 1024 one-to-one, and keeps the rest', () => {
    const m = new AddressMapper(KEY);
    expect(m.port(443)).toBe(443);
    const out = new Set<number>();
    for (let p = 1024; p < 6000; p++) {
      const q = m.port(p);
      expect(q).toBeGreaterThanOrEqual(1024);
      expect(m.port(p)).toBe(q);
      out.add(q);
    }
    expect(out.size).toBe(6000 - 1024);
  });
});
