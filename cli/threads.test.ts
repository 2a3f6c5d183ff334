// `tracelens analyze --threads N` through real worker threads: the same bytes as one thread (JSON
// and text), TLS decrypted with a key log in every worker, logs and bad input as on one thread.
// (Every capture of samples/, lab/ and the real corpus is compared shard by shard, in one
// process, by lib/parallel/shard.test.ts.)
import { readdirSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from './tracelens';
import { isCaptureFile, threadCount } from './threads';

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

const SAMPLES = path.join(__dirname, '../samples');
const LAB = path.join(__dirname, '../lab');

async function expectSameAcrossThreads(args: string[], counts: number[]): Promise<void> {
  const one = await run([...args, '--threads', '1']);
  expect(one.code, one.err).toBe(0);
  for (const n of counts) {
    const many = await run([...args, '--threads', String(n)]);
    expect(many.err).toBe(one.err);
    expect(many.code).toBe(one.code);
    expect(many.out === one.out, `${args.join(' ')}: --threads ${n} output differs`).toBe(true);
  }
}

describe('analyze --threads', () => {
  const captures = readdirSync(SAMPLES)
    .filter((d) => statSync(path.join(SAMPLES, d)).isDirectory())
    .map((d) => path.join(SAMPLES, d, 'capture.pcap'))
    .filter((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    });

  it('finds the sample captures', () => expect(captures.length).toBeGreaterThan(5));

  for (const f of captures) {
    it(`${path.relative(SAMPLES, f)}: --json with 2 and 3 threads = 1`, () =>
      expectSameAcrossThreads(['analyze', f, '--json'], [2, 3]));
  }

  it('TLS with a key log: every worker decrypts (JSON and text)', async () => {
    for (const name of ['h2-tls13', 'https1-tls12-aes256', 'curl-h2']) {
      const cap = path.join(SAMPLES, 'tls', `${name}.pcap`);
      const keys = path.join(SAMPLES, 'tls', `${name}.keys`);
      await expectSameAcrossThreads(['analyze', cap, '--keylog', keys, '--json'], [2]);
      await expectSameAcrossThreads(['analyze', cap, '--keylog', keys, '--no-color'], [2]);
    }
    const one = await run([
      'analyze',
      path.join(SAMPLES, 'tls/h2-tls13.pcap'),
      '--keylog',
      path.join(SAMPLES, 'tls/h2-tls13.keys'),
      '--json',
      '--threads',
      '2',
    ]);
    expect(JSON.parse(one.out).streams.length).toBeGreaterThan(0);
  });

  it('gzip-compressed lab capture with many connections', () =>
    expectSameAcrossThreads(
      ['analyze', path.join(LAB, 'benign-http1-keepalive/client.pcap.gz'), '--json'],
      [2, 4],
    ));

  it('a debug log is read on one thread, with the same report', () =>
    expectSameAcrossThreads(['analyze', path.join(SAMPLES, 'logs/go-http2debug-2.log'), '--json'], [2]));

  it('bad input: the same one-line error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tracelens-threads-'));
    const bad = path.join(dir, 'cut.pcap');
    // A pcap header announcing a record longer than the file.
    const b = Buffer.alloc(24 + 16 + 4);
    b.writeUInt32LE(0xa1b2c3d4, 0);
    b.writeUInt16LE(2, 4);
    b.writeUInt16LE(4, 6);
    b.writeUInt32LE(65535, 16);
    b.writeUInt32LE(1, 20);
    b.writeUInt32LE(1000, 24 + 8);
    b.writeUInt32LE(1000, 24 + 12);
    writeFileSync(bad, b);
    const one = await run(['analyze', bad, '--json', '--threads', '1']);
    const two = await run(['analyze', bad, '--json', '--threads', '2']);
    expect(two.code).toBe(one.code);
    expect(two.err).toBe(one.err);
    expect(two.out).toBe(one.out);
    const notCapture = path.join(dir, 'x.bin');
    writeFileSync(notCapture, Buffer.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));
    expect(isCaptureFile(notCapture)).toBe(false);
    expect(isCaptureFile(path.join(SAMPLES, 'deadline-cut/capture.pcap'))).toBe(true);
  });

  it('--threads takes 1..64', async () => {
    for (const v of ['0', '65', 'two', '1.5']) {
      const r = await run(['analyze', path.join(SAMPLES, 'deadline-cut/capture.pcap'), '--threads', v]);
      expect(r.code).toBe(2);
      expect(r.err).toContain('--threads takes a whole number from 1 to 64');
    }
    expect(threadCount(3, 1000)).toBe(3);
  });
});
