// An upload's analysis job: limits counted while the file streams, a late key log restarts it.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { AnalysisJob, type FromJob, type ToJob } from './analysis-job';

const root = path.resolve(__dirname, '../..');
const tls = readFileSync(path.join(root, 'samples/tls/curl-h2.pcap'));
const keys = readFileSync(path.join(root, 'samples/tls/curl-h2.keys'), 'utf8');

function pcapHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16);
  h.writeUInt32LE(1, 20);
  return h;
}

function run(file: Buffer, limits = { maxDecompressed: 2 ** 40, maxPackets: 1e9 }, later: ToJob[] = []) {
  const p = path.join(mkdtempSync(path.join(tmpdir(), 'tracelens-job-')), 'upload');
  writeFileSync(p, file);
  return new Promise<FromJob>((resolve) => {
    const job = new AnalysisJob((m) => resolve(m));
    job.onMessage({
      type: 'start',
      path: p,
      name: 'x',
      keylog: null,
      options: {},
      limits,
      written: file.length,
      ended: later.length === 0,
    });
    // Sent once the job has read what was written (so a key log here means a restart).
    setTimeout(() => {
      for (const m of later) job.onMessage(m);
    }, 200);
  });
}

describe('AnalysisJob', () => {
  it('stops a gzip of zeros at the packet limit, long before its end', async () => {
    // 64 MiB of zeros would be 4 M empty records; the limit stops it within the first 2 MB.
    const bomb = gzipSync(Buffer.concat([pcapHeader(), Buffer.alloc(64 * 1024 * 1024)]), { level: 1 });
    const t0 = Date.now();
    const m = await run(bomb, { maxDecompressed: 2 ** 40, maxPackets: 100_000 });
    expect(m).toMatchObject({ type: 'fail', status: 413 });
    expect(m.type === 'fail' && m.message).toMatch(/TRACELENS_MAX_PACKETS/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('stops at the decompressed-size limit', async () => {
    const rec = Buffer.alloc(16 + 200_000);
    rec.writeUInt32LE(200_000, 8);
    rec.writeUInt32LE(200_000, 12);
    const file = gzipSync(Buffer.concat([pcapHeader(), ...Array.from({ length: 50 }, () => rec)]));
    const m = await run(file, { maxDecompressed: 1_000_000, maxPackets: 1e9 });
    expect(m).toMatchObject({ type: 'fail', status: 413 });
    expect(m.type === 'fail' && m.message).toMatch(/TRACELENS_MAX_DECOMPRESSED/);
  });

  it('says 415 for a file that is not a capture', async () => {
    const m = await run(Buffer.from('{"json": true}\n'.repeat(100)));
    expect(m).toMatchObject({ type: 'fail', status: 415 });
  });

  it('restarts with a key log that arrives after the capture, decrypting from the first record', async () => {
    const plain = await run(tls);
    const late = await run(tls, undefined, [
      { type: 'keylog', text: keys },
      { type: 'end', written: tls.length },
    ]);
    if (plain.type !== 'done' || late.type !== 'done') throw new Error('analysis failed');
    const streams = (path: string) => JSON.parse(readFileSync(path, 'utf8')).streams.length;
    expect(streams(plain.analysisPath)).toBe(0);
    expect(streams(late.analysisPath)).toBeGreaterThan(0);
  });
});
