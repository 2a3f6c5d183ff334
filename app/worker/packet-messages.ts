// Page <-> worker messages of the packet session: after an analysis asked with `keep: true`, the
// worker keeps the trace, a copy of the packet columns and the File, and answers these queries
// (display-filter checks, completion, filtering, packet-list rows, packet detail) so that the
// page never walks every packet itself.
import type { LaneIndex } from '@/components/timeline/model';
import type { DetailNode } from '@/components/packets/dissect';
import type { FilterError } from '@/lib/filter';
import type { PacketRow } from '@/lib/packet-list';

/**
 * One line of the packet list, as Wireshark's default columns show it: lib/packet-list.ts's row
 * without the number and time (the page has them in the packet columns) and its colouring rule.
 */
export interface PacketListRow extends Omit<PacketRow, 'number' | 'timeS'> {
  /** Packet row (packet number - 1). */
  row: number;
  /** Name of Wireshark's default colouring rule that matched ("Bad TCP", "HTTP", ...), or null. */
  color: string | null;
}

export type PacketQuery =
  | { type: 'compile'; id: number; text: string }
  | { type: 'complete'; id: number; prefix: string }
  | { type: 'filter'; id: number; text: string }
  | { type: 'rows'; id: number; rows: Uint32Array }
  | { type: 'detail'; id: number; row: number };

/** What a filter matched: the packet rows, and the trace items with a matching packet (indices). */
export interface FilterResult {
  text: string;
  rows: Uint32Array;
  connections: Uint32Array;
  streams: Uint32Array;
  exchanges: Uint32Array;
  findings: Uint32Array;
  /** The timeline's lane index of the matching packets only (drawn over the dimmed rest). */
  lanes: LaneIndex | null;
  /** Milliseconds the worker spent compiling + matching, and on the rest (narrowing, lanes). */
  matchMs: number;
  totalMs: number;
  /** Whether packet bytes could be read (byte-level fields are absent otherwise). */
  bytes: boolean;
}

export interface PacketDetailAnswer {
  row: number;
  tree: DetailNode[];
  /** The captured bytes, or null when they cannot be read (a gzip capture, a stored trace). */
  bytes: Uint8Array | null;
  bytesNote: string | null;
}

export type PacketAnswer =
  | { type: 'compiled'; id: number; error: FilterError | null }
  | { type: 'completed'; id: number; fields: { name: string; title: string }[] }
  | { type: 'filtered'; id: number; result: FilterResult }
  | { type: 'filter-error'; id: number; error: FilterError }
  | { type: 'rows'; id: number; rows: PacketListRow[] }
  | { type: 'detail'; id: number; detail: PacketDetailAnswer }
  | { type: 'query-error'; id: number; message: string };
