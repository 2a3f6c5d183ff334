/**
 * Reading a few packets back from a capture by their byte ranges (PacketTable fileOffset/caplen).
 *
 * A plain pcap/pcapng file can be read at an offset; a gzip-compressed one cannot: its offsets are
 * in the decompressed bytes, so the file is decompressed once, as a stream, and the wanted ranges
 * are cut out as they pass (RangePicker). Only the ranges are kept, never the file.
 */
import { Gunzip } from 'fflate';

export interface ByteRange {
  offset: number;
  length: number;
}

/**
 * Picks byte ranges (sorted by offset, not overlapping) out of a stream pushed chunk by chunk;
 * `onRange(index, bytes)` is called once per range, in order, as soon as its last byte passed.
 */
export class RangePicker {
  private at = 0;
  private next = 0;
  private partial: Uint8Array | null = null;
  private partialLen = 0;

  constructor(
    private readonly ranges: readonly ByteRange[],
    private readonly onRange: (index: number, bytes: Uint8Array) => void,
  ) {}

  /** True once every range was delivered (the rest of the stream may be skipped). */
  get done(): boolean {
    return this.next >= this.ranges.length;
  }

  push(chunk: Uint8Array): void {
    const start = this.at;
    const end = start + chunk.length;
    while (this.next < this.ranges.length) {
      const r = this.ranges[this.next];
      const rEnd = r.offset + r.length;
      if (r.offset >= end) break;
      const from = Math.max(r.offset, start);
      const to = Math.min(rEnd, end);
      if (to === rEnd && from === r.offset) {
        // Whole range inside this chunk: a copy (the chunk's buffer may be reused).
        this.onRange(this.next++, chunk.slice(from - start, to - start));
        continue;
      }
      if (!this.partial) {
        this.partial = new Uint8Array(r.length);
        this.partialLen = 0;
      }
      this.partial.set(chunk.subarray(from - start, to - start), this.partialLen);
      this.partialLen += to - from;
      if (to < rEnd) break;
      this.onRange(this.next++, this.partial);
      this.partial = null;
    }
    this.at = end;
  }
}

/**
 * Decompresses a gzip stream pushed in chunks and picks the ranges from the decompressed bytes.
 * Stops decompressing (done) once every range was delivered.
 */
export class GzipRangePicker {
  private readonly picker: RangePicker;
  private readonly gunzip: Gunzip;

  constructor(ranges: readonly ByteRange[], onRange: (index: number, bytes: Uint8Array) => void) {
    this.picker = new RangePicker(ranges, onRange);
    this.gunzip = new Gunzip((data) => {
      if (!this.picker.done) this.picker.push(data);
    });
  }

  get done(): boolean {
    return this.picker.done;
  }

  push(chunk: Uint8Array, final = false): void {
    if (this.picker.done) return;
    this.gunzip.push(chunk.slice(), final);
  }
}

/** Whether a file starts with the gzip magic. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Merges nearby ranges into fewer reads (for a file read at offsets): ranges closer than `slack`
 * bytes and together under `maxRead` are read at once. Returns reads with the ranges each covers.
 */
export function coalesce(
  ranges: readonly ByteRange[],
  slack = 64 * 1024,
  maxRead = 4 * 1024 * 1024,
): { offset: number; length: number; first: number; count: number }[] {
  const out: { offset: number; length: number; first: number; count: number }[] = [];
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i];
    const last = out[out.length - 1];
    if (last) {
      const lastEnd = last.offset + last.length;
      const newEnd = Math.max(lastEnd, r.offset + r.length);
      if (r.offset - lastEnd <= slack && newEnd - last.offset <= maxRead && r.offset >= last.offset) {
        last.length = newEnd - last.offset;
        last.count++;
        continue;
      }
    }
    out.push({ offset: r.offset, length: r.length, first: i, count: 1 });
  }
  return out;
}
