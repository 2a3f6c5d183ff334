import { describe, expect, it } from 'vitest';
import { A_KEEP_ALIVE } from '../packets';
import { DEFAULT_OPTIONS } from '../trace';
import { detector } from './half-close';
import { buildTrace, checkFinding, gracefulClose, handshake, type PktSpec } from './testing';

const opts = DEFAULT_OPTIONS; // halfCloseThresholdS 5

function leaky(t0: number): PktSpec[] {
  return [
    ...handshake(t0),
    { t: t0 + 0.01, dir: 'c2s', len: 20 },
    { t: t0 + 0.011, dir: 's2c' },
    { t: t0 + 0.2, dir: 'c2s', flags: 'FA' },
    { t: t0 + 0.201, dir: 's2c' },
    { t: t0 + 2.2, dir: 's2c', a: A_KEEP_ALIVE },
    { t: t0 + 2.201, dir: 'c2s' },
  ];
}

describe('tcp.half-close-leak', () => {
  it('one leak per connection plus one trace-wide aggregate with a series when >= 3', () => {
    const tr = buildTrace({
      connections: [0, 0.1, 0.2, 0.3].map((t) => ({ server: '10.0.0.2:7400', packets: leaky(t) })),
      durationS: 9.2,
    });
    const f = detector.detect(tr, opts);
    const per = f.filter((x) => x.connection != null);
    const agg = f.filter((x) => x.connection == null);
    expect(per).toHaveLength(4);
    expect(agg).toHaveLength(1);
    for (const x of f) {
      expect(x.kind).toBe('tcp.half-close-leak');
      expect(x.severity).toBe('warning');
      expect(checkFinding(x)).toEqual([]);
    }
    expect(per[0].explanation).toMatch(/CLOSE_WAIT/);
    expect(per[0].explanation).toMatch(/never closed/);
    expect(per[0].details.closeWaitEndpoint).toBe('10.0.0.2:7400');
    expect(agg[0].details.series).toEqual([
      [0, 0],
      [0.2, 1],
      [0.3, 2],
      [0.4, 3],
      [0.5, 4],
    ]);
    expect(agg[0].explanation).toMatch(/ss -tan state close-wait/);
    expect(agg[0].explanation).toMatch(/allowHalfOpen/);
    expect(agg[0].explanation).toMatch(/file|descriptor/);
    expect(agg[0].title).toMatch(/^4 connections/);
  });

  it('a FIN answered 1 ms later is not a leak', () => {
    const tr = buildTrace({
      connections: [
        {
          packets: [
            ...handshake(0),
            { t: 0.01, dir: 'c2s', len: 20 },
            { t: 0.02, dir: 's2c', len: 20 },
            ...gracefulClose(0.03),
          ],
        },
      ],
      durationS: 60,
    });
    expect(detector.detect(tr, opts)).toEqual([]);
  });

  it('a late close (after the threshold) is reported with its delay; the series goes back down', () => {
    const conns = [0, 1, 2].map((t) => ({
      packets: [
        ...handshake(t),
        { t: t + 0.1, dir: 'c2s' as const, flags: 'FA' },
        { t: t + 8.1, dir: 's2c' as const, flags: 'FA' },
      ],
    }));
    const f = detector.detect(buildTrace({ connections: conns }), opts);
    const per = f.filter((x) => x.connection);
    expect(per).toHaveLength(3);
    expect(per[0].title).toMatch(/Server took 8 s to close/);
    const agg = f.find((x) => x.connection == null)!;
    expect(agg.details.series).toEqual([
      [0, 0],
      [0.1, 1],
      [1.1, 2],
      [2.1, 3],
      [8.1, 2],
      [9.1, 1],
      [10.1, 0],
    ]);
  });

  it('capture ending less than the threshold after the FIN is not a leak', () => {
    const tr = buildTrace({ connections: [{ packets: leaky(0) }], durationS: 4 });
    expect(detector.detect(tr, opts)).toEqual([]);
  });

  it('a reset before the threshold (or before the FIN) ends the half-close in time; two leaks make no aggregate', () => {
    // The old rule dropped every connection with a reset. A reset 6.8 s after the FIN (below) does
    // not make the 6.8 s of CLOSE_WAIT moot: see the next test. One within the threshold does.
    const early = { packets: [...leaky(0), { t: 3, dir: 's2c' as const, flags: 'R' }] };
    const before = {
      packets: [
        ...handshake(0),
        { t: 0.01, dir: 'c2s' as const, len: 20 },
        { t: 0.1, dir: 's2c' as const, flags: 'R' },
        { t: 0.2, dir: 'c2s' as const, flags: 'FA' },
      ],
    };
    const tr = buildTrace({
      connections: [early, before, { packets: leaky(0.5) }, { packets: leaky(0.6) }],
      durationS: 20,
    });
    const f = detector.detect(tr, opts);
    expect(f.map((x) => x.connection)).toEqual(['c3', 'c4']);
  });

  it('a reset long after the FIN ends a half-close that was held past the threshold: still a leak', () => {
    // HAProxy closed an idle pooled connection (FIN); the pool left it in CLOSE_WAIT for 8 s, then
    // wrote into it and got an RST from the proxy's kernel.
    const p: PktSpec[] = [
      ...handshake(0),
      { t: 0.01, dir: 'c2s', len: 9 },
      { t: 0.011, dir: 's2c', len: 12 },
      { t: 0.012, dir: 'c2s' },
      { t: 10.01, dir: 's2c', flags: 'FA' },
      { t: 10.05, dir: 'c2s' },
      { t: 18.01, dir: 'c2s', len: 9 },
      { t: 18.0101, dir: 's2c', flags: 'R' },
    ];
    const f = detector.detect(buildTrace({ connections: [{ packets: p }] }), opts);
    expect(f).toHaveLength(1);
    expect(f[0].details.closeWaitSide).toBe('client');
    expect(f[0].details.endedBy).toBe('RST');
    expect(f[0].details.halfClosedS).toBeCloseTo(8.0001, 3);
    expect(f[0].explanation).toMatch(/wrote into the connection its peer had closed and got an RST/);
    expect(checkFinding(f[0])).toEqual([]);
  });

  it('stays silent on debug-log traces', () => {
    expect(detector.detect(buildTrace({ connections: [{ packets: [] }], log: true }), opts)).toEqual([]);
  });
});

describe('tcp.half-close-leak: legal half-close', () => {
  it('a server still answering after the client shut down its write side is not leaking', () => {
    const p: PktSpec[] = [
      ...handshake(0),
      { t: 0.01, dir: 'c2s', len: 80 },
      { t: 0.02, dir: 'c2s', flags: 'FA' },
    ];
    for (let t = 1; t <= 9; t += 1) p.push({ t, dir: 's2c', len: 1000 }, { t: t + 0.001, dir: 'c2s' });
    p.push(
      ...[
        { t: 9.5, dir: 's2c' as const, flags: 'FA' },
        { t: 9.501, dir: 'c2s' as const, flags: 'A' },
      ],
    );
    expect(detector.detect(buildTrace({ connections: [{ packets: p }] }), opts)).toEqual([]);
    // still streaming when the capture ended
    expect(
      detector.detect(buildTrace({ connections: [{ packets: p.slice(0, -2) }], durationS: 10 }), opts),
    ).toEqual([]);
  });
});

describe('tcp.half-close-leak: what ss would show at the end of the capture', () => {
  /** A client that sends a line and closes at t; the server never closes (CLOSE_WAIT). */
  function closeWait(t: number): PktSpec[] {
    return [
      ...handshake(t - 0.01),
      { t, dir: 'c2s', len: 20 },
      { t: t + 0.0001, dir: 's2c' },
      { t: t + 0.2, dir: 'c2s', flags: 'FA' },
      { t: t + 0.2001, dir: 's2c' },
    ];
  }

  it('counts every connection whose FIN is unanswered at the end, young ones too, with their ages', () => {
    // 7 FINs 8.8 s before the end, 13 in the last 4 s: ss would show 20 in CLOSE_WAIT.
    const starts = [
      ...Array.from({ length: 7 }, (_, i) => 1 + i * 0.01),
      ...Array.from({ length: 13 }, (_, i) => 6 + i * 0.2),
    ];
    const tr = buildTrace({
      connections: starts.map((t) => ({ server: '10.0.0.2:7400', packets: closeWait(t) })),
      durationS: 10,
    });
    const f = detector.detect(tr, opts);
    const per = f.filter((x) => x.connection != null);
    const agg = f.filter((x) => x.connection == null);
    // Only those past the threshold get a finding of their own.
    expect(per).toHaveLength(7);
    for (const x of per) expect(x.severity).toBe('warning');
    expect(agg).toHaveLength(1);
    const a = agg[0];
    expect(a.severity).toBe('warning');
    expect(a.title).toMatch(
      /^20 connections in CLOSE_WAIT when the capture ended \(7 for 5 s or longer, oldest 8\.8 s\)/,
    );
    expect(a.details.closeWaitAtEnd).toBe(20);
    expect(a.details.olderThanThresholdAtEnd).toBe(7);
    expect(a.details.youngerThanThresholdAtEnd).toBe(13);
    const ages = a.details.atEnd as { connection: string; ageS: number; closeWaitSide: string }[];
    expect(ages).toHaveLength(20);
    expect(ages[0].ageS).toBeCloseTo(8.8, 2);
    expect(ages[ages.length - 1].ageS).toBeCloseTo(10 - 8.6, 2);
    expect(ages.every((x) => x.closeWaitSide === 'server')).toBe(true);
    expect(a.details.byHost).toEqual({ '10.0.0.2, server 10.0.0.2:7400': 20 });
    expect((a.details.series as [number, number][]).at(-1)?.[1]).toBe(20);
    expect(a.explanation).toMatch(/ss -tan state close-wait/);
    expect(a.explanation).toMatch(/7 half-closed for 5 s or longer and 13 younger/);
    expect(checkFinding(a)).toEqual([]);
  });

  it('only young ones: a trace-wide fact (info), no per-connection finding', () => {
    const tr = buildTrace({
      connections: [6, 7, 8].map((t) => ({ packets: closeWait(t) })),
      durationS: 10,
    });
    const f = detector.detect(tr, opts);
    expect(f).toHaveLength(1);
    expect(f[0].connection).toBeNull();
    expect(f[0].severity).toBe('info');
    expect(f[0].details.closeWaitAtEnd).toBe(3);
    expect(f[0].details.count).toBe(0);
    expect(f[0].title).toMatch(/^3 connections in CLOSE_WAIT when the capture ended \(0 for 5 s or longer/);
    expect(checkFinding(f[0])).toEqual([]);
  });

  it('the side in CLOSE_WAIT is the one that received the FIN: a server FIN leaves the clients there', () => {
    const serverFin = (t: number): PktSpec[] => [
      ...handshake(t),
      { t: t + 0.01, dir: 'c2s', len: 20 },
      { t: t + 0.02, dir: 's2c', len: 20 },
      { t: t + 0.03, dir: 's2c', flags: 'FA' },
      { t: t + 0.031, dir: 'c2s' },
    ];
    const tr = buildTrace({
      connections: [0, 1, 2].map((t, i) => ({ client: `10.0.0.9:${40000 + i}`, packets: serverFin(t) })),
      durationS: 20,
    });
    const agg = detector.detect(tr, opts).find((x) => x.connection == null)!;
    expect(agg.details.byHost).toEqual({ '10.0.0.9, clients of 10.0.0.2:80': 3 });
    for (const x of agg.details.atEnd as { closeWaitSide: string }[]) expect(x.closeWaitSide).toBe('client');
  });

  it('connections still answering after the FIN count for ss but do not make a warning', () => {
    const busy = (t: number): PktSpec[] => {
      const p: PktSpec[] = [
        ...handshake(t),
        { t: t + 0.01, dir: 'c2s', len: 80 },
        { t: t + 0.02, dir: 'c2s', flags: 'FA' },
      ];
      for (let k = t + 1; k <= 9.5; k += 1)
        p.push({ t: k, dir: 's2c', len: 1000 }, { t: k + 0.001, dir: 'c2s' });
      return p;
    };
    const tr = buildTrace({ connections: [0, 0.1, 0.2].map((t) => ({ packets: busy(t) })), durationS: 10 });
    // Three half-closes in progress, none idle: nothing to report.
    expect(detector.detect(tr, opts)).toEqual([]);
  });
});
