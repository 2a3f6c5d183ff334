// `tracelens correlate` as a user runs it: the report, the JSON document, exit codes, bad input.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from './tracelens';

class Sink extends Writable {
  text = '';
  _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new Sink();
  const err = new Sink();
  const code = await main(args, out, err);
  return { code, out: out.text, err: err.text };
}

const LAB = path.join(__dirname, '../lab');
const rst = (f: string): string => path.join(LAB, 'vantage-rst-inject', f);

describe('tracelens correlate', () => {
  it('the report names the hop that injected each RST', async () => {
    const r = await run(['correlate', rst('client.pcap'), rst('server.pcap')]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/RST that reached the client side .* was never sent by the server/);
    expect(r.out).toMatch(/RST that reached the server side .* was never sent by the client/);
    expect(r.out).toContain('client.pcap is nearer the client, 1 IP hop between the points');
  });

  it('--json prints the contract document', async () => {
    const r = await run(['correlate', rst('client.pcap'), rst('server.pcap'), '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc)).toEqual(
      expect.arrayContaining(['inputs', 'offsetS', 'offsetUncertaintyS', 'matches', 'fates', 'findings']),
    );
    expect(doc.inputs.map((x: { name: string }) => x.name)).toEqual(['client.pcap', 'server.pcap']);
    expect(Object.keys(doc.fates)).toEqual(
      expect.arrayContaining(['delivered', 'lost', 'injected', 'rewritten', 'delayed']),
    );
    expect(doc.matches[0]).toMatchObject({ a: 'c1', b: 'c1' });
    for (const f of doc.findings) {
      expect(f.details.observedAt.length).toBeGreaterThan(0);
      for (const e of f.evidence) expect([0, 1]).toContain(e.input);
    }
  });

  it('--fail-on error exits 3 when an RST was injected', async () => {
    expect(
      (await run(['correlate', rst('client.pcap'), rst('server.pcap'), '--fail-on', 'error'])).code,
    ).toBe(3);
  });

  it('one file is a usage error (2); a file that is not a capture is one line (1)', async () => {
    const one = await run(['correlate', rst('client.pcap')]);
    expect(one.code).toBe(2);
    expect(one.err).toMatch(/two or more files/);
    const bad = path.join(mkdtempSync(path.join(tmpdir(), 'tracelens-corr-')), 'notes.txt');
    writeFileSync(bad, 'hello\n');
    const r = await run(['correlate', rst('client.pcap'), bad]);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('notes.txt');
    expect(r.out).toBe('');
  });
});
