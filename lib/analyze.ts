/**
 * The pipeline entry point (PLACEHOLDER SIGNATURES — being implemented): bytes in, Trace out.
 *
 *   const a = new Analyzer({ name, size }, options);
 *   for (const chunk of chunks) a.push(chunk);   // any chunk size, file order
 *   const trace = a.finish();
 *
 * The input kind is sniffed from its first bytes: pcap / pcapng (optionally gzip-compressed), or a
 * text HTTP/2 debug log (Go GODEBUG=http2debug, nghttp -v). Unreadable input throws AnalysisError
 * with one clear line (what and where); damage after some packets yields a partial Trace with a
 * warning in input.warnings.
 */
import type { AnalysisOptions, Trace } from './trace';

export class AnalysisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnalysisError';
  }
}

export interface AnalyzeProgress {
  bytes: number;
  packets: number;
}

export interface AnalyzerInput {
  name: string;
  /** Total input size in bytes, when known (enables "beyond the file" messages and progress %). */
  size?: number;
  /** NSS key log text for TLS decryption (issue: TLS). */
  keylog?: string;
}

export class Analyzer {
  constructor(input: AnalyzerInput, options?: Partial<AnalysisOptions>) {
    void input;
    void options;
  }
  push(chunk: Uint8Array): void {
    void chunk;
    throw new AnalysisError('not implemented yet');
  }
  get progress(): AnalyzeProgress {
    return { bytes: 0, packets: 0 };
  }
  finish(): Trace {
    throw new AnalysisError('not implemented yet');
  }
}

/** Convenience: analyze a whole buffer (tests, small inputs). */
export function analyzeBytes(name: string, bytes: Uint8Array, options?: Partial<AnalysisOptions>): Trace {
  const a = new Analyzer({ name, size: bytes.length }, options);
  a.push(bytes);
  return a.finish();
}
