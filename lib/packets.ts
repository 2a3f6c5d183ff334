/**
 * Per-packet facts kept as growable typed-array columns (struct-of-arrays), so a capture of
 * millions of packets costs ~55 bytes per packet, can be transferred from a Worker without copying,
 * and never holds packet bytes: `fileOffset` + `caplen` let a view read them back on demand.
 *
 * Row i describes packet number i + 1.
 */

/** TCP header flag bits, as on the wire (byte 13 of the TCP header). */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** Wireshark-style per-segment analysis bits (tcp.analysis.*), plus capture facts. */
export const A_RETRANSMISSION = 1 << 0;
export const A_FAST_RETRANSMISSION = 1 << 1;
export const A_SPURIOUS_RETRANSMISSION = 1 << 2;
export const A_OUT_OF_ORDER = 1 << 3;
export const A_DUP_ACK = 1 << 4;
export const A_ZERO_WINDOW = 1 << 5;
export const A_ZERO_WINDOW_PROBE = 1 << 6;
export const A_WINDOW_FULL = 1 << 7;
export const A_KEEP_ALIVE = 1 << 8;
export const A_KEEP_ALIVE_ACK = 1 << 9;
export const A_LOST_SEGMENT = 1 << 10; // previous segment not captured
export const A_WINDOW_UPDATE = 1 << 11;
export const A_ACKED_UNSEEN = 1 << 12;
export const A_TRUNCATED = 1 << 13; // caplen < original length
export const A_IP_FRAGMENT = 1 << 14;
export const A_MALFORMED = 1 << 15; // headers could not be decoded

export const DIR_C2S = 0;
export const DIR_S2C = 1;
export const DIR_NONE = 255;

/** Protocol of a packet that is not part of a TCP connection (conn = -1). */
export const L4_TCP = 6;
export const L4_UDP = 17;

const INITIAL = 1024;

export class PacketTable {
  length = 0;
  /** Seconds relative to the first packet. */
  time: Float64Array = new Float64Array(INITIAL);
  /** Byte offset of the packet's data in the (decompressed) capture file. */
  fileOffset: Float64Array = new Float64Array(INITIAL);
  caplen: Uint32Array = new Uint32Array(INITIAL);
  origLen: Uint32Array = new Uint32Array(INITIAL);
  /** Index into Trace.connections, or -1 for packets outside any TCP connection. */
  conn: Int32Array = new Int32Array(INITIAL);
  dir: Uint8Array = new Uint8Array(INITIAL);
  tcpFlags: Uint8Array = new Uint8Array(INITIAL);
  analysis: Uint16Array = new Uint16Array(INITIAL);
  /** TCP payload length (tcp.len). */
  payloadLen: Uint32Array = new Uint32Array(INITIAL);
  /** IP TTL / hop limit (0 when unknown). */
  ttl: Uint8Array = new Uint8Array(INITIAL);
  /** IP protocol number (6 TCP, 17 UDP, ...; 0 when not IP). */
  l4: Uint8Array = new Uint8Array(INITIAL);
  /** pcapng interface id (0 for pcap). */
  iface: Uint16Array = new Uint16Array(INITIAL);
  /** Link-layer type of the packet's interface. */
  linkType: Uint16Array = new Uint16Array(INITIAL);
  /**
   * TCP header facts a display filter over millions of packets reads without the packet bytes
   * (tcp.seq_raw, tcp.ack_raw, tcp.window_size_value, tcp.hdr_len, tcp.flags) and the IPv4 identification
   * (ip.id; 0 for IPv6). Filled for TCP packets only; other packets are read back from their bytes.
   */
  seq: Uint32Array = new Uint32Array(INITIAL);
  ack: Uint32Array = new Uint32Array(INITIAL);
  /** Raw 16-bit window field (scale it with the connection's window scale). */
  window: Uint16Array = new Uint16Array(INITIAL);
  ipId: Uint16Array = new Uint16Array(INITIAL);
  /**
   * Byte 12 of the TCP header as on the wire: data offset (header length / 4) in the high nibble,
   * then the reserved bits and the AE/NS bit (tcp.flags' high bits); 0 when not decoded.
   */
  tcpOffset: Uint8Array = new Uint8Array(INITIAL);

  /** Appends a row for the next packet; returns its index. Columns default to zero / -1 conn. */
  add(
    timeS: number,
    fileOffset: number,
    caplen: number,
    origLen: number,
    iface: number,
    linkType: number,
  ): number {
    if (this.length === this.time.length) this.grow();
    const i = this.length++;
    this.time[i] = timeS;
    this.fileOffset[i] = fileOffset;
    this.caplen[i] = caplen;
    this.origLen[i] = origLen;
    this.iface[i] = iface;
    this.linkType[i] = linkType;
    this.conn[i] = -1;
    this.dir[i] = DIR_NONE;
    return i;
  }

  private grow(): void {
    const n = this.time.length * 2;
    const g = <T extends Float64Array | Uint32Array | Int32Array | Uint8Array | Uint16Array>(a: T): T => {
      const Ctor = a.constructor as new (x: ArrayBuffer | number) => T;
      // Where ArrayBuffer.prototype.transfer exists (Chromium, Node 21+), the old column's memory
      // is handed over (often grown in place) instead of left to the garbage collector: on a
      // million packets the dead halves of every doubling added up to the size of the table.
      const buffer = a.buffer as ArrayBuffer & { transfer?: (bytes: number) => ArrayBuffer };
      if (typeof buffer.transfer === 'function' && a.byteOffset === 0 && a.byteLength === buffer.byteLength)
        return new Ctor(buffer.transfer(n * a.BYTES_PER_ELEMENT));
      const b = new Ctor(n);
      b.set(a);
      return b;
    };
    this.time = g(this.time);
    this.fileOffset = g(this.fileOffset);
    this.caplen = g(this.caplen);
    this.origLen = g(this.origLen);
    this.conn = g(this.conn);
    this.dir = g(this.dir);
    this.tcpFlags = g(this.tcpFlags);
    this.analysis = g(this.analysis);
    this.payloadLen = g(this.payloadLen);
    this.ttl = g(this.ttl);
    this.l4 = g(this.l4);
    this.iface = g(this.iface);
    this.linkType = g(this.linkType);
    this.seq = g(this.seq);
    this.ack = g(this.ack);
    this.window = g(this.window);
    this.ipId = g(this.ipId);
    this.tcpOffset = g(this.tcpOffset);
  }

  /**
   * The columns cut to `length` as views of the table's own arrays (no copy): to transfer their
   * buffers to another thread when the table is done. The views share memory with the table.
   */
  columnViews(): PacketColumns {
    const n = this.length;
    return {
      length: n,
      time: this.time.subarray(0, n),
      fileOffset: this.fileOffset.subarray(0, n),
      caplen: this.caplen.subarray(0, n),
      origLen: this.origLen.subarray(0, n),
      conn: this.conn.subarray(0, n),
      dir: this.dir.subarray(0, n),
      tcpFlags: this.tcpFlags.subarray(0, n),
      analysis: this.analysis.subarray(0, n),
      payloadLen: this.payloadLen.subarray(0, n),
      ttl: this.ttl.subarray(0, n),
      l4: this.l4.subarray(0, n),
      iface: this.iface.subarray(0, n),
      linkType: this.linkType.subarray(0, n),
      seq: this.seq.subarray(0, n),
      ack: this.ack.subarray(0, n),
      window: this.window.subarray(0, n),
      ipId: this.ipId.subarray(0, n),
      tcpOffset: this.tcpOffset.subarray(0, n),
    };
  }

  /** Columns trimmed to `length`, copied: independent of the table (storage, structured clone). */
  toColumns(): PacketColumns {
    const v = this.columnViews();
    const out: Record<string, unknown> = { length: v.length };
    for (const k of Object.keys(v) as (keyof PacketColumns)[]) {
      const col = v[k];
      if (typeof col !== 'number') out[k] = col.slice();
    }
    return out as unknown as PacketColumns;
  }

  static fromColumns(c: PacketColumns): PacketTable {
    const t = new PacketTable();
    t.length = c.length;
    t.time = c.time;
    t.fileOffset = c.fileOffset;
    t.caplen = c.caplen;
    t.origLen = c.origLen;
    t.conn = c.conn;
    t.dir = c.dir;
    t.tcpFlags = c.tcpFlags;
    t.analysis = c.analysis;
    t.payloadLen = c.payloadLen;
    t.ttl = c.ttl;
    t.l4 = c.l4;
    t.iface = c.iface;
    t.linkType = c.linkType;
    // Columns from before they existed (an older stored trace): zeros, as for a non-TCP packet.
    t.seq = c.seq ?? new Uint32Array(c.length);
    t.ack = c.ack ?? new Uint32Array(c.length);
    t.window = c.window ?? new Uint16Array(c.length);
    t.ipId = c.ipId ?? new Uint16Array(c.length);
    t.tcpOffset = c.tcpOffset ?? new Uint8Array(c.length);
    return t;
  }
}

export interface PacketColumns {
  length: number;
  time: Float64Array;
  fileOffset: Float64Array;
  caplen: Uint32Array;
  origLen: Uint32Array;
  conn: Int32Array;
  dir: Uint8Array;
  tcpFlags: Uint8Array;
  analysis: Uint16Array;
  payloadLen: Uint32Array;
  ttl: Uint8Array;
  l4: Uint8Array;
  iface: Uint16Array;
  linkType: Uint16Array;
  seq: Uint32Array;
  ack: Uint32Array;
  window: Uint16Array;
  ipId: Uint16Array;
  tcpOffset: Uint8Array;
}

const COLUMN_ORDER = [
  'time',
  'fileOffset',
  'caplen',
  'origLen',
  'conn',
  'dir',
  'tcpFlags',
  'analysis',
  'payloadLen',
  'ttl',
  'l4',
  'iface',
  'linkType',
  'seq',
  'ack',
  'window',
  'ipId',
  'tcpOffset',
] as const;

/** Version 2 added seq, ack, window, ipId, tcpOffset; a version 1 buffer reads them as zeros. */
const FORMAT_VERSION = 2;

/**
 * Packs the columns into one buffer (for storage and download): a 4-byte magic "TLPC", version,
 * row count, then each column's bytes in COLUMN_ORDER, each padded to 8 bytes.
 */
export function encodeColumns(c: PacketColumns): Uint8Array {
  const cols = COLUMN_ORDER.map((k) => c[k]);
  let size = 16;
  for (const a of cols) size += Math.ceil(a.byteLength / 8) * 8;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out.set([0x54, 0x4c, 0x50, 0x43], 0);
  dv.setUint32(4, FORMAT_VERSION, true);
  dv.setFloat64(8, c.length, true);
  let o = 16;
  for (const a of cols) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o);
    o += Math.ceil(a.byteLength / 8) * 8;
  }
  return out;
}

/** Inverse of encodeColumns; throws on a buffer that is not one. */
export function decodeColumns(buf: Uint8Array): PacketColumns {
  if (buf.length < 16 || buf[0] !== 0x54 || buf[1] !== 0x4c || buf[2] !== 0x50 || buf[3] !== 0x43) {
    throw new Error('not a packet column buffer');
  }
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = dv.getFloat64(8, true);
  const version = dv.getUint32(4, true);
  if (version !== 1 && version !== FORMAT_VERSION) throw new Error(`packet column buffer version ${version}`);
  // Copy into a fresh, aligned buffer so every typed array view is aligned.
  const aligned = buf.slice().buffer;
  let o = 16;
  const take = <T>(ctor: {
    new (b: ArrayBuffer, off: number, len: number): T;
    BYTES_PER_ELEMENT: number;
  }): T => {
    const bytes = n * ctor.BYTES_PER_ELEMENT;
    if (o + bytes > buf.length) throw new Error('truncated packet column buffer');
    const v = new ctor(aligned, o, n);
    o += Math.ceil(bytes / 8) * 8;
    return v;
  };
  const v2 = <T>(ctor: {
    new (b: ArrayBuffer, off: number, len: number): T;
    new (len: number): T;
    BYTES_PER_ELEMENT: number;
  }): T => (version === 1 ? new ctor(n) : take(ctor));
  return {
    length: n,
    time: take(Float64Array),
    fileOffset: take(Float64Array),
    caplen: take(Uint32Array),
    origLen: take(Uint32Array),
    conn: take(Int32Array),
    dir: take(Uint8Array),
    tcpFlags: take(Uint8Array),
    analysis: take(Uint16Array),
    payloadLen: take(Uint32Array),
    ttl: take(Uint8Array),
    l4: take(Uint8Array),
    iface: take(Uint16Array),
    linkType: take(Uint16Array),
    seq: v2(Uint32Array),
    ack: v2(Uint32Array),
    window: v2(Uint16Array),
    ipId: v2(Uint16Array),
    tcpOffset: v2(Uint8Array),
  };
}
