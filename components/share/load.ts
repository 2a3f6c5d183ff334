// Client-side loading of traces: a shared trace from the API (analysis JSON + packet columns), or a
// local file analyzed in the analysis worker. No server-only imports here.
import { PacketTable, decodeColumns } from '@/lib/packets';
import type { AnalysisOptions, Trace } from '@/lib/trace';
import type { WorkerResponse } from '@/app/worker/messages';

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

/** Analyzes a file in the worker; resolves with the Trace (packet columns attached). */
export function analyzeFile(
  file: File,
  options?: Partial<AnalysisOptions>,
  onProgress?: (bytes: number, total: number) => void,
): Promise<Trace> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('../../app/worker/analyze.worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (ev: MessageEvent<WorkerResponse>) => {
      const m = ev.data;
      if (m.type === 'progress') onProgress?.(m.bytes, m.total);
      else if (m.type === 'error') {
        w.terminate();
        reject(new Error(m.message));
      } else if (m.type === 'done') {
        w.terminate();
        resolve({ ...m.trace, packets: m.columns ? PacketTable.fromColumns(m.columns) : null });
      }
    };
    w.onerror = (e) => {
      w.terminate();
      reject(new Error(e.message || 'the analysis worker failed'));
    };
    w.postMessage({ file, keylog: null, options });
  });
}

/** The time span of a trace's connections, padded 2 %. */
export function traceSpan(t: Trace): { start: number; end: number } {
  let s = Infinity;
  let e = -Infinity;
  for (const c of t.connections) {
    s = Math.min(s, c.startS);
    e = Math.max(e, c.endS);
  }
  if (!isFinite(s)) return { start: 0, end: 1 };
  const pad = Math.max((e - s) * 0.02, 0.001);
  return { start: s - pad, end: e + pad };
}
