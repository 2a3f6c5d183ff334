import { describe, expect, it } from 'vitest';
import { A_IP_FRAGMENT } from '../packets';
import { trackCapture } from '../tcp/run';
import { NetworkLayer } from './network';
import { buildPcap } from './test-bytes';
import { ascii, cat, eth, ipv4, ipv6, ipv6Frag, tcp, tcpPayloadText, udp, vxlan } from './test-packets';
import type { NetPacket } from './types';

const ETH = 1;
const text = (n: number) =>
  ascii(Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''));

/** Splits an IPv4 payload into fragments of `size` bytes (a multiple of 8), as frames. */
function fragments4(
  payload: Uint8Array,
  size: number,
  o: { proto?: number; id?: number; src?: number[]; dst?: number[] } = {},
) {
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const part = payload.subarray(off, off + size);
    out.push(
      eth(
        0x0800,
        ipv4({
          ...o,
          proto: o.proto ?? 6,
          id: o.id ?? 4242,
          payload: part,
          fragOffset: off,
          more: off + size < payload.length,
        }),
      ),
    );
  }
  return out;
}

function fragments6(payload: Uint8Array, size: number, next: number, id: number, innerNext = next) {
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const part = payload.subarray(off, off + size);
    out.push(
      eth(
        0x86dd,
        ipv6({
          next: 44,
          payload: cat(ipv6Frag(off === 0 ? next : innerNext, off, off + size < payload.length, id), part),
        }),
      ),
    );
  }
  return out;
}

function decodeAll(layer: NetworkLayer, frames: Uint8Array[]) {
  return frames.map((f, i) => ({ frame: f, net: layer.decode(ETH, f, i * 0.001) }));
}

const last = <T>(a: T[]): T => a[a.length - 1];
const isPacket = (r: unknown): r is NetPacket => typeof r === 'object' && r !== null && !('reason' in r);

describe('NetworkLayer: reassembly, then tunnels, then TCP', () => {
  it('an IPv4-fragmented TCP segment appears, whole, on the fragment that completes it', () => {
    const seg = tcp(40000, 80, text(3000));
    const frames = fragments4(seg, 1480);
    const layer = new NetworkLayer();
    const order = [2, 0, 1];
    const got = decodeAll(
      layer,
      order.map((i) => frames[i]),
    );
    for (const g of got.slice(0, 2)) {
      expect(g.net).toMatchObject({ fragment: true });
      expect(isPacket(g.net) && g.net.reassembled).toBe(undefined);
    }
    const done = last(got).net;
    if (!isPacket(done)) throw new Error('not decoded');
    expect([done.protocol, done.fragment, done.l4Offset, done.l4Length]).toEqual([6, true, 0, 3020]);
    expect(tcpPayloadText(done, last(got).frame)).toBe(String.fromCharCode(...text(3000)));
    expect(layer.finish()).toEqual([]);
  });

  it('IPv6 fragments whose fragmentable part starts with destination options', () => {
    const seg = tcp(1, 443, text(2000));
    const destOpts = [6, 0, 1, 4, 0, 0, 0, 0]; // next TCP, length 0 (8 bytes), PadN
    const frames = fragments6(cat(destOpts, seg), 1232, 60, 0x11223344, 60);
    const layer = new NetworkLayer();
    const done = last(decodeAll(layer, frames)).net;
    if (!isPacket(done)) throw new Error('not decoded');
    expect([done.ipVersion, done.protocol, done.l4Offset, done.l4Length]).toEqual([6, 6, 8, 2020]);
  });

  it('VXLAN in UDP fragmented by an IPv6 underlay: reassembled, then decapsulated', () => {
    const inner = eth(
      0x0800,
      ipv4({ src: [10, 7, 0, 1], dst: [10, 7, 0, 2], payload: tcp(5000, 80, text(1400)) }),
    );
    const outerUdp = udp(40000, 4789, vxlan(9, inner));
    const frames = fragments6(outerUdp, 1000, 17, 7);
    const layer = new NetworkLayer();
    const got = decodeAll(layer, frames);
    const done = last(got).net;
    if (!isPacket(done)) throw new Error('not decoded');
    expect([done.src, done.dst, done.tunnel, done.protocol]).toEqual(['10.7.0.1', '10.7.0.2', 'vxlan 9', 6]);
    expect(tcpPayloadText(done, last(got).frame)).toHaveLength(1400);
  });

  it('fragments inside a tunnel are reassembled per overlay', () => {
    const seg = tcp(7, 8, text(100));
    const innerFrags = fragments4(seg, 64, { id: 5 });
    const wrap = (f: Uint8Array, vni: number) =>
      eth(
        0x0800,
        ipv4({ src: [192, 0, 2, 1], dst: [192, 0, 2, 2], proto: 17, payload: udp(1, 4789, vxlan(vni, f)) }),
      );
    const layer = new NetworkLayer();
    expect(layer.decode(ETH, wrap(innerFrags[0], 1), 0)).toMatchObject({ fragment: true, tunnel: 'vxlan 1' });
    // The second half in another VNI does not complete the first.
    const other = layer.decode(ETH, wrap(innerFrags[1], 2), 0);
    expect(isPacket(other) && other.fragment && other.reassembled).toBe(undefined);
    const done = layer.decode(ETH, wrap(innerFrags[1], 1), 0);
    expect(done).toMatchObject({ tunnel: 'vxlan 1', protocol: 6, l4Length: 120 });
    expect(layer.finish()[0]).toMatch(/1 fragmented datagram never completed/);
  });

  it('trackCapture: the segment is counted once, on the last fragment row; orphans are reported', () => {
    const c = (seq: number, flags: number, payload: Uint8Array = new Uint8Array(0)) =>
      ipv4({
        src: [10, 0, 0, 1],
        dst: [10, 0, 0, 2],
        payload: tcp(40000, 80, payload, seq, flags),
        id: seq & 0xffff,
      });
    const s = (seq: number, flags: number) =>
      ipv4({ src: [10, 0, 0, 2], dst: [10, 0, 0, 1], payload: tcp(80, 40000, [], seq, flags) });
    const data = tcp(40000, 80, text(2000), 101, 0x18);
    const frames = [
      eth(0x0800, c(100, 0x02)),
      eth(0x0800, s(500, 0x12)),
      eth(0x0800, c(101, 0x10)),
      ...fragments4(data, 1480, { src: [10, 0, 0, 1], dst: [10, 0, 0, 2], id: 9 }),
      eth(0x0800, s(501, 0x10)),
      // an orphan first fragment of another datagram
      fragments4(tcp(40000, 80, text(2000), 2101), 1480, {
        src: [10, 0, 0, 1],
        dst: [10, 0, 0, 2],
        id: 10,
      })[0],
    ];
    const pcap = buildPcap({ records: frames.map((d, i) => ({ sec: 1, sub: i * 1000, data: d })) });
    const r = trackCapture(pcap);
    expect(r.connections).toHaveLength(1);
    const conn = r.connections[0];
    expect([conn.bytes.c2s, conn.packets.c2s, conn.packets.s2c]).toEqual([2000, 3, 2]);
    const p = r.packets;
    expect([p.conn[3], p.conn[4], p.payloadLen[4]]).toEqual([-1, 0, 2000]);
    expect([p.analysis[3] & A_IP_FRAGMENT, p.analysis[4] & A_IP_FRAGMENT]).toEqual([
      A_IP_FRAGMENT,
      A_IP_FRAGMENT,
    ]);
    expect(r.warnings.join('\n')).toMatch(/1 fragmented datagram never completed/);
  });

  it('damaged tunnels and fragments never throw and never point past their bytes', () => {
    const seeds = [
      eth(
        0x0800,
        ipv4({
          proto: 17,
          payload: udp(1, 4789, vxlan(3, eth(0x0800, ipv4({ payload: tcp(1, 2, text(40)) })))),
        }),
      ),
      ...fragments6(
        udp(40000, 4789, vxlan(9, eth(0x0800, ipv4({ payload: tcp(5, 80, text(300)) })))),
        200,
        17,
        7,
      ),
      ...fragments4(tcp(40000, 80, text(500)), 160),
      eth(0x8864, cat([0x11, 0, 0, 1, 0, 42, 0, 0x21], ipv4({ payload: tcp(1, 2, text(20)) }))),
      eth(0x8847, cat([0, 0x64, 0x01, 64], ipv4({ payload: tcp(1, 2, text(20)) }))),
      eth(
        0x0800,
        ipv4({
          proto: 47,
          payload: cat(
            [0xb0, 0, 0x65, 0x58],
            new Array<number>(12).fill(0),
            eth(0x0800, ipv4({ payload: tcp(1, 2) })),
          ),
        }),
      ),
    ];
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
    const layer = new NetworkLayer({ maxBytes: 64 * 1024 });
    for (let i = 0; i < 3000; i++) {
      const f = seeds[i % seeds.length].slice();
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++)
        f[Math.floor(rand() * f.length)] = Math.floor(rand() * 256);
      const cut = rand() < 0.2 ? f.subarray(0, Math.floor(rand() * f.length)) : f;
      const r = layer.decode(ETH, cut, i * 0.01);
      if (isPacket(r)) {
        const bytes = r.reassembled ?? cut;
        expect(r.l4Offset).toBeLessThanOrEqual(bytes.length + 65535);
        expect(r.l4Offset).toBeGreaterThanOrEqual(0);
      }
    }
    layer.finish();
    expect(layer.reassembler.heldBytes).toBe(0);
  });
});
