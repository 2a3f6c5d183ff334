import { describe, expect, it } from 'vitest';
import { decodeNetwork } from './link';
import { pppInner } from './pppoe';
import { ascii, cat, eth, ipv4, ipv6, ok, pppoe, tcp, tcpPayloadText } from './test-packets';

const ETH = 1;

describe('PPPoE session (0x8864)', () => {
  it('finds IPv4 (PPP 0x0021) and the TCP segment in it; Ethernet padding is not payload', () => {
    const frame = eth(
      0x8864,
      pppoe(0x1234, 0x0021, ipv4({ payload: tcp(40000, 80, ascii('GET /')) })),
      [],
      8,
    );
    const n = ok(decodeNetwork(ETH, frame));
    expect([n.ipVersion, n.src, n.dst, n.protocol]).toEqual([4, '10.0.0.1', '10.0.0.2', 6]);
    expect(tcpPayloadText(n, frame)).toBe('GET /');
    expect(n.tunnel).toBeUndefined();
  });

  it('finds IPv6 (PPP 0x0057) and keeps the VLAN tags the session runs over', () => {
    const frame = eth(0x8864, pppoe(7, 0x0057, ipv6({ payload: tcp(40000, 443) })), [7]);
    const n = ok(decodeNetwork(ETH, frame));
    expect([n.ipVersion, n.src, n.protocol, n.vlan]).toEqual([6, 'fd00::1', 6, [7]]);
  });

  it('the PPPoE length bounds the IP packet whatever its total length claims (as Wireshark)', () => {
    const frame = eth(0x8864, pppoe(3, 0x0021, ipv4({ payload: tcp(1, 2) })));
    // IPv4 total length 46: six bytes more than PPPoE carries (the frame's trailing padding).
    frame[14 + 6 + 2 + 3] = 46;
    const withPad = cat(frame, [0, 0, 0, 0, 0, 0]);
    const n = ok(decodeNetwork(ETH, withPad));
    expect(n.l4Length).toBe(20);
  });

  it('discovery (0x8863) and LCP are not IP; a bad version is malformed', () => {
    expect(decodeNetwork(ETH, eth(0x8863, [0x11, 0x09, 0, 0, 0, 0]))).toEqual({
      reason: 'not-ip',
      detail: 'PPPoE discovery',
    });
    expect(decodeNetwork(ETH, eth(0x8864, pppoe(1, 0xc021, [1, 1, 0, 4])))).toEqual({
      reason: 'not-ip',
      detail: 'PPPoE: PPP protocol 0xc021',
    });
    const bad = eth(0x8864, pppoe(1, 0x0021, ipv4({ payload: tcp(1, 2) })));
    bad[14] = 0x21;
    expect(decodeNetwork(ETH, bad)).toMatchObject({ reason: 'malformed' });
  });

  it('PPP: address/control bytes skipped, one-byte (compressed) protocol field honoured', () => {
    expect(pppInner(Uint8Array.from([0xff, 0x03, 0x00, 0x21, 0x45]), 0)).toEqual({
      ip: 4,
      offset: 4,
      end: 5,
    });
    expect(pppInner(Uint8Array.from([0x21, 0x45]), 0)).toEqual({ ip: 4, offset: 1, end: 2 });
    expect(pppInner(Uint8Array.from([0x57, 0x60]), 0)).toEqual({ ip: 6, offset: 1, end: 2 });
    expect(pppInner(Uint8Array.from([0x00]), 0)).toMatchObject({ ip: 0, malformed: true });
  });
});
