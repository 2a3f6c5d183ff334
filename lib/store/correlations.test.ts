// Shared correlations: the job off the request thread (the bundled worker when built, else
// in-process) and the stored document, on both backends (PostgreSQL + S3 when the services run).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCorrelationView } from '../lanes/view';
import { correlateFiles, loadCorrelation, saveCorrelation, uploadScratch } from './correlations';
import type { ScaleSettings } from './config';
import { correlationKey, PgTraceStore } from './pg-store';
import { SqliteTraceStore } from './sqlite-store';
import { freshScale, SCALE_SKIP_NOTE } from './test-scale';

const lab = (dir: string, file: string) => path.join(__dirname, '..', '..', 'lab', dir, file);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('shared correlations', () => {
  it('correlates uploaded files and keeps the view under an id', async () => {
    const r = await correlateFiles({
      files: [
        { path: lab('nat-idle-reset', 'client.pcap'), name: 'client.pcap' },
        { path: lab('nat-idle-reset', 'server.pcap'), name: 'server.pcap' },
      ],
    });
    expect(r.type).toBe('done');
    if (r.type !== 'done') return;
    const data = await mkdtemp(path.join(tmpdir(), 'lanes-store-'));
    dirs.push(data);
    const store = new SqliteTraceStore(data);
    const id = await saveCorrelation(store, r.json);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // The embedded backend keeps it as a file beside the traces, as before.
    expect(existsSync(path.join(data, 'correlations', `${id}.json`))).toBe(true);
    const back = decodeCorrelationView((await loadCorrelation(store, id))!);
    expect(back.doc.inputs.map((i) => i.name)).toEqual(['client.pcap', 'server.pcap']);
    expect(back.doc.findings.some((f) => f.kind === 'path.injected-rst')).toBe(true);
    expect(await loadCorrelation(store, '../../etc/passwd')).toBeNull();
    expect(await loadCorrelation(store, 'A'.repeat(22))).toBeNull();
    const scratch = await uploadScratch(store, data);
    expect(existsSync(scratch.dir)).toBe(true);
    await scratch.remove();
    expect(existsSync(scratch.dir)).toBe(false);
    await store.close();
  });

  it('refuses a single input, saying why', async () => {
    const r = await correlateFiles({
      files: [{ path: lab('nat-idle-reset', 'client.pcap'), name: 'client.pcap' }],
    });
    expect(r).toEqual({ type: 'fail', message: expect.stringMatching(/two or more/) });
  });
});

const scale: ScaleSettings | null = await freshScale();
if (!scale) console.log(SCALE_SKIP_NOTE);

describe.skipIf(!scale)('shared correlations on PostgreSQL + S3', () => {
  let a: PgTraceStore;
  let b: PgTraceStore;
  beforeAll(async () => {
    a = await PgTraceStore.open(scale, false);
    b = await PgTraceStore.open(scale, false);
  }, 60_000);
  afterAll(async () => {
    // The test store keeps objects in memory: leave the bucket empty.
    await a?.objects.deletePrefix('correlations/');
    await a?.close();
    await b?.close();
  });

  it('a document kept through one replica is read through the other, from the bucket', async () => {
    const json = JSON.stringify({ format: 'tracelens-correlation-view', version: 1, note: 'é' });
    const id = await saveCorrelation(a, json);
    expect(await loadCorrelation(b, id)).toBe(json);
    const keys: string[] = [];
    for await (const o of a.objects.list('correlations/')) keys.push(o.key);
    expect(keys).toContain(correlationKey(id));
    const row = await b.db.query('SELECT bytes FROM correlations WHERE id = $1', [id]);
    expect(Number(row.rows[0].bytes)).toBe(Buffer.byteLength(json));
    expect(await loadCorrelation(b, 'A'.repeat(22))).toBeNull();
    expect(await loadCorrelation(b, '../traces/x')).toBeNull();
    // A scratch directory outside the (absent) data directory: a replica keeps nothing there.
    const scratch = await uploadScratch(a, '/nonexistent-data-dir');
    expect(scratch.dir.startsWith(tmpdir())).toBe(true);
    await scratch.remove();
  }, 60_000);

  it('the sweep removes a document whose row was never inserted, and keeps the others', async () => {
    process.env.TRACELENS_STALE_UPLOAD_S = '1';
    try {
      const kept = await saveCorrelation(a, '{"kept":true}');
      // A replica that died between the object and its row.
      const orphan = correlationKey('ORPHANorphanORPHAN0002');
      await a.objects.put(orphan, '{}', 'application/json');
      await new Promise((r) => setTimeout(r, 1500));
      await b.sweep();
      const keys: string[] = [];
      for await (const o of a.objects.list('correlations/')) keys.push(o.key);
      expect(keys).not.toContain(orphan);
      expect(keys).toContain(correlationKey(kept));
      expect(await loadCorrelation(a, kept)).toBe('{"kept":true}');
    } finally {
      delete process.env.TRACELENS_STALE_UPLOAD_S;
    }
  }, 60_000);
});
