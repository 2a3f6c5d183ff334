// Messages of the document worker (document.worker.ts): the page asks it to open a shared trace's
// document (GET /api/traces/:id/document, Arrow IPC) and then for ranges of rows of its lists.
import type { PacketColumns } from '@/lib/packets';
import type { LaneIndex } from '@/components/timeline/model';
import type { ListName, TraceHead } from './messages';

export type DocumentRequest =
  | { type: 'open'; url: string }
  /**
   * Rows [from, to) of a list (clamped to it), made into objects in the worker. Answered by 'rows'
   * parts in order, each small enough to deserialize in a few milliseconds (PART_BUDGET in
   * transfer.ts), then 'end'.
   */
  | { type: 'rows'; req: number; list: ListName; from: number; to: number };

export type DocumentResponse =
  | {
      type: 'head';
      head: TraceHead;
      /** Rows per list. */
      counts: Record<ListName, number>;
      /** The per-packet columns (captures), copied out of the document and transferred. */
      columns: PacketColumns | null;
      /** The timeline's lane index (for the span of the connections), built here, transferred. */
      lanes: LaneIndex | null;
      /** Bytes of the document as received. */
      bytes: number;
    }
  | { type: 'rows'; req: number; list: ListName; from: number; items: unknown[] }
  | { type: 'end'; req: number }
  /** `status`: the HTTP status when the document could not be fetched (404: none stored). */
  | { type: 'error'; message: string; status?: number };
