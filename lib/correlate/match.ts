/**
 * Matching one pair of inputs, packet by packet, through NAT and ISN-rewriting boxes: hash joins
 * (linear in packets), no time assumed.
 *
 * 1. Connections: every informative packet (payload, SYN/FIN/RST, or a TCP timestamp) gets an
 *    identity that no NAT changes — flags, length, payload hash, TSval (or the IP ID without
 *    timestamps) — and votes for the pair of connections whose packets share it. Mutual best wins.
 * 2. Sequence deltas per direction, from segments with the same payload (a box that rewrites ISNs
 *    shifts every sequence and acknowledgment number by a constant).
 * 3. Packets: within a matched pair, (direction, sequence, acknowledgment, length, flags, payload
 *    hash, TSval when the path keeps it) with the delta applied; equal keys pair in order.
 */
import { DIR_C2S, type PacketTable, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../packets';
import type { Connection } from '../trace';
import type { WireExtras } from './input';

/** One capture input as the matcher sees it. */
export interface CaptureSide {
  index: number;
  name: string;
  table: PacketTable;
  extras: WireExtras;
  connections: Connection[];
  /** Seconds from input A's first packet to this input's first packet, by the file clocks. */
  epochShiftS: number;
  /** Packet rows of each connection, in capture order (CSR: rows[start[c]..start[c+1])). */
  connStart: Int32Array;
  connRows: Int32Array;
}

export function buildSide(
  index: number,
  name: string,
  table: PacketTable,
  extras: WireExtras,
  connections: Connection[],
  epochShiftS: number,
): CaptureSide {
  const n = connections.length;
  const start = new Int32Array(n + 1);
  for (let i = 0; i < table.length; i++) {
    const c = table.conn[i];
    if (c >= 0) start[c + 1]++;
  }
  for (let c = 0; c < n; c++) start[c + 1] += start[c];
  const fill = start.slice(0, n);
  const rows = new Int32Array(start[n]);
  for (let i = 0; i < table.length; i++) {
    const c = table.conn[i];
    if (c >= 0) rows[fill[c]++] = i;
  }
  return { index, name, table, extras, connections, epochShiftS, connStart: start, connRows: rows };
}

const FLAG_MASK = TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK;
/**
 * A matched pair of connections must line up at least this share (1 / MIN_MATCHED_SHARE) of the
 * smaller one's packets: losses and injections are exceptions, not the rule.
 */
const MIN_MATCHED_SHARE = 4;

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

/** A 53-bit key from two 32-bit hashes (exact in a double). */
function key2(h1: number, h2: number): number {
  return h1 * 0x200000 + (h2 & 0x1fffff);
}

function hasTs(x: WireExtras, i: number): boolean {
  return (x.opts[i] & 1) !== 0;
}

/** The NAT-proof identity of a packet, or -1 when it is too common to tell anything apart. */
function identity(s: CaptureSide, i: number): number {
  const t = s.table;
  const x = s.extras;
  const flags = t.tcpFlags[i] & FLAG_MASK;
  const len = t.payloadLen[i];
  const ts = i < x.length && hasTs(x, i);
  if (len === 0 && !ts && !(flags & (TCP_SYN | TCP_FIN | TCP_RST)) && t.ipId[i] === 0) return -1;
  if (len === 0 && !ts && !(flags & (TCP_SYN | TCP_FIN | TCP_RST))) {
    // A pure ACK with only its IP ID: too weak alone, but still one vote among many.
  }
  const h = i < x.length ? x.hash[i] : 0;
  const a = mix(mix(mix(0x1234567, flags), len), h);
  const b = mix(mix(mix(0x7654321, h), ts ? x.tsVal[i] : t.ipId[i]), ts ? 1 : 2);
  return key2(a, b);
}

/**
 * A hash index over rows: key -> chain of rows in capture order (rows added last to first, each
 * prepended: one map write per row, the chain in a shared typed array).
 */
class RowIndex {
  readonly head = new Map<number, number>();
  constructor(readonly next: Int32Array) {}
  prepend(key: number, row: number): void {
    this.next[row] = this.head.get(key) ?? -1;
    this.head.set(key, row);
  }
}

export interface PacketPairMatch {
  /** Connection indexes in A and B. */
  ca: number;
  cb: number;
  /** B's connection sees the other side as client (both captures guessed direction differently). */
  flip: boolean;
  /** Sequence delta B minus A per A-direction (index 0 = A's c2s). */
  seqDelta: [number, number];
  /** Whether the path keeps TSval (keys include it). */
  tsKept: boolean;
  matched: number;
  /** Groups of equal keys with unequal counts (rows of A, rows of B), paired once the clocks are known. */
  deferred: [number[], number[]][];
}

export interface PairMatchResult {
  pairs: PacketPairMatch[];
  /** For each row of A (B): the matched row of the other side, or -1. */
  peerA: Int32Array;
  peerB: Int32Array;
}

/** Steps 1-3 for one pair of capture inputs. */
export function matchPackets(A: CaptureSide, B: CaptureSide): PairMatchResult {
  const peerA = new Int32Array(A.table.length).fill(-1);
  const peerB = new Int32Array(B.table.length).fill(-1);
  const nB = B.connections.length;

  // 1. Connection votes through the identity index of B.
  const idx = new RowIndex(new Int32Array(B.table.length));
  for (let j = B.table.length - 1; j >= 0; j--) {
    if (B.table.conn[j] < 0) continue;
    const k = identity(B, j);
    if (k >= 0) idx.prepend(k, j);
  }
  // Chains of the per-connection packet keys (step 3), shared by every pair: rows are disjoint.
  const nextA = new Int32Array(A.table.length);
  const nextB = new Int32Array(B.table.length);
  const votes = new Map<number, number>();
  for (let i = 0; i < A.table.length; i++) {
    const ca = A.table.conn[i];
    if (ca < 0) continue;
    const k = identity(A, i);
    if (k < 0) continue;
    let j = idx.head.get(k) ?? -1;
    for (let n = 0; j >= 0 && n < 8; n++, j = idx.next[j]) {
      const same = A.table.dir[i] === B.table.dir[j] ? 0 : 1;
      const v = (ca * nB + B.table.conn[j]) * 2 + same;
      votes.set(v, (votes.get(v) ?? 0) + 1);
    }
  }
  const bestForA = new Map<number, { cb: number; n: number; flipVotes: number }>();
  const totals = new Map<number, number>();
  const flips = new Map<number, number>();
  for (const [v, n] of votes) {
    const pair = Math.floor(v / 2);
    totals.set(pair, (totals.get(pair) ?? 0) + n);
    if (v % 2) flips.set(pair, (flips.get(pair) ?? 0) + n);
  }
  const bestForB = new Map<number, { ca: number; n: number }>();
  for (const [pair, n] of totals) {
    const ca = Math.floor(pair / nB);
    const cb = pair % nB;
    const a = bestForA.get(ca);
    if (!a || n > a.n) bestForA.set(ca, { cb, n, flipVotes: flips.get(pair) ?? 0 });
    const b = bestForB.get(cb);
    if (!b || n > b.n) bestForB.set(cb, { ca, n });
  }

  const pairs: PacketPairMatch[] = [];
  for (const [ca, best] of bestForA) {
    if (bestForB.get(best.cb)?.ca !== ca) continue;
    const flip = best.flipVotes * 2 > best.n;
    const p = matchConnectionPair(A, B, ca, best.cb, flip, idx, peerA, peerB, nextA, nextB);
    // Votes from shared content alone (a terminating proxy forwarding the same bytes on its own
    // connections) pair connections whose packets then do not line up: not the same connection.
    const smaller = Math.min(
      A.connStart[ca + 1] - A.connStart[ca],
      B.connStart[best.cb + 1] - B.connStart[best.cb],
    );
    const possible = p.matched + p.deferred.reduce((n, [ra, rb]) => n + Math.min(ra.length, rb.length), 0);
    if (possible * MIN_MATCHED_SHARE < smaller) {
      for (let r = A.connStart[ca]; r < A.connStart[ca + 1]; r++) {
        const i = A.connRows[r];
        if (peerA[i] >= 0) peerB[peerA[i]] = -1;
        peerA[i] = -1;
      }
      continue;
    }
    pairs.push(p);
  }
  pairs.sort((p, q) => p.ca - q.ca);
  return { pairs, peerA, peerB };
}

function dirOf(s: CaptureSide, row: number, flip: boolean): number {
  const d = s.table.dir[row] === DIR_C2S ? 0 : 1;
  return flip ? 1 - d : d;
}

function matchConnectionPair(
  A: CaptureSide,
  B: CaptureSide,
  ca: number,
  cb: number,
  flip: boolean,
  idx: RowIndex,
  peerA: Int32Array,
  peerB: Int32Array,
  nextA: Int32Array,
  nextB: Int32Array,
): PacketPairMatch {
  const ta = A.table;
  const tb = B.table;
  // 2. Sequence deltas from segments both saw (payload, or SYN/FIN), per A-direction.
  const deltaVotes: Map<number, number>[] = [new Map(), new Map()];
  let tsSame = 0;
  let tsDiff = 0;
  for (let r = A.connStart[ca]; r < A.connStart[ca + 1]; r++) {
    const i = A.connRows[r];
    if (ta.payloadLen[i] === 0 && !(ta.tcpFlags[i] & (TCP_SYN | TCP_FIN))) continue;
    const k = identity(A, i);
    if (k < 0) continue;
    const d = dirOf(A, i, false);
    let j = idx.head.get(k) ?? -1;
    for (let n = 0; j >= 0 && n < 8; n++, j = idx.next[j]) {
      if (tb.conn[j] !== cb || dirOf(B, j, flip) !== d) continue;
      const delta = (tb.seq[j] - ta.seq[i]) >>> 0;
      deltaVotes[d].set(delta, (deltaVotes[d].get(delta) ?? 0) + 1);
      if (hasTs(A.extras, i) && hasTs(B.extras, j)) {
        if (A.extras.tsVal[i] === B.extras.tsVal[j]) tsSame++;
        else tsDiff++;
      }
      break;
    }
  }
  const seqDelta: [number, number] = [0, 0];
  for (const d of [0, 1]) {
    let best = -1;
    let bestN = 0;
    for (const [delta, n] of deltaVotes[d])
      if (n > bestN) {
        best = delta;
        bestN = n;
      }
    seqDelta[d] = best >= 0 ? best : isnDelta(A, B, ca, cb, flip, d);
  }
  // Identity matched with TSval, so a kept TSval is the rule; a rewriting box shows as tsDiff.
  const tsKept = tsSame >= tsDiff;

  // 3. Packet keys.
  const keyOf = (s: CaptureSide, row: number, f: boolean, delta: [number, number] | null): number => {
    const t = s.table;
    const x = s.extras;
    const d = dirOf(s, row, f);
    const flags = t.tcpFlags[row] & FLAG_MASK;
    const seq = delta ? (t.seq[row] + delta[d]) >>> 0 : t.seq[row];
    const ack = flags & TCP_ACK ? (delta ? (t.ack[row] + delta[1 - d]) >>> 0 : t.ack[row]) : 0;
    const ts = tsKept && row < x.length && hasTs(x, row) ? x.tsVal[row] : 0;
    const h = row < x.length ? x.hash[row] : 0;
    const a = mix(mix(mix(mix(0x2468ace, d), seq), ack), flags);
    const b = mix(mix(mix(0x13579bd, t.payloadLen[row]), h), ts);
    return key2(a, b);
  };
  const keysB = new RowIndex(nextB);
  for (let r = B.connStart[cb + 1] - 1; r >= B.connStart[cb]; r--) {
    const j = B.connRows[r];
    keysB.prepend(keyOf(B, j, flip, null), j);
  }
  const keysA = new RowIndex(nextA);
  for (let r = A.connStart[ca + 1] - 1; r >= A.connStart[ca]; r--) {
    const i = A.connRows[r];
    const k = keyOf(A, i, false, seqDelta);
    keysA.prepend(k, i);
  }
  // Keys seen as often on both sides pair in order; where the counts differ (a copy lost, a resend
  // with the same TSval) the pairing waits for the clock offset: nearest in time (resolveDeferred).
  let matched = 0;
  const deferred: [number[], number[]][] = [];
  for (const [k, firstA] of keysA.head) {
    const firstB = keysB.head.get(k);
    if (firstB === undefined) continue;
    if (nextA[firstA] < 0 && nextB[firstB] < 0) {
      peerA[firstA] = firstB;
      peerB[firstB] = firstA;
      matched++;
      continue;
    }
    const rowsA: number[] = [];
    const rowsB: number[] = [];
    for (let i = firstA; i >= 0; i = nextA[i]) rowsA.push(i);
    for (let j = firstB; j >= 0; j = nextB[j]) rowsB.push(j);
    // Unequal counts, or copies whose IP IDs disagree in order: wait for the clocks.
    if (rowsB.length !== rowsA.length || rowsA.some((i, u) => ta.ipId[i] !== tb.ipId[rowsB[u]])) {
      deferred.push([rowsA, rowsB]);
      continue;
    }
    for (let u = 0; u < rowsA.length; u++) {
      peerA[rowsA[u]] = rowsB[u];
      peerB[rowsB[u]] = rowsA[u];
      matched++;
    }
  }
  return { ca, cb, flip, seqDelta, tsKept, matched, deferred };
}

/**
 * Pairs the deferred groups once the offset is known: each A row with the unused B row nearest
 * its expected time (`expectedB(i)`), within `maxGapS`, preferring one with the same IP ID and
 * window (duplicate ACKs differ only there; NATs keep both).
 */
export function resolveDeferred(
  p: PacketPairMatch,
  peerA: Int32Array,
  peerB: Int32Array,
  expectedB: (i: number) => number,
  timeB: (j: number) => number,
  maxGapS: number,
  /** Seconds added to a candidate's distance for each field that differs (IP ID, window). */
  penalty: (i: number, j: number) => number,
): void {
  for (const [rowsA, rowsB] of p.deferred) {
    const free = new Set(rowsB);
    // When the fields tell copies apart (some pair agrees on all of them), a candidate that
    // differs is another packet, not this one's copy.
    let exact = false;
    if (rowsA.length * rowsB.length <= 1e6)
      for (const i of rowsA) {
        for (const j of rowsB)
          if (penalty(i, j) === 0) {
            exact = true;
            break;
          }
        if (exact) break;
      }
    for (const i of rowsA) {
      const want = expectedB(i);
      let best = -1;
      let bestGap = Infinity;
      for (const j of free) {
        const gap = Math.abs(timeB(j) - want);
        if (gap >= maxGapS) continue;
        const pen = penalty(i, j);
        if (exact && pen > 0) continue;
        const score = gap + pen;
        if (score < bestGap) {
          best = j;
          bestGap = score;
        }
      }
      if (best < 0) continue;
      free.delete(best);
      peerA[i] = best;
      peerB[best] = i;
      p.matched++;
    }
  }
  p.deferred = [];
}

/** Sequence delta from the first sequence number each side saw in a direction (the ISN when a SYN was seen). */
function isnDelta(A: CaptureSide, B: CaptureSide, ca: number, cb: number, flip: boolean, d: number): number {
  const first = (s: CaptureSide, c: number, f: boolean): number | null => {
    for (let r = s.connStart[c]; r < s.connStart[c + 1]; r++) {
      const row = s.connRows[r];
      if (dirOf(s, row, f) === d) return s.table.seq[row];
    }
    return null;
  };
  const a = first(A, ca, false);
  const b = first(B, cb, flip);
  return a === null || b === null ? 0 : (b - a) >>> 0;
}
