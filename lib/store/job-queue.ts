/**
 * The analysis queue of the scaled store (server-only): an upload, once its bytes are in the
 * object store, is a `queued` row of `upload_jobs`; a worker — a loop in any replica or in a
 * separate process (worker-main.ts), on any machine — claims the oldest with
 * `FOR UPDATE SKIP LOCKED` (workers never wait for each other's rows), holds it by renewing a lease,
 * analyzes in a worker thread (analysis-pool.ts: the same limits and isolation as the embedded
 * store), writes the artifacts under a prefix of its own attempt, and in one transaction removes
 * the job and inserts the trace row.
 *
 * A worker killed mid-job stops renewing its lease; when the lease runs out another worker claims
 * the job and starts over (`TRACELENS_JOB_ATTEMPTS` attempts, then the upload fails). A worker that
 * finishes after losing its lease finds the job no longer its own, commits nothing and deletes its
 * artifacts; whatever a killed worker wrote is swept (pg-store.ts `sweep`).
 */
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { submit, type JobDone, type JobFailure } from './analysis-pool';
import { jobAttempts, jobLeaseS, sweepEveryS } from './config';
import type { JobLimits } from './analysis-job';
import type { PgTraceStore } from './pg-store';
import { artifactsPrefix, keylogKey, rawKey } from './s3-objects';
import type { AnalysisOptions } from '../trace';

export interface ClaimedJob {
  id: string;
  name: string;
  token_hash: string;
  bytes: string;
  sha256: string;
  keylog: string | null;
  options_json: string;
  limits_json: string;
  attempts: number;
}

export interface QueueWorkers {
  /** Stops taking jobs and waits for the ones running to end. */
  stop(): Promise<void>;
}

/** How often an idle worker looks for a job. */
const IDLE_POLL_MS = 150;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Scratch files live under a folder named after the process; a dead process's are removed at start. */
function scratchRoot(): string {
  return path.join(os.tmpdir(), 'tracelens-jobs');
}
function sweepScratch(): string {
  const root = scratchRoot();
  mkdirSync(root, { recursive: true });
  for (const d of readdirSync(root)) {
    const pid = Number(d.split('-')[0]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) rmSync(path.join(root, d), { recursive: true, force: true });
  }
  const mine = path.join(root, `${process.pid}-${instance}`);
  mkdirSync(mine, { recursive: true });
  return mine;
}
const instance = randomBytes(4).toString('hex');

/** Takes the oldest queued job, or one whose worker's lease ran out. */
export async function claim(store: PgTraceStore, worker: string): Promise<ClaimedJob | null> {
  const r = await store.db.query<ClaimedJob>(
    `WITH next AS (
       SELECT id FROM upload_jobs
       WHERE state = 'queued' OR (state = 'running' AND lease_until < now())
       ORDER BY queued_at
       LIMIT 1
       FOR UPDATE SKIP LOCKED
     )
     UPDATE upload_jobs j
     SET state = 'running', attempts = j.attempts + 1, worker = $1,
         lease_until = now() + make_interval(secs => $2)
     FROM next WHERE j.id = next.id
     RETURNING j.id, j.name, j.token_hash, j.bytes, j.sha256, j.keylog, j.options_json, j.limits_json, j.attempts`,
    [worker, jobLeaseS()],
  );
  return r.rows[0] ?? null;
}

const owned = `id = $1 AND worker = $2 AND attempts = $3 AND state = 'running'`;

/** Renews the lease; false when the job is no longer this worker's (lease lost, upload cancelled). */
async function renew(store: PgTraceStore, job: ClaimedJob, worker: string): Promise<boolean> {
  const r = await store.db.query(
    `UPDATE upload_jobs SET lease_until = now() + make_interval(secs => $4) WHERE ${owned}`,
    [job.id, worker, job.attempts, jobLeaseS()],
  );
  return (r.rowCount ?? 0) > 0;
}

async function failJob(
  store: PgTraceStore,
  job: ClaimedJob,
  worker: string,
  status: number,
  message: string,
): Promise<void> {
  const r = await store.db.query(
    `UPDATE upload_jobs SET state = 'failed', fail_status = $4, fail_message = $5, finished_at = now()
     WHERE ${owned}`,
    [job.id, worker, job.attempts, status, message],
  );
  // The capture is not kept: a failed upload is not a trace.
  if (r.rowCount) await store.objects.deletePrefix(`traces/${job.id}/`);
}

/** Removes the job and inserts the trace row, atomically; false when the job was not ours anymore. */
async function commitJob(
  store: PgTraceStore,
  job: ClaimedJob,
  worker: string,
  done: JobDone,
  prefix: string,
): Promise<boolean> {
  const c = await store.db.connect();
  try {
    await c.query('BEGIN');
    const gone = await c.query(`DELETE FROM upload_jobs WHERE ${owned}`, [job.id, worker, job.attempts]);
    if (!gone.rowCount) {
      await c.query('ROLLBACK');
      return false;
    }
    await c.query(
      `INSERT INTO traces (id, name, bytes, sha256, format, has_keylog, token_hash, artifacts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [job.id, job.name, job.bytes, job.sha256, done.format, job.keylog !== null, job.token_hash, prefix],
    );
    await c.query('COMMIT');
    return true;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

/**
 * One job: the capture is streamed from the object store into a scratch file that the analysis (a
 * worker thread) reads as it grows, exactly as an upload is analyzed in the embedded store.
 */
export async function runJob(
  store: PgTraceStore,
  job: ClaimedJob,
  worker: string,
  scratch: string,
): Promise<void> {
  const file = path.join(scratch, `${job.id}-a${job.attempts}.upload`);
  const outputs = ['', '.json', '.cols', '.summary.json', '.arrow'].map((s) => `${file}${s}`);
  let lost = false;
  const lease = setInterval(
    () => {
      renew(store, job, worker).then(
        (ok) => {
          if (!ok) lost = true;
        },
        () => undefined, // the database is away for a moment: the next renewal tries again
      );
    },
    Math.max(500, (jobLeaseS() * 1000) / 3),
  );
  const t0 = Date.now();
  let fetchedAt = t0;
  try {
    const handle = submit({
      path: file,
      name: job.name,
      keylog: job.keylog,
      options: JSON.parse(job.options_json) as Partial<AnalysisOptions>,
      limits: JSON.parse(job.limits_json) as JobLimits,
    });
    if (!handle) throw new Error('the analysis pool of this worker is full');
    const fh = await open(file, 'w');
    try {
      const raw = await store.objects.get(rawKey(job.id));
      if (!raw) throw new Error(`the capture of upload ${job.id} is missing from the object store`);
      let written = 0;
      let failed = false;
      handle.result.catch(() => (failed = true));
      for await (const chunk of raw.stream as AsyncIterable<Buffer>) {
        let off = 0;
        while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
        written += chunk.length;
        handle.setWritten(written);
        // A limit passed, or the job is no longer ours: stop reading the rest.
        if (failed || lost) break;
      }
      if (lost) handle.abort();
      else handle.end(written);
      fetchedAt = Date.now();
    } finally {
      await fh.close();
    }
    let done: JobDone;
    try {
      done = await handle.result;
    } catch (f) {
      const failure = f as JobFailure;
      if (!lost) await failJob(store, job, worker, failure.status, failure.message);
      return;
    }
    if (lost) return;
    const analyzedAt = Date.now();
    const prefix = artifactsPrefix(job.id, job.attempts);
    await store.objects.putStream(
      `${prefix}analysis.json`,
      createReadStream(done.analysisPath),
      'application/json',
    );
    await store.objects.put(`${prefix}summary.json`, await readFile(done.summaryPath), 'application/json');
    if (done.columnsPath) await store.objects.put(`${prefix}packets.cols`, await readFile(done.columnsPath));
    if (done.documentPath)
      await store.objects.putStream(
        `${prefix}trace.arrow`,
        createReadStream(done.documentPath),
        'application/vnd.apache.arrow.stream',
      );
    if (job.keylog !== null) await store.objects.put(keylogKey(job.id), job.keylog, 'text/plain');
    if (!(await commitJob(store, job, worker, done, prefix))) {
      // Another worker has the job now (our lease ran out) or the upload was cancelled.
      await store.objects.deletePrefix(prefix).catch(() => undefined);
      return;
    }
    const s = (a: number, b: number) => `${((b - a) / 1000).toFixed(1)} s`;
    console.error(
      `tracelens: job ${job.id} (${job.bytes} bytes, ${done.packets} packets, attempt ${job.attempts}): ` +
        `fetched in ${s(t0, fetchedAt)}, analyzed ${s(fetchedAt, analyzedAt)} later, stored in ${s(analyzedAt, Date.now())}`,
    );
  } finally {
    clearInterval(lease);
    for (const f of outputs) if (existsSync(f)) await rm(f, { force: true });
  }
}

/**
 * `n` loops taking jobs, plus the periodic sweep. Each loop runs one job at a time, so a process
 * analyzes at most `n` captures at once.
 */
export function startQueueWorkers(store: PgTraceStore, n: number): QueueWorkers {
  const worker = `${os.hostname()}:${process.pid}:${instance}`;
  const scratch = sweepScratch();
  let stopping = false;
  const loop = async () => {
    while (!stopping) {
      let job: ClaimedJob | null = null;
      try {
        job = await claim(store, worker);
        if (job && job.attempts > jobAttempts()) {
          await failJob(
            store,
            job,
            worker,
            500,
            `the analysis was started ${job.attempts - 1} times and its worker stopped each time`,
          );
          continue;
        }
        if (job) await runJob(store, job, worker, scratch);
      } catch (e) {
        // Left to its lease: another attempt (here or elsewhere) takes it when the lease runs out.
        console.error(`tracelens: job ${job?.id ?? '(claim)'} failed in ${worker}: ${(e as Error).message}`);
        await sleep(1000);
      }
      if (!job) await sleep(IDLE_POLL_MS);
    }
  };
  const loops = Array.from({ length: n }, () => loop());
  const sweep = () =>
    store.sweep().catch((e: Error) => console.error(`tracelens: sweep failed: ${e.message}`));
  void sweep();
  const timer = setInterval(sweep, sweepEveryS() * 1000);
  timer.unref();
  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      await Promise.all(loops);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
