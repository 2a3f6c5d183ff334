/**
 * Extra Web Workers for one analysis (the browser's side of lib/parallel): the analysis worker
 * (analyze.worker.ts) analyzes share 0 of the capture's connections itself and starts count - 1
 * shard workers (shard.worker.ts) for the others; each reads the File on its own (a File crosses
 * to a worker as a reference, not a copy), and their results are merged into the trace one worker
 * makes, byte for byte (lib/parallel/peers.ts, tests/browser/threads.mjs).
 *
 *   const pool = await ShardPool.start(request, keylogText, analyzer);   // null: one worker is enough
 *   ...push the file to analyzer...
 *   const trace = pool ? await pool.finish(analyzer) : analyzer.finish();
 */
import { assembleCapture, type Analyzer } from '@/lib/analyze';
import { sniffCapture } from '@/lib/capture/reader';
import { mergeWithPeers, ShardPeer, type ShardReply } from '@/lib/parallel/peers';
import { ShardRecorder, shardsFor } from '@/lib/parallel/shard';
import type { AnalysisOptions, Trace } from '@/lib/trace';

/** What a shard worker is asked to do (its first message). */
export interface ShardJob {
  file: File;
  keylog: string | undefined;
  options: Partial<AnalysisOptions> | undefined;
  index: number;
  count: number;
}

/** Shard workers at most, whatever the machine: each holds its own analysis state. */
const MAX_WORKERS = 4;

export class ShardPool {
  private constructor(
    private readonly workers: Worker[],
    private readonly peers: ShardPeer[],
  ) {}

  /**
   * Starts the shard workers for this request and makes `analyzer` share 0, or returns null when
   * one worker is enough: a small capture (lib/parallel/shard.ts shardsFor), a machine with one
   * core, or `threads: 1` in the request (a test knob: `threads: N` asks for N shares).
   */
  static async start(
    req: { file: File; options?: Partial<AnalysisOptions>; threads?: number },
    keylog: string | undefined,
    analyzer: Analyzer,
  ): Promise<ShardPool | null> {
    const cores = typeof navigator !== 'undefined' ? (navigator.hardwareConcurrency ?? 1) : 1;
    const count = Math.min(req.threads ?? shardsFor(req.file.size, cores), MAX_WORKERS + 1);
    if (!(count >= 2)) return null;
    // Debug logs are read on one worker; so is anything that is not a capture (its error is one's).
    const head = new Uint8Array(await req.file.slice(0, 4).arrayBuffer());
    if (sniffCapture(head) === null) return null;
    analyzer.shard(new ShardRecorder(0, count));
    const workers: Worker[] = [];
    const peers: ShardPeer[] = [];
    for (let index = 1; index < count; index++) {
      const w = new Worker(new URL('./shard.worker.ts', import.meta.url), { type: 'module' });
      const peer = new ShardPeer(index, (plan) => w.postMessage(plan));
      w.onmessage = (ev: MessageEvent<ShardReply>) => peer.deliver(ev.data);
      w.onerror = (ev) => peer.fail(new Error(`analysis worker ${index}: ${ev.message}`));
      w.postMessage({
        file: req.file,
        keylog,
        options: req.options,
        index,
        count,
      } satisfies ShardJob);
      workers.push(w);
      peers.push(peer);
    }
    return new ShardPool(workers, peers);
  }

  /** Share 0 ended, the others collected and merged: the trace one worker would have made. */
  async finish(analyzer: Analyzer): Promise<Trace> {
    try {
      const merged = await mergeWithPeers(analyzer.finishShard(), this.peers);
      return assembleCapture(merged, analyzer.options);
    } finally {
      this.stop();
    }
  }

  stop(): void {
    for (const w of this.workers) w.terminate();
  }
}
