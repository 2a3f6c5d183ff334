// Beyond the findings (lab.test.ts): after the hole every response pairs with its own request.
// nginx echoes each request target in X-Path, so a pairing is right when X-Path equals the path.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Analyzer } from '../../lib/analyze';
import type { Trace } from '../../lib/trace';

function analyze(file: string): Trace {
  const bytes = new Uint8Array(readFileSync(path.join(__dirname, file)));
  const a = new Analyzer({ name: file, size: bytes.length });
  a.push(bytes);
  return a.finish();
}

const xPath = (h: [string, string][] | undefined): string | undefined =>
  h?.find(([k]) => k.toLowerCase() === 'x-path')?.[1];

/** capture -> the exchange the hole touched (its path, or for a lost request the X-Path of its response). */
const CASES: Record<string, { gapped: [string | null, string, number | null]; warning: RegExp }> = {
  'gap-body.pcap.gz': { gapped: ['/big/3', '/big/3', 200], warning: /1 segment \(1,448 bytes\)/ },
  'gap-status.pcap.gz': { gapped: ['/big/5', 'none', null], warning: /1 segment \(1,448 bytes\)/ },
  'gap-whole.pcap.gz': { gapped: ['/small/8', 'none', null], warning: /1 segment \(\d+ bytes\)/ },
  'gap-request.pcap.gz': { gapped: [null, '/big/10', 200], warning: /client to server: 1 segment/ },
};

describe('http1-capture-gap: pairing after the hole', () => {
  it('full.pcap.gz: 1000 complete, every pairing right, no warning', () => {
    const t = analyze('full.pcap.gz');
    expect(t.exchanges.filter((x) => x.outcome === 'complete')).toHaveLength(1000);
    expect(t.exchanges.every((x) => xPath(x.response?.headers) === x.path)).toBe(true);
    expect(t.input.warnings).toEqual([]);
  });
  for (const [file, c] of Object.entries(CASES)) {
    it(`${file}: 999 complete and right, ${c.gapped[0] ?? c.gapped[1]} capture-gap`, () => {
      const t = analyze(file);
      const complete = t.exchanges.filter((x) => x.outcome === 'complete');
      expect(complete).toHaveLength(999);
      expect(complete.filter((x) => xPath(x.response?.headers) !== x.path)).toEqual([]);
      const gapped = t.exchanges.filter((x) => x.outcome !== 'complete');
      expect(gapped.map((x) => [x.path, xPath(x.response?.headers) ?? 'none', x.status, x.outcome])).toEqual([
        [...c.gapped, 'capture-gap'],
      ]);
      expect(t.input.warnings.filter((w) => w.startsWith('capture gaps:'))).toHaveLength(1);
      expect(t.input.warnings.find((w) => w.startsWith('capture gaps:'))).toMatch(c.warning);
      expect(t.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    });
  }

  it('lossy.pcap.gz (a capture filter dropping ~1 packet in 64): as many pairs as tshark, all right', () => {
    const t = analyze('lossy.pcap.gz');
    const complete = t.exchanges.filter((x) => x.outcome === 'complete');
    // tshark pairs 946 responses on this capture (observed.txt); every other exchange lost bytes.
    expect(complete.length).toBeGreaterThanOrEqual(946);
    expect(complete.filter((x) => xPath(x.response?.headers) !== x.path)).toEqual([]);
    const others = t.exchanges.filter((x) => x.outcome !== 'complete');
    expect(others.every((x) => x.outcome === 'capture-gap' && x.captureGap)).toBe(true);
    // One exchange per request the client sent: the lost ones as placeholders named by their response.
    expect(t.exchanges).toHaveLength(1000);
    const named = t.exchanges.map((x) => x.path ?? xPath(x.response?.headers)).filter((p) => p !== undefined);
    expect(new Set(named).size).toBe(named.length);
    expect(t.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('midstream.pcap.gz (capture begins mid-connection, in a response body): 998 pairs as tshark', () => {
    const t = analyze('midstream.pcap.gz');
    expect(t.connections[0].directionBasis).not.toBe('syn');
    expect(t.exchanges.map((x) => x.outcome).filter((o) => o !== 'complete')).toEqual([]);
    expect(t.exchanges).toHaveLength(998);
    expect(t.exchanges.every((x) => xPath(x.response?.headers) === x.path)).toBe(true);
    expect(t.findings).toEqual([]);
  });
});
