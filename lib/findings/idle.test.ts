import { describe, expect, it } from 'vitest';
import { A_KEEP_ALIVE, A_KEEP_ALIVE_ACK, A_RETRANSMISSION } from '../packets';
import { DEFAULT_OPTIONS, type AnalysisOptions } from '../trace';
import { detector } from './idle';
import { buildTrace, checkFinding, gracefulClose, handshake, pkt, type PktSpec } from './testing';

const opts: AnalysisOptions = { ...DEFAULT_OPTIONS, idleThresholdS: 30 };

function talk(t: number): PktSpec[] {
  return [
    { t, dir: 'c2s', len: 100 },
    { t: t + 0.01, dir: 's2c', len: 200 },
    { t: t + 0.011, dir: 'c2s' },
  ];
}

describe('tcp.idle-gap-no-keepalive', () => {
  it('flags a 601 s silence and names the middlebox timeouts it exceeds', () => {
    const tr = buildTrace(
      { connections: [{ packets: [...handshake(0), ...talk(0.1), ...talk(601.2), ...gracefulClose(602)] }] },
      opts,
    );
    const f = detector.detect(tr, opts).filter((x) => x.kind === 'tcp.idle-gap-no-keepalive');
    expect(f).toHaveLength(1);
    expect(f[0].severity).toBe('warning');
    expect(f[0].title).toContain('601 s');
    expect(f[0].explanation).toContain('Google Cloud VPC firewall');
    expect(f[0].explanation).toContain('AWS NAT Gateway');
    expect(f[0].explanation).not.toContain('Google Cloud NAT (established');
    expect(f[0].explanation).toMatch(/defaults that may have been changed/);
    expect(f[0].explanation).toMatch(/setKeepAlive/);
    expect(f[0].explanation).toMatch(/tcp_keepalive_time/);
    expect(f[0].explanation).toMatch(/Go/);
    expect(f[0].details.idleS).toBeCloseTo(601.09, 1);
    expect(f[0].evidence.map((e) => e.packet)).toEqual([pkt(tr, 0, 5), pkt(tr, 0, 6)]);
    expect(checkFinding(f[0])).toEqual([]);
  });

  it('is quiet just under the threshold', () => {
    const tr = buildTrace(
      { connections: [{ packets: [...handshake(0), ...talk(0.1), ...talk(30.1), ...gracefulClose(31)] }] },
      opts,
    );
    // gap 30.1 - 0.111 = 29.989 s < 30
    expect(detector.detect(tr, opts)).toEqual([]);
  });

  it('is quiet when keep-alives were sent in the gap, and reports them with their interval', () => {
    const ka: PktSpec[] = [];
    for (let t = 15.1; t < 600; t += 15)
      ka.push({ t, dir: 'c2s', a: A_KEEP_ALIVE }, { t: t + 0.0002, dir: 's2c', a: A_KEEP_ALIVE_ACK });
    const tr = buildTrace(
      {
        connections: [
          { packets: [...handshake(0), ...talk(0.1), ...ka, ...talk(601.2), ...gracefulClose(602)] },
        ],
      },
      opts,
    );
    const f = detector.detect(tr, opts);
    expect(f.map((x) => x.kind)).toEqual(['tcp.keepalive-present']);
    expect(f[0].severity).toBe('info');
    expect(f[0].details.intervalS).toBeCloseTo(15, 3);
    expect(f[0].title).toContain('15 s');
    expect(checkFinding(f[0])).toEqual([]);
  });

  it('single keep-alive: interval is the silence before it', () => {
    const tr = buildTrace(
      {
        connections: [
          {
            packets: [
              ...handshake(0),
              ...talk(0.1),
              { t: 7.111, dir: 's2c', a: A_KEEP_ALIVE },
              ...gracefulClose(8),
            ],
          },
        ],
      },
      opts,
    );
    const f = detector.detect(tr, opts);
    expect(f[0].details.intervalS).toBeCloseTo(7, 3);
  });

  it('trailing silence counts only when >= threshold, worded as still silent at capture end', () => {
    const short = buildTrace(
      { connections: [{ packets: [...handshake(0), ...talk(0.1)] }], durationS: 2.1 },
      opts,
    );
    expect(detector.detect(short, opts)).toEqual([]);
    const long = buildTrace(
      { connections: [{ packets: [...handshake(0), ...talk(0.1)] }], durationS: 45 },
      opts,
    );
    const f = detector.detect(long, opts);
    expect(f).toHaveLength(1);
    expect(f[0].explanation).toMatch(/still silent when the capture ended/);
    expect(f[0].details.untilCaptureEnd).toBe(true);
    expect(f[0].evidence.length).toBeGreaterThan(0);
  });

  it('ignores a closed connection followed by capture time', () => {
    const tr = buildTrace(
      { connections: [{ packets: [...handshake(0), ...talk(0.1), ...gracefulClose(0.2)] }], durationS: 100 },
      opts,
    );
    expect(detector.detect(tr, opts)).toEqual([]);
  });

  it('stays silent on debug-log traces', () => {
    const tr = buildTrace({ connections: [{ packets: [] }], log: true }, opts);
    expect(detector.detect(tr, opts)).toEqual([]);
  });
});

describe('tcp.rst-after-idle', () => {
  it('RST answering the first packet after the silence, same TTL: peer wording', () => {
    const tr = buildTrace(
      {
        connections: [
          {
            packets: [
              ...handshake(0),
              ...talk(0.1),
              { t: 601.2, dir: 'c2s', len: 14, ttl: 64, ipId: 10 },
              { t: 601.2005, dir: 's2c', flags: 'R', ttl: 64 },
            ],
          },
        ],
      },
      opts,
    );
    const f = detector.detect(tr, opts);
    const r = f.find((x) => x.kind === 'tcp.rst-after-idle');
    expect(r).toBeDefined();
    expect(r!.severity).toBe('error');
    expect(r!.title).toContain('601 s');
    expect(r!.title).toMatch(/answered the first packet/);
    expect(r!.explanation).toMatch(/matches/);
    expect(r!.explanation).not.toMatch(/likely generated by a middlebox/);
    expect(r!.details.mode).toBe('answered');
    expect(r!.details.likelyMiddlebox).toBe(false);
    expect(r!.evidence.map((e) => e.packet)).toContain(pkt(tr, 0, 7));
    expect(checkFinding(r!)).toEqual([]);
    expect(f.some((x) => x.kind === 'tcp.idle-gap-no-keepalive')).toBe(true);
  });

  it('RST with a different TTL is attributed to a middlebox', () => {
    const tr = buildTrace(
      {
        connections: [
          {
            packets: [
              ...handshake(0).map((p) => ({ ...p, ttl: 58 })),
              { t: 0.1, dir: 's2c', len: 10, ttl: 58 },
              { t: 0.11, dir: 'c2s', len: 10, ttl: 64 },
              { t: 400, dir: 'c2s', len: 10, ttl: 64 },
              { t: 400.001, dir: 's2c', flags: 'R', ttl: 250 },
            ],
          },
        ],
      },
      opts,
    );
    const r = detector.detect(tr, opts).find((x) => x.kind === 'tcp.rst-after-idle')!;
    expect(r.explanation).toMatch(/TTL 250.*TTL 58.*likely generated by a middlebox/);
    expect(r.details.likelyMiddlebox).toBe(true);
    expect(r.explanation).toMatch(/AWS NAT Gateway/);
  });

  it('unprompted RST after the silence is worded as arriving on its own', () => {
    const tr = buildTrace(
      { connections: [{ packets: [...handshake(0), ...talk(0.1), { t: 240.2, dir: 's2c', flags: 'R' }] }] },
      opts,
    );
    const r = detector.detect(tr, opts).find((x) => x.kind === 'tcp.rst-after-idle')!;
    expect(r.details.mode).toBe('unprompted');
    expect(r.explanation).toMatch(/on its own/);
    expect(r.explanation).toMatch(/Azure Load Balancer/);
    expect(r.title).toContain('240 s');
  });

  it('RST without a preceding silence is not flagged', () => {
    const tr = buildTrace(
      { connections: [{ packets: [...handshake(0), ...talk(0.1), { t: 0.3, dir: 's2c', flags: 'R' }] }] },
      opts,
    );
    expect(detector.detect(tr, opts)).toEqual([]);
  });

  it('RST from the same side that broke the silence is not an idle reset answer', () => {
    const tr = buildTrace(
      {
        connections: [
          {
            packets: [
              ...handshake(0),
              ...talk(0.1),
              { t: 100, dir: 'c2s', len: 5 },
              { t: 100.001, dir: 'c2s', flags: 'R' },
            ],
          },
        ],
      },
      opts,
    );
    expect(detector.detect(tr, opts).filter((x) => x.kind === 'tcp.rst-after-idle')).toEqual([]);
  });
});

describe('tcp.idle-gap-no-keepalive: graceful close after idle', () => {
  it('an idle pooled connection closed gracefully after 90 s is not flagged', () => {
    const tr = buildTrace(
      { connections: [{ packets: [...handshake(0), ...talk(0.1), ...gracefulClose(90.2, 'c2s')] }] },
      opts,
    );
    expect(detector.detect(tr, opts)).toEqual([]);
  });
});

describe('idle cuts below the idle threshold: decided by the evidence', () => {
  it('a reset answering the first packet after 20.5 s of silence is an idle reset, though 20.5 s < 30 s', () => {
    const tr = buildTrace(
      {
        connections: [
          {
            packets: [
              ...handshake(0),
              ...talk(0.1),
              { t: 20.611, dir: 'c2s', len: 60 },
              { t: 20.6112, dir: 's2c', flags: 'R', ttl: 250 },
            ],
          },
        ],
      },
      opts,
    );
    const f = detector.detect(tr, opts);
    const r = f.filter((x) => x.kind === 'tcp.rst-after-idle');
    expect(r).toHaveLength(1);
    expect(r[0].severity).toBe('error');
    expect(r[0].details.mode).toBe('answered');
    expect(r[0].details.belowIdleThreshold).toBe(true);
    expect(r[0].title).toContain('20.5 s');
    expect(r[0].explanation).toMatch(/below the idle threshold \(30 s\)/);
    expect(r[0].explanation).toMatch(/likely generated by a middlebox/);
    expect(checkFinding(r[0])).toEqual([]);
    // The 20.5 s silence is not reported on its own: below the threshold.
    expect(f.some((x) => x.kind === 'tcp.idle-gap-no-keepalive')).toBe(false);
  });

  it('one unprompted reset after a short silence is nobody’s timer; three after the same 5 s are', () => {
    const conn = (t0: number, silence: number): { packets: PktSpec[] } => ({
      packets: [...handshake(t0), ...talk(t0 + 0.1), { t: t0 + 0.111 + silence, dir: 's2c', flags: 'R' }],
    });
    expect(detector.detect(buildTrace({ connections: [conn(0, 5)] }, opts), opts)).toEqual([]);
    const tr = buildTrace({ connections: [conn(0, 5), conn(1, 5.01), conn(2, 5.02)] }, opts);
    const f = detector.detect(tr, opts);
    const r = f.filter((x) => x.kind === 'tcp.rst-after-idle');
    expect(r).toHaveLength(3);
    expect(r[0].explanation).toMatch(/3 connections were reset after the same silence/);
    const p = f.filter((x) => x.kind === 'tcp.path-idle-timeout');
    expect(p).toHaveLength(1);
    expect(p[0].severity).toBe('info');
    expect(p[0].explanation).toMatch(/a timer of about 5 s that fired on its own/);
    // ... and different silences are no timer
    const scattered = buildTrace({ connections: [conn(0, 2), conn(1, 9)] }, opts);
    expect(detector.detect(scattered, opts).filter((x) => x.kind === 'tcp.rst-after-idle')).toEqual([]);
  });

  it('an abortive close right after the last answer is not an idle cut', () => {
    const tr = buildTrace(
      {
        connections: [0, 1, 2].map((t) => ({
          packets: [...handshake(t), ...talk(t + 0.1), { t: t + 0.2, dir: 'c2s', flags: 'R' }],
        })),
      },
      opts,
    );
    expect(detector.detect(tr, opts)).toEqual([]);
  });
});

describe('tcp.path-idle-timeout', () => {
  /** Talk, stay silent `silence` s, then talk again: the NAT answers with a reset when it forgot. */
  function nat(t0: number, silence: number, forgets: boolean): { server: string; packets: PktSpec[] } {
    const p: PktSpec[] = [...handshake(t0), ...talk(t0 + 0.1)];
    const back = t0 + 0.111 + silence;
    if (forgets)
      p.push({ t: back, dir: 'c2s', len: 60 }, { t: back + 0.0002, dir: 's2c', flags: 'R', ttl: 250 });
    else p.push(...talk(back), ...gracefulClose(back + 0.1));
    return { server: '10.0.0.9:443', packets: p };
  }

  it('bounds the path timeout between the longest silence that survived and the shortest that died, and names the defaults that fit', () => {
    const tr = buildTrace(
      { connections: [nat(0, 120, false), nat(1, 300, false), nat(2, 360, true), nat(3, 400, true)] },
      opts,
    );
    const f = detector.detect(tr, opts);
    const p = f.filter((x) => x.kind === 'tcp.path-idle-timeout');
    expect(p).toHaveLength(1);
    expect(p[0].title).toMatch(
      /2 connections to 10\.0\.0\.9:443 cut after silence: idle timeout between 300 s and 360 s/,
    );
    expect(p[0].details.lowerBoundS).toBeCloseTo(300, 0);
    expect(p[0].details.upperBoundS).toBeCloseTo(360, 0);
    const fits = (p[0].details.candidates as { where: string }[]).map((c) => c.where);
    expect(fits).toContain('AWS NAT Gateway');
    expect(fits).not.toContain('Azure NAT Gateway'); // 240 s: a 300 s silence survived
    expect(fits).not.toContain('Google Cloud VPC firewall connection tracking'); // 600 s: 360 s died
    expect(p[0].evidence.some((e) => e.note?.includes('went on after 300 s'))).toBe(true);
    expect(checkFinding(p[0])).toEqual([]);
    // The related resets mention the bounds.
    const r = f.filter((x) => x.kind === 'tcp.rst-after-idle');
    expect(r).toHaveLength(2);
    for (const x of r) expect(x.explanation).toMatch(/between 300 s .* and 360 s/);
  });

  it('says when no single timer fits (a longer silence survived than one that died)', () => {
    const tr = buildTrace({ connections: [nat(0, 500, false), nat(1, 360, true), nat(2, 400, true)] }, opts);
    const p = detector.detect(tr, opts).find((x) => x.kind === 'tcp.path-idle-timeout')!;
    expect(p.details.consistent).toBe(false);
    expect(p.explanation).toMatch(/no single idle timer/);
  });

  it('idle connections closed by the server (FIN) after the same 5 s of no data: a fact, naming the program defaults', () => {
    // Connections that talked for 0, 2 and 5 s; the client's delayed ACK comes 40 ms after the
    // last data (a program's inactivity timer does not count it); the server closes 5 s after the
    // last data each time.
    const conn = (t0: number, talkS: number): { server: string; packets: PktSpec[] } => {
      const p: PktSpec[] = [...handshake(t0)];
      for (let t = t0 + 0.1; t <= t0 + 0.1 + talkS; t += 1) p.push(...talk(t));
      const lastData = p[p.length - 2].t;
      p.push({ t: lastData + 0.04, dir: 'c2s' }, ...gracefulClose(lastData + 5.0, 's2c'));
      return { server: '10.0.0.4:80', packets: p };
    };
    const tr = buildTrace({ connections: [conn(0, 0), conn(1, 2), conn(2, 5)] }, opts);
    const f = detector.detect(tr, opts);
    expect(f.map((x) => x.kind)).toEqual(['tcp.path-idle-timeout']);
    expect(f[0].severity).toBe('info');
    expect(f[0].details.upperBoundS).toBeCloseTo(5, 3);
    expect(f[0].explanation).toMatch(/NATs and firewalls never send FINs/);
    expect(f[0].explanation).toMatch(/the silence is the steadier figure/);
    expect((f[0].details.candidates as { where: string }[]).map((c) => c.where)).toContain(
      'Node.js http.Server keepAliveTimeout',
    );
  });

  it('black holes: the first packet after a silence retransmitted and never answered', () => {
    const dark = (t0: number, silence: number) => {
      const p: PktSpec[] = [...handshake(t0), ...talk(t0 + 0.1)];
      const back = t0 + 0.111 + silence;
      p.push({ t: back, dir: 'c2s', len: 60 });
      for (const d of [0.2, 0.6, 1.4, 3]) p.push({ t: back + d, dir: 'c2s', len: 60, a: A_RETRANSMISSION });
      return { server: '10.0.0.9:443', packets: p };
    };
    const tr = buildTrace({ connections: [nat(0, 20, false), dark(1, 40), dark(2, 50)] }, opts);
    const p = detector.detect(tr, opts).find((x) => x.kind === 'tcp.path-idle-timeout')!;
    expect(p.details.how).toBe('drop');
    expect(p.details.lowerBoundS).toBeCloseTo(20, 0);
    expect(p.details.upperBoundS).toBeCloseTo(40, 0);
    expect(p.explanation).toMatch(/never answered: the path dropped it/);
  });
});

describe('tcp.idle-gap-no-keepalive: the path bound', () => {
  it('an idle gap on a path whose timeout is bounded says so', () => {
    const conn = (t0: number, silence: number, forgets: boolean) => {
      const p: PktSpec[] = [...handshake(t0), ...talk(t0 + 0.1)];
      const back = t0 + 0.111 + silence;
      if (forgets) p.push({ t: back, dir: 'c2s', len: 60 }, { t: back + 0.0002, dir: 's2c', flags: 'R' });
      else p.push(...talk(back), ...gracefulClose(back + 0.1));
      return { packets: p };
    };
    const tr = buildTrace({ connections: [conn(0, 40, false), conn(1, 60, true), conn(2, 70, true)] }, opts);
    const gaps = detector.detect(tr, opts).filter((x) => x.kind === 'tcp.idle-gap-no-keepalive');
    expect(gaps).toHaveLength(3);
    for (const g of gaps)
      expect(g.explanation).toMatch(/the path forgets flows idle between 40 s .* and 60 s/);
    expect(gaps.filter((g) => /at least as long as the shortest that died/.test(g.explanation))).toHaveLength(
      2,
    );
  });
});

describe('tcp.rst-after-idle below the threshold: from the peer itself', () => {
  it('a lone reset from the peer (same TTL) answering a ping after 20 s is not called an idle reset', () => {
    const tr = buildTrace(
      {
        connections: [
          {
            packets: [
              ...handshake(0),
              ...talk(0.1),
              { t: 20.011, dir: 's2c', len: 17 },
              { t: 20.0112, dir: 'c2s', flags: 'R' },
            ],
          },
        ],
      },
      opts,
    );
    expect(detector.detect(tr, opts).filter((x) => x.kind === 'tcp.rst-after-idle')).toEqual([]);
  });
});
