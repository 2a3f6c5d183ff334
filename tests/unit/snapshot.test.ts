// Progressive results: while a capture still streams in, the Analyzer's snapshot already shows the
// connections seen so far with their counts, and the final Trace agrees with it.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Analyzer } from '../../lib/analyze';
import { SAMPLES_DIR } from '../shared';

describe('Analyzer.snapshot', () => {
  it('reports connections and resets before the input ends', () => {
    const bytes = new Uint8Array(readFileSync(path.join(SAMPLES_DIR, 'idle-reset-nat/capture.pcap')));
    const a = new Analyzer({ name: 'x', size: bytes.length }, { idleThresholdS: 3 });
    const half = Math.floor(bytes.length * 0.6);
    a.push(bytes.subarray(0, half));
    const early = a.snapshot();
    expect(early.packets).toBeGreaterThan(0);
    expect(early.connections).toBeGreaterThan(0);
    expect(early.first[0].id).toBe('c1');
    a.push(bytes.subarray(half));
    const late = a.snapshot(50, true);
    expect(late.packets).toBeGreaterThan(early.packets);
    expect(late.resets).toBe(1);
    // The reset connection has ended: its findings are already certain before finish().
    expect(late.findings.map((f) => `${f.kind}@${f.connection}`)).toContain('tcp.rst-after-idle@c1');
    const trace = a.finish();
    expect(trace.input.packets).toBe(late.packets);
    expect(trace.connections.map((c) => c.end)).toEqual(late.first.map((c) => c.end));
    for (const f of late.findings) {
      expect(trace.findings.some((g) => g.kind === f.kind && g.connection === f.connection)).toBe(true);
    }
  });
});
