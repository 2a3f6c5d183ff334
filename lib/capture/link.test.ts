import { describe, expect, it } from 'vitest';
import { decodeNetwork, ipv6Text } from './link';
import type { NetDecodeFailure, NetPacket } from './types';

const ipv4 = (
  opts: { ihl?: number; total?: number; proto?: number; flagsFrag?: number; extra?: number } = {},
) => {
  const ihl = opts.ihl ?? 5;
  const payload = 20;
  const b = new Uint8Array(ihl * 4 + payload + (opts.extra ?? 0));
  b[0] = 0x40 | ihl;
  const total = opts.total ?? ihl * 4 + payload;
  b[2] = total >> 8;
  b[3] = total & 0xff;
  b[4] = 0x12;
  b[5] = 0x34;
  b[6] = (opts.flagsFrag ?? 0) >> 8;
  b[7] = (opts.flagsFrag ?? 0) & 0xff;
  b[8] = 64;
  b[9] = opts.proto ?? 6;
  b.set([10, 0, 0, 1, 192, 168, 1, 200], 12);
  return b;
};

const ipv6 = (next: number, ext: number[] = [], payload = 20) => {
  const b = new Uint8Array(40 + ext.length + payload);
  b[0] = 0x60;
  const plen = ext.length + payload;
  b[4] = plen >> 8;
  b[5] = plen & 0xff;
  b[6] = next;
  b[7] = 33;
  b.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 8);
  b[39] = 1; // ::1
  b.set(ext, 40);
  return b;
};

const eth = (type: number, inner: Uint8Array, tags: [number, number][] = []) => {
  const b = new Uint8Array(14 + tags.length * 4 + inner.length + 6); // + Ethernet padding
  let o = 12;
  for (const [tpid, vid] of tags) {
    b.set([tpid >> 8, tpid & 0xff, (vid >> 8) & 0x0f, vid & 0xff], o);
    o += 4;
  }
  b.set([type >> 8, type & 0xff], o);
  b.set(inner, o + 2);
  return b;
};
const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

const ok = (r: NetPacket | NetDecodeFailure): NetPacket => {
  if ('reason' in r) throw new Error(`decode failed: ${r.reason} ${r.detail}`);
  return r;
};

describe('decodeNetwork', () => {
  it('decodes Ethernet IPv4, ignoring Ethernet padding', () => {
    const p = ok(decodeNetwork(1, eth(0x0800, ipv4())));
    expect(p).toEqual({
      ipVersion: 4,
      src: '10.0.0.1',
      dst: '192.168.1.200',
      protocol: 6,
      ttl: 64,
      ipId: 0x1234,
      vlan: [],
      l4Offset: 34,
      l4Length: 20,
      fragment: false,
      firstFragment: true,
    });
  });

  it('walks stacked 802.1Q, 802.1ad and 0x9100 tags', () => {
    const p = ok(
      decodeNetwork(
        1,
        eth(0x0800, ipv4(), [
          [0x88a8, 100],
          [0x9100, 7],
          [0x8100, 4095],
        ]),
      ),
    );
    expect(p.vlan).toEqual([100, 7, 4095]);
    expect(p.l4Offset).toBe(14 + 12 + 20);
  });

  it('honours IPv4 options and notes fragments', () => {
    expect(ok(decodeNetwork(101, ipv4({ ihl: 8 }))).l4Offset).toBe(32);
    const first = ok(decodeNetwork(228, ipv4({ flagsFrag: 0x2000 })));
    expect([first.fragment, first.firstFragment]).toEqual([true, true]);
    const later = ok(decodeNetwork(12, ipv4({ flagsFrag: 185 })));
    expect([later.fragment, later.firstFragment]).toEqual([true, false]);
    const df = ok(decodeNetwork(14, ipv4({ flagsFrag: 0x4000 })));
    expect(df.fragment).toBe(false);
  });

  it('uses the IPv4 total length, not the captured length', () => {
    expect(ok(decodeNetwork(101, ipv4({ total: 30, extra: 10 }))).l4Length).toBe(10);
  });

  it('decodes Linux cooked v1 and v2', () => {
    const sll = cat(new Uint8Array(14), [0x86, 0xdd], ipv6(6));
    expect(ok(decodeNetwork(113, sll))).toMatchObject({
      ipVersion: 6,
      src: '2001:db8::1',
      dst: '::1',
      l4Offset: 56,
      ttl: 33,
    });
    const sll2 = cat([0x08, 0x00], new Uint8Array(18), ipv4());
    expect(ok(decodeNetwork(276, sll2)).l4Offset).toBe(40);
  });

  it('decodes BSD NULL loopback in either byte order, and OpenBSD LOOP', () => {
    expect(ok(decodeNetwork(0, cat([2, 0, 0, 0], ipv4()))).ipVersion).toBe(4);
    expect(ok(decodeNetwork(0, cat([0, 0, 0, 2], ipv4()))).ipVersion).toBe(4);
    for (const af of [24, 28, 30]) {
      expect(ok(decodeNetwork(0, cat([af, 0, 0, 0], ipv6(17)))).protocol).toBe(17);
      expect(ok(decodeNetwork(0, cat([0, 0, 0, af], ipv6(17)))).protocol).toBe(17);
    }
    expect(ok(decodeNetwork(108, cat([0, 0, 0, 24], ipv6(6)))).ipVersion).toBe(6);
    expect(decodeNetwork(0, cat([7, 0, 0, 0], ipv4()))).toMatchObject({ reason: 'not-ip' });
  });

  it('walks IPv6 extension headers: hop-by-hop, routing, dest options, AH, fragment', () => {
    const ext = [
      43,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // hop-by-hop -> routing
      60,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // routing -> dest options
      51,
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // dest options (16 bytes) -> AH
      44,
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // AH (12 bytes) -> fragment
      6,
      0,
      0,
      1,
      0,
      0,
      0,
      1, // fragment: offset 0, M set -> TCP
    ];
    const p = ok(decodeNetwork(229, ipv6(0, ext)));
    expect(p).toMatchObject({
      protocol: 6,
      l4Offset: 40 + ext.length,
      l4Length: 20,
      fragment: true,
      firstFragment: true,
      ipId: null,
    });
    const later = ok(decodeNetwork(229, ipv6(44, [6, 0, 0, 8, 0, 0, 0, 1])));
    expect(later).toMatchObject({ protocol: 6, fragment: true, firstFragment: false });
    expect(ok(decodeNetwork(229, ipv6(50))).protocol).toBe(50);
  });

  it('reports non-IP, unsupported links and malformed headers', () => {
    expect(decodeNetwork(1, eth(0x0806, new Uint8Array(28)))).toMatchObject({
      reason: 'not-ip',
      detail: 'ethertype 0x0806',
    });
    expect(decodeNetwork(147, new Uint8Array(40))).toMatchObject({ reason: 'unsupported-link' });
    expect(decodeNetwork(1, new Uint8Array(10))).toMatchObject({ reason: 'malformed' });
    expect(decodeNetwork(101, ipv4().subarray(0, 19))).toMatchObject({ reason: 'malformed' });
    expect(decodeNetwork(101, ipv4({ ihl: 4 }))).toMatchObject({ reason: 'malformed' });
    expect(decodeNetwork(229, ipv6(0, [6, 200, 0, 0, 0, 0, 0, 0]))).toMatchObject({ reason: 'malformed' });
    expect(decodeNetwork(101, Uint8Array.of(0x50, 1, 2))).toMatchObject({ reason: 'not-ip' });
  });

  it('never throws on garbage', () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 20000; i++) {
      const b = new Uint8Array(rnd() % 80);
      for (let j = 0; j < b.length; j++) b[j] = rnd();
      if (b.length > 14 && i % 2) b[14] = 0x45;
      for (const lt of [0, 1, 101, 108, 113, 228, 229, 276]) decodeNetwork(lt, b);
    }
  });
});

describe('ipv6Text (RFC 5952)', () => {
  const text = (s: string) => {
    const groups = s.split(':').map((g) => parseInt(g, 16));
    const b = new Uint8Array(16);
    groups.forEach((g, i) => {
      b[2 * i] = g >> 8;
      b[2 * i + 1] = g & 0xff;
    });
    return ipv6Text(b, 0);
  };
  it('compresses the longest zero run, the first when tied, never a single group', () => {
    expect(text('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(text('0:0:0:0:0:0:0:0')).toBe('::');
    expect(text('2a00:6020:ad0b:8380:0:0:0:10')).toBe('2a00:6020:ad0b:8380::10');
    expect(text('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(text('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(text('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(text('fe80:0:0:0:abcd:ef:0:0')).toBe('fe80::abcd:ef:0:0');
    expect(text('1:0:0:0:0:0:0:0')).toBe('1::');
    expect(text('0:0:0:0:0:ffff:c000:280')).toBe('::ffff:192.0.2.128');
  });
});
