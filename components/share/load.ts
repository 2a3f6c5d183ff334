// Client-side loading of traces: a shared trace from the API (analysis JSON + packet columns), or a
// local file analyzed in the analysis worker. No server-only imports here.
import { PacketTable, decodeColumns } from '@/lib/packets';
import type { Trace } from '@/lib/trace';
import { analyzeFileInWorker } from '@/app/worker/client';
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

/** Analyzes a file in the worker; resolves with the Trace (packet columns attached). */
export const analyzeFile = analyzeFileInWorker;

/** The time span of a trace's connections, padded 2 %. */
export { traceSpan };
