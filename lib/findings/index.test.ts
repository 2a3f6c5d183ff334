import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from '../trace';
import { K, type FindingKind } from './kinds';
import { DEFAULT_OPTIONS } from '../trace';
import { DETECTORS, runDetectors, sortFindings } from './index';
import { buildTrace, handshake } from './testing';
import { CONTRACTS_DIR, itCorpus } from '../../tests/shared';

const f = (kind: FindingKind, severity: Finding['severity'], startS: number): Finding => ({
  kind,
  severity,
  title: kind,
  explanation: '',
  connection: null,
  stream: null,
  startS,
  endS: startS,
  evidence: [],
  details: {},
});

describe('registry', () => {
  itCorpus('covers every finding kind the contract requires, each in exactly one detector', () => {
    const contract = path.join(CONTRACTS_DIR, 'trace-json.md');
    const required = existsSync(contract)
      ? [...readFileSync(contract, 'utf8').matchAll(/^\| `([a-z0-9.-]+)` \| (error|warning|info) \| (.*)$/gm)]
          // Kinds of the correlation of several captures (`tracelens correlate`) are not made by the
          // single-capture detectors.
          .filter((m) => !m[3].startsWith('(correlation'))
          .map((m) => m[1])
      : [
          'tcp.idle-gap-no-keepalive',
          'tcp.rst-after-idle',
          'tcp.keepalive-present',
          'tcp.deadline-cut',
          'tcp.half-close-leak',
        ];
    expect(required.length).toBeGreaterThan(10);
    const all = DETECTORS.flatMap((d) => d.kinds);
    for (const k of required) expect(all, k).toContain(k);
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(DETECTORS.map((d) => d.id)).size).toBe(DETECTORS.length);
  });

  it('sorts by severity, then time, stably', () => {
    const xs = [
      { ...f(K.rstStream, 'info', 0), title: 'a' },
      { ...f(K.goawayError, 'warning', 5), title: 'b' },
      { ...f(K.deadlineCut, 'error', 9), title: 'c' },
      { ...f(K.slowResponse, 'warning', 1), title: 'd' },
      { ...f(K.deadlineCut, 'error', 9), title: 'e' },
      { ...f(K.rstAfterIdle, 'error', 2), title: 'g' },
    ];
    expect(sortFindings(xs).map((x) => x.title)).toEqual(['g', 'c', 'e', 'd', 'b', 'a']);
  });

  it('a healthy connection yields nothing', () => {
    const tr = buildTrace({
      connections: [
        {
          // A protocol that was read: an 'unknown' one is a blind spot (capture.not-inspected).
          protocol: 'http1',
          packets: [
            ...handshake(0),
            { t: 0.01, dir: 'c2s', len: 80 },
            { t: 0.02, dir: 's2c', len: 500 },
            { t: 0.03, dir: 'c2s', flags: 'FA' },
            { t: 0.031, dir: 's2c', flags: 'FA' },
            { t: 0.032, dir: 'c2s', flags: 'A' },
          ],
        },
      ],
      durationS: 2.03,
    });
    expect(runDetectors(tr, DEFAULT_OPTIONS)).toEqual([]);
  });

  it('an empty trace and a log trace yield nothing', () => {
    expect(runDetectors(buildTrace({}), DEFAULT_OPTIONS)).toEqual([]);
    expect(runDetectors(buildTrace({ connections: [{ packets: [] }], log: true }), DEFAULT_OPTIONS)).toEqual(
      [],
    );
  });
});
