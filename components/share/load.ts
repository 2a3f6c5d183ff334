// Client-side loading of traces: a shared trace from the API (its document, read in a worker; or
// the analysis JSON + packet columns), or a local file analyzed in the analysis worker. No
// server-only imports here.
import { PacketTable, decodeColumns } from '@/lib/packets';
import type { Trace } from '@/lib/trace';
import { analyzeFileInWorker } from '@/app/worker/client';
import { loadDocument, type DocumentHandlers } from '@/app/worker/document-client';
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
 * A document load whose handlers come later: started before the page's components exist (see
 * startSharedViewEarly), it keeps what the worker says until the viewer attaches.
 */
class PendingLoad {
  private handlers: DocumentHandlers | null = null;
  private firstArgs: Parameters<NonNullable<DocumentHandlers['first']>> | null = null;
  private firstSettled: (() => void) | null = null;
  private lastProgress: [number, number] | null = null;
  private end: { done: Trace } | { error: [string, number | undefined] } | null = null;
  readonly cancel: () => void;

  constructor(url: string) {
    this.cancel = loadDocument(url, {
      first: (t, info) => {
        if (this.handlers) return this.handlers.first?.(t, info);
        this.firstArgs = [t, info];
        return new Promise<void>((r) => (this.firstSettled = r));
      },
      progress: (loaded, total) => {
        if (this.handlers) this.handlers.progress?.(loaded, total);
        else this.lastProgress = [loaded, total];
      },
      done: (t) => {
        if (this.handlers) this.handlers.done(t);
        else this.end = { done: t };
      },
      error: (message, status) => {
        if (this.handlers) this.handlers.error(message, status);
        else this.end = { error: [message, status] };
      },
    });
  }

  /** Hands over what was said so far, then everything else as it comes. */
  attach(h: DocumentHandlers): void {
    this.handlers = h;
    if (this.firstArgs) {
      const shown = h.first?.(...this.firstArgs);
      const settled = this.firstSettled ?? (() => {});
      if (shown) void shown.then(settled, settled);
      else settled();
    }
    if (this.lastProgress) h.progress?.(...this.lastProgress);
    if (this.end && 'done' in this.end) h.done(this.end.done);
    else if (this.end) h.error(...this.end.error);
  }
}

const documentUrl = (id: string) => `/api/traces/${encodeURIComponent(id)}/document`;
let early: { id: string; load: PendingLoad } | null = null;

/**
 * Starts loading the shared trace of the page at `pathname` (/t/<id>) at once, while the page is
 * still hydrating: the document worker's start and its download then overlap the rest of the
 * hydration (the viewer's effect came about 100 ms later on a busy machine). loadSharedView takes
 * it over.
 */
export function startSharedViewEarly(pathname: string): void {
  const m = /^\/t\/([^/]+)\/?$/.exec(pathname);
  if (!m || early) return;
  const id = decodeURIComponent(m[1]);
  early = { id, load: new PendingLoad(documentUrl(id)) };
}

/**
 * Loads a shared trace for the viewer: its document (GET /api/traces/:id/document, Arrow) in a
 * worker, the first screen early through `first`; resolves with the whole Trace. A trace stored
 * before documents were made (404) is loaded from its JSON instead (`first` is then not called).
 */
export function loadSharedView(id: string, opts: SharedLoad = {}): Promise<Trace> {
  return new Promise<Trace>((resolve, reject) => {
    const handlers: DocumentHandlers = {
      first: (t, info) => opts.first?.(t, info.lanes),
      progress: opts.progress,
      done: resolve,
      error: (message, status) => {
        if (status === 404) loadSharedTrace(id).then(({ trace }) => resolve(trace), reject);
        else reject(new Error(message));
      },
    };
    let cancel: () => void;
    if (early && early.id === id) {
      // Taken once: a second viewer of the same trace (a remount) loads it again.
      const { load } = early;
      early = null;
      load.attach(handlers);
      cancel = load.cancel;
    } else cancel = loadDocument(documentUrl(id), handlers);
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
