/**
 * gzip-compressed captures, as Wireshark opens them: a streaming gunzip front end (fflate, sync,
 * browser and Node) feeding an inner reader chunk by chunk. Concatenated members are one stream.
 */
import { Gunzip } from 'fflate';
import { CaptureFormatError, type CaptureFileInfo, type CaptureReader } from './types';

export class GzipCaptureReader implements CaptureReader {
  private readonly gunzip: Gunzip;
  /** Compressed bytes pushed so far. */
  private compressedIn = 0;
  private innerError: CaptureFormatError | null = null;
  private ended = false;

  constructor(private readonly inner: CaptureReader) {
    this.gunzip = new Gunzip((data) => {
      if (data.length === 0) return;
      try {
        this.inner.push(data);
      } catch (e) {
        if (e instanceof CaptureFormatError) this.innerError = e;
        throw e;
      }
    });
  }

  get info(): CaptureFileInfo {
    // The inner reader may swap its info object once it has sniffed the format, so mark it each time.
    const info = this.inner.info;
    info.compression = 'gzip';
    return info;
  }

  push(chunk: Uint8Array): void {
    this.run(chunk, false);
  }

  end(): void {
    if (!this.ended) {
      this.ended = true;
      this.run(new Uint8Array(0), true);
    }
    this.inner.end();
  }

  private run(chunk: Uint8Array, final: boolean): void {
    if (this.innerError) throw this.innerError;
    const at = this.compressedIn;
    this.compressedIn += chunk.length;
    try {
      // fflate keeps a view of the input's unconsumed tail until the next push; a copy keeps
      // Analyzer.push's promise that the caller's buffer is free once it returns.
      this.gunzip.push(chunk.slice(), final);
    } catch (e) {
      if (this.innerError) throw this.innerError;
      if (e instanceof CaptureFormatError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      // fflate does not say where in the chunk it failed; the chunk's start is the best we know.
      const where = final ? this.compressedIn : at;
      throw new CaptureFormatError(
        `gzip data is corrupt (${msg}) near compressed byte ${where}: kept ${this.inner.info.packets} packets before it`,
        this.inner.info.bytesRead,
      );
    }
  }
}
