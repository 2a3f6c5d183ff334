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

export class PcapReader extends FramedReader {
  private little = true;
  private nano = false;
  private headerDone = false;
  private linkType = 0;
  private snaplen = 0;
  private limit = PCAP_STANDARD_MAX;

  constructor(private readonly sink: CaptureSink) {
    super();
    this.info.format = 'pcap';
  }

  protected unitSize(buf: Uint8Array, off: number, avail: number, fileOffset: number): number {
    if (!this.headerDone) return FILE_HEADER;
    if (avail < RECORD_HEADER) return RECORD_HEADER;
    const caplen = this.u32(buf, off + 8);
    if (caplen > this.limit) {
      throw new CaptureFormatError(
        `pcap record at byte ${fileOffset} claims ${caplen} bytes, more than the ${this.limit} a packet can have: kept ${this.info.packets} packets before it`,
        fileOffset,
      );
    }
    return RECORD_HEADER + caplen;
  }

  private u32(b: Uint8Array, o: number): number {
    return this.little
      ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
      : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }

  protected unit(buf: Uint8Array, off: number, size: number, fileOffset: number): void {
    if (!this.headerDone) {
      this.fileHeader(buf, off, fileOffset);
      return;
    }
    const caplen = size - RECORD_HEADER;
    const origLen = this.u32(buf, off + 12);
    const sub = this.u32(buf, off + 4);
    if (caplen < origLen) this.info.truncatedPackets = (this.info.truncatedPackets ?? 0) + 1;
    const number = ++this.info.packets;
    const p: CapturedPacket = {
      number,
      tsSec: this.u32(buf, off),
      tsNsec: this.nano ? sub : sub * 1000,
      linkType: this.linkType,
      interfaceId: 0,
      caplen,
      origLen,
      fileOffset: fileOffset + RECORD_HEADER,
      data: buf.subarray(off + RECORD_HEADER, off + size),
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
    // Upper bits of the link-type field carry FCS length and flags (pcap spec "LinkType and
    // additional information"); the link type proper is the low 26 bits, as libpcap masks it.
    const rawLink = this.u32(b, o + 20);
    this.linkType = rawLink & 0x03ffffff;
    if (rawLink & 0x10000000) {
      this.info.warnings.push(`link-type field says frames end with a ${(rawLink >>> 29) * 2}-byte FCS`);
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
    if (pending === 0) return null;
    return this.headerDone ? 'pcap record' : 'pcap file header';
  }
}
