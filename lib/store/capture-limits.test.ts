import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { buildPcap } from '../capture/test-bytes';
import { Analyzer } from '../analyze';
import { CaptureLimitWatch, decompressedLimitMessage, packetLimitMessage } from './capture-limits';

const frame = new Uint8Array(60).fill(0xab);
const pcap = (n: number, size = 60) =>
  buildPcap({
    records: Array.from({ length: n }, (_, i) => ({
      sec: i,
      sub: 0,
      data: size === 60 ? frame : new Uint8Array(size),
    })),
  });

/** The first limit message the watch gives over `bytes` pushed in `chunk`-byte pieces, and where. */
function watch(bytes: Uint8Array, limits: { maxPackets: number; maxDecompressed: number }, chunk = 1000) {
  const w = new CaptureLimitWatch(limits);
  for (let off = 0; off < bytes.length; off += chunk) {
    const over = w.push(bytes.subarray(off, off + chunk));
    if (over) return { over, at: off + chunk };
  }
  return null;
}

describe('CaptureLimitWatch', () => {
  it('passes a capture within the limits', () => {
    expect(watch(pcap(100), { maxPackets: 100, maxDecompressed: 1e6 })).toBeNull();
  });

  it('stops at the packet past the limit, long before the end of the upload', () => {
    const bytes = pcap(5000);
    const r = watch(bytes, { maxPackets: 1000, maxDecompressed: 1e9 });
    expect(r?.over).toBe(packetLimitMessage(1000));
    // 1,001 records of 76 bytes each, plus the 24-byte header and one chunk of slack.
    expect(r!.at).toBeLessThanOrEqual(24 + 1001 * 76 + 1000);
  });

  it('counts what a gzip capture inflates to, as the analysis does', () => {
    const inflated = pcap(40, 65000);
    const gz = gzipSync(inflated);
    expect(gz.length).toBeLessThan(200_000);
    const r = watch(gz, { maxPackets: 1e6, maxDecompressed: 1_000_000 }, 4096);
    expect(r?.over).toBe(decompressedLimitMessage(1_000_000));
    // The analysis refuses the same capture on the same limit.
    const a = new Analyzer({ name: 'x.pcap.gz', size: gz.length });
    a.push(gz);
    expect(a.progress.decoded).toBeGreaterThan(1_000_000);
  });

  it('leaves bytes that are not a capture to the analysis (no verdict here)', () => {
    const log = new TextEncoder().encode(
      '[id=1] [ 0.001] send SETTINGS frame <length=6, flags=0x00, stream_id=0>\n'.repeat(100),
    );
    expect(watch(log, { maxPackets: 1, maxDecompressed: 1e6 })).toBeNull();
  });
});
