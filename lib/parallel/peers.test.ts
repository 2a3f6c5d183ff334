// The merger/worker conversation (peers.ts) as the browser's pool and cli/threads.ts hold it, here
// with the workers' ends in this thread and every message through structuredClone: the merged
// trace is one thread's, byte for byte; a worker's failure reaches the merger as the error it was.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AnalysisError, Analyzer, analyzeBytes, assembleCapture } from '../analyze';
import { stringifyTrace } from '../json';
import { DEFAULT_OPTIONS } from '../trace';
import { SAMPLES_DIR } from '../../tests/shared';
import { errorReply, mergeWithPeers, serveShard, ShardPeer, type ShardReply } from './peers';
import { ShardRecorder, type ShardOutput, type ShardPlan } from './shard';

function share(name: string, bytes: Uint8Array, index: number, count: number): ShardOutput {
  const a = new Analyzer({ name, size: bytes.length });
  a.shard(new ShardRecorder(index, count));
  a.push(bytes);
  return a.finishShard();
}

/** A worker's end for share `index`: it answers its plan through serveShard, messages cloned. */
function peerFor(name: string, bytes: Uint8Array, index: number, count: number): ShardPeer {
  let answerPlan: (p: ShardPlan) => void = () => {};
  const plan = new Promise<ShardPlan>((resolve) => (answerPlan = resolve));
  const peer = new ShardPeer(index, (p) => answerPlan(structuredClone(p)));
  const post = (r: ShardReply, transfer?: ArrayBuffer[]): void =>
    peer.deliver(structuredClone(r, { transfer: transfer ?? [] }));
  void serveShard(share(name, bytes, index, count), post, plan);
  return peer;
}

describe('shard peers', () => {
  for (const sample of ['healthy-h2c', 'h2-rule-violations', 'healthy-http1']) {
    it(`${sample}: this thread's share and 2 peers merge to one thread's trace`, async () => {
      const bytes = new Uint8Array(readFileSync(path.join(SAMPLES_DIR, sample, 'capture.pcap')));
      const one = stringifyTrace(analyzeBytes('capture.pcap', bytes), 0);
      const peers = [1, 2].map((k) => peerFor('capture.pcap', bytes, k, 3));
      const merged = await mergeWithPeers(share('capture.pcap', bytes, 0, 3), peers);
      const trace = assembleCapture(merged, { ...DEFAULT_OPTIONS });
      expect(stringifyTrace(trace, 0) === one).toBe(true);
    });
  }

  it("a worker's failure is the merger's, an analysis error staying one", async () => {
    const bytes = new Uint8Array(readFileSync(path.join(SAMPLES_DIR, 'healthy-h2c/capture.pcap')));
    const failing = new ShardPeer(1, () => {});
    failing.deliver(errorReply(new AnalysisError('not a capture: cut at byte 9')));
    await expect(mergeWithPeers(share('capture.pcap', bytes, 0, 2), [failing])).rejects.toThrow(
      AnalysisError,
    );
    const gone = new ShardPeer(1, () => {});
    const merging = mergeWithPeers(share('capture.pcap', bytes, 0, 2), [gone]);
    gone.fail(new Error('analysis worker 1 exited with code 1'));
    await expect(merging).rejects.toThrow('exited with code 1');
  });
});
