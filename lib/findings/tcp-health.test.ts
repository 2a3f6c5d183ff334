import { describe, expect, it } from 'vitest';
import { A_RETRANSMISSION, A_ZERO_WINDOW, A_ZERO_WINDOW_PROBE } from '../packets';
import { DEFAULT_OPTIONS } from '../trace';
import { detector } from './tcp-health';
import {
  buildTrace,
  checkFinding,
  exchange,
  frame,
  gracefulClose,
  handshake,
  resetFrames,
  stream,
  type PktSpec,
} from './testing';

const opts = DEFAULT_OPTIONS;
const kinds = (fs: { kind: string }[]) => fs.map((f) => f.kind);

describe('tcp.connection-refused / tcp.connect-timeout', () => {
  it('SYN answered by RST is refused', () => {
    const tr = buildTrace({
      connections: [
        {
          server: '127.0.0.1:7901',
          packets: [
            { t: 0.1, dir: 'c2s', flags: 'S' },
            { t: 0.100015, dir: 's2c', flags: 'RA' },
          ],
        },
      ],
    });
    const f = detector.detect(tr, opts);
    expect(kinds(f)).toEqual(['tcp.connection-refused']);
    expect(f[0].severity).toBe('error');
    expect(f[0].title).toContain('127.0.0.1:7901');
    expect(f[0].evidence.map((e) => e.packet)).toEqual([1, 2]);
    expect(checkFinding(f[0])).toEqual([]);
  });

  it('retransmitted SYNs with no answer are a connect timeout', () => {
    const syns: PktSpec[] = [0.305, 1.33, 2.35, 3.37].map((t) => ({ t, dir: 'c2s', flags: 'S' }));
    const f = detector.detect(
      buildTrace({ connections: [{ server: '127.0.0.1:7902', packets: syns }], durationS: 5.3 }),
      opts,
    );
    expect(kinds(f)).toEqual(['tcp.connect-timeout']);
    expect(f[0].details.attempts).toBe(4);
    expect(f[0].evidence).toHaveLength(4);
    expect(f[0].explanation).toMatch(/DROP/);
    expect(checkFinding(f[0])).toEqual([]);
  });

  it('a single SYN at the end of the capture, or a normal handshake, is quiet', () => {
    expect(
      detector.detect(buildTrace({ connections: [{ packets: [{ t: 0.1, dir: 'c2s', flags: 'S' }] }] }), opts),
    ).toEqual([]);
    expect(
      detector.detect(
        buildTrace({ connections: [{ packets: [...handshake(0), ...gracefulClose(0.1)] }] }),
        opts,
      ),
    ).toEqual([]);
  });
});

describe('tcp.retransmission-burst', () => {
  function transfer(rtxAt: number[]): PktSpec[] {
    const p: PktSpec[] = [...handshake(0)];
    for (let i = 0; i < 40; i++)
      p.push({ t: 0.1 + i * 0.05, dir: 's2c', len: 1448 }, { t: 0.1 + i * 0.05 + 0.001, dir: 'c2s' });
    for (const t of rtxAt) p.push({ t, dir: 's2c', len: 1448, a: A_RETRANSMISSION });
    return [...p, ...gracefulClose(3)];
  }
  it('flags 4 retransmissions within 1 s', () => {
    const f = detector.detect(
      buildTrace({ connections: [{ packets: transfer([0.5, 0.7, 0.9, 1.2]) }] }),
      opts,
    );
    expect(kinds(f)).toEqual(['tcp.retransmission-burst']);
    expect(f[0].details.inWindow).toBe(4);
    expect(checkFinding(f[0])).toEqual([]);
  });
  it('spread-out retransmissions are quiet', () => {
    expect(
      detector.detect(buildTrace({ connections: [{ packets: transfer([0.5, 1.7, 2.9]) }] }), opts),
    ).toEqual([]);
  });
  it('2 retransmissions in a large transfer are quiet', () => {
    expect(detector.detect(buildTrace({ connections: [{ packets: transfer([0.5, 0.6]) }] }), opts)).toEqual(
      [],
    );
  });
});

describe('tcp.zero-window-stall', () => {
  it('a 2 s zero window with probes', () => {
    const p: PktSpec[] = [
      ...handshake(0),
      { t: 0.1, dir: 's2c', len: 1448 },
      { t: 0.11, dir: 'c2s', a: A_ZERO_WINDOW },
      { t: 0.5, dir: 's2c', len: 1, a: A_ZERO_WINDOW_PROBE },
      { t: 0.501, dir: 'c2s', a: A_ZERO_WINDOW },
      { t: 1.3, dir: 's2c', len: 1, a: A_ZERO_WINDOW_PROBE },
      { t: 1.301, dir: 'c2s', a: A_ZERO_WINDOW },
      { t: 2.11, dir: 'c2s' },
      ...gracefulClose(3),
    ];
    const f = detector.detect(buildTrace({ connections: [{ packets: p }] }), opts);
    expect(kinds(f)).toEqual(['tcp.zero-window-stall']);
    expect(f[0].details.longestS).toBeCloseTo(2, 3);
    expect(f[0].details.probes).toBe(2);
    expect(f[0].title).toMatch(/client stopped reading/);
    expect(checkFinding(f[0])).toEqual([]);
  });
  it('a brief zero window is quiet', () => {
    const p: PktSpec[] = [
      ...handshake(0),
      { t: 0.1, dir: 's2c', len: 1448 },
      { t: 0.11, dir: 'c2s', a: A_ZERO_WINDOW },
      { t: 0.15, dir: 'c2s' },
      ...gracefulClose(3),
    ];
    expect(detector.detect(buildTrace({ connections: [{ packets: p }] }), opts)).toEqual([]);
  });
});

describe('http.slow-response', () => {
  const ex = (i: number, path: string, t: number, ttfb: number) =>
    exchange({
      connection: 'c1',
      index: i,
      path,
      requestS: t,
      requestEndS: t,
      responseS: t + ttfb,
      responseEndS: t + ttfb + 0.001,
    });
  it('HTTP/1: one response 40x slower than its endpoint median', () => {
    const xs = [
      ex(1, '/users/1', 0, 0.05),
      ex(2, '/users/2', 1, 0.04),
      ex(3, '/users/3', 2, 2.0),
      ex(4, '/health', 5, 3),
    ];
    const f = detector.detect(
      buildTrace({ connections: [{ packets: handshake(0) }], exchanges: xs, log: false }),
      opts,
    );
    expect(kinds(f)).toEqual(['http.slow-response']);
    expect(f[0].details.endpoint).toBe('GET /users/:id');
    expect(f[0].details.medianS).toBeCloseTo(0.05, 6);
    expect(checkFinding(f[0])).toEqual([]);
  });
  it('needs 3 samples and slowMinS', () => {
    expect(
      detector.detect(buildTrace({ exchanges: [ex(1, '/a', 0, 0.05), ex(2, '/a', 1, 3)] }), opts),
    ).toEqual([]);
    expect(
      detector.detect(
        buildTrace({ exchanges: [ex(1, '/a', 0, 0.01), ex(2, '/a', 1, 0.01), ex(3, '/a', 2, 0.5)] }),
        opts,
      ),
    ).toEqual([]);
  });
  it('HTTP/2 streams, also from debug logs', () => {
    resetFrames();
    const mk = (id: number, t: number, ttfb: number) =>
      stream({
        id,
        method: 'GET',
        path: `/items/${id}`,
        frames: [
          frame({ type: 'HEADERS', dir: 'c2s', tS: t, flags: ['END_STREAM'], stream: id, line: id }),
          frame({ type: 'HEADERS', dir: 's2c', tS: t + ttfb, stream: id, line: id + 1 }),
        ],
      });
    const f = detector.detect(
      buildTrace({ streams: [mk(1, 0, 0.02), mk(3, 0.1, 0.03), mk(5, 0.2, 4)], log: true }),
      opts,
    );
    expect(kinds(f)).toEqual(['http.slow-response']);
    expect(f[0].stream).toBe(5);
    expect(f[0].evidence[0].line).toBe(5);
  });
});

describe('debug-log traces', () => {
  it('TCP checks stay silent', () => {
    expect(detector.detect(buildTrace({ connections: [{ packets: [] }], log: true }), opts)).toEqual([]);
  });
});

describe('tcp-health borderlines', () => {
  it('three short zero-window episodes count as repeated stalls', () => {
    const p: PktSpec[] = [...handshake(0)];
    for (const t of [0.1, 0.5, 0.9])
      p.push(
        { t, dir: 's2c', len: 1448 },
        { t: t + 0.01, dir: 'c2s', a: A_ZERO_WINDOW },
        { t: t + 0.05, dir: 'c2s' },
      );
    p.push(...gracefulClose(2));
    const f = detector.detect(buildTrace({ connections: [{ packets: p }] }), opts);
    expect(kinds(f)).toEqual(['tcp.zero-window-stall']);
    expect(f[0].details.episodes).toBe(3);
  });

  it('3 retransmissions in 1 s among 100 segments (3 %) stay quiet; among 40 (7.5 %) they fire', () => {
    const mk = (n: number) => {
      const p: PktSpec[] = [...handshake(0)];
      for (let i = 0; i < n; i++) p.push({ t: 0.1 + i * 0.01, dir: 's2c', len: 1448 });
      for (const t of [0.2, 0.4, 0.6]) p.push({ t, dir: 's2c', len: 1448, a: A_RETRANSMISSION });
      return buildTrace({ connections: [{ packets: [...p, ...gracefulClose(3)] }] });
    };
    expect(detector.detect(mk(100), opts)).toEqual([]);
    expect(kinds(detector.detect(mk(37), opts))).toEqual(['tcp.retransmission-burst']);
  });
});
