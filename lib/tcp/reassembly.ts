/**
 * One direction of a TCP byte stream, put back in order for an AppParser.
 *
 * Bytes are delivered exactly once, in sequence order, with their stream offset (0 = first byte
 * after the SYN; without a SYN, the first sequence number seen in this direction). Overlaps keep
 * the bytes that arrived first (Wireshark's default for reassembly). Out-of-order data is copied and
 * held, up to `maxBuffered` bytes; a hole that can never be filled (the peer ACKed past it, the
 * buffer cap was hit, or the connection/capture ended) is reported as a gap and skipped, so parsers
 * never see invented bytes.
 *
 * Sequence numbers are raw 32-bit values compared modulo 2^32; stream offsets are plain numbers
 * (exact to 2^53), so streams longer than 4 GiB keep correct offsets across wraparound.
 */
import type { AppParser } from '../stream';
import type { Dir } from '../trace';
import { seqAdd, seqDiff, seqGt, seqLe, seqLt } from './segment';

export const DEFAULT_MAX_BUFFERED = 8 * 1024 * 1024;

interface Pending {
  seq: number;
  len: number;
  /** Copy of the bytes, or null when no parser consumes this stream (only ranges are tracked). */
  bytes: Uint8Array | null;
  packet: number;
  tS: number;
}

export class DirectionReassembler {
  /** Bytes reported as gaps (never captured). */
  missingBytes = 0;
  /** Stream offset of `nextSeq`. */
  offset = 0;
  ended = false;
  private started = false;
  private nextSeq = 0;
  private finSeq: number | null = null;
  private pending: Pending[] = [];
  private bufferedBytes = 0;
  /** Highest stream offset reported acknowledged to the parser. */
  private ackedOffset = 0;

  constructor(
    readonly dir: Dir,
    private readonly out: AppParser | null,
    private readonly maxBuffered = DEFAULT_MAX_BUFFERED,
  ) {}

  get isStarted(): boolean {
    return this.started;
  }

  /** Sets the sequence number of stream offset 0, if not already known (SYN: ISN + 1). */
  start(seq: number): void {
    if (this.started) return;
    this.started = true;
    this.nextSeq = seq >>> 0;
  }

  /**
   * A segment's payload: `len` captured bytes of `src` from `start`, at sequence number `seq`
   * (possibly fewer than the segment's tcp.len when the capture cut the packet; the rest stays a
   * hole). Without a parser only the ranges are tracked and no view is made.
   */
  data(seq: number, src: Uint8Array, start: number, len: number, packet: number, tS: number): void {
    if (this.ended) return;
    if (!this.started) this.start(seq);
    if (len <= 0) return;
    let rel = seqDiff(seq, this.nextSeq);
    let skip = 0;
    if (rel < 0) {
      // Retransmitted or overlapping: only bytes beyond what was delivered are new.
      skip = -rel;
      if (skip >= len) return;
      rel = 0;
    }
    if (rel === 0 && this.pending.length === 0) {
      // The common case: in order, nothing held.
      if (this.out) this.deliver(src.subarray(start + skip, start + len), packet, tS);
      else this.skipAhead(len - skip);
      this.checkFin(tS);
      return;
    }
    // Held bytes arrived first and win over this segment's overlapping part.
    this.insert(seqAdd(seq, skip), src, start + skip, len - skip, packet, tS);
    this.drain();
    while (this.bufferedBytes > this.maxBuffered && this.pending.length > 0) {
      // The hole before the buffered data has waited too long: give up on it.
      this.gapTo(this.pending[0].seq, tS);
      this.drain();
    }
    this.checkFin(tS);
  }

  /** The FIN's sequence number (seq + tcp.len of the FIN segment). */
  fin(finSeq: number, tS: number): void {
    if (this.ended) return;
    if (!this.started) this.start(finSeq);
    if (this.finSeq === null) this.finSeq = finSeq >>> 0;
    this.checkFin(tS);
  }

  /**
   * The peer acknowledged everything before `ack`: holes below it were received by the peer but
   * not by the capture, so they will not be retransmitted — report them as gaps.
   */
  acked(ack: number, tS: number, packet = 0): void {
    if (!this.started) return;
    let target = ack >>> 0;
    // The FIN occupies one sequence number that carries no byte.
    if (this.finSeq !== null && seqGt(target, this.finSeq)) target = this.finSeq;
    if (this.ended || !seqGt(target, this.nextSeq)) {
      this.reportAck(target, packet, tS);
      return;
    }
    // An ACK far beyond anything plausible (corrupt, or from another incarnation) is ignored.
    if (seqDiff(target, this.nextSeq) > 0x40000000) return;
    while (seqGt(target, this.nextSeq)) {
      if (this.pending.length > 0 && seqLt(this.pending[0].seq, target)) {
        this.gapTo(this.pending[0].seq, tS);
        this.drain();
      } else {
        this.gapTo(target, tS);
      }
    }
    this.drain();
    this.reportAck(target, packet, tS);
    this.checkFin(tS);
  }

  /** Tells the parser how far the peer acknowledged, in stream offsets, when that advanced. */
  private reportAck(target: number, packet: number, tS: number): void {
    if (!this.out?.acked) return;
    const d = seqDiff(target, this.nextSeq);
    if (d > 0 || d < -0x40000000) return;
    const offset = this.offset + d;
    if (offset <= this.ackedOffset) return;
    this.ackedOffset = offset;
    this.out.acked(this.dir, offset, packet, tS);
  }

  /** The stream ends: RST, or end of capture. Flushes held data past any holes first. */
  close(how: 'rst' | 'capture-end', tS: number): void {
    if (this.ended) return;
    while (this.pending.length > 0) {
      this.gapTo(this.pending[0].seq, tS);
      this.drain();
    }
    if (this.finSeq !== null && this.started) {
      // A FIN was seen but bytes before it never were: report them, then end by FIN.
      if (seqLt(this.nextSeq, this.finSeq)) this.gapTo(this.finSeq, tS);
      this.checkFin(tS);
      if (this.ended) return;
    }
    this.ended = true;
    this.pending = [];
    this.bufferedBytes = 0;
    this.out?.end(this.dir, how, tS);
  }

  private deliver(bytes: Uint8Array, packet: number, tS: number): void {
    const n = bytes.length;
    if (n === 0) return;
    this.out?.data(this.dir, bytes, this.offset, packet, tS);
    this.offset += n;
    this.nextSeq = seqAdd(this.nextSeq, n);
  }

  private skipAhead(n: number): void {
    this.offset += n;
    this.nextSeq = seqAdd(this.nextSeq, n);
  }

  private gapTo(seq: number, tS: number): void {
    const len = seqDiff(seq, this.nextSeq);
    if (len <= 0) return;
    this.out?.gap(this.dir, this.offset, len, tS);
    this.missingBytes += len;
    this.offset += len;
    this.nextSeq = seq >>> 0;
  }

  private drain(): void {
    const q = this.pending;
    while (q.length > 0 && seqLe(q[0].seq, this.nextSeq)) {
      const p = q.shift() as Pending;
      this.bufferedBytes -= p.len;
      const skip = seqDiff(this.nextSeq, p.seq);
      if (skip >= p.len) continue;
      if (p.bytes) this.deliver(skip === 0 ? p.bytes : p.bytes.subarray(skip), p.packet, p.tS);
      else this.skipAhead(p.len - skip);
    }
  }

  private checkFin(tS: number): void {
    if (this.ended || this.finSeq === null) return;
    if (seqLe(this.finSeq, this.nextSeq) && this.pending.length === 0) {
      this.ended = true;
      this.out?.end(this.dir, 'fin', tS);
    }
  }

  /** Holds the parts of [seq, seq+len) not already held: the first-received bytes win. */
  private insert(seq: number, src: Uint8Array, start: number, len: number, packet: number, tS: number): void {
    const q = this.pending;
    const r0 = seqDiff(seq, this.nextSeq);
    const r1 = r0 + len;
    let cur = r0;
    const pieces: [number, number][] = [];
    for (let i = 0; i < q.length && cur < r1; i++) {
      const p0 = seqDiff(q[i].seq, this.nextSeq);
      const p1 = p0 + q[i].len;
      if (p1 <= cur) continue;
      if (p0 >= r1) break;
      if (p0 > cur) pieces.push([cur, p0]);
      cur = Math.max(cur, p1);
    }
    if (cur < r1) pieces.push([cur, r1]);
    for (const [a, b] of pieces) {
      const piece: Pending = {
        seq: seqAdd(this.nextSeq, a),
        len: b - a,
        // Packet data views are only valid during the call: copy what is held.
        bytes: this.out ? src.slice(start + a - r0, start + b - r0) : null,
        packet,
        tS,
      };
      let at = q.length;
      while (at > 0 && seqDiff(q[at - 1].seq, this.nextSeq) > a) at--;
      q.splice(at, 0, piece);
      this.bufferedBytes += piece.len;
    }
  }
}
