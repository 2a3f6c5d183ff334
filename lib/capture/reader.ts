/**
 * Format sniffing front end: looks at the first bytes (never the file name) and hands the stream to
 * the pcap, pcapng or gzip reader.
 */
import { emptyInfo } from './framing';
import { GzipCaptureReader } from './gzip';
import { PCAP_MAGIC_NS, PCAP_MAGIC_US, PcapReader } from './pcap';
import { PCAPNG_SHB, PcapngReader } from './pcapng';
import { CaptureFormatError, type CaptureFileInfo, type CaptureReader, type CaptureSink } from './types';

export type SniffedFormat = 'pcap' | 'pcapng' | 'gzip';

/** Format of a capture from its first bytes (4 suffice), or null when it is not one we read. */
export function sniffCapture(first: Uint8Array): SniffedFormat | null {
  if (first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b) return 'gzip';
  if (first.length < 4) return null;
  const be = ((first[0] << 24) | (first[1] << 16) | (first[2] << 8) | first[3]) >>> 0;
  const le = ((first[3] << 24) | (first[2] << 16) | (first[1] << 8) | first[0]) >>> 0;
  if (be === PCAPNG_SHB) return 'pcapng';
  if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS || le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS)
    return 'pcap';
  return null;
}

export interface CaptureReaderOptions {
  /** Size of the file in bytes, if known (lets pcapng say a block runs "beyond the file"). */
  totalBytes?: number;
}

class SniffingReader implements CaptureReader {
  private inner: CaptureReader | null = null;
  private head = new Uint8Array(4);
  private headLen = 0;
  private readonly placeholder = emptyInfo();

  constructor(
    private readonly sink: CaptureSink,
    private readonly opts: CaptureReaderOptions,
    private readonly allowGzip: boolean,
  ) {}

  get info(): CaptureFileInfo {
    return this.inner ? this.inner.info : this.placeholder;
  }

  push(chunk: Uint8Array): void {
    if (this.inner) {
      this.inner.push(chunk);
      return;
    }
    if (this.headLen === 0 && chunk.length >= 4) {
      // The usual first chunk: sniff it in place so the inner reader can read it without copying.
      this.headLen = 4;
      this.head.set(chunk.subarray(0, 4));
      this.start(this.head);
      (this.inner as CaptureReader | null)?.push(chunk);
      return;
    }
    const take = Math.min(4 - this.headLen, chunk.length);
    this.head.set(chunk.subarray(0, take), this.headLen);
    this.headLen += take;
    if (this.headLen < 4) return;
    this.start(this.head);
    const inner = this.inner as CaptureReader | null;
    if (!inner) return;
    inner.push(this.head);
    if (take < chunk.length) inner.push(chunk.subarray(take));
  }

  private start(head: Uint8Array): void {
    const fmt = sniffCapture(head.subarray(0, this.headLen));
    if (fmt === 'pcap') this.inner = new PcapReader(this.sink, this.allowGzip ? this.opts : {});
    else if (fmt === 'pcapng') this.inner = new PcapngReader(this.sink, this.allowGzip ? this.opts : {});
    else if (fmt === 'gzip' && this.allowGzip) {
      this.inner = new GzipCaptureReader(new SniffingReader(this.sink, {}, false));
    } else {
      let hex = '';
      for (let i = 0; i < this.headLen; i++) hex += head[i].toString(16).padStart(2, '0');
      throw new CaptureFormatError(
        fmt === 'gzip'
          ? 'not a capture: gzip inside gzip at byte 0'
          : `not a capture: unknown magic 0x${hex} at byte 0`,
        0,
      );
    }
  }

  end(): void {
    if (!this.inner) {
      if (this.headLen === 0) throw new CaptureFormatError('empty file', 0);
      // Fewer than 4 bytes: a gzip magic needs only 2, but then the stream is cut anyway.
      this.start(this.head);
      if (this.inner) {
        const inner: CaptureReader = this.inner;
        inner.push(this.head.subarray(0, this.headLen));
      }
    }
    (this.inner as CaptureReader).end();
  }
}

/** A reader for any capture we support; the format is decided from the first bytes pushed. */
export function createCaptureReader(sink: CaptureSink, opts: CaptureReaderOptions = {}): CaptureReader {
  return new SniffingReader(sink, opts, true);
}
