// N analyzers, each with its share of the connections, merged: the same trace as one analyzer,
// byte for byte, on every capture of samples/, lab/ and the real corpus. The shards run one after
// the other here (the thread plumbing is cli/threads.ts); their outputs go through packShard and
// structuredClone as they do through postMessage.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer, analyzeBytes, assembleCapture } from '../analyze';
import { stringifyTrace } from '../json';
import { DEFAULT_OPTIONS, type Trace } from '../trace';
import { LAB_DIR, REAL_CAPTURES, SAMPLES_DIR, describeCorpus, listCorpus } from '../../tests/shared';
import {
  CONN_BASE,
  FRAME_BASE,
  mergeShards,
  SHARD_MIN_BYTES,
  ShardRecorder,
  shardOf,
  shardsFor,
  type ShardOutput,
} from './shard';
import { throughWire } from './wire';

const CAPTURE = /\.(pcap|pcapng|cap)(\.gz)?$/;

function capturesUnder(dir: string, depth: number): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) {
      if (depth > 0 && !name.startsWith('_')) out.push(...capturesUnder(p, depth - 1));
    } else if (CAPTURE.test(name)) out.push(p);
  }
  return out;
}

function analyzeSharded(name: string, bytes: Uint8Array, count: number): Trace {
  const outputs: ShardOutput[] = [];
  for (let k = 0; k < count; k++) {
    const a = new Analyzer({ name, size: bytes.length });
    a.shard(new ShardRecorder(k, count));
    const step = 1 << 20;
    for (let off = 0; off < bytes.length; off += step) a.push(bytes.subarray(off, off + step));
    // Across threads as cli/threads.ts and the browser pool send it: frames as columns.
    outputs.push(throughWire(a.finishShard(), (p, transfer) => structuredClone(p, { transfer })));
  }
  return assembleCapture(mergeShards(outputs.reverse()), { ...DEFAULT_OPTIONS });
}

function expectSame(file: string, counts: number[]): void {
  const bytes = new Uint8Array(readFileSync(file));
  const name = path.basename(file);
  const one = analyzeBytes(name, bytes);
  const oneJson = stringifyTrace(one, 0);
  const oneCols = one.packets!.toColumns();
  for (const n of counts) {
    const many = analyzeSharded(name, bytes, n);
    const json = stringifyTrace(many, 0);
    // A placeholder left anywhere would show here; the first difference is printed, not 5 MB.
    if (json !== oneJson) {
      let i = 0;
      while (json[i] === oneJson[i]) i++;
      expect(`${n} shards: ${json.slice(Math.max(0, i - 200), i + 200)}`).toBe(
        `${n} shards: ${oneJson.slice(Math.max(0, i - 200), i + 200)}`,
      );
    }
    const cols = many.packets!.toColumns();
    for (const k of Object.keys(oneCols) as (keyof typeof oneCols)[]) {
      expect(cols[k], `${name}: column ${k} with ${n} shards`).toEqual(oneCols[k]);
    }
  }
}

describe('shards', () => {
  it('owner of a key is stable and spread', () => {
    const seen = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) seen[shardOf(`|10.0.0.1|${40000 + i}|10.0.0.2|443`, 4)]++;
    for (const n of seen) expect(n).toBeGreaterThan(60);
    expect(shardOf('|a|1|b|2', 3)).toBe(shardOf('|a|1|b|2', 3));
    expect(FRAME_BASE - CONN_BASE).toBeGreaterThan(0);
  });

  it('shares when nothing is asked: one for a small capture or on one core', () => {
    expect(shardsFor(1000, 8)).toBe(1);
    expect(shardsFor(Number.MAX_SAFE_INTEGER, 1)).toBe(1);
    if (Number.isFinite(SHARD_MIN_BYTES)) {
      expect(shardsFor(SHARD_MIN_BYTES, 2)).toBe(2);
      expect(shardsFor(SHARD_MIN_BYTES, 64)).toBeLessThanOrEqual(4);
    }
  });

  it('a shard needs its place among the others', () => {
    expect(() => new ShardRecorder(2, 2)).toThrow();
    expect(() => mergeShards([])).toThrow();
  });

  for (const file of capturesUnder(SAMPLES_DIR, 1)) {
    it(`samples/${path.relative(SAMPLES_DIR, file)}: 2 and 3 shards = 1 thread`, () =>
      expectSame(file, [2, 3]));
  }
  for (const file of capturesUnder(LAB_DIR, 2)) {
    it(`${path.relative(LAB_DIR, file)}: 2 shards = 1 thread`, () => expectSame(file, [2]));
  }
});

describeCorpus('shards on the real corpus', () => {
  for (const name of listCorpus(REAL_CAPTURES).filter((n) => CAPTURE.test(n))) {
    it(`${name}: 2 and 3 shards = 1 thread`, () => expectSame(path.join(REAL_CAPTURES, name), [2, 3]));
  }
});
