/**
 * Receiving a shared capture into the scaled store (server-only). The request streams the bytes
 * straight into the object store as a multipart upload — checksummed and counted against the
 * upload limit as they pass, never on local disk, never whole in memory — while its `upload_jobs`
 * row says `receiving` and the replica renews its heartbeat. Complete, the row becomes a `queued`
 * job (job-queue.ts), and the request waits for a worker's verdict: the trace row (201), or the
 * failure the analysis found (413 past a limit, 415 not a capture).
 *
 * A replica killed mid-upload leaves a row whose heartbeat stops and an unfinished multipart
 * upload: the sweep removes both. The packet and decompressed-size limits are watched as the bytes
 * pass (capture-limits.ts), so those 413s come while the client is still sending, as on the
 * embedded store; the worker's analysis checks them again.
 */
import { createHash } from 'node:crypto';
import { CaptureLimitWatch } from './capture-limits';
import { maxDecompressed, maxPackets, staleUploadS, uploadLimit } from './config';
import { UploadError } from './ingest';
import type { PgTraceStore } from './pg-store';
import { rawKey, type ObjectWriter } from './s3-objects';
import { hashToken, newId, newToken, type IngestSession, type UploadOptions } from './types';

/** How long a request waits for its analysis before answering 503 (the job goes on). */
const WAIT_MS = 15 * 60_000;
const POLL_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class QueuedUpload implements IngestSession {
  private bytes = 0;
  private readonly hash = createHash('sha256');
  private keylog: string | null;
  private failedWith: UploadError | null = null;
  private readonly limit = uploadLimit();
  private readonly limits = new CaptureLimitWatch({
    maxPackets: maxPackets(),
    maxDecompressed: maxDecompressed(),
  });
  private heartbeat: NodeJS.Timeout | null = null;
  private settled = false;
  readonly failure: Promise<never>;
  private rejectFailure!: (e: UploadError) => void;

  private constructor(
    private readonly store: PgTraceStore,
    readonly id: string,
    private readonly token: string,
    private readonly writer: ObjectWriter,
    opts: UploadOptions,
  ) {
    this.keylog = opts.keylog ?? null;
    this.failure = new Promise<never>((_, reject) => (this.rejectFailure = reject));
    this.failure.catch(() => undefined);
    // A heartbeat well inside the stale limit: the sweep leaves a live upload alone.
    const every = Math.max(1000, (staleUploadS() * 1000) / 4);
    this.heartbeat = setInterval(() => {
      store.db
        .query("UPDATE upload_jobs SET heartbeat_at = now() WHERE id = $1 AND state = 'receiving'", [id])
        .catch(() => undefined);
    }, every);
    this.heartbeat.unref();
  }

  static async begin(store: PgTraceStore, opts: UploadOptions): Promise<QueuedUpload> {
    const id = newId();
    const token = newToken();
    await store.db.query(
      `INSERT INTO upload_jobs (id, name, token_hash, state, options_json, limits_json)
       VALUES ($1, $2, $3, 'receiving', $4, $5)`,
      [
        id,
        opts.name,
        hashToken(token),
        JSON.stringify(opts.options ?? {}),
        JSON.stringify({ maxDecompressed: maxDecompressed(), maxPackets: maxPackets() }),
      ],
    );
    return new QueuedUpload(store, id, token, store.objects.writer(rawKey(id)), opts);
  }

  private fail(e: UploadError): UploadError {
    if (!this.failedWith) {
      this.failedWith = e;
      this.rejectFailure(e);
    }
    return this.failedWith;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.failedWith) throw this.failedWith;
    this.bytes += chunk.length;
    if (this.bytes > this.limit)
      throw this.fail(
        new UploadError(413, `upload larger than the limit of ${this.limit} bytes (TRACELENS_UPLOAD_LIMIT)`),
      );
    const over = this.limits.push(chunk);
    if (over) throw this.fail(new UploadError(413, over));
    this.hash.update(chunk);
    await this.writer.write(chunk);
  }

  setKeylog(text: string): void {
    this.keylog = text;
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  async finish(): Promise<{ id: string; token: string; bytes: number }> {
    try {
      if (this.failedWith) throw this.failedWith;
      if (this.bytes === 0)
        throw new UploadError(
          400,
          'empty upload: send the capture file as the request body or as the multipart field "file"',
        );
      await this.writer.finish();
      const q = await this.store.db.query(
        `UPDATE upload_jobs SET state = 'queued', queued_at = now(), bytes = $2, sha256 = $3, keylog = $4
         WHERE id = $1 AND state = 'receiving'`,
        [this.id, this.bytes, this.hash.digest('hex'), this.keylog],
      );
      this.stopHeartbeat();
      if (!q.rowCount) throw new Error(`upload ${this.id} was swept while it was being received`);
      await this.waitForAnalysis();
      this.settled = true;
      return { id: this.id, token: this.token, bytes: this.bytes };
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  /** Until a worker has committed the trace (its job row is gone and the trace row is there). */
  private async waitForAnalysis(): Promise<void> {
    const until = Date.now() + WAIT_MS;
    while (Date.now() < until) {
      const r = await this.store.db.query<{
        state: string | null;
        fail_status: number | null;
        fail_message: string | null;
        traced: boolean;
      }>(
        `SELECT j.state, j.fail_status, j.fail_message, EXISTS (SELECT 1 FROM traces WHERE id = $1) AS traced
         FROM (SELECT 1) one LEFT JOIN upload_jobs j ON j.id = $1`,
        [this.id],
      );
      const row = r.rows[0];
      if (row.traced) return;
      if (row.state === 'failed') {
        await this.store.db.query('DELETE FROM upload_jobs WHERE id = $1', [this.id]);
        const status = row.fail_status as 413 | 415 | 500;
        throw new UploadError(status, row.fail_message ?? 'the analysis failed');
      }
      if (row.state === null) throw new Error(`upload ${this.id} vanished from the queue`);
      await sleep(POLL_MS);
    }
    throw new UploadError(503, 'the analysis is taking longer than this request may wait: try again later', {
      'retry-after': '60',
    });
  }

  /** Cancels: the multipart upload, the row (a job not yet committed is then never committed), the objects. */
  async abort(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    this.stopHeartbeat();
    await this.writer.abort().catch(() => undefined);
    await this.store.db.query('DELETE FROM upload_jobs WHERE id = $1', [this.id]).catch(() => undefined);
    // Left to the sweep if the store is away now: no row names them.
    await this.store.objects.deletePrefix(`traces/${this.id}/`).catch(() => undefined);
  }
}
