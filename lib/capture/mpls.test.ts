import { describe, expect, it } from 'vitest';
import { decodeNetwork } from './link';
import { mplsInner } from './mpls';
import { ascii, cat, eth, ipv4, ipv6, MAC_A, MAC_B, mpls, ok, tcp, tcpPayloadText } from './test-packets';

const ETH = 1;

describe('MPLS label stacks (0x8847 / 0x8848)', () => {
  it('pops one label to IPv4 and reads the TCP segment', () => {
    const frame = eth(0x8847, mpls([100], ipv4({ payload: tcp(1234, 80, ascii('hi')) })));
    const n = ok(decodeNetwork(ETH, frame));
    expect([n.src, n.dst, n.protocol]).toEqual(['10.0.0.1', '10.0.0.2', 6]);
    expect(tcpPayloadText(n, frame)).toBe('hi');
  });

  it('pops a three-label stack to IPv6, multicast type too', () => {
    const frame = eth(0x8848, mpls([16, 17, 1048575], ipv6({ payload: tcp(1, 2) })));
    expect(mplsInner(frame, 14)).toMatchObject({ kind: 'ipv6', labels: [16, 17, 1048575], offset: 26 });
    expect(ok(decodeNetwork(ETH, frame)).ipVersion).toBe(6);
  });

  it('Ethernet pseudowire with and without the control word, by what an Ethernet header looks like', () => {
    const inner = eth(0x0800, ipv4({ payload: tcp(5, 6, ascii('pw')) }), [30]);
    const withCw = eth(0x8847, mpls([200, 300], cat([0, 0, 0, 1], inner)));
    const n = ok(decodeNetwork(ETH, withCw));
    expect([n.protocol, n.vlan]).toEqual([6, [30]]);
    expect(tcpPayloadText(n, withCw)).toBe('pw');
    const noCw = eth(0x8847, mpls([300], inner));
    expect(ok(decodeNetwork(ETH, noCw)).vlan).toEqual([30]);
  });

  it('a first nibble of 4 is IPv4 even under a pseudowire label (as Wireshark decides)', () => {
    expect(mplsInner(mpls([5], [0x45, ...new Array<number>(40).fill(0)]), 0)).toMatchObject({ kind: 'ipv4' });
  });

  it('explicit null labels name the payload; a stack without bottom is cut short', () => {
    expect(mplsInner(mpls([0], [0x00, 1, 2, 3]), 0)).toMatchObject({ kind: 'ipv4' });
    expect(mplsInner(mpls([2], [0x00, 1, 2, 3]), 0)).toMatchObject({ kind: 'ipv6' });
    const noBottom = Uint8Array.from([0, 0x64, 0x00, 64, 0, 0x64, 0x00, 64]);
    expect(mplsInner(noBottom, 0)).toEqual({
      kind: 'none',
      detail: 'MPLS label stack cut short',
      malformed: true,
    });
  });

  it('an associated channel or unknown payload is not IP', () => {
    expect(decodeNetwork(ETH, eth(0x8847, mpls([9], [0x10, 0, 0, 0x21, 1, 2, 3, 4])))).toEqual({
      reason: 'not-ip',
      detail: 'MPLS pseudowire associated channel',
    });
    // Not a believable Ethernet header (source MAC with the group bit, unknown type).
    const junk = cat(MAC_B, [1, 0, 0, 0, 0, 0], [0x12, 0x34], [0, 0]);
    expect(decodeNetwork(ETH, eth(0x8847, mpls([9], junk)))).toMatchObject({ reason: 'not-ip' });
    expect(MAC_A.length).toBe(6);
  });
});
