/**
 * The correlation document: several captures (and debug logs) of the same traffic lined up.
 * `tracelens correlate A B [C...] --json` prints it; the browser view reads it. Times are seconds
 * on input A's clock, relative to input A's first packet (`timeBase`), unless a field says
 * otherwise; per-packet numbers are each input's own 1-based packet numbers, as Wireshark's.
 */
import type { Finding, InputFormat } from '../trace';

/** What became of one packet as seen from the other point of a pair (column `fates` codes). */
export const FATE = {
  /** Not in a connection matched with the other input (or not TCP): nothing is claimed. */
  unmatched: 0,
  /** Seen at both points, unchanged but for TTL / hop limit. */
  delivered: 1,
  /** Seen at both points with addresses, ports, MSS or window rewritten on the way. */
  rewritten: 2,
  /** Seen at both points, its one-way delay well above the path's minimum. */
  delayed: 3,
  /** Seen at both points, arriving after a packet sent later in the same direction. */
  reordered: 4,
  /** Sent past this point toward the other one, never seen there (within its time window). */
  lost: 5,
  /** Arrived here from the other point's side, but that point never saw it pass. */
  injected: 6,
  /** Outside the other capture's time window: unknown, never counted as lost. */
  notObserved: 7,
} as const;
export type FateCode = (typeof FATE)[keyof typeof FATE];
export const FATE_NAMES = [
  'unmatched',
  'delivered',
  'rewritten',
  'delayed',
  'reordered',
  'lost',
  'injected',
  'not-observed',
] as const;

export interface FateCounts {
  /** Matched at both points (includes the rewritten, delayed and reordered ones). */
  delivered: number;
  lost: number;
  injected: number;
  /** Of the delivered: with addresses, ports, MSS or window rewritten. */
  rewritten: number;
  /** Of the delivered: one-way delay above the path's minimum by more than DELAYED_EXTRA_S. */
  delayed: number;
  /** Of the delivered: overtaken by a packet sent after it. */
  reordered: number;
  /** Outside the other input's time window. */
  notObserved: number;
}

export interface CorrelateInputSummary {
  /** File name as given. */
  name: string;
  format: InputFormat;
  kind: 'capture' | 'log';
  packets: number;
  connections: number;
  durationS: number;
  /** ISO-8601 time of the first packet or line, when the input has absolute time. */
  start: string | null;
  /** Clock of this input minus clock of input A, estimated from matched packets (A: 0). */
  offsetS: number | null;
  /** Half-width of the interval the true offset lies in (min one-way delays' mean). */
  offsetUncertaintyS: number | null;
  /** Seconds to add to this input's own times (relative to its first packet) to get A's time base. */
  toTimeBaseS: number;
  /** This input's first and last packet on A's time base. */
  windowS: [number, number];
  warnings: string[];
}

/** Two connections, one per input, that carried the same traffic (or, through a terminating proxy, the same requests). */
export interface ConnectionMatch {
  /** Connection ids ("c1") in the first and second input of the pair. */
  a: string;
  b: string;
  /** Indexes of the two inputs in `inputs`. */
  inputs: [number, number];
  /** packets: the same TCP connection seen twice (NAT allowed); request: two TCP connections of a terminating proxy carrying the same requests. */
  via: 'packets' | 'request';
  /** Packets matched (via packets) or requests matched (via request). */
  matched: number;
  /** Each side's endpoints; they differ through NAT or a proxy. */
  aClient: string;
  aServer: string;
  bClient: string;
  bServer: string;
  /** Which input is nearer the client for this connection: "a" or "b". */
  nearClient: 'a' | 'b';
  /** IP hops between the two points (TTL lost on the way), when both saw the same packets. */
  hops: number | null;
  /** Sequence-number offset b minus a per direction (non-zero: a box rewrote the ISN). */
  seqDelta: { c2s: number; s2c: number } | null;
  /** The MSS in the SYN on each side, when it changed on the way. */
  mss: { a: number; b: number } | null;
}

/** One row of a NAT mapping table: the same connection's endpoints at the two points. */
export interface NatMapping {
  a: string;
  b: string;
  aClient: string;
  aServer: string;
  bClient: string;
  bServer: string;
}

/** Everything known about one pair of inputs. */
export interface PairDetail {
  /** Indexes into `inputs`. */
  inputs: [number, number];
  /**
   * Clock of the second input minus clock of the first (at the first matched packet when the
   * clocks drift: add driftPpm × 1e-6 × the seconds since), and the half-width of its interval.
   */
  offsetS: number | null;
  offsetUncertaintyS: number | null;
  /** Linear clock drift of the second input against the first (parts per million), when measurable. */
  driftPpm: number | null;
  /** Minimum one-way delay first→second and second→first (offset removed), seconds. */
  minDelayS: { forward: number | null; backward: number | null };
  /** What the offset was estimated from. */
  offsetFrom: 'packets' | 'requests' | 'frames' | null;
  fates: FateCounts;
  /** Per direction of travel (from the named input toward the other): losses. */
  loss: { from: number; to: number; packets: number; retransmitted: number }[];
  nat: NatMapping[];
  /**
   * Requests matched through a terminating proxy whose answers differ at the two points (a
   * proxy's own 502/504, an upstream that never answered): the hop that answered is named by it.
   * Times on A's clock base before the offset (request as seen at A).
   */
  proxied: {
    request: string;
    a: string;
    b: string;
    statusA: number | null;
    statusB: number | null;
    requestS: number;
    /** From the end of the request as forwarded (far point) to the answer at the near point, on A's clock. */
    proxyWaitedS: number | null;
    /** Packets of the near point's answer, and of the far point's request end and answer. */
    nearPackets: number[];
    farPackets: number[];
    /** The near point got an answer the far point never saw: the proxy answered by itself. */
    answeredByProxy: boolean;
    /** Seconds from the request to its answer at the point nearer the client. */
    nearAnswerAfterS: number | null;
  }[];
  /**
   * Per-packet columns for each of the two inputs, index = packet number - 1: the fate code
   * (FATE), the matched packet number on the other side (0 = none) and the one-way delay in
   * microseconds (-1 = none).
   */
  columns: [PacketFateColumns, PacketFateColumns];
}

/**
 * Typed-array columns (memory in columns: 9 bytes a packet); `toJsonValue` writes them as JSON
 * arrays. Index = packet number - 1.
 */
export interface PacketFateColumns {
  fate: Uint8Array;
  peer: Int32Array;
  delayUs: Int32Array;
}

/** JSON.stringify replacer for the document: typed-array columns become plain arrays. */
export function toJsonValue(_key: string, value: unknown): unknown {
  return ArrayBuffer.isView(value) && !(value instanceof DataView)
    ? Array.from(value as unknown as ArrayLike<number>)
    : value;
}

/** A finding of the correlation: evidence carries `input` (index into `inputs`). */
export type CorrelationFinding = Finding;

export interface CorrelationDoc {
  tool: 'tracelens';
  version: string;
  command: 'correlate';
  /** "seconds on input A's clock since A's first packet" */
  timeBase: string;
  inputs: CorrelateInputSummary[];
  /** Clock of B minus clock of A (inputs[i].offsetS for C...); null when nothing matched. */
  offsetS: number | null;
  offsetUncertaintyS: number | null;
  matches: ConnectionMatch[];
  /** Packet counts over every pair. */
  fates: FateCounts;
  pairs: PairDetail[];
  findings: CorrelationFinding[];
  /** What could not be compared, in words. */
  notes: string[];
}
