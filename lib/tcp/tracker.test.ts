import { describe, expect, it } from 'vitest';
import {
  A_DUP_ACK,
  A_FAST_RETRANSMISSION,
  A_KEEP_ALIVE,
  A_KEEP_ALIVE_ACK,
  A_LOST_SEGMENT,
  A_OUT_OF_ORDER,
  A_RETRANSMISSION,
  A_SPURIOUS_RETRANSMISSION,
  A_WINDOW_UPDATE,
  A_ZERO_WINDOW,
  A_ZERO_WINDOW_PROBE,
  DIR_C2S,
  DIR_S2C,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
} from '../packets';
import { type SegSpec, track } from './test-builder';

const A = TCP_ACK;
const PA = TCP_PSH | TCP_ACK;
const C = { src: '10.0.0.1', sport: 40000, dst: '10.0.0.2', dport: 8080 };
const S = { src: '10.0.0.2', sport: 8080, dst: '10.0.0.1', dport: 40000 };
type T = SegSpec & { t: number };
const c2s = (
  t: number,
  seq: number,
  ack: number,
  flags: number,
  payload?: string,
  extra: Partial<SegSpec> = {},
): T => ({
  ...C,
  t,
  seq,
  ack,
  flags,
  payload,
  ...extra,
});
const s2c = (
  t: number,
  seq: number,
  ack: number,
  flags: number,
  payload?: string,
  extra: Partial<SegSpec> = {},
): T => ({
  ...S,
  t,
  seq,
  ack,
  flags,
  payload,
  ...extra,
});
/** Client ISN 1000, server ISN 5000: after the handshake client seq 1001, server seq 5001. */
const handshake = (t0 = 0): T[] => [
  c2s(t0, 1000, 0, TCP_SYN),
  s2c(t0 + 0.01, 5000, 1001, TCP_SYN | A),
  c2s(t0 + 0.02, 1001, 5001, A),
];

describe('TcpTracker', () => {
  it('tracks a handshake, data both ways and a FIN close', () => {
    const r = track([
      ...handshake(),
      c2s(0.03, 1001, 5001, PA, 'GET / HTTP/1.1\r\n\r\n'),
      s2c(0.04, 5001, 1019, PA, 'HTTP/1.1 200 OK\r\n\r\n'),
      c2s(0.05, 1019, 5020, TCP_FIN | A),
      s2c(0.06, 5020, 1020, TCP_FIN | A),
      c2s(0.07, 1020, 5021, A),
    ]);
    expect(r.connections).toHaveLength(1);
    const c = r.connections[0];
    expect(c.id).toBe('c1');
    expect([c.client, c.server, c.directionBasis]).toEqual(['10.0.0.1:40000', '10.0.0.2:8080', 'syn']);
    expect(c.packets).toEqual({ c2s: 5, s2c: 3 });
    expect(c.bytes).toEqual({ c2s: 18, s2c: 19 });
    expect(c.fin).toEqual({ c2s: 1, s2c: 1 });
    expect(c.end).toBe('closed');
    expect(c.handshake).toEqual({ syn: 1, synAck: 2, ack: 3, rttS: expect.closeTo(0.02, 6) });
    expect(c.firstFin.c2s).toEqual({ packet: 6, tS: 0.05 });
    expect(r.parsers[0].stream('c2s')).toBe('GET / HTTP/1.1\r\n\r\n');
    expect(r.parsers[0].stream('s2c')).toBe('HTTP/1.1 200 OK\r\n\r\n');
    const ends = r.parsers[0].events.filter((e) => e.kind === 'end');
    expect(ends).toEqual([
      { kind: 'end', dir: 'c2s', how: 'fin' },
      { kind: 'end', dir: 's2c', how: 'fin' },
    ]);
    expect(Array.from(r.packets.dir.subarray(0, 8))).toEqual(
      [0, 1, 0, 0, 1, 0, 1, 0].map((d) => (d ? DIR_S2C : DIR_C2S)),
    );
    expect(Array.from(r.packets.conn.subarray(0, 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(r.packets.analysis.subarray(0, 8).every((b) => b === 0)).toBe(true);
  });

  it('flags a retransmission, counts its bytes, and delivers the data once', () => {
    const r = track([
      ...handshake(),
      c2s(0.03, 1001, 5001, PA, 'abc'),
      c2s(0.5, 1001, 5001, PA, 'abc'),
      s2c(0.51, 5001, 1004, A),
    ]);
    const c = r.connections[0];
    expect(r.packets.analysis[4] & A_RETRANSMISSION).toBeTruthy();
    expect(c.retransmissions.c2s).toBe(1);
    expect(c.analysis.c2s.retransmission).toBe(1);
    expect(c.bytes.c2s).toBe(6); // as Wireshark: retransmitted bytes count
    expect(r.parsers[0].stream('c2s')).toBe('abc');
  });

  it('flags a spurious retransmission of data already ACKed', () => {
    const r = track([
      ...handshake(),
      c2s(0.03, 1001, 5001, PA, 'abc'),
      s2c(0.04, 5001, 1004, A),
      c2s(0.5, 1001, 5001, PA, 'abc'),
    ]);
    expect(r.packets.analysis[5] & A_SPURIOUS_RETRANSMISSION).toBeTruthy();
    expect(r.connections[0].retransmissions.c2s).toBe(1);
    expect(r.connections[0].analysis.c2s.spuriousRetransmission).toBe(1);
  });

  it('flags out-of-order and previous-segment-not-captured, and reassembles in order', () => {
    const r = track([
      ...handshake(),
      c2s(0.03, 1004, 5001, PA, 'def'), // hole: lost segment
      c2s(0.031, 1001, 5001, PA, 'abc'), // arrives 1 ms later: out of order (< first RTT)
      s2c(0.05, 5001, 1007, A),
    ]);
    expect(r.packets.analysis[3] & A_LOST_SEGMENT).toBeTruthy();
    expect(r.packets.analysis[4] & A_OUT_OF_ORDER).toBeTruthy();
    expect(r.connections[0].analysis.c2s.outOfOrder).toBe(1);
    expect(r.parsers[0].stream('c2s')).toBe('abcdef');
  });

  it('turns bytes cut by the snaplen into a gap, while tcp.len counts them', () => {
    const r = track([
      ...handshake(),
      c2s(0.03, 1001, 5001, PA, 'abcd', { claimedLen: 10 }),
      c2s(0.04, 1011, 5001, PA, 'wxyz'),
      s2c(0.05, 5001, 1015, A),
    ]);
    expect(r.connections[0].bytes.c2s).toBe(14);
    expect(r.packets.payloadLen[3]).toBe(10);
    expect(r.parsers[0].stream('c2s')).toBe('abcd[gap 6]wxyz');
    expect(r.connections[0].analysis.c2s.missingBytes).toBe(6);
  });

  it('reports missing bytes at capture end for a hole nobody ACKed', () => {
    const r = track([...handshake(), c2s(0.03, 1001, 5001, PA, 'abc'), c2s(0.04, 1010, 5001, PA, 'xyz')]);
    expect(r.parsers[0].stream('c2s')).toBe('abc[gap 6]xyz');
    expect(r.parsers[0].events.at(-1)).toMatchObject({ kind: 'end', how: 'capture-end' });
  });

  it('keeps first-received bytes when segments overlap', () => {
    const r = track([...handshake(), c2s(0.03, 1001, 5001, PA, 'abcd'), c2s(0.04, 1003, 5001, PA, 'XXef')]);
    expect(r.parsers[0].stream('c2s')).toBe('abcdef');
  });

  it('reports a never-filled hole as a gap once the peer ACKs past it', () => {
    const r = track([
      ...handshake(),
      c2s(0.03, 1001, 5001, PA, 'abc'),
      c2s(0.04, 1104, 5001, PA, 'xyz'),
      s2c(0.05, 5001, 1107, A),
    ]);
    expect(r.parsers[0].stream('c2s')).toBe('abc[gap 100]xyz');
    expect(r.connections[0].analysis.c2s.missingBytes).toBe(100);
    expect(r.connections[0].analysis.c2s.lostSegment).toBe(1);
  });

  it('recognizes keep-alives and keep-alive ACKs, which do not end an idle gap', () => {
    const r = track(
      [
        ...handshake(),
        c2s(1, 1001, 5001, PA, 'abc'),
        s2c(1.01, 5001, 1004, A),
        c2s(46, 1003, 5001, A), // keep-alive: seq = nextseq - 1, no data
        s2c(46.01, 5001, 1004, A), // its ACK
        c2s(100, 1004, 5001, PA, 'def'),
      ],
      { idleThresholdS: 30, endS: 100 },
    );
    const c = r.connections[0];
    expect(r.packets.analysis[5] & A_KEEP_ALIVE).toBeTruthy();
    expect(r.packets.analysis[6] & A_KEEP_ALIVE_ACK).toBeTruthy();
    expect(c.keepalives).toEqual({ c2s: 1, s2c: 0 });
    expect(c.keepalivePackets.c2s).toEqual([6]);
    expect(c.analysis.s2c.keepAliveAck).toBe(1);
    expect(c.idleGaps).toHaveLength(1);
    expect(c.idleGaps[0]).toMatchObject({
      fromPacket: 5,
      toPacket: 8,
      keepaliveInside: true,
      untilCaptureEnd: false,
    });
    expect(c.idleGaps[0].durationS).toBeCloseTo(98.99, 6);
    expect(c.maxIdleS).toBeCloseTo(53.99, 6);
    expect(r.parsers[0].stream('c2s')).toBe('abcdef');
  });

  it('adds a trailing idle gap when the connection is still open at capture end', () => {
    const r = track([...handshake(), c2s(1, 1001, 5001, PA, 'abc')], { idleThresholdS: 30, endS: 61 });
    const c = r.connections[0];
    expect(c.end).toBe('open');
    expect(c.idleGaps).toEqual([
      {
        startS: 1,
        endS: 61,
        durationS: 60,
        fromPacket: 4,
        toPacket: null,
        keepaliveInside: false,
        untilCaptureEnd: true,
      },
    ]);
    expect(c.maxIdleS).toBe(60);
    expect(
      r.parsers[0].events.filter((e) => e.kind === 'end').map((e) => (e.kind === 'end' ? e.how : '')),
    ).toEqual(['capture-end', 'capture-end']);
  });

  it('flags zero window, zero window probe and window update', () => {
    const r = track([
      ...handshake(),
      c2s(0.03, 1001, 5001, PA, 'abc'),
      s2c(0.04, 5001, 1004, A, undefined, { window: 0 }), // zero window
      c2s(0.3, 1004, 5001, PA, 'd'), // zero window probe
      s2c(0.31, 5001, 1004, A, undefined, { window: 0 }),
      s2c(0.5, 5001, 1004, A, undefined, { window: 1000 }), // window update
    ]);
    expect(r.packets.analysis[4] & A_ZERO_WINDOW).toBeTruthy();
    expect(r.packets.analysis[5] & A_ZERO_WINDOW_PROBE).toBeTruthy();
    expect(r.packets.analysis[7] & A_WINDOW_UPDATE).toBeTruthy();
    const a = r.connections[0].analysis;
    expect([a.s2c.zeroWindow, a.c2s.zeroWindowProbe]).toEqual([2, 1]);
  });

  it('flags duplicate ACKs and a fast retransmission', () => {
    const r = track([
      ...handshake(),
      c2s(0.03, 1001, 5001, PA, 'aaaa'), // lost on the way to the server, seen here
      c2s(0.031, 1005, 5001, PA, 'bbbb'),
      s2c(0.05, 5001, 1001, A), // dup 1: same seq/ack/window as the SYN-ACK, as Wireshark sees it
      s2c(0.051, 5001, 1001, A), // dup 2
      s2c(0.052, 5001, 1001, A), // dup 3
      c2s(0.055, 1001, 5001, PA, 'aaaa'), // fast retransmission
    ]);
    expect(r.packets.analysis[6] & A_DUP_ACK).toBeTruthy();
    expect(r.packets.analysis[7] & A_DUP_ACK).toBeTruthy();
    expect(r.packets.analysis[8] & A_FAST_RETRANSMISSION).toBeTruthy();
    const c = r.connections[0];
    expect(c.analysis.s2c.duplicateAck).toBe(3);
    expect(c.analysis.c2s.fastRetransmission).toBe(1);
    expect(c.retransmissions.c2s).toBe(1);
  });

  it('starts a new connection when a SYN with a new ISN reuses a closed 4-tuple', () => {
    const r = track([
      ...handshake(),
      c2s(0.03, 1001, 5001, TCP_FIN | A),
      s2c(0.04, 5001, 1002, TCP_FIN | A),
      c2s(0.05, 1002, 5002, A),
      c2s(1, 90000, 0, TCP_SYN),
      s2c(1.01, 70000, 90001, TCP_SYN | A),
      c2s(1.02, 90001, 70001, A),
    ]);
    expect(r.connections.map((c) => c.id)).toEqual(['c1', 'c2']);
    expect(r.connections.map((c) => c.end)).toEqual(['closed', 'open']);
    expect(Array.from(r.packets.conn.subarray(0, 9))).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1]);
    // A retransmitted SYN (same ISN) is the same connection.
    const again = track([c2s(0, 1000, 0, TCP_SYN), c2s(1, 1000, 0, TCP_SYN)]);
    expect(again.connections).toHaveLength(1);
    expect(again.connections[0].retransmissions.c2s).toBe(1);
  });

  it('without a SYN, takes the well-known port as the server, else the first sender as the client', () => {
    const byPort = track([
      {
        src: '10.0.0.2',
        sport: 443,
        dst: '10.0.0.1',
        dport: 50000,
        t: 0,
        seq: 1,
        ack: 1,
        flags: PA,
        payload: 'x',
      },
    ]);
    expect([byPort.connections[0].client, byPort.connections[0].directionBasis]).toEqual([
      '10.0.0.1:50000',
      'port',
    ]);
    expect(byPort.packets.dir[0]).toBe(DIR_S2C);
    const byFirst = track([{ ...S, t: 0, seq: 1, ack: 1, flags: PA, payload: 'x' }]);
    expect([byFirst.connections[0].client, byFirst.connections[0].directionBasis]).toEqual([
      '10.0.0.2:8080',
      'first-packet',
    ]);
    const bySynAck = track([s2c(0, 5000, 1001, TCP_SYN | A), c2s(0.01, 1001, 5001, A)]);
    expect([bySynAck.connections[0].client, bySynAck.connections[0].directionBasis]).toEqual([
      '10.0.0.1:40000',
      'syn-ack',
    ]);
    expect(r0(byFirst)).toBe('x');
  });

  it('reassembles across sequence wraparound', () => {
    const r = track([
      c2s(0, 0xfffffffd, 0, TCP_SYN),
      s2c(0.01, 5000, 0xfffffffe, TCP_SYN | A),
      c2s(0.02, 0xfffffffe, 5001, PA, 'abcd'),
      c2s(0.03, 2, 5001, PA, 'efgh'),
      s2c(0.04, 5001, 6, A),
    ]);
    expect(r.parsers[0].stream('c2s')).toBe('abcdefgh');
    expect(r.packets.analysis[3]).toBe(0);
    expect(r.connections[0].analysis.c2s.missingBytes).toBe(0);
  });

  it('records an RST after silence with its TTL against the previous packet', () => {
    const r = track([
      ...handshake(),
      s2c(0.05, 5001, 1001, PA, 'hello', { ttl: 64, ipId: 100 }),
      s2c(100, 5006, 1001, TCP_RST | A, undefined, { ttl: 250, ipId: 0 }),
    ]);
    const c = r.connections[0];
    expect(c.end).toBe('reset');
    expect(c.rst).toEqual({ c2s: 0, s2c: 1 });
    expect(c.rsts).toEqual([
      {
        packet: 5,
        tS: 100,
        dir: 's2c',
        ttl: 250,
        ipId: 0,
        prevTtl: 64,
        prevIpId: 100,
        silenceBeforeS: 99.95,
      },
    ]);
    const ends = r.parsers[0].events.filter((e) => e.kind === 'end');
    expect(ends.map((e) => (e.kind === 'end' ? `${e.dir}:${e.how}` : ''))).toEqual(['s2c:rst', 'c2s:rst']);
    expect(c.idleGaps).toHaveLength(1);
    expect(c.idleGaps[0].toPacket).toBe(5);
  });

  it('ignores (for reassembly) an RST during the handshake that does not ACK the SYN', () => {
    const r = track([
      c2s(0, 1000, 0, TCP_SYN),
      s2c(0.001, 7, 1000, TCP_RST | A), // injected: ACKs the ISN, not ISN + 1
      s2c(0.01, 5000, 1001, TCP_SYN | A),
      c2s(0.02, 1001, 5001, A),
      c2s(0.03, 1001, 5001, PA, 'hello'),
    ]);
    const c = r.connections[0];
    expect(c.rst.s2c).toBe(1); // still counted, as tshark counts it
    expect(c.end).toBe('reset');
    expect(c.warnings[0]).toMatch(/does not acknowledge the SYN/);
    expect(r.parsers[0].stream('c2s')).toBe('hello');
  });

  it('splits the same 4-tuple on two VLANs into two connections (tshark merges them)', () => {
    const r = track([
      { ...c2s(0, 1000, 0, TCP_SYN), vlan: [10] },
      { ...c2s(0.001, 1000, 0, TCP_SYN), vlan: [20] },
    ]);
    expect(r.connections).toHaveLength(2);
    expect(r.connections.map((c) => c.vlan)).toEqual([[10], [20]]);
    expect(r.connections[1].retransmissions.c2s).toBe(0);
  });

  it('half-closed end states name the side that sent the FIN', () => {
    const a = track([...handshake(), c2s(0.03, 1001, 5001, TCP_FIN | A)]);
    expect(a.connections[0].end).toBe('half-closed-by-client');
    const b = track([...handshake(), s2c(0.03, 5001, 1001, TCP_FIN | A)]);
    expect(b.connections[0].end).toBe('half-closed-by-server');
  });
});

function r0(r: ReturnType<typeof track>): string {
  return r.parsers[0].stream(r.connections[0].directionBasis === 'first-packet' ? 'c2s' : 's2c');
}
