/**
 * The worker-thread entry of a shared correlation (bundled to dist/correlation-worker.mjs by
 * scripts/build-cli.mjs): one job per worker, its input in workerData, its result posted once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runCorrelationJob, type CorrelationJobInput } from './correlation-job';

if (parentPort) {
  const port = parentPort;
  void runCorrelationJob(workerData as CorrelationJobInput).then((r) => port.postMessage(r));
}
