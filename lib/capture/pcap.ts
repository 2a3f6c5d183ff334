/**
 * Streaming reader for classic libpcap files (microsecond and nanosecond magics, either byte order).
 */
import { FramedReader } from './framing';
import { CaptureFormatError, type CaptureSink, type CapturedPacket } from './types';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;

/**
 * Largest packet we accept. Wireshark refuses records over 262144 bytes (WTAP_MAX_PACKET_SIZE_STANDARD)
 * for ordinary link types; we do the same, except that a file whose header declares a larger snapshot
 * length may have records up to that length, capped at 256 MiB (nothing real is that big).
 */
export const PCAP_STANDARD_MAX = 262144;
export const PCAP_HARD_MAX = 256 * 1024 * 1024;

export function pcapRecordLimit(snaplen: number): number {
  return Math.max(PCAP_STANDARD_MAX, Math.min(snaplen, PCAP_HARD_MAX));
}

/**
 * Per-record header lengths of the libpcap variants that share the standard magic: plain libpcap,
 * the 1999 Red Hat "ss990417" patch (adds ifindex, protocol, packet type and padding) and Nokia IPSO
 * (4 unknown bytes). Wireshark tells them apart by how plausible the first records look under each;
 * so do we, so that a damaged file reads the way tshark reads it.
 */
const VARIANTS = [
  { headerLength: 16, name: null },
  { headerLength: 24, name: 'ss990417 (1999 patched libpcap, 24-byte record headers)' },
  { headerLength: 20, name: 'Nokia IPSO (20-byte record headers)' },
] as const;
/** Wireshark treats any packet claiming more than this on the wire as a sign of a wrong guess. */
const PLAUSIBLE_ORIG_LEN = 128 * 1024 * 1024;
const NEED_MORE = -1;

/** Swapping of the caplen / origLen fields, which changed places in format version 2.3. */
const LengthOrder = { Normal: 0, Swapped: 1, SwappedIfCaplenLarger: 2 } as const;
type LengthOrder = (typeof LengthOrder)[keyof typeof LengthOrder];

export class PcapReader extends FramedReader {
  private little = true;
  private nano = false;
  private headerDone = false;
  private linkType = 0;
  private snaplen = 0;
  private limit = PCAP_STANDARD_MAX;
  private recordHeader = RECORD_HEADER;
  private lengthOrder: LengthOrder = LengthOrder.Normal;
  /** Start of the file, kept only until the record-header variant is decided. */
  private probe: Uint8Array | null = new Uint8Array(0);

  private readonly totalBytes: number | undefined;

  constructor(
    private readonly sink: CaptureSink,
    opts: { totalBytes?: number } = {},
  ) {
    super();
    this.info.format = 'pcap';
    this.totalBytes = opts.totalBytes;
  }

  override push(chunk: Uint8Array): void {
    if (this.probe === null) {
      super.push(chunk);
      return;
    }
    // Usual case: the first chunk holds enough to decide, and is then read in place.
    if (this.probe.length === 0 && this.decideVariant(chunk, chunk.length === this.totalBytes)) {
      this.probe = null;
      super.push(chunk);
      return;
    }
    // Otherwise gather the start of the file in growing steps (amortised linear), copying only as
    // much as the decision needs (file header, two record headers, one record) and at most twice it.
    let rest = chunk;
    while (this.probe !== null && rest.length > 0) {
      const probe: Uint8Array = this.probe;
      const take = Math.min(rest.length, Math.max(probe.length, 65536));
      const joined = new Uint8Array(probe.length + take);
      joined.set(probe);
      joined.set(rest.subarray(0, take), probe.length);
      rest = rest.subarray(take);
      this.probe = joined;
      if (this.decideVariant(joined, joined.length === this.totalBytes)) {
        this.probe = null;
        super.push(joined);
      }
    }
    if (rest.length > 0) super.push(rest);
  }

  override end(): void {
    if (this.probe !== null) {
      const probe = this.probe;
      this.decideVariant(probe, true);
      this.probe = null;
      if (probe.length > 0) super.push(probe);
    }
    super.end();
  }

  private u32(b: Uint8Array, o: number): number {
    return this.little
      ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
      : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }

  /**
   * Reads the file header from the first bytes and picks the record-header variant. Returns false
   * while more bytes are needed to decide (never at end of input). Errors in the file header are
   * left for the file-header unit to report.
   */
  private decideVariant(b: Uint8Array, eof: boolean): boolean {
    if (b.length < FILE_HEADER) return eof;
    const be = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
    const le = ((b[3] << 24) | (b[2] << 16) | (b[1] << 8) | b[0]) >>> 0;
    if (be !== PCAP_MAGIC_US && le !== PCAP_MAGIC_US) return true; // nanosecond files have no variants
    this.little = le === PCAP_MAGIC_US;
    const major = this.little ? b[4] | (b[5] << 8) : (b[4] << 8) | b[5];
    const minor = this.little ? b[6] | (b[7] << 8) : (b[6] << 8) | b[7];
    // Before 2.3 (and in DG/UX's 543.0) caplen and origLen were the other way round; some 2.3
    // writers kept the old order, recognisable by a caplen larger than origLen.
    if ((major === 2 && minor < 3) || major === 543) {
      this.lengthOrder = LengthOrder.Swapped;
      return true;
    }
    if (major === 2 && minor === 3) {
      this.lengthOrder = LengthOrder.SwappedIfCaplenLarger;
      return true;
    }
    const snaplen = this.u32(b, 16);
    const limit = pcapRecordLimit(snaplen);
    let best = 0;
    let bestScore = Infinity;
    for (let v = 0; v < VARIANTS.length; v++) {
      // Unlike Wireshark, a file merely cut short is no reason to doubt the standard layout:
      // capture files cut mid-record are common, the 1999 variants are not.
      const shortReadCost = v === 0 ? 0 : 1;
      const score = this.variantScore(b, VARIANTS[v].headerLength, snaplen, limit, eof, shortReadCost);
      if (score === NEED_MORE) return false;
      if (score === 0) {
        best = v;
        break;
      }
      if (score < bestScore) {
        bestScore = score;
        best = v;
      }
    }
    this.recordHeader = VARIANTS[best].headerLength;
    const name = VARIANTS[best].name;
    if (name)
      this.info.warnings.push(`records read as the ${name} variant, as Wireshark guesses for this file`);
    return true;
  }

  /** Problems seen in the first two record headers read as this variant (0: looks right). */
  private variantScore(
    b: Uint8Array,
    headerLength: number,
    snaplen: number,
    limit: number,
    eof: boolean,
    shortReadCost: number,
  ): number {
    let o = FILE_HEADER;
    for (let i = 0; i < 2; i++) {
      if (o === b.length) return eof ? 0 : NEED_MORE;
      if (o + headerLength > b.length) return eof ? shortReadCost : NEED_MORE;
      const sub = this.u32(b, o + 4);
      const caplen = this.u32(b, o + 8);
      const origLen = this.u32(b, o + 12);
      let score = 0;
      if (sub >= 1000000) score++;
      if (caplen > limit) score++;
      if (origLen > PLAUSIBLE_ORIG_LEN) score++;
      if (caplen > snaplen) score++;
      if (caplen > origLen) score++;
      if (score > 0 || i === 1) return score;
      o += headerLength + caplen;
      if (o > b.length) return eof ? shortReadCost : NEED_MORE;
    }
    return 0;
  }

  protected unitSize(buf: Uint8Array, off: number, avail: number, fileOffset: number): number {
    if (!this.headerDone) return FILE_HEADER;
    const h = this.recordHeader;
    if (avail < h) return h;
    const caplen = this.caplenOf(buf, off);
    if (caplen > this.limit) {
      throw new CaptureFormatError(
        `pcap record at byte ${fileOffset} claims ${caplen} bytes, more than the ${this.limit} a packet can have: kept ${this.info.packets} packets before it`,
        fileOffset,
      );
    }
    return h + caplen;
  }

  private caplenOf(b: Uint8Array, o: number): number {
    const first = this.u32(b, o + 8);
    if (this.lengthOrder === LengthOrder.Normal) return first;
    const second = this.u32(b, o + 12);
    if (this.lengthOrder === LengthOrder.Swapped) return second;
    return first > second ? second : first;
  }

  protected unit(buf: Uint8Array, off: number, size: number, fileOffset: number): void {
    if (!this.headerDone) {
      this.fileHeader(buf, off, fileOffset);
      return;
    }
    const h = this.recordHeader;
    const caplen = size - h;
    const a = this.u32(buf, off + 8);
    const b = this.u32(buf, off + 12);
    const origLen = this.lengthOrder === LengthOrder.Normal || caplen !== b ? b : a;
    let sec = this.u32(buf, off);
    let sub = this.u32(buf, off + 4);
    // A fraction of a second that is not one (damaged or odd writers) carries into the seconds, so
    // tsNsec always stays below 1e9 as the contract says.
    const perSecond = this.nano ? 1000000000 : 1000000;
    if (sub >= perSecond) {
      sec += Math.floor(sub / perSecond);
      sub %= perSecond;
    }
    if (caplen < origLen) this.info.truncatedPackets = (this.info.truncatedPackets ?? 0) + 1;
    const number = ++this.info.packets;
    const p: CapturedPacket = {
      number,
      tsSec: sec,
      tsNsec: this.nano ? sub : sub * 1000,
      linkType: this.linkType,
      interfaceId: 0,
      caplen,
      origLen,
      fileOffset: fileOffset + h,
      data: buf.subarray(off + h, off + size),
    };
    this.sink.packet(p);
  }

  private fileHeader(b: Uint8Array, o: number, fileOffset: number): void {
    const le = (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
    const be = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
    if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) {
      this.little = true;
      this.nano = le === PCAP_MAGIC_NS;
    } else if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) {
      this.little = false;
      this.nano = be === PCAP_MAGIC_NS;
    } else {
      throw new CaptureFormatError(
        `not a pcap file: magic 0x${be.toString(16).padStart(8, '0')} at byte ${fileOffset}`,
        fileOffset,
      );
    }
    this.snaplen = this.u32(b, o + 16);
    // The link-type field's upper bits carry an FCS length (bits 28-31, in 16-bit units, valid when
    // bit 26 is set) and reserved bits; the link type proper is the low 16 bits.
    const rawLink = this.u32(b, o + 20);
    this.linkType = rawLink & 0xffff;
    if (rawLink & 0x04000000) {
      this.info.warnings.push(`link-type field says frames end with a ${(rawLink >>> 28) * 2}-byte FCS`);
    }
    this.limit = pcapRecordLimit(this.snaplen);
    this.headerDone = true;
    this.info.byteOrder = this.little ? 'le' : 'be';
    this.info.precision = this.nano ? 'ns' : 'us';
    this.info.sections = 1;
    this.info.interfaces.push({
      linkType: this.linkType,
      snaplen: this.snaplen,
      tsResolution: this.nano ? 1e9 : 1e6,
      tsOffset: 0,
    });
  }

  protected cutShort(pending: number): string | null {
    if (!this.headerDone) return 'pcap file header';
    return pending === 0 ? null : 'pcap record';
  }
}
