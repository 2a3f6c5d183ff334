// Analyzer.push keeps no view of a chunk once it returns: a caller that reads the file into one
// buffer over and over (as the Web Worker does, with a small ring) gets the same trace as one
// that hands over fresh arrays. Checked by scribbling over the buffer after every push.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'fflate';
import { Analyzer, analyzeBytes } from './analyze';
import { stringifyTrace } from './json';
import { HAS_CORPUS, REAL_CAPTURES, SAMPLES_DIR } from '../tests/shared';

function analyzeReusing(name: string, bytes: Uint8Array, chunk: number): string {
  const a = new Analyzer({ name, size: bytes.length });
  const buf = new Uint8Array(chunk);
  for (let off = 0; off < bytes.length; off += chunk) {
    const n = Math.min(chunk, bytes.length - off);
    buf.set(bytes.subarray(off, off + n));
    a.push(buf.subarray(0, n));
    buf.fill(0xa5);
  }
  return stringifyTrace(a.finish(), 0);
}

const inputs: [string, Uint8Array][] = [
  ['healthy-h2c', new Uint8Array(readFileSync(path.join(SAMPLES_DIR, 'healthy-h2c/capture.pcap')))],
  [
    'http1-socket-swap',
    new Uint8Array(readFileSync(path.join(SAMPLES_DIR, 'http1-socket-swap/capture.pcap'))),
  ],
  ['go log', new Uint8Array(readFileSync(path.join(SAMPLES_DIR, 'logs/go-http2debug-2.log')))],
  ['nghttp log', new Uint8Array(readFileSync(path.join(SAMPLES_DIR, 'logs/nghttp-verbose.log')))],
];
if (HAS_CORPUS)
  inputs.push([
    'pcapng',
    new Uint8Array(readFileSync(path.join(REAL_CAPTURES, 'grpc-go-bidi-streaming.pcapng'))),
  ]);
inputs.push(['gzip', gzipSync(inputs[0][1])]);

describe('Analyzer.push with a reused buffer', () => {
  for (const [name, bytes] of inputs) {
    it(name, () => {
      const expected = stringifyTrace(analyzeBytes(name, bytes), 0);
      // Chunk sizes that split records, lines, frames and the sniffing window differently.
      for (const chunk of [7, 1000, 65536]) expect(analyzeReusing(name, bytes, chunk)).toBe(expected);
    });
  }
});
