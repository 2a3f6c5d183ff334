// The scaled store against a real PostgreSQL and a real S3 store (Ceph radosgw), started by
// scripts/services/start.sh: uploads through the queue, notes with versions across two replicas,
// the shared rate limit, ranged reads, deletes, and the sweep of what crashes leave.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgTraceStore } from './pg-store';
import { rawKey } from './s3-objects';
import { freshScale, SCALE_SKIP_NOTE } from './test-scale';
import type { ScaleSettings } from './config';

const capture = readFileSync(path.join(__dirname, '../../samples/healthy-http1/capture.pcap'));

const settings: ScaleSettings | null = await freshScale();
if (!settings) console.log(SCALE_SKIP_NOTE);

async function collect(s: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe.skipIf(!settings)('PgTraceStore (PostgreSQL + S3)', () => {
  let a: PgTraceStore;
  let b: PgTraceStore;
  beforeAll(async () => {
    process.env.TRACELENS_QUEUE_WORKERS = '1';
    a = await PgTraceStore.open(settings);
    // A second replica on the same database and bucket, without workers of its own.
    b = await PgTraceStore.open(settings, false);
  }, 60_000);
  afterAll(async () => {
    // The test store keeps objects in memory: leave the bucket empty.
    await a?.objects.deletePrefix('traces/');
    await a?.close();
    await b?.close();
  });

  async function share(store: PgTraceStore, body: Uint8Array, keylog: string | null = null) {
    const up = await store.beginUpload({ name: 'h1.pcap', keylog });
    for (let off = 0; off < body.length; off += 1000) await up.write(body.subarray(off, off + 1000));
    return up.finish();
  }

  it('migrates once, whoever starts first', async () => {
    expect(await a.schemaVersion()).toBe(2);
    expect(await b.schemaVersion()).toBe(2);
  });

  it('an upload through one replica is analyzed by a queue worker and read whole through the other', async () => {
    const { id, token, bytes } = await share(b, capture, 'CLIENT_RANDOM 00 11');
    expect(bytes).toBe(capture.length);
    const meta = await a.meta(id);
    expect(meta).toMatchObject({ name: 'h1.pcap', bytes: capture.length, format: 'pcap', hasKeylog: true });
    expect(await a.checkToken(id, token)).toBe(true);
    expect(await a.checkToken(id, 'x' + token.slice(1))).toBe(false);
    const raw = await a.raw(id);
    expect((await collect(raw!.stream)).equals(capture)).toBe(true);
    const part = await b.raw(id, { start: 24, end: 39 });
    expect(part).toMatchObject({ size: 16, start: 24, totalSize: capture.length });
    expect((await collect(part!.stream)).equals(capture.subarray(24, 40))).toBe(true);
    const doc = JSON.parse((await collect((await b.analysis(id))!.stream)).toString('utf8'));
    expect(doc.tool).toBe('tracelens');
    expect(doc.input.packets).toBe(34);
    expect((await b.summary(id))?.input.packets).toBe(34);
    expect((await b.packetColumns(id))?.length).toBeGreaterThan(34);
    expect(await b.keylog(id)).toBe('CLIENT_RANDOM 00 11');
    expect((await a.document(id))?.size).toBeGreaterThan(0);
    const queue = await a.db.query('SELECT count(*)::int AS n FROM upload_jobs');
    expect(queue.rows[0].n).toBe(0);
  }, 60_000);

  it('a file that is not a capture fails its upload with 415 and leaves no row or object', async () => {
    const bad = Buffer.from('{"not": "a capture"}\n'.repeat(10));
    const up = await a.beginUpload({ name: 'x.json' });
    await up.write(bad);
    await expect(up.finish()).rejects.toMatchObject({ status: 415 });
    const rows = await a.db.query('SELECT (SELECT count(*) FROM upload_jobs)::int AS jobs');
    expect(rows.rows[0].jobs).toBe(0);
  }, 60_000);

  it('notes written through two replicas keep their versions; a stale edit is refused', async () => {
    const { id } = await share(a, capture);
    const n = await a.addAnnotation(id, { target: { packet: 3 }, author: 'ana', text: 'first' });
    const e1 = await b.updateAnnotation(id, n.id, { text: 'second', ifVersion: 1 });
    expect(e1 !== null && e1 !== 'conflict' && e1.version).toBe(2);
    expect(await a.updateAnnotation(id, n.id, { text: 'stale', ifVersion: 1 })).toBe('conflict');
    expect(await a.updateAnnotation(id, 'A'.repeat(22), { text: 'x', ifVersion: 1 })).toBeNull();
    // Many writers at once through both: exactly one wins each version.
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).updateAnnotation(id, n.id, { text: `w${i}`, ifVersion: 2 }),
      ),
    );
    expect(results.filter((r) => r !== 'conflict' && r !== null)).toHaveLength(1);
    expect((await b.annotations(id)).map((x) => x.version)).toEqual([3]);
    expect(await a.deleteAnnotation(id, n.id)).toBe(true);
    expect(await b.annotations(id)).toEqual([]);
  }, 60_000);

  it('the upload rate limit is one bucket per client across replicas', async () => {
    process.env.TRACELENS_UPLOAD_RATE = '3';
    try {
      const now = Date.now();
      const got = [];
      for (let i = 0; i < 4; i++) got.push((await (i % 2 ? a : b).takeUploadToken('198.51.100.7', now)).ok);
      expect(got).toEqual([true, true, true, false]);
      expect((await a.takeUploadToken('198.51.100.8', now)).ok).toBe(true);
      expect((await b.takeUploadToken('198.51.100.7', now + 20_000)).ok).toBe(true);
    } finally {
      delete process.env.TRACELENS_UPLOAD_RATE;
    }
  });

  it('deleting a trace removes its row, notes and objects', async () => {
    const { id } = await share(a, capture);
    await a.addAnnotation(id, { target: { packet: 1 }, author: 'a', text: 't' });
    expect(await b.deleteTrace(id)).toBe(true);
    expect(await a.meta(id)).toBeNull();
    expect(await a.raw(id)).toBeNull();
    const left = [];
    for await (const o of a.objects.list(`traces/${id}/`)) left.push(o.key);
    expect(left).toEqual([]);
  }, 60_000);

  it('the sweep removes an upload whose replica died, its unfinished multipart upload, and objects no row names', async () => {
    process.env.TRACELENS_STALE_UPLOAD_S = '1';
    try {
      // A replica that died mid-upload: a row in `receiving`, an open multipart upload.
      const dead = await b.beginUpload({ name: 'cut.pcap' });
      await dead.write(new Uint8Array(9 * 1024 * 1024)); // more than one part: a real multipart upload
      // Its replica is gone: no more heartbeats.
      const d = dead as unknown as { id: string; stopHeartbeat(): void };
      d.stopHeartbeat();
      const deadId = d.id;
      await b.db.query("UPDATE upload_jobs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1", [
        deadId,
      ]);
      // A worker that died after writing an artifact, and a trace whose row went first.
      await a.objects.put('traces/ORPHANorphanORPHAN0001/a1/analysis.json', '{}');
      const kept = await share(a, capture);
      // The multipart upload is begun by the SDK in the background: wait until the store lists it.
      const pending = async () => {
        let n = 0;
        for await (const u of a.objects.staleMultipartUploads(
          `traces/${deadId}/`,
          new Date(Date.now() + 60_000),
        ))
          if (u.key) n++;
        return n;
      };
      for (let i = 0; i < 50 && (await pending()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await pending()).toBeGreaterThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 1500));
      // The sweep is periodic: whatever one pass leaves to the next (a part still arriving) goes then.
      const swept = { uploads: 0, objects: 0, multipart: 0 };
      for (let i = 0; i < 10; i++) {
        const s = await a.sweep();
        swept.uploads += s.uploads;
        swept.objects += s.objects;
        swept.multipart += s.multipart;
        if ((await pending()) === 0 && swept.uploads) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(swept.uploads).toBe(1);
      expect(swept.multipart).toBeGreaterThanOrEqual(1);
      expect(await pending()).toBe(0);
      const keys = [];
      for await (const o of a.objects.list('traces/')) keys.push(o.key);
      expect(keys.some((k) => k.includes('ORPHAN'))).toBe(false);
      expect(keys.some((k) => k.startsWith(`traces/${deadId}/`))).toBe(false);
      expect(keys).toContain(rawKey(kept.id));
      expect(await a.meta(kept.id)).not.toBeNull();
      const jobs = await a.db.query('SELECT count(*)::int AS n FROM upload_jobs');
      expect(jobs.rows[0].n).toBe(0);
    } finally {
      delete process.env.TRACELENS_STALE_UPLOAD_S;
    }
  }, 60_000);
});
