/**
 * The worker-thread entry of an upload's analysis (bundled to dist/analysis-worker.mjs by
 * scripts/build-cli.mjs): one job per worker, driven by messages from analysis-pool.ts.
 */
import { parentPort } from 'node:worker_threads';
import { AnalysisJob, type ToJob } from './analysis-job';

const port = parentPort;
if (port) {
  const job = new AnalysisJob((m) => port.postMessage(m));
  port.on('message', (m: ToJob) => job.onMessage(m));
}
