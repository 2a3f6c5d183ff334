/**
 * Upload analyses off the request thread (server-only): each runs in its own worker thread, at
 * most `TRACELENS_ANALYSIS_WORKERS` at once; further uploads wait in a queue of at most
 * `TRACELENS_ANALYSIS_QUEUE`, and past that `submit` refuses (the API answers 503 + Retry-After).
 * A worker lives for one job, so an aborted or over-limit analysis is ended by terminating it and
 * its memory goes with it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AnalysisJob, type FromJob, type JobLimits, type ToJob } from './analysis-job';
import { analysisQueue, analysisWorkers } from './config';
import type { AnalysisOptions } from '../trace';

export type JobDone = Extract<FromJob, { type: 'done' }>;
export type JobFailure = Extract<FromJob, { type: 'fail' }>;

export interface JobInit {
  path: string;
  name: string;
  keylog: string | null;
  options: Partial<AnalysisOptions>;
  limits: JobLimits;
}

interface Runner {
  send(m: ToJob): void;
  stop(): void;
}

function workerFile(): string {
  // Resolved at run time against the working directory, like the data directory.
  return path.resolve(/* turbopackIgnore: true */ process.cwd(), 'dist/analysis-worker.mjs');
}

let warnedInProcess = false;

/** A worker thread, or — when the bundle is missing (`next dev` without `npm run build:cli`) — the same job in-process. */
function startRunner(onMessage: (m: FromJob) => void, onCrash: (message: string) => void): Runner {
  const file = workerFile();
  if (!existsSync(file)) {
    if (!warnedInProcess) {
      warnedInProcess = true;
      console.error(
        `tracelens: ${file} not built (npm run build:cli): analyzing uploads on the request thread`,
      );
    }
    let stopped = false;
    const job = new AnalysisJob((m) => {
      if (!stopped) onMessage(m);
    });
    return {
      send: (m) => job.onMessage(m),
      stop: () => {
        stopped = true;
      },
    };
  }
  const w = new Worker(file);
  let over = false;
  w.on('message', (m: FromJob) => onMessage(m));
  w.on('error', (e) => {
    if (!over) onCrash(`analysis worker failed: ${e.message}`);
  });
  w.on('exit', (code) => {
    if (!over) onCrash(`analysis worker exited with code ${code}`);
  });
  return {
    send: (m) => w.postMessage(m),
    stop: () => {
      over = true;
      void w.terminate();
    },
  };
}

const state = globalThis as unknown as {
  __tracelensPool?: { running: number; waiting: AnalysisHandle[] };
};
function pool() {
  state.__tracelensPool ??= { running: 0, waiting: [] };
  return state.__tracelensPool;
}

/** True when a new upload would be refused (all workers busy and the queue full). */
export function poolFull(): boolean {
  const p = pool();
  return p.running >= analysisWorkers() && p.waiting.length >= analysisQueue();
}

export function poolStats(): { running: number; waiting: number } {
  const p = pool();
  return { running: p.running, waiting: p.waiting.length };
}

function pump(): void {
  const p = pool();
  while (p.running < analysisWorkers() && p.waiting.length > 0) {
    const next = p.waiting.shift() as AnalysisHandle;
    p.running++;
    next.begin();
  }
}

/** One upload's analysis: fed the file's progress by the request, settled by its worker. */
export class AnalysisHandle {
  private runner: Runner | null = null;
  private written = 0;
  private ended = false;
  private keylog: string | null;
  private settled = false;
  private holdsSlot = false;
  private resolveResult!: (d: JobDone) => void;
  private rejectResult!: (f: JobFailure) => void;
  /** Settles once: the analysis, or why it failed (413 limit, 415 not a capture, 500). */
  readonly result: Promise<JobDone>;

  constructor(private readonly init: JobInit) {
    this.keylog = init.keylog;
    this.result = new Promise<JobDone>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    this.result.catch(() => undefined); // observed by the caller; never an unhandled rejection
  }

  /** Called by the pool when a worker slot is free. */
  begin(): void {
    this.holdsSlot = true;
    if (this.settled) {
      this.release();
      return;
    }
    try {
      this.runner = startRunner(
        (m) => this.settle(m),
        (message) => this.settle({ type: 'fail', status: 500, message }),
      );
    } catch (e) {
      // A worker that cannot start must not keep its slot.
      this.settle({
        type: 'fail',
        status: 500,
        message: `analysis worker did not start: ${(e as Error).message}`,
      });
      return;
    }
    this.runner.send({
      type: 'start',
      ...this.init,
      keylog: this.keylog,
      written: this.written,
      ended: this.ended,
    });
  }

  setWritten(n: number): void {
    this.written = n;
    this.runner?.send({ type: 'written', written: n });
  }

  setKeylog(text: string): void {
    this.keylog = text;
    this.runner?.send({ type: 'keylog', text });
  }

  end(n: number): void {
    this.written = n;
    this.ended = true;
    this.runner?.send({ type: 'end', written: n });
  }

  /** Stops the analysis (request failed or was abandoned) and frees its slot. */
  abort(): void {
    this.settle({ type: 'fail', status: 500, message: 'aborted' });
  }

  private settle(m: FromJob): void {
    if (this.settled) return;
    this.settled = true;
    if (m.type === 'done') this.resolveResult(m);
    else this.rejectResult(m);
    this.release();
  }

  private release(): void {
    this.runner?.stop();
    this.runner = null;
    const p = pool();
    if (this.holdsSlot) {
      this.holdsSlot = false;
      p.running--;
    } else {
      const i = p.waiting.indexOf(this);
      if (i >= 0) p.waiting.splice(i, 1);
    }
    pump();
  }
}

/** Queues an analysis; null when the queue is full. */
export function submit(init: JobInit): AnalysisHandle | null {
  if (poolFull()) return null;
  const h = new AnalysisHandle(init);
  pool().waiting.push(h);
  pump();
  return h;
}
