// The whole pipeline on damaged input: mutated real captures and debug logs go through readers,
// TCP reassembly, HTTP/1, HTTP/2 (HPACK), TLS and the detectors. Every run must end with a Trace or
// an AnalysisError — never another exception — within a bounded time. Seeded, so failures replay.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeBytes, AnalysisError } from '../../lib/analyze';
import { HAS_CORPUS, REAL_CAPTURES, SAMPLES_DIR } from '../shared';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  const b = src.slice();
  const edits = 1 + Math.floor(rnd() * 8);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rnd() * b.length);
    const kind = rnd();
    if (kind < 0.6) b[at] = Math.floor(rnd() * 256);
    else if (kind < 0.8)
      b.fill(rnd() < 0.5 ? 0 : 0xff, at, Math.min(b.length, at + 1 + Math.floor(rnd() * 16)));
    else return b.subarray(0, at); // truncated
  }
  return b;
}

const inputs = [
  path.join(REAL_CAPTURES, 'arkime-http2-nghttp2.pcap'),
  path.join(REAL_CAPTURES, 'zeek-http-pipelined-requests.pcap'),
  path.join(REAL_CAPTURES, 'grpc-go-bidi-streaming.pcapng'),
  path.join(REAL_CAPTURES, 'tls12-http1-keylog-zeek.pcap'),
  path.join(SAMPLES_DIR, 'h2-rule-violations/capture.pcap'),
  path.join(SAMPLES_DIR, 'logs/go-http2debug-2.log'),
  path.join(SAMPLES_DIR, 'logs/nghttp-verbose.log'),
].filter((f) => HAS_CORPUS || !f.startsWith(REAL_CAPTURES));

describe('whole-pipeline fuzz', () => {
  for (const file of inputs) {
    it(path.basename(file), () => {
      const src = new Uint8Array(readFileSync(file));
      const rnd = prng(src.length);
      const deadline = Date.now() + 4000;
      let runs = 0;
      while (runs < 150 && Date.now() < deadline) {
        const input = mutate(src, rnd);
        runs++;
        try {
          const t = analyzeBytes('fuzz', input);
          expect(t.tool).toBe('tracelens');
        } catch (e) {
          if (!(e instanceof AnalysisError)) throw new Error(`run ${runs}: ${(e as Error).stack}`);
        }
      }
      expect(runs).toBeGreaterThan(10);
    });
  }
});
