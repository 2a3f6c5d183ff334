// A shard's results across threads: frames as columns and back are the frames the session made —
// same members in the same order, the session's shared flag lists and DATA facts, shared header
// lists still shared — and frames the columns do not foresee cross whole. (Whole captures through
// the wire, merged, are compared with one thread byte for byte in shard.test.ts.)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../analyze';
import { dataFrameInfo, frameFlagNames } from '../http2/frames';
import { H2FrameRecord, type H2Frame } from '../trace';
import { SAMPLES_DIR } from '../../tests/shared';
import { ShardRecorder, type ShardOutput } from './shard';
import { throughWire } from './wire';

function shard(file: string, index: number, count: number): ShardOutput {
  const bytes = new Uint8Array(readFileSync(file));
  const a = new Analyzer({ name: path.basename(file), size: bytes.length });
  a.shard(new ShardRecorder(index, count));
  a.push(bytes);
  return a.finishShard();
}

function across(o: ShardOutput): ShardOutput {
  let pieces = 0;
  const back = throughWire(o, (p, transfer) => {
    pieces++;
    return structuredClone(p, { transfer });
  });
  expect(pieces).toBe(Math.ceil(back.streams.length / 8192) + 1);
  return back;
}

function framesOf(o: ShardOutput): H2Frame[] {
  return [...o.streams.flatMap((s) => s.frames), ...o.h2.flatMap((h) => h.frames)];
}

/** The frames as JSON text, member order included. */
function text(frames: H2Frame[]): string[] {
  return frames.map((f) => JSON.stringify(f));
}

describe('shard wire', () => {
  const capture = path.join(SAMPLES_DIR, 'healthy-h2c/capture.pcap');

  it('frames come back as the session made them', () => {
    for (const k of [0, 1]) {
      const before = text(framesOf(shard(capture, k, 2)));
      const after = framesOf(across(shard(capture, k, 2)));
      expect(text(after)).toEqual(before);
      for (const f of after) {
        expect(f).toBeInstanceOf(H2FrameRecord);
        expect(f.flags).toBe(frameFlagNames(f.typeId, f.flagsRaw));
        if (f.typeId === 0 && f.info && Object.isFrozen(f.info))
          expect(f.info).toBe(dataFrameInfo(0, f.length, 0));
      }
    }
  });

  it('a header list shared by frames and streams stays one list', () => {
    const o = across(shard(capture, 0, 1));
    const withHeaders = o.streams.filter((s) => s.responseHeaders && s.frames.some((f) => f.headers));
    expect(withHeaders.length).toBeGreaterThan(0);
    for (const s of withHeaders) {
      const lists = s.frames.flatMap((f) => (f.headers ? [f.headers] : []));
      expect(lists.some((l) => l === s.responseHeaders || l === s.requestHeaders)).toBe(true);
    }
  });

  it('frames the columns do not foresee cross whole', () => {
    const o = shard(capture, 0, 1);
    const s = o.streams[0];
    const plain = { ...s.frames[0], extra: 'kept' } as H2Frame;
    const logged = new H2FrameRecord(5, 'c1', 1, 'DATA', 0, frameFlagNames(0, 1), 1, 3, 's2c', 0.5, [7]);
    logged.line = 12;
    s.frames = [plain, ...s.frames, logged];
    const before = text(framesOf(o));
    const after = across(o);
    expect(text(framesOf(after))).toEqual(before);
    expect(after.streams[0].frames[0]).toMatchObject({ extra: 'kept' });
    expect(after.streams[0].frames.at(-1)).toMatchObject({ line: 12, packets: [7] });
  });
});
