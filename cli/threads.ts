/**
 * `tracelens analyze --threads N`: the capture's connections split across N worker threads by
 * connection key (lib/parallel/shard.ts), merged into the trace one thread makes, byte for byte.
 *
 * Each worker reads the file itself (the OS page cache serves the N reads) and decodes every
 * packet's link and IP layers, but tracks, reassembles and parses (HTTP/1, HTTP/2 + HPACK, TLS)
 * only its own connections; the detectors run once on the merged trace here.
 *
 * This module is also the workers' entry: the worker runs this same file (cli/threads.ts under tsx,
 * dist/tracelens.mjs once bundled) and the check at the bottom starts its share.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Analyzer, AnalysisError, assembleCapture } from '../lib/analyze';
import { sniffCapture } from '../lib/capture/reader';
import { mergeShards, ShardRecorder, shardTransferables, type ShardOutput } from '../lib/parallel/shard';
import { DEFAULT_OPTIONS, type AnalysisOptions, type Trace } from '../lib/trace';

const CHUNK = 4 << 20;
const JOB = 'tracelens-shard';

interface ShardJob {
  job: typeof JOB;
  file: string;
  name: string;
  size: number;
  keylog: string | undefined;
  options: Partial<AnalysisOptions>;
  index: number;
  count: number;
}

type ShardReply = { ok: true; output: ShardOutput } | { ok: false; message: string; analysis: boolean };

/** Analyzes a capture file on `count` worker threads (count >= 2). */
export async function analyzeCaptureThreads(
  file: string,
  name: string,
  size: number,
  keylog: string | undefined,
  options: Partial<AnalysisOptions>,
  count: number,
): Promise<Trace> {
  const jobs: ShardJob[] = [];
  for (let index = 0; index < count; index++)
    jobs.push({ job: JOB, file, name, size, keylog, options, index, count });
  const replies = await Promise.allSettled(jobs.map(runWorker));
  const outputs: ShardOutput[] = [];
  for (const r of replies) {
    if (r.status === 'rejected') throw r.reason;
    outputs.push(r.value);
  }
  const merged = mergeShards(outputs);
  // The options as one Analyzer would hold them (defaults under what was given).
  const full = { ...DEFAULT_OPTIONS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) (full as Record<string, unknown>)[k] = v;
  return assembleCapture(merged, full);
}

function runWorker(job: ShardJob): Promise<ShardOutput> {
  const self = new URL(import.meta.url);
  return new Promise((resolve, reject) => {
    // Under tsx (sources) the worker registers tsx's loader first; the bundle is plain JavaScript.
    const w = self.pathname.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(self.href)}); })`,
          { eval: true, workerData: job },
        )
      : new Worker(self, { workerData: job });
    let settled = false;
    w.once('message', (reply: ShardReply) => {
      settled = true;
      if (reply.ok) resolve(reply.output);
      else reject(reply.analysis ? new AnalysisError(reply.message) : new Error(reply.message));
      void w.terminate();
    });
    w.once('error', (e) => {
      if (!settled) reject(e);
      settled = true;
    });
    w.once('exit', (code) => {
      if (!settled) reject(new Error(`analysis worker ${job.index} exited with code ${code}`));
      settled = true;
    });
  });
}

async function runShard(job: ShardJob): Promise<void> {
  const port = parentPort!;
  try {
    const a = new Analyzer({ name: job.name, size: job.size, keylog: job.keylog }, job.options);
    a.shard(new ShardRecorder(job.index, job.count));
    for await (const chunk of createReadStream(job.file, { highWaterMark: CHUNK })) {
      const b = chunk as Buffer;
      a.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    }
    const output = a.finishShard();
    port.postMessage({ ok: true, output } satisfies ShardReply, shardTransferables(output));
  } catch (e) {
    const reply: ShardReply = {
      ok: false,
      message: e instanceof Error ? e.message : String(e),
      analysis: e instanceof AnalysisError,
    };
    port.postMessage(reply);
  }
}

if (!isMainThread && (workerData as Partial<ShardJob> | null)?.job === JOB)
  void runShard(workerData as ShardJob);

/** Threads for a file of `size` bytes: as asked, else 1 (see the README for measurements). */
export function threadCount(asked: number | null, size: number): number {
  void size;
  return asked ?? 1;
}

/** A capture (pcap, pcapng, gzip) by its first bytes; debug logs are read on one thread. */
export function isCaptureFile(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    try {
      const head = new Uint8Array(4);
      const n = readSync(fd, head, 0, 4, 0);
      return sniffCapture(head.subarray(0, n)) !== null;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
