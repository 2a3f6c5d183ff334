/**
 * Shared push-parser plumbing for record-oriented capture formats. A subclass says how many bytes
 * the next unit (file header, record, block) needs, given what is available, and handles a unit once
 * all of it is present. Units lying inside a chunk are handled in place (zero-copy); only a unit
 * straddling chunks is gathered in a carry buffer, which grows with bytes actually received, never
 * with a length the file claims, so hostile lengths cannot make us allocate.
 */
import { CaptureFormatError, type CaptureFileInfo, type CaptureReader } from './types';

export function emptyInfo(): CaptureFileInfo {
  return {
    format: null,
    compression: null,
    byteOrder: null,
    precision: null,
    interfaces: [],
    sections: 0,
    warnings: [],
    packets: 0,
    bytesRead: 0,
    truncatedPackets: 0,
  };
}

export abstract class FramedReader implements CaptureReader {
  readonly info: CaptureFileInfo = emptyInfo();
  private carry = new Uint8Array(0);
  private carryLen = 0;
  /** File offset of the first byte not yet handled (start of the pending unit). */
  protected unitStart = 0;
  private failed: CaptureFormatError | null = null;

  /**
   * Bytes the unit at buf[off] needs in total. May return a header size when `avail` is too short to
   * know more; must throw CaptureFormatError on impossible lengths. `fileOffset` is where it starts.
   */
  protected abstract unitSize(buf: Uint8Array, off: number, avail: number, fileOffset: number): number;
  /** Handle one whole unit of `size` bytes at buf[off]. */
  protected abstract unit(buf: Uint8Array, off: number, size: number, fileOffset: number): void;
  /** Description of a unit cut short at end of input, or null when ending here is fine. */
  protected abstract cutShort(pendingBytes: number): string | null;

  push(chunk: Uint8Array): void {
    if (this.failed) throw this.failed;
    try {
      this.pushInner(chunk);
    } catch (e) {
      if (e instanceof CaptureFormatError) this.failed = e;
      throw e;
    }
  }

  private pushInner(chunk: Uint8Array): void {
    const end = chunk.length;
    let p = 0;
    while (this.carryLen > 0 && p < end) {
      let need = this.unitSize(this.carry, 0, this.carryLen, this.unitStart);
      if (need <= this.carryLen) {
        this.takeCarried(need);
        continue;
      }
      const take = Math.min(need - this.carryLen, end - p);
      this.appendCarry(chunk, p, take);
      p += take;
      need = this.unitSize(this.carry, 0, this.carryLen, this.unitStart);
      if (need <= this.carryLen) this.takeCarried(need);
    }
    while (p < end) {
      const avail = end - p;
      const need = this.unitSize(chunk, p, avail, this.unitStart);
      if (need > avail) break;
      const start = this.unitStart;
      this.unitStart += need;
      this.info.bytesRead = this.unitStart;
      this.unit(chunk, p, need, start);
      p += need;
    }
    if (p < end) this.appendCarry(chunk, p, end - p);
  }

  private takeCarried(need: number): void {
    const start = this.unitStart;
    this.unitStart += need;
    this.info.bytesRead = this.unitStart;
    // carryLen === need here: we never copy more than the pending unit needs.
    this.carryLen = 0;
    this.unit(this.carry, 0, need, start);
  }

  private appendCarry(src: Uint8Array, off: number, len: number): void {
    const want = this.carryLen + len;
    if (want > this.carry.length) {
      const grown = new Uint8Array(Math.max(want, Math.min(this.carry.length * 2, want * 2), 64));
      grown.set(this.carry.subarray(0, this.carryLen));
      this.carry = grown;
    }
    this.carry.set(src.subarray(off, off + len), this.carryLen);
    this.carryLen = want;
  }

  end(): void {
    if (this.failed) throw this.failed;
    if (this.info.truncatedPackets) {
      this.info.warnings.push(
        `${this.info.truncatedPackets} packet(s) were captured shorter than on the wire (snapshot length)`,
      );
    }
    const what = this.cutShort(this.carryLen);
    if (what) {
      this.failed = new CaptureFormatError(
        `${what} at byte ${this.unitStart} is cut short: ${this.carryLen} bytes left at end of file: kept ${this.info.packets} packets before it`,
        this.unitStart,
      );
      throw this.failed;
    }
  }
}

/** Exact split of a 64-bit tick count (hi, lo halves) by `perSecond` ticks, into seconds and nanoseconds. */
export function ticksToTime(
  hi: number,
  lo: number,
  perSecond: number,
  out: { sec: number; nsec: number },
): void {
  if (hi < 0x200000 && Number.isInteger(perSecond)) {
    // Fits in 53 bits: plain arithmetic is exact once the quotient's rounding is corrected.
    const t = hi * 4294967296 + lo;
    let sec = Math.floor(t / perSecond);
    let rem = t - sec * perSecond;
    if (rem < 0) {
      sec -= 1;
      rem += perSecond;
    } else if (rem >= perSecond) {
      sec += 1;
      rem -= perSecond;
    }
    out.sec = sec;
    out.nsec = remToNsec(rem, perSecond);
    return;
  }
  if (perSecond <= 0x7fffffff && Number.isInteger(perSecond)) {
    // Long division in 16-bit digits: every intermediate stays below 2^47, exact in a double.
    let r = 0;
    let q = 0;
    const digits0 = hi >>> 16;
    const digits1 = hi & 0xffff;
    const digits2 = lo >>> 16;
    const digits3 = lo & 0xffff;
    let d = r * 65536 + digits0;
    q = Math.floor(d / perSecond);
    r = d - q * perSecond;
    d = r * 65536 + digits1;
    let qd = Math.floor(d / perSecond);
    r = d - qd * perSecond;
    q = q * 65536 + qd;
    d = r * 65536 + digits2;
    qd = Math.floor(d / perSecond);
    r = d - qd * perSecond;
    q = q * 65536 + qd;
    d = r * 65536 + digits3;
    qd = Math.floor(d / perSecond);
    r = d - qd * perSecond;
    q = q * 65536 + qd;
    out.sec = q;
    out.nsec = remToNsec(r, perSecond);
    return;
  }
  const t = (BigInt(hi) << 32n) | BigInt(lo);
  const ps = BigInt(Math.round(perSecond));
  out.sec = Number(t / ps);
  out.nsec = Number(((t % ps) * 1000000000n) / ps);
}

function remToNsec(rem: number, perSecond: number): number {
  if (perSecond === 1000000) return rem * 1000;
  if (perSecond === 1000000000) return rem;
  if (perSecond < 1000000000 && 1000000000 % perSecond === 0) return rem * (1000000000 / perSecond);
  const scaled = rem * 1000000000;
  if (scaled <= Number.MAX_SAFE_INTEGER) return Math.floor(scaled / perSecond);
  return Number((BigInt(rem) * 1000000000n) / BigInt(perSecond));
}
