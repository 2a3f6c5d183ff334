/**
 * Test support only, kept for lib/findings/samples.test.ts: whole-buffer capture reading and
 * network decoding with the same signatures as before lib/capture existed. It now delegates to
 * lib/capture; new code should call `trackCapture` (lib/tcp/run.ts) instead.
 */
import { decodeNetwork } from '../capture/link';
import { createCaptureReader } from '../capture/reader';
import type { CapturedPacket, NetDecodeFailure, NetPacket } from '../capture/types';

/** All packets of a capture file (data views copied, since reader views are call-scoped). */
export function readCaptureForTest(buf: Uint8Array): CapturedPacket[] {
  const out: CapturedPacket[] = [];
  const reader = createCaptureReader(
    { packet: (p) => out.push({ ...p, data: p.data.slice() }) },
    { totalBytes: buf.length },
  );
  try {
    reader.push(buf);
    reader.end();
  } catch {
    // Keep what was read before the damage.
  }
  return out;
}

export function decodeNetworkForTest(linkType: number, data: Uint8Array): NetPacket | NetDecodeFailure {
  return decodeNetwork(linkType, data);
}
