/**
 * Shared correlations (server-only), a separate artifact beside the shared traces: the view
 * document (lib/lanes/view.ts) of captures uploaded together, kept by the store: one JSON file per
 * id under `<data dir>/correlations/` on the embedded backend (correlations-files.ts), an object
 * `correlations/<id>.json` plus a row on PostgreSQL + S3, so every replica serves every
 * correlation. The uploaded captures themselves are deleted once correlated. The
 * correlation runs off the request thread: a worker thread per job, at most
 * TRACELENS_ANALYSIS_WORKERS at once (the shared traces' setting).
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { analysisWorkers } from './config';
import { runCorrelationJob, type CorrelationJobInput, type CorrelationJobResult } from './correlation-job';
import { correlationsDir } from './correlations-files';
import { ID_PATTERN, newId, type TraceStore } from './types';

export { correlationsDir } from './correlations-files';

function workerFile(): string {
  return path.resolve(/* turbopackIgnore: true */ process.cwd(), 'dist/correlation-worker.mjs');
}

const slots = globalThis as unknown as {
  __tracelensCorrelations?: { running: number; waiting: (() => void)[] };
};
function pool() {
  slots.__tracelensCorrelations ??= { running: 0, waiting: [] };
  return slots.__tracelensCorrelations;
}

async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
  const p = pool();
  if (p.running >= analysisWorkers()) await new Promise<void>((r) => p.waiting.push(r));
  else p.running++;
  try {
    return await fn();
  } finally {
    const next = p.waiting.shift();
    if (next) next();
    else p.running--;
  }
}

/** Correlates the files in a worker thread (in-process when dist/correlation-worker.mjs is not built). */
export function correlateFiles(input: CorrelationJobInput): Promise<CorrelationJobResult> {
  return withSlot(() => {
    const file = workerFile();
    if (!existsSync(file)) return runCorrelationJob(input);
    return new Promise<CorrelationJobResult>((resolve) => {
      const w = new Worker(file, { workerData: input });
      let settled = false;
      const done = (r: CorrelationJobResult) => {
        if (settled) return;
        settled = true;
        void w.terminate();
        resolve(r);
      };
      w.on('message', (m: CorrelationJobResult) => done(m));
      w.on('error', (e) => done({ type: 'fail', message: `correlation worker failed: ${e.message}` }));
      w.on('exit', (code) => done({ type: 'fail', message: `correlation worker exited with code ${code}` }));
    });
  });
}

/** Stores a view document in the process's store (files, or the bucket at scale); returns its id. */
export async function saveCorrelation(store: TraceStore, json: string): Promise<string> {
  return store.saveCorrelation(json);
}

/** The stored view document's JSON text, or null (unknown or malformed id). */
export async function loadCorrelation(store: TraceStore, id: string): Promise<string | null> {
  if (!ID_PATTERN.test(id)) return null;
  return store.correlation(id);
}

/**
 * A scratch directory for one upload's files, removed by the caller: beside the documents on the
 * embedded backend; in the system's temporary directory at scale, where a replica keeps nothing.
 */
export async function uploadScratch(
  store: TraceStore,
  dataDir: string,
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const base = store.backend === 'postgres+s3' ? tmpdir() : correlationsDir(dataDir);
  const dir = path.join(base, `.tracelens-correlation-upload-${newId()}`);
  await mkdir(dir, { recursive: true });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
