/**
 * The packet and decompressed-size limits of an upload, checked as its bytes arrive (server-only).
 * The embedded store analyzes while it receives, so its analysis meets them; the scaled store
 * (queued-upload.ts) analyzes in a job once the upload is stored, and without this a capture far
 * over a limit would be received whole, stored, and refused only then. Only the capture reader
 * runs here (records counted, gzip inflated and dropped), not the analysis: cheap beside the
 * upload itself. The limits and their messages are the analysis job's (analysis-job.ts).
 */
import { createCaptureReader } from '../capture/reader';
import type { CaptureReader } from '../capture/types';

export interface CaptureLimits {
  maxPackets: number;
  maxDecompressed: number;
}

export function packetLimitMessage(max: number): string {
  return `the capture has more than ${max} packets, the limit of this server (TRACELENS_MAX_PACKETS)`;
}

export function decompressedLimitMessage(max: number): string {
  return `the capture decompresses to more than ${max} bytes, the limit of this server (TRACELENS_MAX_DECOMPRESSED)`;
}

export class CaptureLimitWatch {
  private packets = 0;
  private bytesIn = 0;
  /** Null once the bytes are not a capture we read (a debug log, or garbage): the job says which. */
  private reader: CaptureReader | null;

  constructor(private readonly limits: CaptureLimits) {
    this.reader = createCaptureReader({ packet: () => void this.packets++ });
  }

  /** Takes the next bytes of the upload; the message of the limit they pass, or null. */
  push(chunk: Uint8Array): string | null {
    this.bytesIn += chunk.length;
    if (this.reader) {
      try {
        this.reader.push(chunk);
      } catch {
        this.reader = null;
      }
    }
    if (this.packets > this.limits.maxPackets) return packetLimitMessage(this.limits.maxPackets);
    // As the analysis counts it (lib/analyze.ts progress.decoded).
    const decoded = Math.max(this.bytesIn, this.reader?.info.bytesRead ?? 0);
    if (decoded > this.limits.maxDecompressed) return decompressedLimitMessage(this.limits.maxDecompressed);
    return null;
  }
}
