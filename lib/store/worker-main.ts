/**
 * A queue worker process for the scaled share server (bundled to dist/tracelens-worker.mjs by
 * scripts/build-cli.mjs): takes analysis jobs from PostgreSQL (job-queue.ts) with the same settings
 * as the app (`TRACELENS_DATABASE_URL`, `TRACELENS_S3_*`, `AWS_*`), `TRACELENS_QUEUE_WORKERS` at
 * once (default: the cores less one), and sweeps what crashes left. Runs on any machine that
 * reaches the database and the bucket; stops on SIGTERM/SIGINT after its running jobs.
 */
import { PgTraceStore } from './pg-store';
import { analysisWorkers } from './config';
import { startQueueWorkers } from './job-queue';

async function main(): Promise<void> {
  const store = await PgTraceStore.open(undefined, false);
  const n = Math.max(1, Number(process.env.TRACELENS_QUEUE_WORKERS) || analysisWorkers());
  const workers = startQueueWorkers(store, n);
  console.error(`tracelens worker ${process.pid}: taking jobs, ${n} at a time`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await workers.stop();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((e: Error) => {
  console.error(`tracelens worker: ${e.message}`);
  process.exit(1);
});
