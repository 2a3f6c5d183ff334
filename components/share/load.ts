// Client-side loading of traces: a shared trace from the API (its document, read in a worker; or
// the analysis JSON + packet columns), or a local file analyzed in the analysis worker. No
// server-only imports here.
import { PacketTable, decodeColumns } from '@/lib/packets';
import type { Trace } from '@/lib/trace';
import { analyzeFileInWorker } from '@/app/worker/client';
import { loadDocument } from '@/app/worker/document-client';
import type { LaneIndex } from '../timeline/model';
import { traceSpan } from '../timeline/model';

export interface SharedMeta {
  id: string;
  name: string;
  createdAt: string;
}

/** Loads a shared trace: the stored analysis and, when stored, its packet columns. */
export async function loadSharedTrace(id: string): Promise<{ meta: SharedMeta; trace: Trace }> {
  const enc = encodeURIComponent(id);
  const [r, p] = await Promise.all([fetch(`/api/traces/${enc}`), fetch(`/api/traces/${enc}/packets`)]);
  if (!r.ok)
    throw new Error(
      r.status === 404 ? 'no such shared trace (deleted, or a wrong link)' : `HTTP ${r.status}`,
    );
  const j = (await r.json()) as {
    id: string;
    name: string;
    createdAt: string;
    trace: Omit<Trace, 'packets'>;
  };
  let packets: PacketTable | null = null;
  if (p.ok) {
    try {
      packets = PacketTable.fromColumns(decodeColumns(new Uint8Array(await p.arrayBuffer())));
    } catch {
      packets = null;
    }
  }
  return { meta: { id: j.id, name: j.name, createdAt: j.createdAt }, trace: { ...j.trace, packets } };
}

export interface SharedLoad {
  /**
   * The first screen, before the long lists are complete (their first rows only), with the
   * timeline's lane index made in the worker (valid for the whole trace too: same packets, span).
   * A promise returned: the rest of the rows are read once it settles (the first screen is drawn).
   */
  first?: (trace: Trace, lanes: LaneIndex | null) => void | Promise<void>;
  /** Rows received so far, of how many. */
  progress?: (rows: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Loads a shared trace for the viewer: its document (GET /api/traces/:id/document, Arrow) in a
 * worker, the first screen early through `first`; resolves with the whole Trace. A trace stored
 * before documents were made (404) is loaded from its JSON instead (`first` is then not called).
 */
export function loadSharedView(id: string, opts: SharedLoad = {}): Promise<Trace> {
  const enc = encodeURIComponent(id);
  return new Promise<Trace>((resolve, reject) => {
    const cancel = loadDocument(`/api/traces/${enc}/document`, {
      first: (t, info) => opts.first?.(t, info.lanes),
      progress: opts.progress,
      done: resolve,
      error: (message, status) => {
        if (status === 404) loadSharedTrace(id).then(({ trace }) => resolve(trace), reject);
        else reject(new Error(message));
      },
    });
    opts.signal?.addEventListener('abort', () => {
      cancel();
      reject(new DOMException('cancelled', 'AbortError'));
    });
  });
}

/** Analyzes a file in the worker; resolves with the Trace (packet columns attached). */
export const analyzeFile = analyzeFileInWorker;

/** The time span of a trace's connections, padded 2 %. */
export { traceSpan };
