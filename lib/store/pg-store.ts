/**
 * The scaled TraceStore (server-only): PostgreSQL for rows (traces, annotations, upload and job
 * state, rate-limit buckets) and an S3-compatible store for bytes (s3-objects.ts). A replica keeps
 * nothing on its own disk, so any number of them can serve behind a load balancer, sharing only the
 * database and the bucket; analyses run as jobs in the `upload_jobs` table (job-queue.ts), taken by
 * whichever worker is free — in a replica (`TRACELENS_QUEUE_WORKERS`) or a separate process
 * (`node dist/tracelens-worker.mjs`).
 *
 * Visibility: a trace's objects are all written before its row is inserted, and the row is
 * inserted in the same transaction that removes its job, so a trace is listed whole or not at all.
 * Objects that no row names (a replica or worker killed mid-way, a delete cut short) are removed
 * by `sweep`, which workers run at start and every few minutes.
 */
import pg from 'pg';
import { scaleSettings, staleUploadS, uploadRate, type ScaleSettings } from './config';
import { ObjectStore, keylogKey, rawKey } from './s3-objects';
import { startQueueWorkers, type QueueWorkers } from './job-queue';
import { QueuedUpload } from './queued-upload';
import { analysisQueue, queueWorkersInApp } from './config';
import {
  ID_PATTERN,
  newId,
  summarize,
  tokenMatches,
  type Annotation,
  type AnnotationTarget,
  type ByteRange,
  type IngestSession,
  type ObjectBody,
  type TraceMeta,
  type TraceStore,
  type TraceSummary,
  type UploadOptions,
} from './types';
import type { Trace } from '../trace';

/** Schema migrations, applied in order under an advisory lock; the index + 1 is the version. */
const MIGRATIONS: string[] = [
  `CREATE TABLE traces (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     bytes BIGINT NOT NULL,
     sha256 TEXT NOT NULL,
     format TEXT NOT NULL,
     has_keylog BOOLEAN NOT NULL,
     token_hash TEXT NOT NULL,
     -- key prefix of this trace's analysis objects (one per job attempt; the committed one here)
     artifacts TEXT NOT NULL
   );
   CREATE INDEX traces_by_time ON traces (created_at DESC);
   CREATE TABLE annotations (
     id TEXT PRIMARY KEY,
     trace_id TEXT NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
     seq BIGSERIAL,
     target_json TEXT NOT NULL,
     author TEXT NOT NULL,
     text TEXT NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL,
     version INTEGER NOT NULL DEFAULT 1
   );
   CREATE INDEX annotations_by_trace ON annotations (trace_id, seq);
   -- one token bucket per client; a row untouched for a minute is a full bucket and is deleted
   CREATE TABLE rate_buckets (
     client TEXT PRIMARY KEY,
     tokens DOUBLE PRECISION NOT NULL,
     at_ms BIGINT NOT NULL,
     last_ok BOOLEAN NOT NULL
   );
   -- an upload from its first byte to its trace row: receiving -> queued -> running -> (row | failed)
   CREATE TABLE upload_jobs (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     token_hash TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('receiving', 'queued', 'running', 'failed')),
     created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     queued_at TIMESTAMPTZ,
     bytes BIGINT,
     sha256 TEXT,
     keylog TEXT,
     options_json TEXT NOT NULL,
     limits_json TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     worker TEXT,
     lease_until TIMESTAMPTZ,
     fail_status INTEGER,
     fail_message TEXT,
     finished_at TIMESTAMPTZ
   );
   CREATE INDEX upload_jobs_queue ON upload_jobs (queued_at) WHERE state IN ('queued', 'running');`,
  // 2: shared correlations, a view document each in the bucket (correlationKey); the row is
  // inserted after the object is written, so a correlation is served whole or not at all
  `CREATE TABLE correlations (
     id TEXT PRIMARY KEY,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     bytes BIGINT NOT NULL
   );`,
];

/** A shared correlation's view document in the bucket; its own prefix, apart from the traces'. */
export const correlationKey = (id: string): string => `correlations/${id}.json`;

/** Any 64-bit number the project's advisory locks are keyed on. */
const MIGRATE_LOCK = 0x7472_6163_656c_01;
const SWEEP_LOCK = 0x7472_6163_656c_02;

interface TraceRow {
  id: string;
  name: string;
  created_at: Date;
  bytes: string;
  sha256: string;
  format: string;
  has_keylog: boolean;
  token_hash: string;
  artifacts: string;
}
interface AnnotationRow {
  id: string;
  target_json: string;
  author: string;
  text: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

function metaOf(r: TraceRow): TraceMeta {
  return {
    id: r.id,
    name: r.name,
    createdAt: r.created_at.toISOString(),
    bytes: Number(r.bytes),
    sha256: r.sha256,
    format: r.format,
    hasKeylog: r.has_keylog,
  };
}
function annotationOf(r: AnnotationRow): Annotation {
  return {
    id: r.id,
    target: JSON.parse(r.target_json) as AnnotationTarget,
    author: r.author,
    text: r.text,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    version: r.version,
  };
}

export class PgTraceStore implements TraceStore {
  readonly backend = 'postgres+s3' as const;
  private workers: QueueWorkers | null = null;

  private constructor(
    readonly db: pg.Pool,
    readonly objects: ObjectStore,
  ) {}

  /**
   * Connects, migrates, creates the bucket when missing, and — unless `TRACELENS_QUEUE_WORKERS=0`
   * or `withWorkers` is false — starts this process's queue workers.
   */
  static async open(
    settings: ScaleSettings | null = scaleSettings(),
    withWorkers = true,
  ): Promise<PgTraceStore> {
    if (!settings) throw new Error('TRACELENS_DATABASE_URL and TRACELENS_S3_BUCKET are not set');
    const db = new pg.Pool({ connectionString: settings.databaseUrl, max: 20 });
    // An idle client losing its connection (database restarted) must not end the process.
    db.on('error', (e) => console.error(`tracelens: database connection lost: ${e.message}`));
    const store = new PgTraceStore(db, new ObjectStore(settings.s3));
    try {
      await store.migrate();
      await store.objects.ensureBucket();
    } catch (e) {
      await db.end().catch(() => undefined);
      throw e;
    }
    const n = withWorkers ? queueWorkersInApp() : 0;
    if (n > 0) store.workers = startQueueWorkers(store, n);
    return store;
  }

  private async migrate(): Promise<void> {
    const c = await this.db.connect();
    try {
      await c.query('BEGIN');
      // Replicas starting together: one migrates, the others wait and find nothing to do.
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
      await c.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      const r = await c.query<{ version: number }>('SELECT version FROM schema_version');
      let v = r.rows[0]?.version ?? 0;
      if (r.rows.length === 0) await c.query('INSERT INTO schema_version (version) VALUES (0)');
      for (; v < MIGRATIONS.length; v++) await c.query(MIGRATIONS[v]);
      await c.query('UPDATE schema_version SET version = $1', [MIGRATIONS.length]);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async schemaVersion(): Promise<number> {
    const r = await this.db.query<{ version: number }>('SELECT version FROM schema_version');
    return r.rows[0]?.version ?? 0;
  }

  beginUpload(opts: UploadOptions): Promise<IngestSession> {
    return QueuedUpload.begin(this, opts);
  }

  /** Full when the jobs waiting for a worker, across all replicas, reach `TRACELENS_ANALYSIS_QUEUE`. */
  async busy(): Promise<boolean> {
    const r = await this.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM upload_jobs WHERE state = 'queued'",
    );
    return Number(r.rows[0].n) >= analysisQueue();
  }

  /** The token bucket of memory's limiter, one row per client, updated in one statement. */
  async takeUploadToken(client: string, now = Date.now()) {
    const perMinute = uploadRate();
    const refill = `LEAST($2::float8, rate_buckets.tokens + GREATEST(0, $3::bigint - rate_buckets.at_ms) / 60000.0 * $2::float8)`;
    const r = await this.db.query<{ tokens: number; last_ok: boolean }>(
      `INSERT INTO rate_buckets AS rate_buckets (client, tokens, at_ms, last_ok)
       VALUES ($1, CASE WHEN $2::float8 >= 1 THEN $2::float8 - 1 ELSE $2::float8 END, $3, $2::float8 >= 1)
       ON CONFLICT (client) DO UPDATE SET
         tokens = CASE WHEN ${refill} >= 1 THEN ${refill} - 1 ELSE ${refill} END,
         last_ok = ${refill} >= 1,
         at_ms = $3
       RETURNING tokens, last_ok`,
      [client, perMinute, now],
    );
    const { tokens, last_ok } = r.rows[0];
    return last_ok
      ? ({ ok: true } as const)
      : ({ ok: false, retryAfterS: Math.ceil(((1 - tokens) / perMinute) * 60) } as const);
  }

  private async row(id: string): Promise<TraceRow | null> {
    if (!ID_PATTERN.test(id)) return null;
    const r = await this.db.query<TraceRow>('SELECT * FROM traces WHERE id = $1', [id]);
    return r.rows[0] ?? null;
  }

  async meta(id: string): Promise<TraceMeta | null> {
    const r = await this.row(id);
    return r ? metaOf(r) : null;
  }

  async summary(id: string): Promise<TraceSummary | null> {
    const r = await this.row(id);
    if (!r) return null;
    const bytes = await this.objects.getBytes(`${r.artifacts}summary.json`);
    if (bytes) return JSON.parse(Buffer.from(bytes).toString('utf8')) as TraceSummary;
    const a = await this.objects.getBytes(`${r.artifacts}analysis.json`);
    return a ? summarize(JSON.parse(Buffer.from(a).toString('utf8')) as Trace) : null;
  }

  async analysis(id: string): Promise<ObjectBody | null> {
    const r = await this.row(id);
    return r ? this.objects.get(`${r.artifacts}analysis.json`) : null;
  }

  async raw(id: string, range?: ByteRange): Promise<ObjectBody | null> {
    if (!(await this.row(id))) return null;
    return this.objects.get(rawKey(id), range);
  }

  /** The trace document (lib/document), for traces analyzed since documents were made. */
  async document(id: string): Promise<ObjectBody | null> {
    const r = await this.row(id);
    return r ? this.objects.get(`${r.artifacts}trace.arrow`) : null;
  }

  async packetColumns(id: string): Promise<Uint8Array | null> {
    const r = await this.row(id);
    return r ? this.objects.getBytes(`${r.artifacts}packets.cols`) : null;
  }

  async keylog(id: string): Promise<string | null> {
    const r = await this.row(id);
    if (!r?.has_keylog) return null;
    const b = await this.objects.getBytes(keylogKey(id));
    return b ? Buffer.from(b).toString('utf8') : null;
  }

  async checkToken(id: string, token: string | null): Promise<boolean> {
    const r = await this.row(id);
    return r ? tokenMatches(token, r.token_hash) : false;
  }

  /** The row first (the trace stops being served at once), then its objects. */
  async deleteTrace(id: string): Promise<boolean> {
    if (!ID_PATTERN.test(id)) return false;
    const r = await this.db.query('DELETE FROM traces WHERE id = $1', [id]);
    if (!r.rowCount) return false;
    // Cut short here, the objects are swept later: no row names them.
    await this.objects.deletePrefix(`traces/${id}/`).catch((e: Error) => {
      console.error(`tracelens: objects of deleted trace ${id} left for the sweep: ${e.message}`);
    });
    return true;
  }

  async list(limit = 100): Promise<TraceMeta[]> {
    const r = await this.db.query<TraceRow>('SELECT * FROM traces ORDER BY created_at DESC LIMIT $1', [
      limit,
    ]);
    return r.rows.map(metaOf);
  }

  async annotations(id: string): Promise<Annotation[]> {
    if (!ID_PATTERN.test(id)) return [];
    const r = await this.db.query<AnnotationRow>(
      'SELECT * FROM annotations WHERE trace_id = $1 ORDER BY seq',
      [id],
    );
    return r.rows.map(annotationOf);
  }

  async addAnnotation(
    id: string,
    a: { target: AnnotationTarget; author: string; text: string },
  ): Promise<Annotation> {
    const now = new Date();
    const r = await this.db.query<AnnotationRow>(
      `INSERT INTO annotations (id, trace_id, target_json, author, text, created_at, updated_at, version)
       VALUES ($1, $2, $3, $4, $5, $6, $6, 1) RETURNING *`,
      [newId(), id, JSON.stringify(a.target), a.author, a.text, now],
    );
    return annotationOf(r.rows[0]);
  }

  /**
   * Optimistic concurrency as in the embedded store: with `ifVersion`, the update applies only to
   * that version (one statement: two replicas cannot both win); a miss is told apart after.
   */
  async updateAnnotation(
    id: string,
    aid: string,
    patch: { text?: string; author?: string; target?: AnnotationTarget; ifVersion?: number },
  ): Promise<Annotation | null | 'conflict'> {
    if (!ID_PATTERN.test(aid)) return null;
    const r = await this.db.query<AnnotationRow>(
      `UPDATE annotations SET
         text = COALESCE($3, text),
         author = COALESCE($4, author),
         target_json = COALESCE($5, target_json),
         updated_at = $6,
         version = version + 1
       WHERE id = $1 AND trace_id = $2 AND ($7::int IS NULL OR version = $7::int)
       RETURNING *`,
      [
        aid,
        id,
        patch.text ?? null,
        patch.author ?? null,
        patch.target ? JSON.stringify(patch.target) : null,
        new Date(),
        patch.ifVersion ?? null,
      ],
    );
    if (r.rows[0]) return annotationOf(r.rows[0]);
    if (patch.ifVersion === undefined) return null;
    const exists = await this.db.query('SELECT 1 FROM annotations WHERE id = $1 AND trace_id = $2', [
      aid,
      id,
    ]);
    return exists.rowCount ? 'conflict' : null;
  }

  async deleteAnnotation(id: string, aid: string): Promise<boolean> {
    if (!ID_PATTERN.test(aid)) return false;
    const r = await this.db.query('DELETE FROM annotations WHERE id = $1 AND trace_id = $2', [aid, id]);
    return (r.rowCount ?? 0) > 0;
  }

  /**
   * Removes what crashes left: uploads whose replica stopped sending heartbeats (row, objects,
   * unfinished multipart uploads), failed jobs nobody collected, objects no row names, and rate
   * buckets that are full again. One replica at a time (advisory lock); others skip.
   */
  async sweep(now = new Date()): Promise<{ uploads: number; objects: number; multipart: number }> {
    const out = { uploads: 0, objects: 0, multipart: 0 };
    const c = await this.db.connect();
    try {
      const got = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [SWEEP_LOCK]);
      if (!got.rows[0].ok) return out;
      try {
        const stale = staleUploadS();
        const dead = await c.query<{ id: string }>(
          `DELETE FROM upload_jobs
           WHERE (state = 'receiving' AND heartbeat_at < now() - make_interval(secs => $1))
              OR (state = 'failed' AND finished_at < now() - interval '1 hour')
           RETURNING id`,
          [stale],
        );
        out.uploads = dead.rowCount ?? 0;
        for (const { id } of dead.rows) out.objects += await this.objects.deletePrefix(`traces/${id}/`);
        await c.query('DELETE FROM rate_buckets WHERE at_ms < $1', [now.getTime() - 60_000]);

        const before = new Date(now.getTime() - stale * 1000);
        const live = async (id: string) => {
          const r = await c.query<{ artifacts: string | null; job: boolean }>(
            `SELECT (SELECT artifacts FROM traces WHERE id = $1) AS artifacts,
                    EXISTS (SELECT 1 FROM upload_jobs WHERE id = $1) AS job`,
            [id],
          );
          return r.rows[0];
        };
        for await (const u of this.objects.staleMultipartUploads('traces/', before)) {
          const id = u.key.split('/')[1];
          const l = await live(id);
          if (l.job) continue; // still being received or analyzed (its heartbeat or lease is fresh)
          await this.objects.abortMultipart(u.key, u.uploadId);
          out.multipart++;
        }
        const doomed: string[] = [];
        let lastId = '';
        let lastLive: { artifacts: string | null; job: boolean } | null = null;
        for await (const o of this.objects.list('traces/')) {
          if (o.lastModified >= before) continue; // may belong to a commit in progress
          const id = o.key.split('/')[1];
          if (id !== lastId) {
            lastId = id;
            lastLive = await live(id);
          }
          const l = lastLive as { artifacts: string | null; job: boolean };
          if (l.job) continue;
          if (!l.artifacts) doomed.push(o.key);
          else if (/^traces\/[^/]+\/a\d+\//.test(o.key) && !o.key.startsWith(l.artifacts)) doomed.push(o.key);
        }
        // Correlation documents whose row was never inserted (the replica died in between).
        for await (const o of this.objects.list('correlations/')) {
          if (o.lastModified >= before) continue;
          const id = o.key.slice('correlations/'.length).replace(/\.json$/, '');
          const r = await c.query('SELECT 1 FROM correlations WHERE id = $1', [id]);
          if (!r.rowCount) doomed.push(o.key);
        }
        if (doomed.length) await this.objects.deleteKeys(doomed);
        out.objects += doomed.length;
      } finally {
        await c.query('SELECT pg_advisory_unlock($1)', [SWEEP_LOCK]);
      }
    } finally {
      c.release();
    }
    if (out.uploads || out.objects || out.multipart)
      console.error(
        `tracelens: swept ${out.uploads} abandoned uploads, ${out.objects} orphaned objects, ${out.multipart} unfinished multipart uploads`,
      );
    return out;
  }

  /** The object first, then its row: a replica that dies between them leaves an object the sweep removes. */
  async saveCorrelation(json: string): Promise<string> {
    const id = newId();
    const bytes = Buffer.from(json, 'utf8');
    await this.objects.put(correlationKey(id), bytes, 'application/json');
    await this.db.query('INSERT INTO correlations (id, bytes) VALUES ($1, $2)', [id, bytes.length]);
    return id;
  }

  async correlation(id: string): Promise<string | null> {
    if (!ID_PATTERN.test(id)) return null;
    const r = await this.db.query('SELECT 1 FROM correlations WHERE id = $1', [id]);
    if (!r.rowCount) return null;
    const b = await this.objects.getBytes(correlationKey(id));
    return b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8') : null;
  }

  async close(): Promise<void> {
    await this.workers?.stop();
    await this.db.end();
    this.objects.client.destroy();
  }
}
