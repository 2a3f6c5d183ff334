/**
 * TCP header decoding (RFC 9293 section 3.1, options from RFC 7323 and RFC 2018).
 *
 * One reusable `TcpSegment` object is filled per packet so the hot path allocates nothing except
 * SACK block arrays, which are rare and small.
 */
import type { NetPacket } from '../capture/types';

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  /** Raw 32-bit sequence and acknowledgment numbers (unsigned). */
  seq: number;
  ack: number;
  /** Header length in bytes (data offset x 4). */
  headerLen: number;
  /** Flag byte 13 (FIN..CWR, see TCP_* in lib/packets.ts). */
  flags: number;
  /** Raw (unscaled) window field. */
  window: number;
  urgent: number;
  /** Options; -1 / null when absent. */
  mss: number;
  windowScale: number;
  sackPermitted: boolean;
  sackBlocks: number[] | null; // flat [left, right, left, right, ...]
  tsVal: number;
  tsEcr: number;
  hasTimestamps: boolean;
  /** Where the payload starts in the packet data. */
  payloadOffset: number;
  /** tcp.len: the L4 length the IP header claims minus the TCP header length. */
  payloadLen: number;
  /** Payload bytes actually present in the capture (< payloadLen when caplen cut the packet). */
  capturedPayloadLen: number;
}

export function emptySegment(): TcpSegment {
  return {
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: 0,
    headerLen: 0,
    flags: 0,
    window: 0,
    urgent: 0,
    mss: -1,
    windowScale: -1,
    sackPermitted: false,
    sackBlocks: null,
    tsVal: 0,
    tsEcr: 0,
    hasTimestamps: false,
    payloadOffset: 0,
    payloadLen: 0,
    capturedPayloadLen: 0,
  };
}

/** Why a TCP header could not be decoded, or null when `out` was filled. */
export type SegmentError = 'truncated-header' | 'bad-data-offset' | null;

/**
 * Decodes the TCP header of `data` at `net.l4Offset` into `out`. Returns null on success.
 * Options that run past the header or the captured bytes are ignored (the header still counts).
 */
export function decodeSegment(
  net: NetPacket,
  data: Uint8Array,
  out: TcpSegment = emptySegment(),
): SegmentError {
  const o = net.l4Offset;
  if (o + 20 > data.length) return 'truncated-header';
  out.srcPort = (data[o] << 8) | data[o + 1];
  out.dstPort = (data[o + 2] << 8) | data[o + 3];
  out.seq = ((data[o + 4] << 24) | (data[o + 5] << 16) | (data[o + 6] << 8) | data[o + 7]) >>> 0;
  out.ack = ((data[o + 8] << 24) | (data[o + 9] << 16) | (data[o + 10] << 8) | data[o + 11]) >>> 0;
  const hl = (data[o + 12] >> 4) * 4;
  out.flags = data[o + 13];
  out.window = (data[o + 14] << 8) | data[o + 15];
  out.urgent = (data[o + 18] << 8) | data[o + 19];
  out.mss = -1;
  out.windowScale = -1;
  out.sackPermitted = false;
  out.sackBlocks = null;
  out.hasTimestamps = false;
  out.tsVal = 0;
  out.tsEcr = 0;
  if (hl < 20) return 'bad-data-offset';
  out.headerLen = hl;
  // The IP layer's claimed length is what tshark's tcp.len uses; a snaplen cut does not change it.
  const claimed = net.l4Length > 0 ? net.l4Length : data.length - o;
  out.payloadLen = Math.max(0, claimed - hl);
  out.payloadOffset = o + hl;
  out.capturedPayloadLen = Math.max(0, Math.min(out.payloadLen, data.length - out.payloadOffset));
  if (hl > 20) parseOptions(data, o + 20, Math.min(o + hl, data.length), out);
  return null;
}

function parseOptions(d: Uint8Array, p: number, end: number, out: TcpSegment): void {
  while (p < end) {
    const kind = d[p];
    if (kind === 0) return; // end of option list
    if (kind === 1) {
      p++; // no-operation padding
      continue;
    }
    if (p + 1 >= end) return;
    const len = d[p + 1];
    if (len < 2 || p + len > end) return; // malformed: stop rather than misread the rest
    switch (kind) {
      case 2:
        if (len === 4) out.mss = (d[p + 2] << 8) | d[p + 3];
        break;
      case 3:
        // RFC 7323 2.3: shift counts above 14 are treated as 14.
        if (len === 3) out.windowScale = Math.min(d[p + 2], 14);
        break;
      case 4:
        out.sackPermitted = true;
        break;
      case 5: {
        const blocks: number[] = [];
        for (let q = p + 2; q + 8 <= p + len; q += 8) {
          blocks.push(be32(d, q), be32(d, q + 4));
        }
        out.sackBlocks = blocks;
        break;
      }
      case 8:
        if (len === 10) {
          out.hasTimestamps = true;
          out.tsVal = be32(d, p + 2);
          out.tsEcr = be32(d, p + 6);
        }
        break;
    }
    p += len;
  }
}

function be32(d: Uint8Array, p: number): number {
  return ((d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3]) >>> 0;
}

/** Modular sequence-number comparisons (RFC 9293 3.4): a - b as a signed 32-bit distance. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
