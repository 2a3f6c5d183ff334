// The page's side of the analysis worker: starts it, forwards progress, collects the trace's parts
// (transfer.ts) and hands over the assembled Trace. Used by the local viewer, the shared-trace page
// and compare.
import { PacketTable } from '@/lib/packets';
import type { AnalysisSnapshot } from '@/lib/analyze';
import type { Trace } from '@/lib/trace';
import type { LaneIndex } from '@/components/timeline/model';
import type { PartsTaken, ResultPart, TraceHead, WorkerRequest, WorkerResponse } from './messages';
import { unpack } from './pack';
import { ResultAssembler } from './transfer';
import { PacketClient } from './packet-client';
import { PacedInbox } from './paced-inbox';

export interface AnalysisResult {
  trace: Trace;
  /** The timeline's lane index for `span` (null for logs, which have no packets). */
  lanes: LaneIndex | null;
  span: { start: number; end: number };
  /** The worker kept for packet queries (requests with `keep` on a capture); the caller closes it. */
  packets?: PacketClient;
}

/**
 * Test hook (tests/browser/transfer.mjs): when a page sets `window.__tracelensTest`, its
 * `worker` fields go into every analysis request, and each assembled result is left in `result`
 * and its part count in `parts`. Absent in normal use.
 */
interface TestHook {
  worker?: Pick<WorkerRequest, 'chunkBytes' | 'partBudget'>;
  result?: AnalysisResult;
  parts?: number;
}
const testHook = (): TestHook | undefined => (globalThis as { __tracelensTest?: TestHook }).__tracelensTest;

export interface AnalysisHandlers {
  progress?: (p: { bytes: number; packets: number; total: number }) => void;
  partial?: (s: AnalysisSnapshot) => void;
  done: (r: AnalysisResult) => void;
  error: (message: string) => void;
}

/**
 * Runs one analysis in a new worker; returns a function that cancels it. Performance marks for
 * scripts/bench-browser.mjs: `tl:analyze` (worker started), `tl:result` (analysis over, parts
 * begin), `tl:worker-done` (last part received), `tl:trace` (Trace assembled).
 */
export function startAnalysis(req: WorkerRequest, h: AnalysisHandlers): () => void {
  performance.mark('tl:analyze');
  const w = new Worker(new URL('./analyze.worker.ts', import.meta.url), { type: 'module' });
  let head: TraceHead | null = null;
  let packets: PacketTable | null = null;
  let lanes: LaneIndex | null = null;
  let span = { start: 0, end: 1 };
  let parts = new ResultAssembler();
  let over = false;
  let partCount = 0;
  const inbox = new PacedInbox<WorkerResponse>();
  const end = () => {
    over = true;
    inbox.stop();
    w.terminate();
  };
  const handle = (m: WorkerResponse) => {
    switch (m.type) {
      case 'progress':
        h.progress?.(m);
        break;
      case 'partial':
        h.partial?.(m.snapshot);
        break;
      case 'result':
        performance.mark('tl:result');
        head = m.head;
        packets = m.columns ? PacketTable.fromColumns(m.columns) : null;
        lanes = m.lanes;
        span = m.span;
        break;
      case 'packed': {
        parts.add(unpack(m.part) as ResultPart);
        partCount++;
        // The worker holds back further parts until it hears of this one (PartsTaken), and packs
        // the next ones into this one's arrays.
        const { tags, nums } = m.part;
        const taken: PartsTaken = {
          type: 'parts-taken',
          parts: partCount,
          buffers: { tags: tags.buffer as ArrayBuffer, nums: nums.buffer as ArrayBuffer },
        };
        w.postMessage(taken, [tags.buffer as ArrayBuffer, nums.buffer as ArrayBuffer]);
        break;
      }
      case 'done': {
        performance.mark('tl:worker-done');
        let session: PacketClient | undefined;
        if (req.keep && packets) {
          // The worker stays, answering packet queries: hand it over instead of terminating it.
          over = true;
          inbox.stop();
          const kept = new PacketClient(w);
          session = kept;
          w.onmessage = (ev: MessageEvent<WorkerResponse>) => {
            const m = ev.data;
            if ('id' in m) kept.receive(m);
          };
          w.onerror = (e) => kept.fail(e.message || 'The analysis worker failed');
        } else end();
        if (!head) {
          h.error('The analysis worker sent no result');
          return;
        }
        const trace = parts.finish(head, packets);
        parts = new ResultAssembler();
        performance.mark('tl:trace');
        const hook = testHook();
        if (hook) {
          hook.result = { trace, lanes, span };
          hook.parts = partCount;
        }
        h.done({ trace, lanes, span, packets: session });
        break;
      }
      case 'error':
        end();
        h.error(m.message);
        break;
    }
  };
  inbox.listen(w, handle, (e) => {
    // A malformed part (a bug): fail the analysis rather than wait for a trace that cannot come.
    end();
    h.error(`Could not assemble the analysis result: ${e instanceof Error ? e.message : String(e)}`);
  });
  w.onerror = (e) => {
    if (over) return;
    end();
    h.error(e.message || 'The analysis worker failed');
  };
  w.postMessage({ ...req, ...testHook()?.worker });
  return end;
}

/** Analyzes a file in the worker; resolves with the Trace (packet columns attached). */
export function analyzeFileInWorker(
  file: File,
  options?: WorkerRequest['options'],
  onProgress?: (bytes: number, total: number) => void,
): Promise<Trace> {
  return new Promise((resolve, reject) => {
    startAnalysis(
      { file, keylog: null, options },
      {
        progress: (p) => onProgress?.(p.bytes, p.total),
        done: (r) => resolve(r.trace),
        error: (message) => reject(new Error(message)),
      },
    );
  });
}
