import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from '../trace';
import { DEFAULT_OPTIONS } from '../trace';
import { DETECTORS, runDetectors, sortFindings } from './index';
import { buildTrace, handshake } from './testing';

const f = (kind: string, severity: Finding['severity'], startS: number): Finding => ({
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
  it('covers every finding kind the contract requires, each in exactly one detector', () => {
    const contract = path.resolve(__dirname, '../../../shared/contracts/trace-json.md');
    const required = existsSync(contract)
      ? [...readFileSync(contract, 'utf8').matchAll(/^\| `([a-z0-9.-]+)` \| (error|warning|info) \|/gm)].map(
          (m) => m[1],
        )
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
      f('a', 'info', 0),
      f('b', 'warning', 5),
      f('c', 'error', 9),
      f('d', 'warning', 1),
      f('e', 'error', 9),
      f('g', 'error', 2),
    ];
    expect(sortFindings(xs).map((x) => x.kind)).toEqual(['g', 'c', 'e', 'd', 'b', 'a']);
  });

  it('a healthy connection yields nothing', () => {
    const tr = buildTrace({
      connections: [
        {
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
