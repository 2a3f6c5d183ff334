import { describe, expect, it } from 'vitest';
import { describeCorpus, listCorpus, REAL_CAPTURES, LAB_DIR } from '../../tests/shared';
import { hasTshark, unexplained } from '../../tests/tshark-fields';
import { decodeHeaders, ipv4Number, ipv6Bytes } from './fields';
import { ipv6Text } from './link';

const FIELDS = [
  'frame.number',
  'frame.time_relative',
  'frame.time_delta',
  'frame.len',
  'frame.cap_len',
  'frame.interface_id',
  'eth.src',
  'eth.dst',
  'eth.addr',
  'eth.type',
  'vlan.id',
  'ip',
  'ip.src',
  'ip.dst',
  'ip.addr',
  'ip.ttl',
  'ip.id',
  'ip.proto',
  'ip.flags',
  'ip.flags.df',
  'ip.flags.mf',
  'ip.len',
  'ip.hdr_len',
  'ipv6',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.hlim',
  'ipv6.nxt',
  'ipv6.plen',
  'udp',
  'udp.srcport',
  'udp.dstport',
  'udp.length',
];

/** Where tracelens answers otherwise than tshark, and why. */
const KNOWN: Record<string, string> = {
  'suricata-fuzz-corrupt.pcap frame.time_relative':
    'a corrupt timestamp (nanoseconds beyond a second) read differently',
  'suricata-fuzz-corrupt.pcap frame.time_delta': 'the same corrupt timestamp',
  // ICMP errors quote the offending IP header: tshark dissects it as a further ip layer.
  'tunnels_gre-sample.pcap *': 'an ICMP error quoting an IP packet (not decoded as a layer)',
  'erspan.pcap *': 'ERSPAN frames tshark reads with a heuristic the decoder does not follow',
};

const captures = (dir: string): string[] => listCorpus(dir).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f));

describeCorpus('capture fields against tshark -T fields', () => {
  it.skipIf(!hasTshark())(
    'real captures: every packet, every occurrence',
    () => {
      expect(unexplained(REAL_CAPTURES, captures(REAL_CAPTURES), FIELDS, KNOWN)).toEqual([]);
    },
    120_000,
  );
  it.skipIf(!hasTshark())(
    'lab link-layer captures (tunnels, MPLS, PPPoE, fragments)',
    () => {
      const dir = `${LAB_DIR}/link-zeek`;
      expect(unexplained(dir, captures(dir), FIELDS, KNOWN)).toEqual([]);
    },
    120_000,
  );
});

describe('decodeHeaders', () => {
  it('reads Ethernet, two VLAN tags, IPv4 and UDP, outer first', () => {
    const b = new Uint8Array(14 + 8 + 20 + 8);
    b.set([1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 0x88, 0xa8, 0, 100, 0x81, 0x00, 0, 7, 0x08, 0x00]);
    const ip = 22;
    b.set([0x45, 0, 0, 28, 0x12, 0x34, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], ip);
    b.set([0x30, 0x39, 0, 53, 0, 8, 0, 0], ip + 20);
    const s = decodeHeaders(1, b);
    expect(s.eth[0].type).toBe(0x88a8);
    expect(s.vlan).toEqual([100, 7]);
    expect(s.ip4).toHaveLength(1);
    expect(s.ip4[0]).toMatchObject({ src: ipv4Number('10.0.0.1'), id: 0x1234, flags: 2, ttl: 64, proto: 17 });
    expect(s.udp[0]).toEqual({ srcport: 12345, dstport: 53, length: 8 });
    expect(s.layers).toEqual(['eth', 'vlan', 'vlan', 'ip', 'udp']);
  });

  it('stops quietly on cut-short bytes', () => {
    expect(decodeHeaders(1, new Uint8Array(10)).ip4).toEqual([]);
    const s = decodeHeaders(101, new Uint8Array([0x45, 0, 0, 40]));
    expect(s.ip4).toEqual([]);
  });
});

describe('address text', () => {
  it('parses IPv4 and IPv6 forms', () => {
    expect(ipv4Number('192.168.1.255')).toBe(0xc0a801ff);
    expect(ipv4Number('1.2.3')).toBeNaN();
    expect(ipv4Number('1.2.3.256')).toBeNaN();
    for (const t of ['::1', '2001:db8::8:800:200c:417a', 'fe80::', '::ffff:10.0.0.1', '1:2:3:4:5:6:7:8']) {
      const b = ipv6Bytes(t);
      expect(b && ipv6Text(b, 0)).toBe(t);
    }
    expect(ipv6Bytes('1::2::3')).toBeNull();
    expect(ipv6Bytes('12345::')).toBeNull();
    expect(ipv6Bytes('1:2:3:4:5:6:7')).toBeNull();
  });
});
