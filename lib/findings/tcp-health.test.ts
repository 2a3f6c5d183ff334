import { describe, expect, it } from 'vitest';
import {
  A_FAST_RETRANSMISSION,
  A_KEEP_ALIVE,
  A_LOST_SEGMENT,
  A_RETRANSMISSION,
  A_SPURIOUS_RETRANSMISSION,
  A_WINDOW_FULL,
  A_ZERO_WINDOW,
  A_ZERO_WINDOW_PROBE,
} from '../packets';
import { DEFAULT_OPTIONS } from '../trace';
import { detector, withoutForwardingCopies } from './tcp-health';
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
  const FAST = A_RETRANSMISSION | A_FAST_RETRANSMISSION;
  /** A 40-segment download from the server (one every 50 ms), plus extra segments. */
  function transfer(extra: PktSpec[], n = 40, step = 0.05): PktSpec[] {
    const p: PktSpec[] = [...handshake(0)];
    for (let i = 0; i < n; i++)
      p.push({ t: 0.1 + i * step, dir: 's2c', len: 1448 }, { t: 0.1 + i * step + 0.001, dir: 'c2s' });
    return [...p, ...extra, ...gracefulClose(0.2 + n * step + 3)];
  }
  const detect = (p: PktSpec[]) => detector.detect(buildTrace({ connections: [{ packets: p }] }), opts);

  it('fast retransmissions that kept the data flowing are an info, however dense', () => {
    // 4 fast retransmissions within 0.7 s among 40 segments (10 %): the old rule's warning.
    const f = detect(transfer([0.5, 0.7, 0.9, 1.2].map((t) => ({ t, dir: 's2c', len: 1448, a: FAST }))));
    expect(kinds(f)).toEqual(['tcp.retransmission-burst']);
    expect(f[0].severity).toBe('info');
    expect(f[0].details.fast).toBe(4);
    expect(f[0].details.timeouts).toBe(0);
    expect(checkFinding(f[0])).toEqual([]);
  });

  it('retransmissions with no sign of loss (tail-loss probes, no dupacks, no timeout) are quiet', () => {
    // Each 20 ms after the segment before it: a probe racing a delayed ACK, not a loss.
    const p: PktSpec[] = [...handshake(0)];
    for (let i = 0; i < 10; i++)
      p.push(
        { t: 0.1 + i * 0.1, dir: 's2c', len: 300 },
        { t: 0.12 + i * 0.1, dir: 's2c', len: 300, a: A_RETRANSMISSION },
        { t: 0.121 + i * 0.1, dir: 'c2s' },
      );
    expect(detect([...p, ...gracefulClose(2)])).toEqual([]);
  });

  it('the same data resent by two timeouts in a row (backoff) is a warning', () => {
    // Last segment at 2.05 s; nothing acknowledged; resent after 0.3 s, then after 0.6 s more.
    const f = detect(
      transfer([
        { t: 2.35, dir: 's2c', len: 1448, a: A_RETRANSMISSION },
        { t: 2.95, dir: 's2c', len: 1448, a: A_RETRANSMISSION },
      ]),
    );
    expect(kinds(f)).toEqual(['tcp.retransmission-burst']);
    expect(f[0].severity).toBe('warning');
    expect(f[0].details.timeouts).toBe(2);
    expect(f[0].details.backoffChain).toBe(2);
    expect(f[0].details.timeoutWaitS).toBeCloseTo(0.9, 6);
    expect(f[0].title).toMatch(/^Loss cost the server 900 ms: 2 retransmission timeouts/);
    expect(f[0].evidence.map((e) => e.note)).toEqual([
      'retransmission after 300 ms of silence: a timeout (1448 bytes)',
      'retransmission after 600 ms of silence: a timeout (1448 bytes)',
    ]);
    expect(checkFinding(f[0])).toEqual([]);
  });

  it('one short timeout is an info; one that cost over a second is a warning', () => {
    const one = (wait: number) =>
      detect(transfer([{ t: 2.05 + wait, dir: 's2c', len: 1448, a: A_RETRANSMISSION }]));
    const short = one(0.25);
    expect(kinds(short)).toEqual(['tcp.retransmission-burst']);
    expect(short[0].severity).toBe('info');
    expect(short[0].details.timeouts).toBe(1);
    const long = one(1.5);
    expect(long[0].severity).toBe('warning');
    expect(long[0].details.timeoutWaitS).toBeCloseTo(1.5, 6);
    // The same silence with new data in between is two separate timeouts, not a backoff chain.
    const f = detect(
      transfer([
        { t: 2.35, dir: 's2c', len: 1448, a: A_RETRANSMISSION },
        { t: 2.36, dir: 's2c', len: 1448 },
        { t: 2.66, dir: 's2c', len: 1448, a: A_RETRANSMISSION },
      ]),
    );
    expect(f[0].severity).toBe('info');
    expect(f[0].details.backoffChain).toBe(1);
  });

  it('a silence is measured from the last sign of sending, also a bare ACK past data never captured', () => {
    // The client's request at 0.2 s, then nothing captured from it for 3 s; its ACK at 3.2 s
    // jumps past data the capture missed (sent shortly before); the resend 20 ms later is no timeout.
    const p: PktSpec[] = [
      ...handshake(0),
      { t: 0.2, dir: 'c2s', len: 100 },
      { t: 0.3, dir: 's2c', len: 50 },
      { t: 3.2, dir: 'c2s', a: A_LOST_SEGMENT },
      { t: 3.22, dir: 'c2s', len: 20, a: A_RETRANSMISSION },
      ...gracefulClose(4),
    ];
    expect(detect(p)).toEqual([]);
    // Without that ACK, the same resend follows 3 s of silence: a timeout that cost 3 s.
    const f = detect(p.filter((x) => !(x.a === A_LOST_SEGMENT)));
    expect(f.map((x) => [x.severity, x.details.timeouts])).toEqual([['warning', 1]]);
  });

  it('a silence while the peer advertised a zero window is flow control, not a timeout', () => {
    const f = detect(
      transfer([
        { t: 2.06, dir: 'c2s', a: A_ZERO_WINDOW },
        { t: 3.5, dir: 'c2s' },
        { t: 3.51, dir: 's2c', len: 1448, a: A_RETRANSMISSION },
      ]),
    );
    expect(f.filter((x) => x.kind === 'tcp.retransmission-burst')).toEqual([]);
  });

  it('sustained loss: >= 10 % of 200 consecutive segments is a warning; 1 % is an info', () => {
    // 400 segments, 1 ms apart; every k-th of them resent at once (fast retransmit).
    const mk = (every: number) =>
      transfer(
        Array.from({ length: Math.floor(400 / every) }, (_, i) => ({
          t: 0.1 + i * every * 0.001 + 0.0005,
          dir: 's2c' as const,
          len: 1448,
          a: FAST,
        })),
        400,
        0.001,
      );
    const heavy = detect(mk(5)); // 80 of 480 segments, 40 of any 200 in a row
    expect(kinds(heavy)).toEqual(['tcp.retransmission-burst']);
    expect(heavy[0].severity).toBe('warning');
    expect(heavy[0].details.peakInWindow).toBeGreaterThanOrEqual(30);
    expect(heavy[0].title).toMatch(/^Sustained loss cost the server throughput: 80 retransmissions/);
    const light = detect(mk(100)); // 4 of 404
    expect(light.map((x) => x.severity)).toEqual(['info']);
  });

  it('spurious retransmissions (already acknowledged data) are not loss', () => {
    const f = detect(
      transfer([0.5, 0.6, 0.7, 0.8].map((t) => ({ t, dir: 's2c', len: 1448, a: A_SPURIOUS_RETRANSMISSION }))),
    );
    expect(f).toEqual([]);
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
    expect(f[0].severity).toBe('warning');
    expect(f[0].details.longestS).toBeCloseTo(2, 3);
    expect(f[0].details.probes).toBe(2);
    expect(f[0].title).toMatch(/client stopped reading/);
    expect(checkFinding(f[0])).toEqual([]);
  });
  it("Linux's persist probes (shaped like keep-alives) and data at the reopening show a blocked sender", () => {
    const p: PktSpec[] = [
      ...handshake(0),
      { t: 0.1, dir: 's2c', len: 1448 },
      { t: 0.11, dir: 'c2s', a: A_ZERO_WINDOW },
      { t: 0.33, dir: 's2c', a: A_KEEP_ALIVE },
      { t: 0.331, dir: 'c2s', a: A_ZERO_WINDOW },
      { t: 1.5, dir: 'c2s' },
      { t: 1.5001, dir: 's2c', len: 1448 },
      ...gracefulClose(3),
    ];
    const f = detector.detect(buildTrace({ connections: [{ packets: p }] }), opts);
    expect(f.map((x) => [x.kind, x.severity])).toEqual([['tcp.zero-window-stall', 'warning']]);
    expect(f[0].details.probes).toBe(1);
  });
  it('a long zero window with no sign that the sender had more to send is an info', () => {
    const p: PktSpec[] = [
      ...handshake(0),
      { t: 0.1, dir: 's2c', len: 1448 },
      { t: 0.11, dir: 'c2s', a: A_ZERO_WINDOW },
      { t: 1.5, dir: 'c2s' },
      { t: 2.5, dir: 's2c', len: 100 },
      ...gracefulClose(3),
    ];
    const f = detector.detect(buildTrace({ connections: [{ packets: p }] }), opts);
    expect(f.map((x) => [x.kind, x.severity])).toEqual([['tcp.zero-window-stall', 'info']]);
  });
  it("data right after the reopening shows a waiting sender; 'right after' is a round trip on a long path", () => {
    const mk = (rtt: number | null) => {
      const p: PktSpec[] = [
        ...handshake(0),
        { t: 0.1, dir: 's2c', len: 1448 },
        { t: 0.11, dir: 'c2s', a: A_ZERO_WINDOW },
        { t: 1.5, dir: 'c2s' },
        { t: 1.8, dir: 's2c', len: 1448 },
        ...gracefulClose(3),
      ];
      const tr = buildTrace({ connections: [{ packets: p }] });
      tr.connections[0].handshake.rttS = rtt;
      return detector.detect(tr, opts).map((f) => f.severity);
    };
    expect(mk(0.2)).toEqual(['warning']);
    expect(mk(0.001)).toEqual(['info']);
  });
  it('a zero window ends when the connection is reset, not at the end of the capture', () => {
    // A proxy stops reading, then cancels by resetting the connection 15 ms later.
    const p: PktSpec[] = [
      ...handshake(0),
      { t: 0.1, dir: 's2c', len: 1448 },
      { t: 0.11, dir: 'c2s', a: A_ZERO_WINDOW },
      { t: 0.125, dir: 'c2s', flags: 'RA' },
    ];
    expect(detector.detect(buildTrace({ connections: [{ packets: p }], durationS: 30 }), opts)).toEqual([]);
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
  it('a reader that closes its window briefly again and again is paced, not stalled', () => {
    // 100 closures of 60 ms at a 100 ms rhythm: flow control at the reader's pace.
    const p: PktSpec[] = [...handshake(0)];
    for (let i = 0; i < 100; i++) {
      const t = 0.1 + i * 0.1;
      p.push(
        { t, dir: 's2c', len: 1448, a: A_WINDOW_FULL },
        { t: t + 0.001, dir: 'c2s', a: A_ZERO_WINDOW },
        { t: t + 0.061, dir: 'c2s' },
      );
    }
    p.push(...gracefulClose(11));
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
  it('a zero window of 0.5 s with probes is a stall; 0.45 s is not', () => {
    const mk = (len: number) => {
      const p: PktSpec[] = [
        ...handshake(0),
        { t: 0.1, dir: 's2c', len: 1448 },
        { t: 0.11, dir: 'c2s', a: A_ZERO_WINDOW },
        { t: 0.32, dir: 's2c', a: A_KEEP_ALIVE },
        { t: 0.321, dir: 'c2s', a: A_ZERO_WINDOW },
        { t: 0.11 + len, dir: 'c2s' },
        { t: 0.1101 + len, dir: 's2c', len: 1448 },
      ];
      return buildTrace({ connections: [{ packets: [...p, ...gracefulClose(3)] }] });
    };
    expect(kinds(detector.detect(mk(0.5), opts))).toEqual(['tcp.zero-window-stall']);
    expect(detector.detect(mk(0.45), opts)).toEqual([]);
  });

  it('a timeout is a silence of >= 200 ms and >= 3 round trips', () => {
    const mk = (wait: number, rtt: number) => {
      const p: PktSpec[] = [
        { t: 0, dir: 'c2s', flags: 'S' },
        { t: rtt, dir: 's2c', flags: 'SA' },
        { t: rtt + 0.0001, dir: 'c2s', flags: 'A' },
        { t: 1, dir: 's2c', len: 1448 },
        { t: 1 + wait, dir: 's2c', len: 1448, a: A_RETRANSMISSION },
      ];
      const tr = buildTrace({ connections: [{ packets: [...p, ...gracefulClose(5)] }] });
      tr.connections[0].handshake.rttS = rtt; // as the tracker measures it (SYN -> ACK)
      return tr;
    };
    expect(detector.detect(mk(0.21, 0.001), opts).map((f) => f.details.timeouts)).toEqual([1]);
    expect(detector.detect(mk(0.19, 0.001), opts)).toEqual([]);
    // On a 100 ms path, 250 ms is 2.5 round trips: a tail-loss probe's pace, not a timeout.
    expect(detector.detect(mk(0.25, 0.1), opts)).toEqual([]);
  });

  it('drops the second copy of each forwarded packet (tcpdump -i any on a router), and only that', () => {
    const row = (n: number, t: number, len = 1448) => ({
      n,
      t,
      dir: 's2c' as const,
      flags: 0x18,
      len,
      analysis: 0,
    });
    const rows = [row(1, 0), row(2, 0.00004), row(3, 0.5), row(4, 0.50003), row(5, 0.6), row(6, 0.9)];
    //           ttl 64 in, 63 out (copy)      64, 63 (copy)                 64        64 (a real resend: same TTL)
    const ttl = new Uint8Array([64, 63, 64, 63, 64, 64]);
    expect(withoutForwardingCopies(rows, ttl).map((r) => r.n)).toEqual([1, 3, 5, 6]);
    // Without a hop between them (same TTL) or far apart in time, both stay.
    expect(withoutForwardingCopies(rows, new Uint8Array(6).fill(64))).toBe(rows);
    const late = [row(1, 0), row(2, 0.01)];
    expect(withoutForwardingCopies(late, new Uint8Array([64, 63]))).toBe(late);
  });
});
