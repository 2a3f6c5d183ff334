import { describe, expect, it } from 'vitest';
import { A_TRUNCATED, TCP_ACK, TCP_PSH, TCP_SYN } from '../packets';
import { captureLoss, captureLossWarning } from './gaps';
import { type SegSpec, track } from './test-builder';

const A = TCP_ACK;
const PA = TCP_PSH | TCP_ACK;
type T = SegSpec & { t: number };
const ends = (port: number) => ({
  C: { src: '10.0.0.1', sport: port, dst: '10.0.0.2', dport: 8080 },
  S: { src: '10.0.0.2', sport: 8080, dst: '10.0.0.1', dport: port },
});

/** One connection: handshake, then `segs` built with its endpoints. */
function conn(port: number, t0: number, body: (c: typeof C0, s: typeof C0) => T[]): T[] {
  const { C, S } = ends(port);
  return [
    { ...C, t: t0, seq: 1000, flags: TCP_SYN },
    { ...S, t: t0 + 0.01, seq: 5000, ack: 1001, flags: TCP_SYN | TCP_ACK },
    { ...C, t: t0 + 0.02, seq: 1001, ack: 5001, flags: A },
    ...body(C, S),
  ];
}
const C0 = ends(0).C;

describe('capture loss', () => {
  it('counts holes and bytes per direction and connection, with the packets that show them', () => {
    const r = track([
      ...conn(40000, 0, (C, S) => [
        { ...C, t: 0.03, seq: 1001, ack: 5001, flags: PA, payload: 'GET / HTTP/1.1\r\n\r\n' },
        // Server: 100 bytes, then 1448 never captured, then 50; the client ACKs all of it.
        { ...S, t: 0.04, seq: 5001, ack: 1019, flags: PA, payload: 'x'.repeat(100) },
        { ...S, t: 0.05, seq: 5101 + 1448, ack: 1019, flags: PA, payload: 'y'.repeat(50) },
        { ...C, t: 0.06, seq: 1019, ack: 5101 + 1448 + 50, flags: A },
      ]),
      ...conn(40001, 1, (C, S) => [
        // Client: two holes of 10 bytes.
        { ...C, t: 1.03, seq: 1001, ack: 5001, flags: PA, payload: 'aaaa' },
        { ...C, t: 1.04, seq: 1015, ack: 5001, flags: PA, payload: 'bbbb' },
        { ...C, t: 1.05, seq: 1029, ack: 5001, flags: PA, payload: 'cccc' },
        { ...S, t: 1.06, seq: 5001, ack: 1033, flags: A },
      ]),
      ...conn(40002, 2, (C, S) => [
        { ...C, t: 2.03, seq: 1001, ack: 5001, flags: PA, payload: 'fine' },
        { ...S, t: 2.04, seq: 5001, ack: 1005, flags: A },
      ]),
    ]);
    const loss = captureLoss(r.connections, r.packets);
    expect(loss.map((l) => l.conn.id)).toEqual(['c1', 'c2']);
    expect(loss[0].s2c).toMatchObject({ segments: 1, bytes: 1448, truncatedPackets: 0 });
    expect(loss[0].c2s).toMatchObject({ segments: 0, bytes: 0 });
    // The segment after the hole, and the client's ACK of bytes the capture never saw.
    expect(loss[0].s2c.evidence).toEqual([6]);
    expect(loss[0].s2c.ackEvidence).toEqual([7]);
    expect(loss[0].s2c.firstS).toBe(0.05);
    expect(loss[1].c2s).toMatchObject({ segments: 2, bytes: 20 });
    expect(captureLossWarning(loss)).toBe(
      'capture gaps: 3 segments (1,468 bytes) never captured on 2 connections ' +
        '(client to server: 2 segments, 20 bytes; server to client: 1 segment, 1,448 bytes) — analysis around them is partial',
    );
  });

  it('snaplen cuts are not loss: counted apart, no warning', () => {
    const r = track(
      conn(40000, 0, (C, S) => [
        { ...C, t: 0.03, seq: 1001, ack: 5001, flags: PA, payload: 'abcd', claimedLen: 100 },
        { ...S, t: 0.04, seq: 5001, ack: 1101, flags: A },
      ]),
    );
    // analyze.ts marks truncated packets; the builder does not.
    r.packets.analysis[3] |= A_TRUNCATED;
    r.packets.origLen[3] = r.packets.caplen[3] + 96;
    const loss = captureLoss(r.connections, r.packets, 1);
    expect(loss).toHaveLength(1);
    expect(loss[0].c2s).toMatchObject({ segments: 0, bytes: 0, truncatedPackets: 1, truncatedBytes: 96 });
    expect(captureLossWarning(loss)).toBeNull();
  });

  it('nothing lost: nothing to say, and no pass over the packets', () => {
    const r = track(
      conn(40000, 0, (C) => [{ ...C, t: 0.03, seq: 1001, ack: 5001, flags: PA, payload: 'ok' }]),
    );
    expect(captureLoss(r.connections, r.packets)).toEqual([]);
    expect(captureLoss(r.connections, null)).toEqual([]);
    expect(captureLossWarning([])).toBeNull();
  });
});
