import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../trace';
import { detector, grpcTimeoutS, roundOffset, sharesOffset } from './deadline';
import {
  buildTrace,
  checkFinding,
  exchange,
  frame,
  gracefulClose,
  grpcInfo,
  handshake,
  pkt,
  resetFrames,
  stream,
  type ConnSpec,
  type PktSpec,
} from './testing';

const opts = DEFAULT_OPTIONS;

/** An upload: request head at t0, 16-byte body segments every 0.5 s, cut by the server `cutAfter` s later. */
function upload(t0: number, cutAfter: number, cutFlags = 'FA'): PktSpec[] {
  const p: PktSpec[] = [...handshake(t0 - 0.01), { t: t0, dir: 'c2s', len: 200 }];
  for (let t = t0 + 0.5; t < t0 + cutAfter; t += 0.5)
    p.push({ t, dir: 'c2s', len: 16 }, { t: t + 0.0001, dir: 's2c' });
  p.push({ t: t0 + cutAfter, dir: 's2c', flags: cutFlags });
  return p;
}

function uploadTrace(cuts: number[], http = true) {
  const connections: ConnSpec[] = cuts.map((c, i) => ({ packets: upload(i * 0.2 + 0.1, c) }));
  const base = buildTrace({ connections });
  if (!http) return base;
  const exchanges = cuts.map((_c, i) =>
    exchange({
      connection: `c${i + 1}`,
      method: 'POST',
      path: '/upload',
      requestS: i * 0.2 + 0.1,
      requestEndS: null,
      responseS: null,
      responseEndS: null,
      response: null,
      status: null,
      outcome: 'incomplete-request',
      request: {
        startS: i * 0.2 + 0.1,
        endS: null,
        headers: [],
        bodyBytes: 32,
        chunked: false,
        streamOffset: 0,
        packets: [pkt(base, i, 3), pkt(base, i, 4)],
      },
    }),
  );
  return buildTrace({ connections, exchanges });
}

describe('offset helpers', () => {
  it('3.0 and 3.02 share an offset; 3.0 and 4.0 do not', () => {
    expect(sharesOffset(3.0, 3.02)).toBe(true);
    expect(sharesOffset(10, 10.45)).toBe(true); // 5 %
    expect(sharesOffset(3.0, 4.0)).toBe(false);
  });
  it('round numbers within 2 %', () => {
    expect(roundOffset(60.4)).toBe(60);
    expect(roundOffset(3.5)).toBe(null);
    expect(roundOffset(3.09)).toBe(null);
    expect(roundOffset(0.4)).toBe(null);
  });
});

describe('tcp.deadline-cut', () => {
  it('two HTTP/1 uploads cut at 3.0 s and 3.02 s: shared offset, strong wording', () => {
    const tr = uploadTrace([3.0, 3.02]);
    const f = detector.detect(tr, opts);
    expect(f).toHaveLength(2);
    for (const x of f) {
      expect(x.kind).toBe('tcp.deadline-cut');
      expect(x.severity).toBe('error');
      expect(x.explanation).toMatch(
        /2 connections were cut at the same 3(\.0\d)? s after their request began/,
      );
      expect(x.explanation).toMatch(/this is a timeout, not a network fault/);
      expect(x.explanation).toMatch(/proxy_read_timeout/);
      expect(x.explanation).toMatch(/requestTimeout/);
      expect(x.details.cutBy).toBe('server');
      expect(checkFinding(x)).toEqual([]);
    }
    expect(f[0].details.offsetS).toBeCloseTo(3.0, 3);
    expect(f[1].details.offsetS).toBeCloseTo(3.02, 3);
    expect(f[0].details.sharedWith).toEqual(['c2']);
    expect(f[0].title).toMatch(/same offset on 2 connections/);
  });

  it('a single cut at a round 60 s is called out as a configured timeout', () => {
    const tr = uploadTrace([60.3]);
    const f = detector.detect(tr, opts);
    expect(f).toHaveLength(1);
    expect(f[0].details.roundS).toBe(60);
    expect(f[0].explanation).toMatch(/round 60 s/);
  });

  it('a single odd cut is still reported, with hedged wording', () => {
    const f = detector.detect(uploadTrace([3.7]), opts);
    expect(f).toHaveLength(1);
    expect(f[0].explanation).toMatch(/Only one cut at this offset/);
  });

  it('TCP-level cut (no HTTP visible): offset from connection start', () => {
    const tr = uploadTrace([3.0, 3.02], false);
    const f = detector.detect(tr, opts);
    expect(f).toHaveLength(2);
    expect(f[0].details.basis).toBe('tcp');
    expect(f[0].details.offsetS).toBeCloseTo(3.01, 2);
    expect(f[0].evidence.length).toBe(3);
  });

  it('quiet on completed transfers', () => {
    const packets: PktSpec[] = [
      ...handshake(0),
      { t: 0.1, dir: 'c2s', len: 200 },
      { t: 0.6, dir: 'c2s', len: 16 },
      { t: 1.1, dir: 'c2s', len: 16 },
      { t: 3.1, dir: 's2c', len: 100 },
      ...gracefulClose(3.2, 's2c'),
    ];
    const base = buildTrace({ connections: [{ packets }] });
    const tr = buildTrace({
      connections: [{ packets }],
      exchanges: [
        exchange({
          connection: 'c1',
          method: 'POST',
          path: '/u',
          requestS: 0.1,
          requestEndS: 1.1,
          responseS: 3.1,
          responseEndS: 3.1,
          outcome: 'complete',
          request: {
            startS: 0.1,
            endS: 1.1,
            headers: [],
            bodyBytes: 32,
            chunked: false,
            streamOffset: 0,
            packets: [pkt(base, 0, 3), pkt(base, 0, 5)],
          },
        }),
      ],
    });
    expect(detector.detect(tr, opts)).toEqual([]);
    // and without HTTP: the server spoke last, then closed: its turn was finished
    expect(detector.detect(base, opts)).toEqual([]);
  });

  it('a client that gives up on an unanswered request is not a cut (nothing was in transfer)', () => {
    const packets: PktSpec[] = [
      ...handshake(0),
      { t: 0.1, dir: 'c2s', len: 80 },
      { t: 0.101, dir: 's2c' },
      ...gracefulClose(1.1, 'c2s'),
    ];
    const base = buildTrace({ connections: [{ packets }] });
    const tr = buildTrace({
      connections: [{ packets }],
      exchanges: [
        exchange({
          connection: 'c1',
          requestS: 0.1,
          responseS: null,
          responseEndS: null,
          response: null,
          status: null,
          outcome: 'unanswered',
          request: {
            startS: 0.1,
            endS: 0.1,
            headers: [],
            bodyBytes: 0,
            chunked: false,
            streamOffset: 0,
            packets: [pkt(base, 0, 3), pkt(base, 0, 3)],
          },
        }),
      ],
    });
    expect(detector.detect(tr, opts)).toEqual([]);
  });

  it('an RST right after an idle silence is left to the idle detector', () => {
    const packets: PktSpec[] = [
      ...handshake(0),
      { t: 0.1, dir: 'c2s', len: 10 },
      { t: 0.2, dir: 's2c', len: 10 },
      { t: 100, dir: 'c2s', len: 10 },
      { t: 100.6, dir: 'c2s', len: 10 },
      { t: 101.2, dir: 'c2s', len: 10 },
      { t: 101.3, dir: 's2c', flags: 'R' },
    ];
    expect(detector.detect(buildTrace({ connections: [{ packets }] }), opts)).toEqual([]);
  });

  it('HTTP/2: stream still open when the server closed the connection', () => {
    resetFrames();
    const packets: PktSpec[] = [
      ...handshake(0),
      { t: 0.1, dir: 'c2s', len: 100 },
      { t: 2.0, dir: 'c2s', len: 100 },
      { t: 5.0, dir: 's2c', flags: 'FA' },
    ];
    const s = stream({
      frames: [
        frame({ type: 'HEADERS', dir: 'c2s', tS: 0.1, flags: ['END_HEADERS'] }),
        frame({ type: 'DATA', dir: 'c2s', tS: 2.0 }),
      ],
    });
    const tr = buildTrace({ connections: [{ packets, protocol: 'h2' }], streams: [s] });
    const f = detector.detect(tr, opts);
    expect(f).toHaveLength(1);
    expect(f[0].stream).toBe(1);
    expect(f[0].details.offsetS).toBeCloseTo(4.9, 3);
    expect(f[0].details.roundS).toBe(5);
  });

  it('HTTP/2: a lone early RST_STREAM(CANCEL) is not a deadline cut', () => {
    resetFrames();
    const packets: PktSpec[] = [...handshake(0), { t: 0.1, dir: 'c2s', len: 100 }];
    const rst = frame({ type: 'RST_STREAM', dir: 'c2s', tS: 0.77, info: { errorCode: 8 } });
    const s = stream({
      frames: [frame({ type: 'HEADERS', dir: 'c2s', tS: 0.1, flags: ['END_HEADERS', 'END_STREAM'] }), rst],
      reset: { by: 'c2s', errorCode: 8, errorName: 'CANCEL', frame: rst.number },
    });
    expect(
      detector.detect(buildTrace({ connections: [{ packets, protocol: 'h2' }], streams: [s] }), opts),
    ).toEqual([]);
  });

  it('stays silent on debug-log traces', () => {
    expect(detector.detect(buildTrace({ connections: [{ packets: [] }], log: true }), opts)).toEqual([]);
  });
});

describe('tcp.deadline-cut: HTTP/2 and TLS refinements', () => {
  it('a client closing a connection with an unanswered stream is not a cut; a GOAWAY before the close explains it', () => {
    resetFrames();
    const mk = (closeDir: 'c2s' | 's2c') => {
      const packets: PktSpec[] = [
        ...handshake(0),
        { t: 0.1, dir: 'c2s', len: 100 },
        { t: 2.0, dir: closeDir, flags: 'FA' },
      ];
      const s = stream({
        frames: [frame({ type: 'HEADERS', dir: 'c2s', tS: 0.1, flags: ['END_HEADERS', 'END_STREAM'] })],
      });
      return { packets, s };
    };
    const a = mk('c2s');
    expect(
      detector.detect(
        buildTrace({ connections: [{ packets: a.packets, protocol: 'h2' }], streams: [a.s] }),
        opts,
      ),
    ).toEqual([]);
    const b = mk('s2c');
    const withGoaway = buildTrace({
      connections: [{ packets: b.packets, protocol: 'h2' }],
      streams: [b.s],
      h2: [
        {
          connection: 'c1',
          frames: [],
          settings: { c2s: {}, s2c: {} },
          goaway: [{ by: 's2c', lastStreamId: 0, errorCode: 0, errorName: 'NO_ERROR', frame: 99, tS: 1.9 }],
          violations: [],
          prefaceSeen: true,
          via: 'preface',
        },
      ],
    });
    expect(detector.detect(withGoaway, opts)).toEqual([]);
    // Without the GOAWAY the server closing on a waiting stream is a cut.
    expect(
      detector.detect(
        buildTrace({ connections: [{ packets: b.packets, protocol: 'h2' }], streams: [b.s] }),
        opts,
      ),
    ).toHaveLength(1);
  });

  it('TLS: a close_notify alert just before the server FIN does not hide the cut', () => {
    const p = upload(0.1, 3.0);
    const fin = p.pop()!;
    p.push({ t: fin.t - 0.001, dir: 's2c', len: 31 }, fin);
    const f = detector.detect(buildTrace({ connections: [{ packets: p, protocol: 'tls' }] }), opts);
    expect(f).toHaveLength(1);
    expect(f[0].details.basis).toBe('tcp');
  });
});

describe('tcp.deadline-cut: 408 Request Timeout', () => {
  it('a 408 followed by the server closing is a cut even though a response exists', () => {
    const packets: PktSpec[] = [
      ...upload(0.1, 3.0).slice(0, -1),
      { t: 3.1, dir: 's2c', len: 120 },
      { t: 3.1005, dir: 's2c', flags: 'FA' },
    ];
    const base = buildTrace({ connections: [{ packets }] });
    const tr = buildTrace({
      connections: [{ packets }],
      exchanges: [
        exchange({
          connection: 'c1',
          method: 'POST',
          path: '/upload',
          requestS: 0.1,
          requestEndS: null,
          status: 408,
          responseS: 3.1,
          responseEndS: 3.1,
          outcome: 'complete',
          request: {
            startS: 0.1,
            endS: null,
            headers: [],
            bodyBytes: 80,
            chunked: false,
            streamOffset: 0,
            packets: [pkt(base, 0, 3), pkt(base, 0, 5)],
          },
          response: {
            startS: 3.1,
            endS: 3.1,
            headers: [],
            bodyBytes: 0,
            chunked: false,
            streamOffset: 0,
            packets: [pkt(base, 0, packets.length - 2), pkt(base, 0, packets.length - 2)],
          },
        }),
      ],
    });
    const f = detector.detect(tr, opts);
    expect(f).toHaveLength(1);
    expect(f[0].explanation).toMatch(/408 Request Timeout/);
    expect(f[0].details.offsetS).toBeCloseTo(3.0005, 3);
  });
});

/** nginx's view of its upstream: request sent, nothing back, nginx (the client) closes `after` s later. */
function abandoned(t0: number, after: number, how = 'FA'): PktSpec[] {
  return [
    ...handshake(t0 - 0.01),
    { t: t0, dir: 'c2s', len: 120 },
    { t: t0 + 0.0002, dir: 's2c' },
    { t: t0 + after, dir: 'c2s', flags: how },
  ];
}

function abandonedTrace(afters: number[], lateAnswerS: number | null = null) {
  const connections: ConnSpec[] = afters.map((a, i) => ({
    server: '10.0.0.3:8080',
    packets: [
      ...abandoned(i * 0.5 + 0.1, a),
      ...(lateAnswerS != null
        ? [
            { t: i * 0.5 + 0.1 + lateAnswerS, dir: 's2c' as const, len: 200 },
            { t: i * 0.5 + 0.1 + lateAnswerS + 0.0001, dir: 'c2s' as const, flags: 'R' },
          ]
        : []),
    ],
  }));
  const base = buildTrace({ connections });
  const exchanges = afters.map((_a, i) => {
    const t = i * 0.5 + 0.1;
    return exchange({
      connection: `c${i + 1}`,
      path: `/slow/${i}`,
      requestS: t,
      requestEndS: t,
      ...(lateAnswerS == null
        ? {
            responseS: null,
            responseEndS: null,
            response: null,
            status: null,
            outcome: 'unanswered' as const,
          }
        : {
            responseS: t + lateAnswerS,
            responseEndS: t + lateAnswerS,
            status: 200,
            outcome: 'complete' as const,
          }),
      request: {
        startS: t,
        endS: t,
        headers: [],
        bodyBytes: 0,
        chunked: false,
        streamOffset: 0,
        packets: [pkt(base, i, 3), pkt(base, i, 3)],
      },
    });
  });
  return buildTrace({ connections, exchanges });
}

describe('tcp.deadline-cut: one side gives up waiting (a proxy read timeout seen behind it)', () => {
  it('requests abandoned by the client at the same 3 s on several connections are deadline cuts', () => {
    const f = detector.detect(abandonedTrace([3.0, 3.01, 3.02]), opts);
    expect(f).toHaveLength(3);
    for (const x of f) {
      expect(x.kind).toBe('tcp.deadline-cut');
      expect(x.details.cutBy).toBe('client');
      expect(x.title).toMatch(
        /^Request abandoned by the client 3(\.0\d)? s after the request began \(same offset on 3 connections\)/,
      );
      expect(x.explanation).toMatch(/proxy_read_timeout/);
      // Nothing moved between the request and the cut: both readings coincide, and it says so.
      expect(x.explanation).toMatch(/cannot be told apart/);
      expect(checkFinding(x)).toEqual([]);
    }
  });

  it('a lone abandoned request, or ones at different offsets, are client decisions, not cuts', () => {
    expect(detector.detect(abandonedTrace([3.0]), opts)).toEqual([]);
    expect(detector.detect(abandonedTrace([2.0, 4.0]), opts)).toEqual([]);
  });

  it('an answer that arrives after the close came too late: still a cut (reset RST)', () => {
    const f = detector.detect(abandonedTrace([3.0, 3.0], 5), opts);
    expect(f).toHaveLength(2);
    expect(f[0].details.offsetS).toBeCloseTo(3, 3);
  });

  it('bounds the timer by the slowest answer that made it', () => {
    const tr = abandonedTrace([3.0, 3.02]);
    const fast = exchange({
      connection: 'c3',
      path: '/fast',
      requestS: 5,
      requestEndS: 5,
      responseS: 6.2,
      responseEndS: 6.3,
    });
    const connections: ConnSpec[] = [
      ...[0, 1].map((i) => ({ server: '10.0.0.3:8080', packets: abandoned(i * 0.5 + 0.1, [3.0, 3.02][i]) })),
      {
        server: '10.0.0.3:8080',
        packets: [
          ...handshake(4.99),
          { t: 5, dir: 'c2s', len: 100 },
          { t: 6.2, dir: 's2c', len: 100 },
          ...gracefulClose(6.4),
        ],
      },
    ];
    const f = detector.detect(buildTrace({ connections, exchanges: [...tr.exchanges, fast] }), opts);
    expect(f).toHaveLength(2);
    expect(f[0].explanation).toMatch(/between 1\.2 s and 3 s/);
    expect(f[0].details.lowerBoundS).toBeCloseTo(1.2, 3);
  });

  it('HTTP/2: the client closing on complete, unanswered streams at a shared offset', () => {
    resetFrames();
    const conns: ConnSpec[] = [];
    const streams = [0, 1].map((i) => {
      const t = i * 0.4 + 0.1;
      conns.push({ id: `c${i + 1}`, protocol: 'h2', packets: abandoned(t, 3.0) });
      return stream({
        connection: `c${i + 1}`,
        frames: [
          frame({
            connection: `c${i + 1}`,
            type: 'HEADERS',
            dir: 'c2s',
            tS: t,
            flags: ['END_HEADERS', 'END_STREAM'],
          }),
        ],
      });
    });
    const f = detector.detect(buildTrace({ connections: conns, streams }), opts);
    expect(f).toHaveLength(2);
    expect(f[0].details.basis).toBe('h2');
    expect(f[0].explanation).toMatch(/waited for its response/);
  });
});

describe('tcp.deadline-cut: an idle timer is not a deadline', () => {
  it('a NAT reset answering the first packet after 20.5 s of silence does not make the open stream a server deadline cut', () => {
    resetFrames();
    // A gRPC stream open for the whole conversation (a watch); 20.5 s of silence; the client sends,
    // the NAT answers with a reset in the server's name.
    const packets: PktSpec[] = [
      ...handshake(0),
      { t: 0.1, dir: 'c2s', len: 100 },
      { t: 0.2, dir: 's2c', len: 100 },
      { t: 0.201, dir: 'c2s' },
      { t: 20.7, dir: 'c2s', len: 40 },
      { t: 20.7003, dir: 's2c', flags: 'R', ttl: 250 },
    ];
    const s = stream({
      frames: [
        frame({ type: 'HEADERS', dir: 'c2s', tS: 0.1, flags: ['END_HEADERS'] }),
        frame({ type: 'HEADERS', dir: 's2c', tS: 0.2, flags: ['END_HEADERS'] }),
        frame({ type: 'DATA', dir: 'c2s', tS: 20.7 }),
      ],
    });
    const tr = buildTrace({ connections: [{ packets, protocol: 'h2' }], streams: [s] });
    expect(detector.detect(tr, opts)).toEqual([]);
  });

  it('cuts whose silence is steady while the request age varies are idle cuts; the opposite is a deadline', () => {
    resetFrames();
    // Streams that talked for 1, 3 and 6 s, then went quiet; each cut by the server. Idle
    // cuts: 5 s after the last packet (request ages 6, 8, 11 s).
    const mk = (talkS: number[], cutAfterSilence: number[]) => {
      const conns: ConnSpec[] = [];
      const streams = talkS.map((talk, i) => {
        const t0 = i * 20 + 0.1;
        const p: PktSpec[] = [...handshake(t0 - 0.01), { t: t0, dir: 'c2s', len: 100 }];
        for (let t = t0 + 0.5; t <= t0 + talk; t += 0.5)
          p.push({ t, dir: 's2c', len: 100 }, { t: t + 0.001, dir: 'c2s' });
        const last = p[p.length - 1].t;
        p.push({ t: last + cutAfterSilence[i], dir: 's2c', flags: 'FA' });
        conns.push({ id: `c${i + 1}`, protocol: 'h2', packets: p });
        return stream({
          connection: `c${i + 1}`,
          frames: [
            frame({
              connection: `c${i + 1}`,
              type: 'HEADERS',
              dir: 'c2s',
              tS: t0,
              flags: ['END_HEADERS', 'END_STREAM'],
            }),
            frame({
              connection: `c${i + 1}`,
              type: 'HEADERS',
              dir: 's2c',
              tS: t0 + 0.5,
              flags: ['END_HEADERS'],
            }),
          ],
        });
      });
      return buildTrace({ connections: conns, streams });
    };
    expect(detector.detect(mk([1, 3, 6], [5, 5, 5]), opts)).toEqual([]);
    // Cut 8 s after the request each time, after silences of 6.9, 4.9 and 1.9 s: a deadline.
    const f = detector.detect(mk([1, 3, 6], [6.999, 4.999, 1.999]), opts);
    expect(f).toHaveLength(3);
    expect(f[0].details.offsetS).toBeCloseTo(8, 1);
    expect(f[0].explanation).toMatch(/request's age is the steadier figure/);
  });
});

describe('http.proxy-timeout', () => {
  function gatewayTrace(statusOffsets: [number, number][], log = false) {
    const exchanges = statusOffsets.map(([status, off], i) =>
      exchange({
        connection: `c${i + 1}`,
        path: `/r/${i}`,
        requestS: i + 0.1,
        requestEndS: i + 0.1,
        responseS: i + 0.1 + off,
        responseEndS: i + 0.1 + off + 0.001,
        status,
      }),
    );
    const connections: ConnSpec[] = statusOffsets.map(([, off], i) => ({
      server: '10.0.0.1:8080',
      packets: [
        ...handshake(i),
        { t: i + 0.1, dir: 'c2s', len: 80 },
        { t: i + 0.1 + off, dir: 's2c', len: 200 },
        ...gracefulClose(i + 0.2 + off),
      ],
    }));
    return buildTrace({ connections, exchanges, log });
  }

  it('504s 3 s after their requests name the proxy timeout, bounded by the slowest success', () => {
    const tr = gatewayTrace([
      [504, 3.0],
      [504, 3.001],
      [200, 0.8],
      [504, 3.002],
      [200, 0.02],
    ]);
    const f = detector.detect(tr, opts).filter((x) => x.kind === 'http.proxy-timeout');
    expect(f).toHaveLength(1);
    expect(f[0].severity).toBe('error');
    expect(f[0].details.count).toBe(3);
    expect(f[0].details.roundS).toBe(3);
    expect(f[0].title).toMatch(
      /^3 requests answered HTTP 504 3 s after they were sent: a proxy timeout of ~3 s/,
    );
    expect(f[0].explanation).toMatch(/between 800 ms and 3 s/);
    expect(f[0].connection).toBeNull();
    expect(checkFinding(f[0])).toEqual([]);
    // and nothing about TCP cuts: the connections were answered and closed normally
    expect(detector.detect(tr, opts).filter((x) => x.kind === 'tcp.deadline-cut')).toEqual([]);
  });

  it('not for a lone 504, nor for instant 502s (a refused upstream is not a timeout), nor for scattered ones', () => {
    expect(detector.detect(gatewayTrace([[504, 3.0]]), opts)).toEqual([]);
    expect(
      detector.detect(
        gatewayTrace([
          [502, 0.002],
          [502, 0.003],
        ]),
        opts,
      ),
    ).toEqual([]);
    expect(
      detector.detect(
        gatewayTrace([
          [504, 2.0],
          [504, 7.0],
        ]),
        opts,
      ),
    ).toEqual([]);
  });

  it('works on debug logs (HTTP/2) and on gRPC DEADLINE_EXCEEDED / UNAVAILABLE', () => {
    resetFrames();
    const streams = [0, 1, 2].map((i) => {
      const t = i * 0.3;
      const req = frame({
        type: 'HEADERS',
        dir: 'c2s',
        tS: t,
        stream: 2 * i + 1,
        flags: ['END_HEADERS', 'END_STREAM'],
      });
      const ans = frame({
        type: 'HEADERS',
        dir: 's2c',
        tS: t + 10.01,
        stream: 2 * i + 1,
        flags: ['END_HEADERS', 'END_STREAM'],
      });
      return stream({
        id: 2 * i + 1,
        frames: [req, ans],
        grpcStatus: i < 2 ? 4 : 0,
        status: 200,
        grpc: grpcInfo(i < 2 ? 4 : 0, 'trailers-only'),
      });
    });
    const tr = buildTrace({ connections: [{ packets: [] }], streams, log: true });
    const f = detector.detect(tr, opts);
    expect(f).toHaveLength(1);
    expect(f[0].kind).toBe('http.proxy-timeout');
    expect(f[0].title).toMatch(/grpc-status 4 DEADLINE_EXCEEDED/);
    expect(f[0].evidence.every((e) => e.frame != null)).toBe(true);
    // The same answers at the 10 s deadline the client itself announced: its own deadline.
    for (const st of streams) st.requestHeaders = [['grpc-timeout', '10S']];
    expect(detector.detect(buildTrace({ connections: [{ packets: [] }], streams, log: true }), opts)).toEqual(
      [],
    );
  });
});

describe('tcp.deadline-cut: RST_STREAM(CANCEL) that is not somebody else’s timer', () => {
  /** Streams started at `starts`, each cancelled by the client at `cutAt[i]`. */
  function cancels(starts: number[], cutAt: number[], timeout: string | null = null) {
    resetFrames();
    const streams = starts.map((t, i) => {
      const rst = frame({
        type: 'RST_STREAM',
        dir: 'c2s',
        tS: cutAt[i],
        stream: 2 * i + 1,
        info: { errorCode: 8 },
      });
      return stream({
        id: 2 * i + 1,
        requestHeaders: timeout ? [['grpc-timeout', timeout]] : null,
        frames: [
          frame({
            type: 'HEADERS',
            dir: 'c2s',
            tS: t,
            stream: 2 * i + 1,
            flags: ['END_HEADERS', 'END_STREAM'],
          }),
          frame({ type: 'HEADERS', dir: 's2c', tS: t + 0.01, stream: 2 * i + 1, flags: ['END_HEADERS'] }),
          rst,
        ],
        reset: { by: 'c2s', errorCode: 8, errorName: 'CANCEL', frame: rst.number },
      });
    });
    const packets: PktSpec[] = [...handshake(0), { t: 0.1, dir: 'c2s', len: 100 }];
    return buildTrace({ connections: [{ packets, protocol: 'h2' }], streams });
  }

  it('cancels 2.5 s after their start, at different moments, are a timer', () => {
    expect(detector.detect(cancels([1, 2, 3], [3.5, 4.5, 5.51]), opts)).toHaveLength(3);
  });

  it('cancels that land at one moment while their starts spread are one event (a stalled client), not a timer', () => {
    const f = detector.detect(cancels([9.98, 10.02, 10.05], [10.797, 10.81, 10.819]), opts);
    expect(f).toEqual([]);
  });

  it('a few cancels at one offset among many spread over all offsets are chance, not a timer', () => {
    // 3 streams cancelled ~0.6 s in, among 20 cancelled anywhere from 20 ms to 0.58 s.
    const starts: number[] = [];
    const cuts: number[] = [];
    for (let i = 0; i < 20; i++) {
      starts.push(i * 0.7);
      cuts.push(i * 0.7 + 0.02 + i * 0.029);
    }
    for (const [i, off] of [0.6, 0.61, 0.62].entries()) {
      starts.push(20 + i);
      cuts.push(20 + i + off);
    }
    expect(detector.detect(cancels(starts, cuts), opts)).toEqual([]);
  });

  it('a client cancelling at the deadline it announced in grpc-timeout is its own deadline', () => {
    expect(detector.detect(cancels([1, 2, 3], [3.5, 4.5, 5.51], '2500m'), opts)).toEqual([]);
    // cut before the announced deadline: someone else's timer
    expect(detector.detect(cancels([1, 2, 3], [3.5, 4.5, 5.51], '10S'), opts)).toHaveLength(3);
    expect(grpcTimeoutS('250m')).toBeCloseTo(0.25, 6);
    expect(grpcTimeoutS('5M')).toBe(300);
    expect(grpcTimeoutS('x')).toBeNull();
  });
});

describe('tcp.deadline-cut: TLS without keys, the client stops waiting', () => {
  /** TLS handshake-ish payload, a request, no answer, the client's close_notify + FIN `after` s later. */
  function tlsWait(t0: number, after: number): PktSpec[] {
    return [
      ...handshake(t0),
      { t: t0 + 0.01, dir: 'c2s', len: 300 },
      { t: t0 + 0.011, dir: 's2c', len: 1400 },
      { t: t0 + 0.012, dir: 'c2s', len: 80 },
      { t: t0 + 0.02, dir: 'c2s', len: 200 },
      { t: t0 + 0.0201, dir: 's2c' },
      { t: t0 + 0.02 + after, dir: 'c2s', len: 31 },
      { t: t0 + 0.0201 + after, dir: 'c2s', flags: 'FA' },
    ];
  }
  it('several at the same offset are cuts; one alone is not', () => {
    const many = buildTrace({
      connections: [0, 1, 2.5].map((t) => ({ protocol: 'tls' as const, packets: tlsWait(t, 3) })),
    });
    const f = detector.detect(many, opts);
    expect(f).toHaveLength(3);
    expect(f[0].details.basis).toBe('tcp');
    // from the client's last run of records (its Finished and the request) to its FIN
    expect(f[0].details.offsetS).toBeCloseTo(3.008, 3);
    expect(f[0].title).toMatch(/after the client's last message began/);
    const one = buildTrace({ connections: [{ protocol: 'tls', packets: tlsWait(0, 3) }] });
    expect(detector.detect(one, opts)).toEqual([]);
  });

  it('an answered request followed by an idle close is not a wait', () => {
    const p = (t0: number): PktSpec[] => [
      ...handshake(t0),
      { t: t0 + 0.01, dir: 'c2s', len: 300 },
      { t: t0 + 0.011, dir: 's2c', len: 1400 },
      { t: t0 + 0.02, dir: 'c2s', len: 200 },
      { t: t0 + 0.03, dir: 's2c', len: 900 },
      { t: t0 + 3.03, dir: 'c2s', len: 31 },
      { t: t0 + 3.0301, dir: 'c2s', flags: 'FA' },
    ];
    const tr = buildTrace({
      connections: [0, 1, 2].map((t) => ({ protocol: 'tls' as const, packets: p(t) })),
    });
    expect(detector.detect(tr, opts)).toEqual([]);
  });
});

describe('tcp.deadline-cut: a client half-close is not an abandoned request', () => {
  it('clients that shut down their side after the request and then take the whole answer', () => {
    const connections: ConnSpec[] = [0, 1].map((i) => ({
      packets: [
        ...handshake(i * 0.5),
        { t: i * 0.5 + 0.1, dir: 'c2s', len: 100 },
        { t: i * 0.5 + 3.1, dir: 'c2s', flags: 'FA' },
        { t: i * 0.5 + 5.1, dir: 's2c', len: 300 },
        { t: i * 0.5 + 5.101, dir: 's2c', flags: 'FA' },
        { t: i * 0.5 + 5.102, dir: 'c2s' },
      ],
    }));
    const exchanges = [0, 1].map((i) =>
      exchange({
        connection: `c${i + 1}`,
        requestS: i * 0.5 + 0.1,
        requestEndS: i * 0.5 + 0.1,
        responseS: i * 0.5 + 5.1,
        responseEndS: i * 0.5 + 5.1,
      }),
    );
    expect(detector.detect(buildTrace({ connections, exchanges }), opts)).toEqual([]);
  });
});

describe('tcp.deadline-cut: a client abandoning a response', () => {
  function downloads(cutAfter: number[]) {
    const connections: ConnSpec[] = cutAfter.map((cut, i) => {
      const t0 = i * 0.37 + 0.1;
      const p: PktSpec[] = [...handshake(t0 - 0.01), { t: t0, dir: 'c2s', len: 80 }];
      for (let t = t0 + 0.1; t < t0 + cut; t += 0.2)
        p.push({ t, dir: 's2c', len: 1400 }, { t: t + 0.0001, dir: 'c2s' });
      p.push({ t: t0 + cut, dir: 'c2s', flags: 'FA' });
      return { packets: p };
    });
    const base = buildTrace({ connections });
    const exchanges = cutAfter.map((_c, i) =>
      exchange({
        connection: `c${i + 1}`,
        requestS: i * 0.37 + 0.1,
        requestEndS: i * 0.37 + 0.1,
        responseS: i * 0.37 + 0.2,
        responseEndS: null,
        outcome: 'incomplete-response',
        request: {
          startS: i * 0.37 + 0.1,
          endS: i * 0.37 + 0.1,
          headers: [],
          bodyBytes: 0,
          chunked: false,
          streamOffset: 0,
          packets: [pkt(base, i, 3), pkt(base, i, 3)],
        },
      }),
    );
    return buildTrace({ connections, exchanges });
  }

  it('alone at an odd offset it is the client’s decision; at a round or shared offset a timer', () => {
    expect(detector.detect(downloads([3.7]), opts)).toEqual([]);
    const round = detector.detect(downloads([10.0]), opts);
    expect(round).toHaveLength(1);
    expect(round[0].details.cutBy).toBe('client');
    expect(round[0].details.roundS).toBe(10);
    expect(detector.detect(downloads([3.7, 3.72]), opts)).toHaveLength(2);
  });
});
