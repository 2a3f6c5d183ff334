import { describe, expect, it } from 'vitest';
import { A_KEEP_ALIVE } from '../packets';
import { DEFAULT_OPTIONS, type Http1Exchange } from '../trace';
import { runDetectors } from './index';
import { buildTrace, exchange, gracefulClose, handshake, type ConnSpec } from './testing';

describe('scale', () => {
  it('20 000 connections and 20 000 exchanges in well under a few seconds', () => {
    const connections: ConnSpec[] = [];
    const exchanges: Http1Exchange[] = [];
    for (let i = 0; i < 20000; i++) {
      const t = i * 0.001;
      connections.push({
        packets: [
          ...handshake(t),
          { t: t + 0.01, dir: 'c2s', len: 80 },
          { t: t + 0.02, dir: 's2c', len: 300 },
          { t: t + 0.5, dir: 'c2s', a: A_KEEP_ALIVE },
          ...gracefulClose(t + 1, 'c2s'),
        ],
      });
      exchanges.push(
        exchange({
          connection: `c${i + 1}`,
          index: 1,
          path: `/users/${i}`,
          jsonKeys: ['id', 'name'],
          requestS: t + 0.01,
          responseS: t + 0.02,
        }),
      );
    }
    const tr = buildTrace({ connections, exchanges });
    const t0 = performance.now();
    const f = runDetectors(tr, DEFAULT_OPTIONS);
    const ms = performance.now() - t0;
    expect(f.filter((x) => x.severity !== 'info')).toEqual([]);
    expect(ms).toBeLessThan(5000);
  });
});
