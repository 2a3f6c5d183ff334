/**
 * The conversation between the thread that merges (it analyzes share 0 itself) and the workers
 * that analyze the other shares, whatever carries it (worker_threads in cli/threads.ts, Web
 * Workers in app/worker/shard-pool.ts):
 *
 *   worker -> merger   { kind: 'summary' }   what the numbering needs (small)
 *   merger -> worker   ShardPlan             the worker's final numbers
 *   worker -> merger   { kind: 'piece' }...  its renumbered results, frames as columns (wire.ts),
 *                                         in slices the merger takes in as they come
 *
 * Workers renumber in parallel with the merger renumbering its own share; the merger only places
 * the results.
 */
import { AnalysisError } from '../analyze';
import {
  mergeShards,
  planMerge,
  renumberShard,
  shardSummary,
  type MergedShards,
  type ShardOutput,
  type ShardPlan,
  type ShardSummary,
} from './shard';
import { packShard, pieceTransferables, ShardUnpacker, type ShardPiece } from './wire';

export type ShardReply =
  | { kind: 'summary'; summary: ShardSummary }
  | { kind: 'piece'; piece: ShardPiece }
  | { kind: 'error'; message: string; analysis: boolean };

/** What the merger waits for from a worker: its summary, then its whole output. */
type PeerEvent =
  | { kind: 'summary'; summary: ShardSummary }
  | { kind: 'output'; output: ShardOutput }
  | { kind: 'error'; message: string; analysis: boolean };

/**
 * The merger's end of one worker: replies queued as they come, failures kept. The pieces of the
 * output are made into objects as they arrive (while the worker packs the next ones).
 */
export class ShardPeer {
  private readonly inbox: PeerEvent[] = [];
  private readonly unpacker = new ShardUnpacker();
  private waiting: { resolve: (r: PeerEvent) => void; reject: (e: unknown) => void } | null = null;
  private failure: unknown = null;

  constructor(
    readonly index: number,
    private readonly sendPlan: (plan: ShardPlan) => void,
  ) {}

  /** A message from the worker. */
  deliver(reply: ShardReply): void {
    if (reply.kind !== 'piece') return this.queue(reply);
    try {
      this.unpacker.add(reply.piece);
    } catch (e) {
      return this.fail(e);
    }
    const output = this.unpacker.done;
    if (output) this.queue({ kind: 'output', output });
  }

  private queue(reply: PeerEvent): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve(reply);
    } else this.inbox.push(reply);
  }

  /** The worker failed or went away: whoever waits for it hears of it (the first failure). */
  fail(e: unknown): void {
    if (this.failure === null) this.failure = e;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.reject(this.failure);
    }
  }

  async next<K extends 'summary' | 'output'>(kind: K): Promise<Extract<PeerEvent, { kind: K }>> {
    const reply =
      this.inbox.shift() ??
      (await new Promise<PeerEvent>((resolve, reject) => {
        if (this.failure !== null) reject(this.failure);
        else this.waiting = { resolve, reject };
      }));
    if (reply.kind === 'error')
      throw reply.analysis ? new AnalysisError(reply.message) : new Error(reply.message);
    if (reply.kind !== kind) throw new Error(`analysis worker ${this.index}: ${reply.kind} before ${kind}`);
    return reply as Extract<PeerEvent, { kind: K }>;
  }

  send(plan: ShardPlan): void {
    this.sendPlan(plan);
  }
}

/** The merger's side: its own share 0 and the workers' shares 1..N-1, merged. */
export async function mergeWithPeers(own: ShardOutput, peers: ShardPeer[]): Promise<MergedShards> {
  const summaries = await allInOrder(peers.map((p) => p.next('summary')));
  const plans = planMerge([shardSummary(own), ...summaries.map((r) => r.summary)]);
  peers.forEach((p, k) => p.send(plans[k + 1]));
  renumberShard(own, plans[0]);
  const outputs = await allInOrder(peers.map((p) => p.next('output')));
  return mergeShards([own, ...outputs.map((r) => r.output)], plans);
}

/** A worker's side once its share is analyzed: summary out, plan in, results out. */
export async function serveShard(
  output: ShardOutput,
  post: (reply: ShardReply, transfer?: ArrayBuffer[]) => void,
  plan: Promise<ShardPlan>,
): Promise<void> {
  post({ kind: 'summary', summary: shardSummary(output) });
  renumberShard(output, await plan);
  for (const piece of packShard(output)) post({ kind: 'piece', piece }, pieceTransferables(piece));
}

/** A failure as a reply (an AnalysisError stays one on the other side). */
export function errorReply(e: unknown): ShardReply {
  return {
    kind: 'error',
    message: e instanceof Error ? e.message : String(e),
    analysis: e instanceof AnalysisError,
  };
}

/** Waits for all; the failure of the lowest-numbered worker wins (every worker reads the same bytes). */
async function allInOrder<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
}
