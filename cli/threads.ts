/**
 * `tracelens analyze --threads N`: the capture's connections split into N shares by connection key
 * (lib/parallel/shard.ts), share 0 analyzed on this thread and the others on N - 1 worker threads,
 * merged into the trace one thread makes, byte for byte.
 *
 * Every share reads the file itself (the OS page cache serves the N reads) and decodes every
 * packet's link and IP layers, but tracks, reassembles and parses (HTTP/1, HTTP/2 + HPACK, TLS)
 * only its own connections; the workers' results cross as lib/parallel/wire.ts lays them out, in
 * the conversation of lib/parallel/peers.ts; the detectors run once on the merged trace here.
 *
 * This module is also the workers' entry: the worker runs this same file (cli/threads.ts under tsx,
 * dist/tracelens.mjs once bundled) and the check at the bottom starts its share.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Analyzer, assembleCapture } from '../lib/analyze';
import { sniffCapture } from '../lib/capture/reader';
import { errorReply, mergeWithPeers, serveShard, ShardPeer, type ShardReply } from '../lib/parallel/peers';
import { ShardRecorder, shardsFor, type ShardOutput, type ShardPlan } from '../lib/parallel/shard';
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

/**
 * Analyzes a capture file on `count` threads (count >= 2): this one takes share 0 itself (its
 * results never cross a thread) and count - 1 worker threads the others. Two rounds: each share is
 * analyzed and its summary (what the numbering needs) collected; the plan made from all of them
 * goes back, each worker renumbers its own results (in parallel with this thread renumbering its
 * share) and sends them.
 */
export async function analyzeCaptureThreads(
  file: string,
  name: string,
  size: number,
  keylog: string | undefined,
  options: Partial<AnalysisOptions>,
  count: number,
): Promise<Trace> {
  const workers: ShardWorker[] = [];
  try {
    for (let index = 1; index < count; index++)
      workers.push(new ShardWorker({ job: JOB, file, name, size, keylog, options, index, count }));
    // Share 0 fails first when the input is bad (every share reads the same bytes).
    const own = await analyzeShard({ job: JOB, file, name, size, keylog, options, index: 0, count });
    const merged = await mergeWithPeers(
      own,
      workers.map((w) => w.peer),
    );
    // The options as one Analyzer would hold them (defaults under what was given).
    const full = { ...DEFAULT_OPTIONS };
    for (const [k, v] of Object.entries(options))
      if (v !== undefined) (full as Record<string, unknown>)[k] = v;
    return assembleCapture(merged, full);
  } finally {
    for (const w of workers) w.stop();
  }
}

/** One share of the capture's connections, analyzed on this thread. */
async function analyzeShard(job: ShardJob): Promise<ShardOutput> {
  const a = new Analyzer({ name: job.name, size: job.size, keylog: job.keylog }, job.options);
  a.shard(new ShardRecorder(job.index, job.count));
  for await (const chunk of createReadStream(job.file, { highWaterMark: CHUNK })) {
    const b = chunk as Buffer;
    a.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  }
  return a.finishShard();
}

/** One worker thread, seen from here as a ShardPeer. */
class ShardWorker {
  private readonly worker: Worker;
  readonly peer: ShardPeer;

  constructor(job: ShardJob) {
    const self = new URL(import.meta.url);
    // Under tsx (sources) the worker registers tsx's loader first; the bundle is plain JavaScript.
    this.worker = self.pathname.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(self.href)}); })`,
          { eval: true, workerData: job },
        )
      : new Worker(self, { workerData: job });
    this.peer = new ShardPeer(job.index, (plan) => this.worker.postMessage(plan));
    this.worker.on('message', (reply: ShardReply) => this.peer.deliver(reply));
    this.worker.on('error', (e) => this.peer.fail(e));
    this.worker.on('exit', (code) =>
      this.peer.fail(new Error(`analysis worker ${job.index} exited with code ${code}`)),
    );
  }

  stop(): void {
    void this.worker.terminate();
  }
}

async function runShard(job: ShardJob): Promise<void> {
  const port = parentPort!;
  try {
    const plan = new Promise<ShardPlan>((resolve) => port.once('message', resolve));
    await serveShard(await analyzeShard(job), (reply, transfer) => port.postMessage(reply, transfer), plan);
  } catch (e) {
    port.postMessage(errorReply(e));
  }
}

if (!isMainThread && (workerData as Partial<ShardJob> | null)?.job === JOB)
  void runShard(workerData as ShardJob);

/**
 * Threads for a file of `size` bytes: as asked, else lib/parallel shardsFor's rule (the one the
 * browser's extra workers follow too; the README has the measurements behind it).
 */
export function threadCount(asked: number | null, size: number): number {
  return asked ?? shardsFor(size, availableParallelism());
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
