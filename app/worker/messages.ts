import type { PacketColumns } from '@/lib/packets';
import type { AnalysisSnapshot } from '@/lib/analyze';
import type { AnalysisOptions, H2Frame, Trace } from '@/lib/trace';
import type { LaneIndex } from '@/components/timeline/model';
import type { PacketAnswer } from './packet-messages';
import type { PackBuffers, PackedValue } from './pack';

export interface WorkerRequest {
  file: File;
  keylog?: File | null;
  /** Analysis thresholds; missing fields take DEFAULT_OPTIONS. */
  options?: Partial<AnalysisOptions>;
  /** Bytes per chunk pushed to the Analyzer (default 4 MiB); tests make it small and odd. */
  chunkBytes?: number;
  /** Values per result part (default PART_BUDGET); tests make it tiny to get many parts. */
  partBudget?: number;
  /**
   * Keep the worker after the analysis, holding the trace, the packet columns and the file, to
   * answer packet queries (packet-messages.ts: display filter, packet list, packet detail).
   */
  keep?: boolean;
}

/**
 * Page -> worker while the parts cross: how many parts the page has taken in so far. The worker
 * posts at most PARTS_AHEAD parts beyond the last count it heard of, so the parts waiting on the
 * page, serialized, stay a few MB (posted all at once, the 404,000 streams of the 2.24 GB bench
 * capture waited as 350 MB of structured clones while the page read them a slice per frame).
 */
export interface PartsTaken {
  type: 'parts-taken';
  parts: number;
  /** The arrays the last part came in, handed back for the worker's next parts (pack.ts). */
  buffers?: PackBuffers;
}

export function isPartsTaken(m: unknown): m is PartsTaken {
  return (m as { type?: unknown } | null)?.type === 'parts-taken';
}

/** The trace's lists that can be long; they travel in parts (see ResultPart). */
export type ListName = 'connections' | 'findings' | 'h2' | 'exchanges' | 'streams';
export type TraceLists = Pick<Trace, ListName>;
/** Everything else of the trace: small, sent in one message. */
export type TraceHead = Omit<Trace, ListName | 'packets'>;

/**
 * A slice of one list, in order: appended to that list. Each part's structured clone is kept to a
 * few milliseconds of deserialization on the main thread (which happens in the message's task).
 */
export type ItemsPart = { [K in ListName]: { type: 'items'; list: K; items: TraceLists[K] } }[ListName];
/**
 * Frames of one stream or HTTP/2 connection record too big for one part (a long-lived stream with
 * many thousands of frames): the record went ahead with `frames: []`, and its frames follow here,
 * appended to `list[index].frames`.
 */
export interface FramesPart {
  type: 'frames';
  list: 'streams' | 'h2';
  index: number;
  frames: H2Frame[];
}
export type ResultPart = ItemsPart | FramesPart;
/** A ResultPart packed into transferred arrays (pack.ts: why not a structured clone). */
export interface PackedPart {
  type: 'packed';
  part: PackedValue;
}

/**
 * Worker -> page. After the analysis: one 'result' (the trace's small fields, the packet columns and
 * the timeline's lane index, both transferred), then the 'items'/'frames' parts, each packed (one
 * 'packed' message a part), then 'done'.
 */
export type WorkerResponse =
  | { type: 'progress'; bytes: number; packets: number; total: number }
  /** Progressive results while the file still streams in: counts and the first connections. */
  | { type: 'partial'; snapshot: AnalysisSnapshot }
  | {
      type: 'result';
      head: TraceHead;
      columns: PacketColumns | null;
      /** The timeline's per-connection packet index, built in the worker for `span`. */
      lanes: LaneIndex | null;
      span: { start: number; end: number };
    }
  | PackedPart
  | { type: 'done' }
  | { type: 'error'; message: string }
  | PacketAnswer;
