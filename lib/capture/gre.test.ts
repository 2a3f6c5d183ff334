import { describe, expect, it } from 'vitest';
import { greInner } from './gre';
import { decodeNetwork } from './link';
import { ascii, cat, eth, gre, ipv4, ipv6, mpls, ok, tcp, tcpPayloadText } from './test-packets';

const ETH = 1;
const overGre = (payload: Uint8Array, v6 = false) =>
  eth(
    v6 ? 0x86dd : 0x0800,
    v6
      ? ipv6({ next: 47, payload })
      : ipv4({ src: [172, 16, 0, 1], dst: [172, 16, 0, 2], proto: 47, payload }),
  );
const innerTcp = (text: string) =>
  ipv4({ src: [10, 9, 0, 1], dst: [10, 9, 0, 2], payload: tcp(33000, 8080, ascii(text)) });

describe('GRE (IP protocol 47)', () => {
  it('IPv4 in plain GRE', () => {
    const frame = overGre(gre(0x0800, innerTcp('plain')));
    const n = ok(decodeNetwork(ETH, frame));
    expect([n.src, n.dst, n.protocol, n.tunnel]).toEqual(['10.9.0.1', '10.9.0.2', 6, undefined]);
    expect(tcpPayloadText(n, frame)).toBe('plain');
  });

  it('checksum, key and sequence fields are skipped; IPv6 inside, IPv6 outside', () => {
    const inner = ipv6({ payload: tcp(1, 443, ascii('six')) });
    const frame = overGre(gre(0x86dd, inner, { checksum: true, key: 0xdeadbeef, seq: 9 }), true);
    expect(greInner(frame, 54)).toMatchObject({ type: 0x86dd, key: 0xdeadbeef, offset: 54 + 16 });
    expect(tcpPayloadText(ok(decodeNetwork(ETH, frame)), frame)).toBe('six');
  });

  it('transparent Ethernet bridging (gretap, 0x6558) keeps the inner frame VLAN tags', () => {
    const frame = overGre(gre(0x6558, eth(0x0800, innerTcp('tap'), [5])));
    const n = ok(decodeNetwork(ETH, frame));
    expect([n.vlan, tcpPayloadText(n, frame)]).toEqual([[5], 'tap']);
  });

  it('ERSPAN type I, II and III (with the platform subheader) carry mirrored Ethernet frames', () => {
    const mirrored = eth(0x0800, innerTcp('mirror'));
    const typeI = overGre(gre(0x88be, mirrored));
    const typeII = overGre(gre(0x88be, cat([0x10, 0x00, 0x00, 0x2a, 0, 0, 0, 0], mirrored), { seq: 1 }));
    const typeIII = overGre(
      gre(0x22eb, cat([0x20, 0, 0, 0x2a], [0, 0, 0, 0], [0, 0, 0, 0], mirrored), { seq: 2 }),
    );
    const typeIIIo = overGre(
      gre(
        0x22eb,
        cat([0x20, 0, 0, 0x2a], [0, 0, 0, 0], [0, 0, 0, 1], new Array<number>(8).fill(0), mirrored),
        { seq: 3 },
      ),
    );
    for (const f of [typeI, typeII, typeIII, typeIIIo])
      expect(tcpPayloadText(ok(decodeNetwork(ETH, f)), f)).toBe('mirror');
    expect(greInner(typeII, 34)).toMatchObject({ erspanSession: 42 });
    // ERSPAN III frame type 2 (IP) is not an Ethernet frame.
    const ipFrame = overGre(
      gre(0x22eb, cat([0x20, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0x08, 0], innerTcp('x')), { seq: 4 }),
    );
    expect(decodeNetwork(ETH, ipFrame)).toMatchObject({ reason: 'not-ip' });
  });

  it('PPTP enhanced GRE (version 1) carrying PPP IPv4; LCP is not IP', () => {
    const ppp = cat([0xff, 0x03, 0x00, 0x21], innerTcp('pptp'));
    // K, S and A flags: key (payload length, call id), sequence and acknowledgment numbers.
    const egre = cat([0x30, 0x81, 0x88, 0x0b], [0, ppp.length], [0, 7], [0, 0, 0, 1], [0, 0, 0, 0], ppp);
    const frame = overGre(egre);
    expect(tcpPayloadText(ok(decodeNetwork(ETH, frame)), frame)).toBe('pptp');
    const lcp = cat(
      [0x30, 0x01, 0x88, 0x0b],
      [0, 8],
      [0, 7],
      [0, 0, 0, 1],
      [0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4],
    );
    expect(decodeNetwork(ETH, overGre(lcp))).toEqual({
      reason: 'not-ip',
      detail: 'PPP protocol 0xc021 in GRE',
    });
  });

  it('MPLS over GRE; source routing and unknown versions are refused', () => {
    const frame = overGre(gre(0x8847, mpls([1000], innerTcp('mpls'))));
    expect(tcpPayloadText(ok(decodeNetwork(ETH, frame)), frame)).toBe('mpls');
    const routed = Uint8Array.from([0x40, 0, 0x08, 0, 0, 0, 0, 0]);
    expect(greInner(routed, 0)).toMatchObject({ type: -1, malformed: false });
    expect(greInner(Uint8Array.from([0, 2, 0x08, 0]), 0)).toMatchObject({ type: -1, malformed: true });
    expect(decodeNetwork(ETH, overGre(Uint8Array.from([0, 0])))).toMatchObject({ reason: 'malformed' });
  });

  it('IP-in-IP and IPv6-in-IPv4 are followed too', () => {
    const ipip = eth(0x0800, ipv4({ proto: 4, payload: innerTcp('ipip') }));
    expect(ok(decodeNetwork(ETH, ipip)).src).toBe('10.9.0.1');
    const sit = eth(0x0800, ipv4({ proto: 41, payload: ipv6({ payload: tcp(1, 2) }) }));
    expect(ok(decodeNetwork(ETH, sit)).ipVersion).toBe(6);
  });
});
