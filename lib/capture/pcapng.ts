/**
 * Streaming reader for pcapng (draft-ietf-opsawg-pcapng): sections of either byte order, interfaces
 * with their own link type / snaplen / timestamp resolution and offset, EPB, SPB, obsolete PB, DSB.
 */
import { FramedReader, ticksToTime } from './framing';
import { CaptureFormatError, type CaptureInterface, type CaptureSink } from './types';

export const PCAPNG_SHB = 0x0a0d0d0a;
const BOM = 0x1a2b3c4d;
const BT_IDB = 1;
const BT_PB = 2;
const BT_SPB = 3;
const BT_EPB = 6;
const BT_DSB = 0x0a;

/**
 * Largest block we accept. Wireshark caps blocks near 16 MiB plus the largest packet; we allow
 * 64 MiB so big key-log DSBs still fit while a corrupt length is caught early.
 */
export const PCAPNG_MAX_BLOCK = 64 * 1024 * 1024;

export interface PcapngOptions {
  /** Total file size, if known, so a block running past it is reported as such at once. */
  totalBytes?: number;
}

export class PcapngReader extends FramedReader {
  private little = true;
  private sawShb = false;
  /** Interfaces of the current section (info.interfaces holds all of them, across sections). */
  private ifaces: CaptureInterface[] = [];
  /**
   * Index in info.interfaces of the current section's interface 0. Packets carry that global index
   * as interfaceId, as Wireshark numbers interfaces across sections, so info.interfaces[interfaceId]
   * is always the packet's interface.
   */
  private ifaceBase = 0;
  private readonly time = { sec: 0, nsec: 0 };
  private readonly totalBytes: number | undefined;

  constructor(
    private readonly sink: CaptureSink,
    opts: PcapngOptions = {},
  ) {
    super();
    this.info.format = 'pcapng';
    this.totalBytes = opts.totalBytes;
  }

  private u32(b: Uint8Array, o: number): number {
    return this.little
      ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
      : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }
  private u16(b: Uint8Array, o: number): number {
    return this.little ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
  }

  private fail(fileOffset: number, what: string): never {
    throw new CaptureFormatError(
      `pcapng block at byte ${fileOffset} ${what}: kept ${this.info.packets} packets before it`,
      fileOffset,
    );
  }

  protected unitSize(b: Uint8Array, o: number, avail: number, fileOffset: number): number {
    if (avail < 8) return 8;
    const typeBE = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
    let little = this.little;
    if (typeBE === PCAPNG_SHB) {
      // The SHB's byte-order magic decides how to read its own length.
      if (avail < 12) return 12;
      const bomLE = (b[o + 8] | (b[o + 9] << 8) | (b[o + 10] << 16) | (b[o + 11] << 24)) >>> 0;
      const bomBE = ((b[o + 8] << 24) | (b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11]) >>> 0;
      if (bomLE === BOM) little = true;
      else if (bomBE === BOM) little = false;
      else
        this.fail(
          fileOffset,
          `has byte-order magic 0x${bomBE.toString(16).padStart(8, '0')}, not 0x1a2b3c4d`,
        );
    } else if (!this.sawShb) {
      throw new CaptureFormatError(
        `not a pcapng file: first block type 0x${typeBE.toString(16).padStart(8, '0')} at byte ${fileOffset} is not a section header`,
        fileOffset,
      );
    }
    const len = little
      ? (b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24)) >>> 0
      : ((b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]) >>> 0;
    if (this.totalBytes !== undefined && fileOffset + len > this.totalBytes) {
      this.fail(fileOffset, `claims length ${len}, beyond the file`);
    }
    if (len < 12) this.fail(fileOffset, `claims length ${len}, less than the 12 a block needs`);
    if (len % 4 !== 0) this.fail(fileOffset, `claims length ${len}, not a multiple of 4`);
    if (len > PCAPNG_MAX_BLOCK)
      this.fail(fileOffset, `claims length ${len}, more than the ${PCAPNG_MAX_BLOCK} a block may have`);
    return len;
  }

  protected unit(b: Uint8Array, o: number, len: number, fileOffset: number): void {
    const typeBE = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
    if (typeBE === PCAPNG_SHB) {
      this.little = b[o + 8] === 0x4d;
      this.sawShb = true;
      this.ifaces = [];
      this.ifaceBase = this.info.interfaces.length;
      this.info.sections++;
      this.info.byteOrder = this.little ? 'le' : 'be';
      if (len < 28) this.fail(fileOffset, `is a section header of ${len} bytes, less than 28`);
      const major = this.u16(b, o + 12);
      if (major !== 1)
        this.fail(
          fileOffset,
          `is a section header of pcapng version ${major}.${this.u16(b, o + 14)}, not 1.x`,
        );
    }
    const trailing = this.u32(b, o + len - 4);
    if (trailing !== len)
      this.fail(fileOffset, `claims length ${len} but its trailing length says ${trailing}`);
    if (typeBE === PCAPNG_SHB) return;
    const type = this.u32(b, o);
    const bodyEnd = o + len - 4;
    switch (type) {
      case BT_EPB:
        this.packetBlock(b, o, bodyEnd, fileOffset, this.u32(b, o + 8), o + 12, 28);
        return;
      case BT_PB:
        this.packetBlock(b, o, bodyEnd, fileOffset, this.u16(b, o + 8), o + 12, 28);
        return;
      case BT_SPB:
        this.simplePacket(b, o, bodyEnd, fileOffset);
        return;
      case BT_IDB:
        this.interfaceBlock(b, o, bodyEnd, fileOffset);
        return;
      case BT_DSB:
        this.secretsBlock(b, o, bodyEnd, fileOffset);
        return;
      default:
        // NRB, ISB, custom and unknown blocks: nothing we need; the length framing skips them.
        return;
    }
  }

  private iface(id: number, fileOffset: number): CaptureInterface {
    const ifc = this.ifaces[id];
    if (!ifc) this.fail(fileOffset, `names interface ${id}, but the section has ${this.ifaces.length}`);
    return ifc;
  }

  /** EPB and PB share the layout after the interface id: ts high, ts low, caplen, origLen, data. */
  private packetBlock(
    b: Uint8Array,
    o: number,
    bodyEnd: number,
    fileOffset: number,
    ifId: number,
    tsAt: number,
    dataRel: number,
  ): void {
    if (o + dataRel > bodyEnd) this.fail(fileOffset, `is a packet block too short for its fields`);
    const ifc = this.iface(ifId, fileOffset);
    const caplen = this.u32(b, tsAt + 8);
    const origLen = this.u32(b, tsAt + 12);
    const dataAt = o + dataRel;
    if (caplen > bodyEnd - dataAt) {
      this.fail(fileOffset, `has a packet of ${caplen} bytes in a block with room for ${bodyEnd - dataAt}`);
    }
    ticksToTime(this.u32(b, tsAt), this.u32(b, tsAt + 4), ifc.tsResolution, this.time);
    this.emit(b, dataAt, caplen, origLen, ifId, ifc, fileOffset + dataRel);
  }

  private simplePacket(b: Uint8Array, o: number, bodyEnd: number, fileOffset: number): void {
    if (o + 12 > bodyEnd) this.fail(fileOffset, `is a simple packet block too short for its fields`);
    const ifc = this.iface(0, fileOffset);
    const origLen = this.u32(b, o + 8);
    let caplen = Math.min(origLen, bodyEnd - (o + 12));
    if (ifc.snaplen > 0 && caplen > ifc.snaplen) caplen = ifc.snaplen;
    // SPBs carry no timestamp.
    this.time.sec = 0;
    this.time.nsec = 0;
    this.emit(b, o + 12, caplen, origLen, 0, ifc, fileOffset + 12);
  }

  private emit(
    b: Uint8Array,
    dataAt: number,
    caplen: number,
    origLen: number,
    ifId: number,
    ifc: CaptureInterface,
    dataFileOffset: number,
  ): void {
    if (caplen < origLen) this.info.truncatedPackets = (this.info.truncatedPackets ?? 0) + 1;
    this.sink.packet({
      number: ++this.info.packets,
      tsSec: this.time.sec + ifc.tsOffset,
      tsNsec: this.time.nsec,
      linkType: ifc.linkType,
      interfaceId: this.ifaceBase + ifId,
      caplen,
      origLen,
      fileOffset: dataFileOffset,
      data: b.subarray(dataAt, dataAt + caplen),
    });
  }

  private interfaceBlock(b: Uint8Array, o: number, bodyEnd: number, fileOffset: number): void {
    if (o + 16 > bodyEnd) this.fail(fileOffset, `is an interface block too short for its fields`);
    const ifc: CaptureInterface = {
      linkType: this.u16(b, o + 8),
      snaplen: this.u32(b, o + 12),
      tsResolution: 1e6,
      tsOffset: 0,
    };
    let p = o + 16;
    while (p + 4 <= bodyEnd) {
      const code = this.u16(b, p);
      const olen = this.u16(b, p + 2);
      const v = p + 4;
      if (code === 0 || v + olen > bodyEnd) break;
      if (code === 2) {
        ifc.name = new TextDecoder().decode(b.subarray(v, v + olen)).replace(/\0+$/, '');
      } else if (code === 9 && olen >= 1) {
        const r = b[v];
        const exp = r & 0x7f;
        ifc.tsResolution = r & 0x80 ? 2 ** exp : 10 ** exp;
      } else if (code === 14 && olen >= 8) {
        // if_tsoffset is a signed 64-bit count of seconds.
        const hi = this.little ? this.u32(b, v + 4) | 0 : this.u32(b, v) | 0;
        const lo = this.little ? this.u32(b, v) : this.u32(b, v + 4);
        ifc.tsOffset = hi * 4294967296 + lo;
      }
      p = v + ((olen + 3) & ~3);
    }
    this.ifaces.push(ifc);
    this.info.interfaces.push(ifc);
    if (this.info.precision === null) {
      this.info.precision = ifc.tsResolution >= 1e9 ? 'ns' : 'us';
    }
  }

  /** Secrets are copied: they are rare and lib/tls keeps them past the callback. */
  private secretsBlock(b: Uint8Array, o: number, bodyEnd: number, fileOffset: number): void {
    if (o + 16 > bodyEnd) this.fail(fileOffset, `is a decryption secrets block too short for its fields`);
    const type = this.u32(b, o + 8);
    const slen = this.u32(b, o + 12);
    if (slen > bodyEnd - (o + 16))
      this.fail(fileOffset, `has ${slen} bytes of secrets in a block with room for ${bodyEnd - (o + 16)}`);
    this.sink.secrets?.({ type, data: b.slice(o + 16, o + 16 + slen), fileOffset: fileOffset + 16 });
  }

  protected cutShort(pending: number): string | null {
    if (!this.sawShb) return 'pcapng section header';
    return pending === 0 ? null : 'pcapng block';
  }
}
