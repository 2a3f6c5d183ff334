/// <reference lib="webworker" />
// One share of a capture's connections (shard-pool.ts): reads the whole File, decodes every
// packet's link and IP layers, and tracks, reassembles and parses only the connections it owns;
// then the conversation of lib/parallel/peers.ts with the analysis worker that started it
// (summary out, plan in, results out), and it closes.
import { Analyzer } from '@/lib/analyze';
import { errorReply, serveShard, type ShardReply } from '@/lib/parallel/peers';
import { ShardRecorder, type ShardPlan } from '@/lib/parallel/shard';
import type { ShardJob } from './shard-pool';

const scope = self as unknown as DedicatedWorkerGlobalScope;
/**
 * The file and its reader, held from the global scope while a read is pending (as analyze.worker.ts
 * does: otherwise a garbage collection in Chromium can take the stream's source and the read never
 * settles).
 */
const live = new Set<object>();

let planArrived: ((plan: ShardPlan) => void) | null = null;
const plan = new Promise<ShardPlan>((resolve) => (planArrived = resolve));

function post(reply: ShardReply, transfer: ArrayBuffer[] = []): void {
  scope.postMessage(reply, transfer);
}

scope.onmessage = (ev: MessageEvent<ShardJob | ShardPlan>) => {
  if ('file' in ev.data) void run(ev.data);
  else planArrived?.(ev.data);
};

async function run(job: ShardJob): Promise<void> {
  try {
    const a = new Analyzer({ name: job.file.name, size: job.file.size, keylog: job.keylog }, job.options);
    a.shard(new ShardRecorder(job.index, job.count));
    const reader = job.file.stream().getReader();
    live.add(job.file).add(reader);
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        a.push(r.value);
      }
    } finally {
      live.clear();
    }
    await serveShard(a.finishShard(), post, plan);
  } catch (e) {
    post(errorReply(e));
  }
  scope.close();
}
