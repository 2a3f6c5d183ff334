/**
 * Rewrites of one direction of one TCP connection, in stream offsets (0 = first byte after the
 * SYN), found by the first pass and applied by the second to every packet that carries those
 * bytes — retransmissions included, so a secret cannot survive in a second copy.
 *
 * Columns, not objects: a large body is one zero range, and adjacent zero ranges merge.
 */

export class EditList {
  private starts: number[] = [];
  private ends: number[] = [];
  /** Replacement bytes (same length as the range), or null: zeros. */
  private bytes: (Uint8Array | null)[] = [];
  private sorted = true;

  get length(): number {
    return this.starts.length;
  }

  /** Bytes [start, start + length) become zeros. */
  zero(start: number, length: number): void {
    if (length <= 0) return;
    const n = this.starts.length;
    if (n > 0 && this.bytes[n - 1] === null && this.ends[n - 1] === start) {
      this.ends[n - 1] = start + length;
      return;
    }
    this.push(start, start + length, null);
  }

  /** Bytes [start, start + replacement.length) become `replacement`. */
  replace(start: number, replacement: Uint8Array): void {
    if (replacement.length > 0) this.push(start, start + replacement.length, replacement);
  }

  private push(start: number, end: number, b: Uint8Array | null): void {
    const n = this.starts.length;
    if (n > 0 && start < this.starts[n - 1]) this.sorted = false;
    this.starts.push(start);
    this.ends.push(end);
    this.bytes.push(b);
  }

  /** Bytes zeroed or replaced in total (ranges may overlap; counted as given). */
  get byteCount(): number {
    let n = 0;
    for (let i = 0; i < this.starts.length; i++) n += this.ends[i] - this.starts[i];
    return n;
  }

  /** Zeroed bytes only. */
  get zeroCount(): number {
    let n = 0;
    for (let i = 0; i < this.starts.length; i++) if (!this.bytes[i]) n += this.ends[i] - this.starts[i];
    return n;
  }

  private sort(): void {
    if (this.sorted) return;
    const idx = this.starts.map((_, i) => i).sort((a, b) => this.starts[a] - this.starts[b]);
    this.starts = idx.map((i) => this.starts[i]);
    this.ends = idx.map((i) => this.ends[i]);
    this.bytes = idx.map((i) => this.bytes[i]);
    this.sorted = true;
  }

  /**
   * Applies the edits that overlap stream bytes [offset, offset + length), which sit at
   * data[at, at + length).
   */
  apply(data: Uint8Array, at: number, offset: number, length: number): void {
    if (this.starts.length === 0 || length <= 0) return;
    this.sort();
    const end = offset + length;
    // Ranges are disjoint (each walker writes one direction front to back), so ends are ordered
    // like starts: the first range that can reach `offset` is at or just before the first start
    // at or after it.
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    let i = lo;
    while (i > 0 && this.ends[i - 1] > offset) i--;
    for (; i < this.starts.length && this.starts[i] < end; i++) {
      const s = Math.max(this.starts[i], offset);
      const e = Math.min(this.ends[i], end);
      if (e <= s) continue;
      const b = this.bytes[i];
      if (b) data.set(b.subarray(s - this.starts[i], e - this.starts[i]), at + (s - offset));
      else data.fill(0, at + (s - offset), at + (e - offset));
    }
  }
}
