// The CLI as a user runs it: text and JSON reports, exit codes, one clear line for bad input.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from './tracelens';
import { REAL_CAPTURES, itCorpus } from '../tests/shared';

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

const tmp = mkdtempSync(path.join(tmpdir(), 'tracelens-cli-'));

describe('tracelens analyze', () => {
  it('says what was not inspected instead of "nothing matches" (TLS without a key log)', async () => {
    const r = await run(['analyze', path.join(__dirname, '../samples/tls/h2-tls13.pcap')]);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('nothing in this trace matches a known failure pattern');
    expect(r.out).toContain(
      'not inspected: 1 TLS connection to localhost:7950 was not decrypted: no TLS key log was given (pass the NSS key log with --keylog; SSLKEYLOGFILE makes programs write one)',
    );
    expect(r.out).toContain('no error or warning in the traffic that was inspected');
    const keyed = await run([
      'analyze',
      path.join(__dirname, '../samples/tls/h2-tls13.pcap'),
      '--keylog',
      path.join(__dirname, '../samples/tls/h2-tls13.keys'),
    ]);
    expect(keyed.out).not.toContain('not inspected');
  });

  itCorpus('prints a readable report', async () => {
    const r = await run(['analyze', path.join(REAL_CAPTURES, 'zeek-http-pipelined-requests.pcap')]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('zeek-http-pipelined-requests.pcap');
    expect(r.out).toMatch(/Connections \(1\)/);
    expect(r.out).toContain('192.168.1.104:1673');
    expect(r.out).toMatch(/HTTP\/1\.x exchanges \(5\)/);
  });

  itCorpus('prints the contract JSON with --json and echoes thresholds', async () => {
    const r = await run([
      'analyze',
      path.join(REAL_CAPTURES, 'deepflow-client-keep-alive.pcap'),
      '--json',
      '--idle-threshold',
      '7',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.tool).toBe('tracelens');
    expect(doc.options.idleThresholdS).toBe(7);
    expect(doc.connections).toHaveLength(1);
    expect(doc.connections[0].keepalives).toEqual({ c2s: 1, s2c: 0 });
    expect(Array.isArray(doc.streams) && Array.isArray(doc.exchanges) && Array.isArray(doc.findings)).toBe(
      true,
    );
    // Piped: compact, one line; --pretty indents the same document.
    expect(r.out.trimEnd()).not.toContain('\n');
    const p = await run([
      'analyze',
      path.join(REAL_CAPTURES, 'deepflow-client-keep-alive.pcap'),
      '--json',
      '--pretty',
      '--idle-threshold',
      '7',
    ]);
    expect(p.out).toContain('\n  "input": {');
    expect(JSON.parse(p.out)).toEqual(doc);
  });

  it('refuses a non-capture with one line naming the magic and offset', async () => {
    const f = path.join(tmp, 'data.json');
    writeFileSync(f, Buffer.from([0x7b, 0x0a, 0x20, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d, 0x00, 0x01]));
    const r = await run(['analyze', f]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('not a capture: unknown magic 0x7b0a2022 at byte 0');
  });

  it('reports an empty file and a missing file clearly', async () => {
    const f = path.join(tmp, 'empty.pcap');
    writeFileSync(f, '');
    const empty = await run(['analyze', f]);
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/empty/);
    const missing = await run(['analyze', path.join(tmp, 'nope.pcap')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read .*ENOENT/);
  });

  itCorpus('keeps the packets before a corrupt record, with a warning naming the byte offset', async () => {
    const r = await run(['analyze', path.join(REAL_CAPTURES, 'suricata-fuzz-corrupt.pcap'), '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.input.packets).toBe(2);
    expect(doc.input.warnings.join(' ')).toMatch(/byte \d+/);
  });

  it('rejects bad usage with status 2', async () => {
    expect((await run(['analyze'])).code).toBe(2);
    expect((await run(['analyze', 'x', '--idle-threshold', 'soon'])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['--version'])).out).toMatch(/^tracelens \d+\.\d+\.\d+/);
  });
});
