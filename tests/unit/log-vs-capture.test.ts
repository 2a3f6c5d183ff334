// One HTTP/2 exchange (Go's standard library client and server over TLS, samples/logs/go/) seen
// twice: as a packet capture decrypted with its key log, and as the same run's
// GODEBUG=http2debug=2 log. Both must give the same streams, frame sequences and findings.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Analyzer, analyzeBytes } from '../../lib/analyze';
import type { H2Stream, Trace } from '../../lib/trace';
import { SAMPLES_DIR } from '../shared';

const dir = path.join(SAMPLES_DIR, 'logs');

function fromCapture(): Trace {
  const bytes = new Uint8Array(readFileSync(path.join(dir, 'go-h2.pcap')));
  const a = new Analyzer({
    name: 'go-h2.pcap',
    size: bytes.length,
    keylog: readFileSync(path.join(dir, 'go-h2.keylog'), 'utf8'),
  });
  a.push(bytes);
  return a.finish();
}

const streamKey = (s: H2Stream) => ({
  id: s.id,
  method: s.method,
  path: s.path,
  status: s.status,
  grpcStatus: s.grpcStatus,
  frames: s.frames.map((f) => `${f.dir} ${f.type}[${f.flags.join(',')}] ${f.length}`),
});

describe('the same HTTP/2 exchange as a capture and as a Go debug log', () => {
  const cap = fromCapture();
  const log = analyzeBytes(
    'go-h2-http2debug-2.log',
    new Uint8Array(readFileSync(path.join(dir, 'go-h2-http2debug-2.log'))),
  );

  it('reads both', () => {
    expect(cap.input.format).toBe('pcap');
    expect(log.input.format).toBe('go-http2debug');
    expect(cap.connections.filter((c) => c.protocol === 'h2')).toHaveLength(1);
    expect(log.connections).toHaveLength(1);
    expect(cap.streams.length).toBeGreaterThanOrEqual(9);
  });

  it('gives the same streams and frame sequences', () => {
    expect(log.streams.map(streamKey)).toEqual(cap.streams.map(streamKey));
  });

  it('gives the same findings', () => {
    const kinds = (t: Trace) => t.findings.map((f) => `${f.kind} ${f.stream ?? ''}`).sort();
    expect(kinds(log)).toEqual(kinds(cap));
    expect(kinds(cap)).toContain('grpc.trailers-missing 13');
  });
});
