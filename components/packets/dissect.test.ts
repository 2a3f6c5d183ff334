import { describe, expect, it } from 'vitest';
import { dissect, tcpPayloadRange, type DetailNode } from './dissect';

/** Ethernet + IPv4 + TCP (SYN, MSS option) + 3 payload bytes, built by hand. */
function packet(): Uint8Array {
  const eth = [0, 1, 2, 3, 4, 5, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0x08, 0x00];
  const ip = [0x45, 0, 0, 47, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 192, 168, 1, 2];
  const tcp = [0xc3, 0x50, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x02, 0xff, 0xff, 0, 0, 0, 0];
  const mss = [2, 4, 0x05, 0xb4];
  return Uint8Array.from([...eth, ...ip, ...tcp, ...mss, 0x61, 0x62, 0x63]);
}
const facts = (b: Uint8Array) => ({
  number: 7,
  timeS: 1.5,
  absolute: null,
  deltaS: 0.25,
  caplen: b.length,
  origLen: b.length,
  iface: 0,
  linkType: 1,
});
const find = (nodes: DetailNode[], prefix: string): DetailNode | undefined => {
  for (const n of nodes) {
    if (n.label.startsWith(prefix)) return n;
    const c = n.children && find(n.children, prefix);
    if (c) return c;
  }
  return undefined;
};

describe('dissect', () => {
  it('decodes frame, Ethernet, IPv4 and TCP with byte ranges and filters', () => {
    const b = packet();
    const tree = dissect(b, facts(b));
    expect(tree.map((n) => n.label.split(',')[0])).toEqual([
      'Frame 7: 61 bytes on wire',
      'Ethernet II',
      'Internet Protocol Version 4',
      'Transmission Control Protocol',
    ]);
    expect(find(tree, 'Source: ')).toMatchObject({
      start: 6,
      length: 6,
      filter: 'eth.src == 0a:0b:0c:0d:0e:0f',
    });
    expect(find(tree, 'Source Address')).toMatchObject({
      start: 26,
      length: 4,
      filter: 'ip.src == 10.0.0.1',
    });
    expect(find(tree, 'Time to Live')).toMatchObject({ start: 22, filter: 'ip.ttl == 64' });
    expect(find(tree, 'Source Port')).toMatchObject({ start: 34, length: 2, filter: 'tcp.srcport == 50000' });
    expect(find(tree, 'Destination Port')).toMatchObject({ filter: 'tcp.dstport == 443' });
    expect(find(tree, 'SYN: Set')).toMatchObject({ filter: 'tcp.flags.syn == 1' });
    expect(find(tree, 'ACK: Not set')).toMatchObject({ filter: 'tcp.flags.ack == 0' });
    expect(find(tree, 'Maximum segment size')?.label).toBe('Maximum segment size: 1460 bytes');
    expect(tcpPayloadRange(tree)).toEqual({ start: 58, length: 3 });
  });

  it('stops at what the bytes hold: a cut packet gives the layers that fit, never a throw', () => {
    const b = packet();
    for (let n = 0; n <= b.length; n++) {
      const cut = b.subarray(0, n);
      expect(() => dissect(cut, facts(cut))).not.toThrow();
    }
    expect(dissect(b.subarray(0, 20), facts(b.subarray(0, 20))).length).toBe(2);
    // Without bytes: the frame only.
    expect(dissect(null, facts(b)).length).toBe(1);
  });

  it('decodes IPv6 on raw IP with the compressed address form', () => {
    const ip6 = new Uint8Array(40 + 8);
    ip6[0] = 0x60;
    ip6[5] = 8;
    ip6[6] = 17;
    ip6[7] = 64;
    ip6[8] = 0x20;
    ip6[9] = 0x01;
    ip6[9 + 14] = 1; // 2001::1
    ip6[39] = 2; // ::2
    ip6.set([0x13, 0x88, 0x00, 0x35, 0, 8, 0, 0], 40);
    const tree = dissect(ip6, { ...facts(ip6), linkType: 101 });
    expect(find(tree, 'Source Address')?.filter).toBe('ipv6.src == 2001::1');
    expect(find(tree, 'Destination Address')?.filter).toBe('ipv6.dst == ::2');
    expect(find(tree, 'Destination Port')?.filter).toBe('udp.dstport == 53');
  });
});
