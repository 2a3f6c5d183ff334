import { describe, expect, it } from 'vitest';
import { trackPackets } from '../tcp/run';
import { decodeNetwork } from './link';
import { ascii, eth, ipv4, ipv6, ok, tcp, tcpPayloadText, udp, vxlan } from './test-packets';
import type { CapturedPacket } from './types';

const ETH = 1;

/** Client 10.1.0.1:40000 <-> server 10.1.0.2:80 inside VXLAN between two outer addresses. */
function tunnelled(o: {
  vni: number;
  outerSrc: number[];
  outerDst: number[];
  c2s: boolean;
  payload?: Uint8Array;
  flags: number;
  seq: number;
  port?: number;
}): Uint8Array {
  const inner = o.c2s
    ? ipv4({ src: [10, 1, 0, 1], dst: [10, 1, 0, 2], payload: tcp(40000, 80, o.payload, o.seq, o.flags) })
    : ipv4({ src: [10, 1, 0, 2], dst: [10, 1, 0, 1], payload: tcp(80, 40000, o.payload, o.seq, o.flags) });
  const outer = ipv4({
    src: o.outerSrc,
    dst: o.outerDst,
    proto: 17,
    payload: udp(51000, o.port ?? 4789, vxlan(o.vni, eth(0x0800, inner))),
  });
  return eth(0x0800, outer, [99]);
}

const packet = (n: number, data: Uint8Array): CapturedPacket => ({
  number: n,
  tsSec: 1,
  tsNsec: n * 1000,
  linkType: ETH,
  interfaceId: 0,
  caplen: data.length,
  origLen: data.length,
  fileOffset: n * 100,
  data,
});

describe('VXLAN (UDP 4789)', () => {
  it('decapsulates to the inner TCP; the overlay is named, the underlay VLAN dropped', () => {
    const frame = tunnelled({
      vni: 42,
      outerSrc: [192, 0, 2, 1],
      outerDst: [192, 0, 2, 2],
      c2s: true,
      payload: ascii('GET / HTTP/1.1'),
      flags: 0x18,
      seq: 1,
    });
    const n = ok(decodeNetwork(ETH, frame));
    expect([n.src, n.dst, n.protocol, n.tunnel, n.vlan]).toEqual(['10.1.0.1', '10.1.0.2', 6, 'vxlan 42', []]);
    expect(tcpPayloadText(n, frame)).toBe('GET / HTTP/1.1');
  });

  it('keeps the inner frame VLAN tags, over an IPv6 underlay', () => {
    const inner = eth(0x0800, ipv4({ payload: tcp(1, 2) }), [12]);
    const frame = eth(0x86dd, ipv6({ next: 17, payload: udp(1, 4789, vxlan(7, inner)) }));
    const n = ok(decodeNetwork(ETH, frame));
    expect([n.vlan, n.tunnel]).toEqual([[12], 'vxlan 7']);
  });

  it('inner ARP is not IP; a 4789 header without the I flag is malformed; port 8472 only when exact', () => {
    const arp = eth(
      0x0800,
      ipv4({ proto: 17, payload: udp(1, 4789, vxlan(5, eth(0x0806, new Array<number>(28).fill(0)))) }),
    );
    expect(decodeNetwork(ETH, arp)).toEqual({ reason: 'not-ip', detail: 'ethertype 0x0806 in VXLAN' });
    const noI = eth(
      0x0800,
      ipv4({ proto: 17, payload: udp(1, 4789, vxlan(5, eth(0x0800, ipv4({ payload: tcp(1, 2) })), 0)) }),
    );
    expect(decodeNetwork(ETH, noI)).toMatchObject({ reason: 'malformed' });
    const linux = eth(
      0x0800,
      ipv4({ proto: 17, payload: udp(1, 8472, vxlan(5, eth(0x0800, ipv4({ payload: tcp(1, 2) })))) }),
    );
    expect(ok(decodeNetwork(ETH, linux)).tunnel).toBe('vxlan 5');
    // Not exactly a VXLAN header on 8472: left as the UDP datagram it is.
    const other = eth(0x0800, ipv4({ proto: 17, payload: udp(1, 8472, [0x0c, 1, 2, 3, 4, 5, 6, 7, 8]) }));
    expect(ok(decodeNetwork(ETH, other)).protocol).toBe(17);
  });

  it('keys connections on the inner tuple and the VNI, not on the outer addresses', () => {
    const pkts: Uint8Array[] = [
      // VNI 42: a handshake whose two directions use different outer endpoints (mirror sessions)
      tunnelled({
        vni: 42,
        outerSrc: [192, 0, 2, 1],
        outerDst: [192, 0, 2, 9],
        c2s: true,
        flags: 0x02,
        seq: 100,
      }),
      tunnelled({
        vni: 42,
        outerSrc: [192, 0, 2, 2],
        outerDst: [192, 0, 2, 9],
        c2s: false,
        flags: 0x12,
        seq: 500,
      }),
      tunnelled({
        vni: 42,
        outerSrc: [192, 0, 2, 1],
        outerDst: [192, 0, 2, 9],
        c2s: true,
        flags: 0x10,
        seq: 101,
      }),
      // VNI 43: the same inner tuple in another network
      tunnelled({
        vni: 43,
        outerSrc: [192, 0, 2, 1],
        outerDst: [192, 0, 2, 9],
        c2s: true,
        flags: 0x02,
        seq: 7000,
      }),
      tunnelled({
        vni: 43,
        outerSrc: [192, 0, 2, 2],
        outerDst: [192, 0, 2, 9],
        c2s: false,
        flags: 0x12,
        seq: 9000,
      }),
    ];
    const r = trackPackets(
      pkts.map((d, i) => packet(i + 1, d)),
      decodeNetwork,
    );
    expect(r.connections.map((c) => [c.client, c.server, c.tunnel, c.packets.c2s, c.packets.s2c])).toEqual([
      ['10.1.0.1:40000', '10.1.0.2:80', 'vxlan 42', 2, 1],
      ['10.1.0.1:40000', '10.1.0.2:80', 'vxlan 43', 1, 1],
    ]);
  });
});
