/**
 * Byte builders for capture-reader tests: write classic pcap and pcapng files in memory.
 * Test support only (no node: imports so it stays isomorphic like the rest of lib/).
 */
import type { CaptureReader, CaptureSink, CapturedPacket, DecryptionSecrets } from './types';

export class ByteWriter {
  private buf = new Uint8Array(256);
  length = 0;
  constructor(readonly little = true) {}
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  u8(v: number): this {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.room(2);
    new DataView(this.buf.buffer).setUint16(this.length, v, this.little);
    this.length += 2;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    new DataView(this.buf.buffer).setUint32(this.length, v >>> 0, this.little);
    this.length += 4;
    return this;
  }
  u32be(v: number): this {
    this.room(4);
    new DataView(this.buf.buffer).setUint32(this.length, v >>> 0, false);
    this.length += 4;
    return this;
  }
  bytes(b: Uint8Array | number[]): this {
    const a = b instanceof Uint8Array ? b : Uint8Array.from(b);
    this.room(a.length);
    this.buf.set(a, this.length);
    this.length += a.length;
    return this;
  }
  pad4(): this {
    while (this.length % 4) this.u8(0);
    return this;
  }
  setU32(at: number, v: number): void {
    new DataView(this.buf.buffer).setUint32(at, v >>> 0, this.little);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export interface PcapRecord {
  sec: number;
  sub: number;
  data: Uint8Array;
  origLen?: number;
  /** Override the caplen field (to write lies). */
  caplen?: number;
}

export function buildPcap(opts: {
  little?: boolean;
  nano?: boolean;
  snaplen?: number;
  linkType?: number;
  records: PcapRecord[];
}): Uint8Array {
  const w = new ByteWriter(opts.little ?? true);
  w.u32(opts.nano ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(2)
    .u16(4)
    .u32(0)
    .u32(0);
  w.u32(opts.snaplen ?? 262144).u32(opts.linkType ?? 1);
  for (const r of opts.records) {
    w.u32(r.sec)
      .u32(r.sub)
      .u32(r.caplen ?? r.data.length)
      .u32(r.origLen ?? r.data.length)
      .bytes(r.data);
  }
  return w.done();
}

/** pcapng writer: call blocks in order, then done(). Each block gets correct leading/trailing lengths. */
export class PcapngWriter {
  readonly w: ByteWriter;
  constructor(little = true) {
    this.w = new ByteWriter(little);
  }
  block(type: number, body: (w: ByteWriter) => void): this {
    const start = this.w.length;
    this.w.u32(type).u32(0);
    body(this.w);
    this.w.pad4();
    const len = this.w.length - start + 4;
    this.w.u32(len);
    this.w.setU32(start + 4, len);
    return this;
  }
  shb(): this {
    // The type is a palindrome, and the BOM is written in the writer's order.
    return this.block(0x0a0d0d0a, (w) => w.u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff));
  }
  idb(
    linkType: number,
    opts: { snaplen?: number; tsresol?: number; tsoffset?: number; name?: string } = {},
  ): this {
    return this.block(1, (w) => {
      w.u16(linkType)
        .u16(0)
        .u32(opts.snaplen ?? 0);
      if (opts.name !== undefined) {
        const b = new TextEncoder().encode(opts.name);
        w.u16(2).u16(b.length).bytes(b).pad4();
      }
      if (opts.tsresol !== undefined) w.u16(9).u16(1).u8(opts.tsresol).pad4();
      if (opts.tsoffset !== undefined) {
        const hi = Math.floor(opts.tsoffset / 4294967296);
        const lo = opts.tsoffset - hi * 4294967296;
        w.u16(14).u16(8);
        if (w.little) w.u32(lo).u32(hi);
        else w.u32(hi).u32(lo);
      }
      w.u16(0).u16(0);
    });
  }
  epb(ifId: number, ticks: bigint, data: Uint8Array, origLen = data.length): this {
    return this.block(6, (w) =>
      w
        .u32(ifId)
        .u32(Number(ticks >> 32n))
        .u32(Number(ticks & 0xffffffffn))
        .u32(data.length)
        .u32(origLen)
        .bytes(data)
        .pad4()
        .u16(0)
        .u16(0),
    );
  }
  spb(data: Uint8Array, origLen = data.length): this {
    return this.block(3, (w) => w.u32(origLen).bytes(data));
  }
  pb(ifId: number, ticks: bigint, data: Uint8Array): this {
    return this.block(2, (w) =>
      w
        .u16(ifId)
        .u16(0)
        .u32(Number(ticks >> 32n))
        .u32(Number(ticks & 0xffffffffn))
        .u32(data.length)
        .u32(data.length)
        .bytes(data),
    );
  }
  dsb(type: number, data: Uint8Array): this {
    return this.block(0x0a, (w) => w.u32(type).u32(data.length).bytes(data));
  }
  done(): Uint8Array {
    return this.w.done();
  }
}

/** What a reader emitted, with packet data copied (the reader's views are only valid in the callback). */
export interface Collected {
  packets: (Omit<CapturedPacket, 'data'> & { data: Uint8Array })[];
  secrets: DecryptionSecrets[];
  error: unknown;
}

export function collectingSink(): { sink: CaptureSink; out: Collected } {
  const out: Collected = { packets: [], secrets: [], error: null };
  const sink: CaptureSink = {
    packet: (p) => out.packets.push({ ...p, data: p.data.slice() }),
    secrets: (s) => out.secrets.push({ ...s, data: s.data.slice() }),
  };
  return { sink, out };
}

/** Feeds `bytes` in chunks of `chunk` bytes and ends; records the error instead of throwing. */
export function readAll(
  make: (sink: CaptureSink) => CaptureReader,
  bytes: Uint8Array,
  chunk = bytes.length || 1,
): Collected {
  const { sink, out } = collectingSink();
  const r = make(sink);
  try {
    for (let i = 0; i < bytes.length; i += chunk)
      r.push(bytes.subarray(i, Math.min(bytes.length, i + chunk)));
    r.end();
  } catch (e) {
    out.error = e;
  }
  return out;
}

/** Packets as comparable text rows, with a checksum (FNV-1a) of the data in place of the bytes: fast to compare. */
export function packetRows(ps: Collected['packets']): string[] {
  return ps.map((p) => {
    let h = 2166136261;
    for (let i = 0; i < p.data.length; i++) h = Math.imul(h ^ p.data[i], 16777619);
    return `${p.number} if${p.interfaceId} lt${p.linkType} ${p.tsSec}.${p.tsNsec} ${p.caplen}/${p.origLen} @${p.fileOffset} #${h >>> 0}`;
  });
}
