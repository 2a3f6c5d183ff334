import { describe, expect, it } from 'vitest';
import { trackPackets } from '../tcp/run';
import { geneveInner } from './geneve';
import { decodeNetwork } from './link';
import { ascii, cat, eth, ipv4, ok, tcp, tcpPayloadText, udp } from './test-packets';
import type { CapturedPacket } from './types';

const ETH = 1;
const geneve = (vni: number, type: number, inner: Uint8Array, options: number[] = [], flags = 0) =>
  cat(
    [options.length / 4, flags, type >> 8, type & 0xff],
    [(vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0],
    options,
    inner,
  );
const outer = (payload: Uint8Array) =>
  eth(
    0x0800,
    ipv4({ src: [172, 31, 0, 1], dst: [172, 31, 0, 2], proto: 17, payload: udp(50000, 6081, payload) }),
  );
const inner = (text: string, c2s = true, flags = 0x18) =>
  c2s
    ? ipv4({ src: [10, 5, 0, 1], dst: [10, 5, 0, 2], payload: tcp(41000, 443, ascii(text), 1, flags) })
    : ipv4({ src: [10, 5, 0, 2], dst: [10, 5, 0, 1], payload: tcp(443, 41000, ascii(text), 9, flags) });

describe('Geneve (UDP 6081)', () => {
  it('Ethernet payload: the inner TCP, keyed on the VNI', () => {
    const frame = outer(geneve(77, 0x6558, eth(0x0800, inner('hello'))));
    const n = ok(decodeNetwork(ETH, frame));
    expect([n.src, n.tunnel, tcpPayloadText(n, frame)]).toEqual(['10.5.0.1', 'geneve 77', 'hello']);
  });

  it('IP payload after options (as AWS Gateway Load Balancer sends it)', () => {
    const options = [0x01, 0x08, 0x01, 0x02, 1, 2, 3, 4, 5, 6, 7, 8]; // one 12-byte TLV
    const frame = outer(geneve(0, 0x0800, inner('gwlb'), options));
    expect(geneveInner(frame, 42)).toEqual({ vni: 0, type: 0x0800, offset: 42 + 8 + 12 });
    expect(tcpPayloadText(ok(decodeNetwork(ETH, frame)), frame)).toBe('gwlb');
  });

  it('control packets are not IP; other versions and cut options are malformed', () => {
    expect(decodeNetwork(ETH, outer(geneve(1, 0x6558, eth(0x0800, inner('x')), [], 0x80)))).toMatchObject({
      reason: 'not-ip',
    });
    const v1 = geneve(1, 0x6558, eth(0x0800, inner('x')));
    v1[0] = 0x40;
    expect(decodeNetwork(ETH, outer(v1))).toMatchObject({ reason: 'malformed' });
    expect(geneveInner(Uint8Array.from([0x3f, 0, 0x65, 0x58, 0, 0, 1, 0]), 0)).toMatchObject({
      malformed: true,
    });
  });

  it('two VNIs with the same inner tuple are two connections', () => {
    const pk = (n: number, d: Uint8Array): CapturedPacket => ({
      number: n,
      tsSec: 1,
      tsNsec: n,
      linkType: ETH,
      interfaceId: 0,
      caplen: d.length,
      origLen: d.length,
      fileOffset: n * 100,
      data: d,
    });
    const frames = [
      outer(geneve(1, 0x0800, inner('', true, 0x02))),
      outer(geneve(2, 0x0800, inner('', true, 0x02))),
      outer(geneve(1, 0x0800, inner('', false, 0x12))),
    ];
    const r = trackPackets(
      frames.map((d, i) => pk(i + 1, d)),
      decodeNetwork,
    );
    expect(r.connections.map((c) => [c.tunnel, c.packets.c2s + c.packets.s2c])).toEqual([
      ['geneve 1', 2],
      ['geneve 2', 1],
    ]);
  });
});
