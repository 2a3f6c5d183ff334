import { describe, expect, it } from 'vitest';
import { classifyCuts, ConnectionPackets } from './common';
import { buildTrace, exchange, handshake } from './testing';
import { DIR_C2S, DIR_S2C, PacketTable } from '../packets';

function table(conns: number[]): PacketTable {
  const p = new PacketTable();
  conns.forEach((ci, k) => {
    const i = p.add(k * 0.5, 24 + k * 100, 60, 60, 0, 1);
    p.conn[i] = ci;
    p.dir[i] = k % 2 ? DIR_S2C : DIR_C2S;
    p.payloadLen[i] = k;
  });
  return p;
}

describe('ConnectionPackets', () => {
  it("gives each connection's packets in capture order, skipping packets of no connection", () => {
    const p = table([1, 0, -1, 1, 2, 0, 1, -1]);
    const idx = ConnectionPackets.of(p, 3);
    expect(idx.rows(0).map((r) => r.n)).toEqual([2, 6]);
    expect(idx.rows(1).map((r) => r.n)).toEqual([1, 4, 7]);
    expect(idx.rows(2)).toEqual([{ n: 5, t: 2, dir: 'c2s', flags: 0, len: 4, analysis: 0 }]);
    expect(idx.rows(1)[1]).toMatchObject({ dir: 's2c', len: 3, t: 1.5 });
    expect(idx.rows(3)).toEqual([]);
    expect(idx.rows(-1)).toEqual([]);
  });

  it('is built once per table length: a grown table (progressive snapshot) gets a new index', () => {
    const p = table([0, 1]);
    const a = ConnectionPackets.of(p, 2);
    expect(ConnectionPackets.of(p, 2)).toBe(a);
    const i = p.add(9, 0, 60, 60, 0, 1);
    p.conn[i] = 1;
    const b = ConnectionPackets.of(p, 2);
    expect(b).not.toBe(a);
    expect(b.rows(1).map((r) => r.n)).toEqual([2, 3]);
  });
});

describe('classifyCuts', () => {
  it('an answered reset is idle whatever was outstanding; a request cut where nothing moved is a deadline', () => {
    const tr = buildTrace({
      connections: [
        {
          packets: [
            ...handshake(0),
            { t: 0.1, dir: 'c2s', len: 50 },
            { t: 0.2, dir: 's2c', len: 50 },
            { t: 12, dir: 'c2s', len: 50 },
            { t: 12.0002, dir: 's2c', flags: 'R' },
          ],
        },
        { packets: [...handshake(0), { t: 0.1, dir: 'c2s', len: 50 }, { t: 3.1, dir: 's2c', flags: 'FA' }] },
        { packets: [...handshake(0), { t: 0.1, dir: 'c2s', len: 50 }, { t: 0.4, dir: 's2c', flags: 'FA' }] },
      ],
      exchanges: [
        exchange({ connection: 'c1', requestS: 0.1, responseS: 0.2, responseEndS: 0.2 }),
        exchange({
          connection: 'c1',
          index: 2,
          requestS: 12,
          requestEndS: 12,
          responseS: null,
          responseEndS: null,
          outcome: 'unanswered',
        }),
        exchange({
          connection: 'c2',
          requestS: 0.1,
          requestEndS: 0.1,
          responseS: null,
          responseEndS: null,
          outcome: 'unanswered',
        }),
      ],
    });
    const cuts = classifyCuts(tr as Parameters<typeof classifyCuts>[0], 30);
    expect(cuts.map((k) => [k.c.id, k.mode, k.verdict])).toEqual([
      ['c1', 'answered', 'idle'],
      ['c2', 'alone', 'deadline'],
    ]);
    expect(cuts[0].silenceS).toBeCloseTo(11.8, 3);
    expect(cuts[1].offsetS).toBeCloseTo(3, 3);
  });
});
