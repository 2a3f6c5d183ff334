// `tracelens redact IN OUT`: writes the redacted capture, says what it removed, refuses what it
// should (usage errors exit 2, unreadable input 1 with no output file left behind).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyzeBytes } from '../lib/analyze';
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

const tmp = mkdtempSync(path.join(tmpdir(), 'tracelens-cli-redact-'));
const FIXTURE = path.join(__dirname, '..', 'lib', 'redact', 'testdata', 'secrets.pcapng');

describe('tracelens redact', () => {
  it('writes a redacted capture and prints what it removed', async () => {
    const out = path.join(tmp, 'out.pcapng');
    const r = await run(['redact', FIXTURE, out, '--redact-header', 'X-Api-Key', '--map-ports']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/redacted .*secrets\.pcapng -> .*out\.pcapng \(36 packets\)/);
    expect(r.out).toMatch(/1 IP address and 0 MAC addresses mapped/);
    expect(r.out).toMatch(/\d+ header values replaced/);
    expect(r.out).toMatch(/[\d,]+ payload bytes cut/);
    expect(r.out).toMatch(/1 comment and \d+ other capture options? removed/);
    expect(r.out).toMatch(/1 embedded key log removed/);
    const bytes = readFileSync(out);
    expect(bytes.includes('s3cr3t')).toBe(false);
    expect(bytes.includes('apikey-42')).toBe(false);
    const t = analyzeBytes('out', new Uint8Array(bytes));
    expect(t.streams).toHaveLength(3);
    expect(t.connections.map((c) => c.server.split(':').pop())).not.toEqual(['18081', '18082']);
  });

  it('refuses bad usage with status 2', async () => {
    expect((await run(['redact', FIXTURE])).code).toBe(2);
    expect((await run(['redact', FIXTURE, 'a', 'b'])).code).toBe(2);
    const r = await run(['analyze', FIXTURE, '--map-ports']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/options of redact/);
    expect((await run(['redact', FIXTURE, path.join(tmp, 'x'), '--redact-header', 'a b'])).code).toBe(2);
  });

  it('refuses unreadable input and its own input as output, leaving nothing behind', async () => {
    const text = path.join(tmp, 'notes.txt');
    writeFileSync(text, 'hello, not a capture\n');
    const out = path.join(tmp, 'never.pcap');
    const r = await run(['redact', text, out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^tracelens: .*notes\.txt: not a capture/);
    expect(existsSync(out)).toBe(false);
    const same = await run(['redact', FIXTURE, FIXTURE]);
    expect(same.code).toBe(1);
    expect(same.err).toMatch(/is the input/);
    expect((await run(['redact', path.join(tmp, 'missing.pcap'), out])).code).toBe(1);
  });
});
