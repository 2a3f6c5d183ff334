// Page <-> worker messages for Follow stream and the I/O graph, answered by the analysis worker
// kept for packet queries (follow-session.ts). Ids share the packet session's numbering: these
// queries go through the same PacketClient (follow-client.ts).
import type { FollowResult } from '@/lib/follow';
import type { IoMeasure } from '@/lib/iograph';
import type { Dir } from '@/lib/trace';

/** What to follow; exchange/stream are indexes into the trace's lists (the page's and the worker's agree). */
export type FollowSpec =
  | { kind: 'tcp'; conn: number; only?: Dir | null; tls?: boolean }
  | { kind: 'http1'; conn: number; exchange: number }
  | { kind: 'h2'; conn: number; stream: number };

export interface IoSeriesQuery {
  filter: string;
  measure: IoMeasure;
  field?: string;
}

export type IoSeriesAnswer =
  | { ok: true; values: Float64Array; intervalS: number; startS: number; matched: number }
  | { ok: false; error: string };

export type FollowQuery =
  | { type: 'follow'; id: number; spec: FollowSpec }
  | { type: 'iograph'; id: number; series: IoSeriesQuery[]; intervalS: number };

export type FollowAnswer =
  | { type: 'followed'; id: number; result: FollowResult; ms: number }
  | { type: 'iograph'; id: number; series: IoSeriesAnswer[]; ms: number }
  | { type: 'query-error'; id: number; message: string };

export function isFollowQuery(m: unknown): m is FollowQuery {
  const t = (m as { type?: unknown } | null)?.type;
  return t === 'follow' || t === 'iograph';
}
