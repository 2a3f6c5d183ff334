// The page's side of the document worker (document.worker.ts): opens a shared trace's document,
// asks for what the first screen shows (head, findings, connections, HTTP/2 connection records and
// the first rows of the exchanges and streams), hands that over as a Trace, then asks for the rest
// and hands over the whole Trace. The worker's answers are read a slice at a time right after a
// frame (paced-inbox.ts), so the page keeps drawing while rows arrive.
import { PacketTable } from '@/lib/packets';
import type { Trace } from '@/lib/trace';
import type { LaneIndex } from '@/components/timeline/model';
import type { ListName, TraceHead, TraceLists } from './messages';
import type { DocumentRequest, DocumentResponse } from './document-messages';
import { Interner } from './transfer';
import { PacedInbox } from './paced-inbox';

/** Rows of each long list that the first screen shows. */
export const FIRST_ROWS = 200;

export interface DocumentHandlers {
  /**
   * The first screen: every finding and connection, the first FIRST_ROWS streams and exchanges.
   * When it returns a promise, the rest of the rows are asked for once it settles (the page says
   * when its first screen is drawn).
   */
  first?: (
    trace: Trace,
    info: { counts: Record<ListName, number>; bytes: number; lanes: LaneIndex | null },
  ) => void | Promise<void>;
  progress?: (rows: number, total: number) => void;
  done: (trace: Trace) => void;
  /** `status` 404: the server keeps no document for this trace (the caller falls back to JSON). */
  error: (message: string, status?: number) => void;
}

/**
 * Loads the document at `url` in a new worker; returns a function that cancels. Performance marks
 * (tests/browser/perf-shared.mjs): `tl:doc-open`, `tl:doc-head`, `tl:doc-first`, `tl:doc-done`.
 */
export function loadDocument(url: string, h: DocumentHandlers): () => void {
  performance.mark('tl:doc-open');
  const w = new Worker(new URL('./document.worker.ts', import.meta.url), { type: 'module' });
  const lists: TraceLists = { connections: [], findings: [], h2: [], exchanges: [], streams: [] };
  const intern = new Interner();
  let head: TraceHead | null = null;
  let packets: PacketTable | null = null;
  let counts: Record<ListName, number> | null = null;
  let bytes = 0;
  let lanes: LaneIndex | null = null;
  let over = false;
  const inbox = new PacedInbox<DocumentResponse>();
  let nextReq = 1;
  let loaded = 0;
  let total = 0;
  /** Requests in flight -> what to do when each ends. */
  const pending = new Map<number, () => void>();
  const end = () => {
    over = true;
    inbox.stop();
    w.terminate();
  };
  const ask = (list: ListName, from: number, to: number, then: () => void) => {
    const req = nextReq++;
    pending.set(req, then);
    w.postMessage({ type: 'rows', req, list, from, to } satisfies DocumentRequest);
  };
  const trace = (): Trace => ({ ...head!, ...lists, packets });

  const afterFirst = () => {
    if (!counts) return;
    performance.mark('tl:doc-first');
    const shown = h.first?.(
      { ...trace(), exchanges: lists.exchanges.slice(), streams: lists.streams.slice() },
      { counts, bytes, lanes },
    );
    const all = counts;
    let left = 2;
    const one = () => {
      if (--left > 0) return;
      performance.mark('tl:doc-done');
      const t = trace();
      end();
      h.done(t);
    };
    // The rest waits for the first screen: read while the page renders it, its parts took turns
    // with that render on the main thread and put it off by 0.3-1 s on a busy machine.
    const rest = () => {
      if (over) return;
      ask('exchanges', FIRST_ROWS, all.exchanges, one);
      ask('streams', FIRST_ROWS, all.streams, one);
    };
    if (shown) void shown.then(rest, rest);
    else rest();
  };

  const handle = (m: DocumentResponse) => {
    switch (m.type) {
      case 'head': {
        performance.mark('tl:doc-head');
        head = m.head;
        counts = m.counts;
        bytes = m.bytes;
        lanes = m.lanes;
        packets = m.columns ? PacketTable.fromColumns(m.columns) : null;
        total = Object.values(m.counts).reduce((a, b) => a + b, 0);
        let left = 5;
        const one = () => {
          if (--left === 0) afterFirst();
        };
        ask('connections', 0, m.counts.connections, one);
        ask('findings', 0, m.counts.findings, one);
        ask('h2', 0, m.counts.h2, one);
        ask('exchanges', 0, FIRST_ROWS, one);
        ask('streams', 0, FIRST_ROWS, one);
        break;
      }
      case 'rows': {
        const list = lists[m.list] as unknown[];
        if (list.length !== m.from) throw new Error(`rows of ${m.list} out of order`);
        for (const x of m.items) {
          if (m.list === 'streams') intern.stream(x as Trace['streams'][number]);
          else if (m.list === 'exchanges') intern.exchange(x as Trace['exchanges'][number]);
          else if (m.list === 'h2') for (const f of (x as Trace['h2'][number]).frames) intern.frame(f);
          list.push(x);
        }
        loaded += m.items.length;
        h.progress?.(loaded, total);
        break;
      }
      case 'end': {
        const then = pending.get(m.req);
        pending.delete(m.req);
        then?.();
        break;
      }
      case 'error':
        end();
        h.error(m.message, m.status);
        break;
    }
  };

  inbox.listen(w, handle, (e) => {
    end();
    h.error(`Could not assemble the trace document: ${e instanceof Error ? e.message : String(e)}`);
  });
  w.onerror = (e) => {
    if (over) return;
    end();
    h.error(e.message || 'The document worker failed');
  };
  w.postMessage({ type: 'open', url } satisfies DocumentRequest);
  return end;
}
