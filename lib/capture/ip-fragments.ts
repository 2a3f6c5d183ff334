/**
 * IPv4 and IPv6 fragment reassembly, bounded, with Wireshark's overlap policy.
 *
 * A datagram is keyed as RFC 791 / RFC 8200 key it — source, destination, identification (and the
 * protocol for IPv4) — within the packet's network context (VLAN ids, overlay), so fragments of two
 * VXLAN networks never mix. Its fragments are kept (copied: packet bytes are only lent) until the
 * bytes from 0 to the end that the last fragment (MF clear) fixes are all there; the datagram is
 * then handed on once, attributed to the packet that completed it, as Wireshark shows the upper
 * layer on the frame that completed reassembly.
 *
 * Overlaps, as epan/reassemble.c does: fragments are laid out in offset order (equal offsets in
 * arrival order) and each adds only the bytes past what the ones before it covered, so the copy
 * with the lowest offset — for the same offset, the first to arrive — wins. Overlaps are counted,
 * and counted as conflicts when the bytes differ; a fragment reaching past the end is cut there
 * (too long); a second "last fragment" that disagrees on the end is ignored (multiple tails).
 *
 * A copy of a fragment arriving just after its datagram was completed (a port mirror that sends
 * every packet twice, a retransmitting link) is counted as a duplicate, not the start of a new
 * datagram that would never complete: within DUPLICATE_WINDOW_S of completion and inside the
 * datagram's length. Later, the same identification starts a new datagram (IDs wrap).
 *
 * Bounds: a datagram's end may not pass 65,535 bytes, nor its fragments number more than
 * maxFragments; all incomplete datagrams together hold at most maxBytes (the oldest are dropped to
 * make room) and at most maxDatagrams; one whose first fragment is older than the timeout (30 s
 * for IPv4 like Linux's ipfrag_time, 60 s for IPv6, RFC 8200 §4.5) is dropped. Every drop is
 * counted and reported by warnings().
 */
import type { NetPacket } from './types';

export interface ReassemblyLimits {
  maxBytes: number;
  maxDatagrams: number;
  maxFragments: number;
  timeoutV4S: number;
  timeoutV6S: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = {
  maxBytes: 32 * 1024 * 1024,
  maxDatagrams: 16384,
  maxFragments: 1024,
  timeoutV4S: 30,
  timeoutV6S: 60,
};

/** Largest reassembled payload: IPv4's 16-bit total length less its header, IPv6's payload length. */
const MAX_DATAGRAM = 65535;
/** How long after completion a fragment of the same datagram counts as a duplicate. */
const DUPLICATE_WINDOW_S = 2;
/** Completed datagrams remembered for that (the oldest forgotten first). */
const MAX_COMPLETED = 16384;

export interface ReassemblyStats {
  /** Fragments offered, and datagrams completed from them. */
  fragments: number;
  completed: number;
  /** Fragments that overlapped bytes already covered, and those whose bytes differed. */
  overlaps: number;
  conflicts: number;
  /** Fragments reaching past the end fixed by the last fragment (cut there). */
  tooLong: number;
  /** Last fragments that disagreed with an earlier one about the datagram's end (ignored). */
  multipleTails: number;
  /** Fragments not captured whole (snap length), which cannot be reassembled. */
  cutShort: number;
  /** Copies of fragments of a datagram already completed (just before). */
  duplicates: number;
  /** Fragments refused outright: past 65,535 bytes, or one too many for their datagram. */
  refused: number;
  /** Incomplete datagrams dropped: timed out, pushed out by the memory or count limit, at the end. */
  timedOut: number;
  evicted: number;
  incompleteAtEnd: number;
  /** Fragments those dropped datagrams held. */
  droppedFragments: number;
}

interface Piece {
  offset: number;
  bytes: Uint8Array;
}

interface Datagram {
  firstT: number;
  timeoutS: number;
  /** Sorted by offset; equal offsets in arrival order. */
  pieces: Piece[];
  /** End fixed by the first last-fragment seen, -1 until then. */
  end: number;
  held: number;
  /** Protocol of the payload: from the first fragment (offset 0) when seen (RFC 8200 §4.5). */
  next: number;
  /**
   * Bytes from 0 the pieces cover without a hole: only grows, so a datagram of n fragments is
   * checked in about n steps in all, not n per fragment (hostile captures send thousands).
   */
  covered: number;
}

/** A datagram made whole by the fragment just pushed. */
export interface Reassembled {
  /** The reassembled payload (the IPv4 data, or the IPv6 fragmentable part), freshly allocated. */
  payload: Uint8Array;
  /** Protocol of the payload (IPv4 protocol / IPv6 next header after the Fragment header). */
  next: number;
  fragments: number;
  overlap: boolean;
  conflict: boolean;
}

export class IpReassembler {
  readonly limits: ReassemblyLimits;
  readonly stats: ReassemblyStats = {
    fragments: 0,
    completed: 0,
    overlaps: 0,
    conflicts: 0,
    tooLong: 0,
    multipleTails: 0,
    cutShort: 0,
    duplicates: 0,
    refused: 0,
    timedOut: 0,
    evicted: 0,
    incompleteAtEnd: 0,
    droppedFragments: 0,
  };
  /** Insertion order is creation order: the oldest datagram is always first. */
  private readonly pending = new Map<string, Datagram>();
  /** Recently completed datagrams: key -> [completion time, length]. Insertion order = time order. */
  private readonly completed = new Map<string, [number, number]>();
  private held = 0;

  constructor(limits: Partial<ReassemblyLimits> = {}) {
    this.limits = { ...DEFAULT_REASSEMBLY_LIMITS, ...limits };
  }

  /** Datagrams still incomplete, and the bytes they hold. */
  get pendingDatagrams(): number {
    return this.pending.size;
  }
  get heldBytes(): number {
    return this.held;
  }

  /** Drops incomplete datagrams whose first fragment is older than their timeout at time `tS`. */
  expire(tS: number): void {
    for (const [key, d] of this.pending) {
      if (tS - d.firstT <= d.timeoutS) break;
      this.drop(key, d);
      this.stats.timedOut++;
    }
  }

  /**
   * Offers one fragment (`net.frag` set; its bytes in `data`). Returns the whole datagram when this
   * fragment completes it, else null. `context` separates networks (VLANs, overlays).
   */
  push(net: NetPacket, data: Uint8Array, tS: number, context = ''): Reassembled | null {
    const f = net.frag;
    if (!f) return null;
    this.stats.fragments++;
    this.expire(tS);
    if (f.dataLength < 0 || f.dataOffset + f.dataLength > data.length) {
      this.stats.cutShort++;
      return null;
    }
    const fragEnd = f.offset + f.dataLength;
    if (fragEnd > MAX_DATAGRAM) {
      this.stats.refused++;
      return null;
    }
    if (f.offset === 0 && !f.more) {
      // An atomic fragment (RFC 6946: IPv6 Fragment header, offset 0, M clear) is whole by itself
      // and processed in isolation; its identification may be shared by unrelated packets.
      this.stats.completed++;
      const bytes = data.slice(f.dataOffset, f.dataOffset + f.dataLength);
      return { payload: bytes, next: f.next, fragments: 1, overlap: false, conflict: false };
    }
    const key =
      net.ipVersion === 4
        ? `${context}|4|${net.src}|${net.dst}|${f.next}|${f.id}`
        : `${context}|6|${net.src}|${net.dst}|${f.id}`;
    let d = this.pending.get(key);
    if (!d) {
      const done = this.completed.get(key);
      if (done && tS - done[0] <= DUPLICATE_WINDOW_S && fragEnd <= done[1]) {
        this.stats.duplicates++;
        return null;
      }
      while (this.pending.size >= this.limits.maxDatagrams) this.evictOldest();
      d = {
        firstT: tS,
        timeoutS: net.ipVersion === 4 ? this.limits.timeoutV4S : this.limits.timeoutV6S,
        pieces: [],
        end: -1,
        held: 0,
        next: f.next,
        covered: 0,
      };
      this.pending.set(key, d);
    }
    if (d.pieces.length >= this.limits.maxFragments) {
      this.stats.refused++;
      return null;
    }
    if (f.offset === 0) d.next = f.next;
    if (!f.more) {
      if (d.end < 0) d.end = fragEnd;
      else if (d.end !== fragEnd) this.stats.multipleTails++;
    }
    // Make room before taking the copy; the datagram being filled is not a candidate.
    while (this.held + f.dataLength > this.limits.maxBytes && this.pending.size > 1) {
      const oldest = this.pending.keys().next().value as string;
      if (oldest === key) break;
      this.evictOldest();
    }
    if (this.held + f.dataLength > this.limits.maxBytes) {
      this.stats.refused++;
      return null;
    }
    const piece: Piece = { offset: f.offset, bytes: data.slice(f.dataOffset, f.dataOffset + f.dataLength) };
    let at = d.pieces.length;
    while (at > 0 && d.pieces[at - 1].offset > f.offset) at--;
    d.pieces.splice(at, 0, piece);
    if (piece.offset <= d.covered) {
      // Pieces before `at` start no later than this one and are already counted.
      for (let j = at; j < d.pieces.length && d.pieces[j].offset <= d.covered; j++) {
        const e = d.pieces[j].offset + d.pieces[j].bytes.length;
        if (e > d.covered) d.covered = e;
      }
    }
    d.held += piece.bytes.length;
    this.held += piece.bytes.length;
    if (d.end < 0 || d.covered < d.end) return null;
    this.pending.delete(key);
    this.held -= d.held;
    this.completed.delete(key);
    this.completed.set(key, [tS, d.end]);
    for (const [k, [t]] of this.completed) {
      if (this.completed.size <= MAX_COMPLETED && tS - t <= DUPLICATE_WINDOW_S) break;
      this.completed.delete(k);
    }
    return this.assemble(d);
  }

  /** Counts the datagrams still incomplete at the end of the capture and lets them go. */
  finish(): void {
    for (const [key, d] of this.pending) {
      this.drop(key, d);
      this.stats.incompleteAtEnd++;
    }
  }

  /** What was not reassembled or was doubtful, one line each, for the input's warnings. */
  warnings(): string[] {
    const s = this.stats;
    const w: string[] = [];
    const lost = s.timedOut + s.evicted + s.incompleteAtEnd;
    if (lost > 0) {
      const why = [
        s.timedOut ? `${s.timedOut} timed out` : '',
        s.evicted ? `${s.evicted} dropped over the reassembly memory limit` : '',
        s.incompleteAtEnd ? `${s.incompleteAtEnd} incomplete at the end of the capture` : '',
      ].filter(Boolean);
      w.push(
        `IP reassembly: ${lost} fragmented datagram${lost === 1 ? '' : 's'} never completed (${why.join(', ')}; ${s.droppedFragments} fragments); what they carried is not analyzed`,
      );
    }
    if (s.cutShort > 0)
      w.push(
        `IP reassembly: ${s.cutShort} fragments not captured whole (snap length) could not be reassembled`,
      );
    if (s.refused > 0)
      w.push(
        `IP reassembly: ${s.refused} fragments refused (past 65,535 bytes, more than ${this.limits.maxFragments} in one datagram, or over the memory limit)`,
      );
    if (s.conflicts > 0)
      w.push(
        `IP reassembly: ${s.conflicts} overlapping fragments with different bytes (the lowest offset, then the first to arrive, was kept, as Wireshark does)`,
      );
    if (s.tooLong > 0) w.push(`IP reassembly: ${s.tooLong} fragments reached past the end of their datagram`);
    if (s.multipleTails > 0)
      w.push(`IP reassembly: ${s.multipleTails} last fragments disagreed about their datagram's length`);
    return w;
  }

  private evictOldest(): void {
    const first = this.pending.entries().next();
    if (first.done) return;
    this.drop(first.value[0], first.value[1]);
    this.stats.evicted++;
  }

  private drop(key: string, d: Datagram): void {
    this.pending.delete(key);
    this.held -= d.held;
    this.stats.droppedFragments += d.pieces.length;
  }

  private assemble(d: Datagram): Reassembled {
    const out = new Uint8Array(d.end);
    let pos = 0;
    let overlap = false;
    let conflict = false;
    for (const p of d.pieces) {
      const pEnd = p.offset + p.bytes.length;
      if (pEnd > d.end) this.stats.tooLong++;
      if (p.offset >= d.end) continue;
      if (p.offset < pos) {
        overlap = true;
        this.stats.overlaps++;
        const n = Math.min(pos, pEnd, d.end) - p.offset;
        for (let i = 0; i < n; i++)
          if (out[p.offset + i] !== p.bytes[i]) {
            conflict = true;
            this.stats.conflicts++;
            break;
          }
      }
      const stop = Math.min(pEnd, d.end);
      if (stop > pos) {
        out.set(p.bytes.subarray(pos - p.offset, stop - p.offset), pos);
        pos = stop;
      }
    }
    this.stats.completed++;
    return { payload: out, next: d.next, fragments: d.pieces.length, overlap, conflict };
  }
}
