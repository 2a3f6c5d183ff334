/**
 * A shared correlation's work (server-only), kept apart from the trace store: the inputs' files
 * correlated (lib/lanes/view.ts, the routine the browser's Worker runs) into the view document's
 * JSON text. Runs in a worker thread (correlation-worker.ts, bundled to
 * dist/correlation-worker.mjs) or, when that bundle is missing, in-process.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { correlateSources, encodeCorrelationView } from '../lanes/view';

export interface CorrelationJobInput {
  files: { path: string; name: string }[];
}

export type CorrelationJobResult = { type: 'done'; json: string } | { type: 'fail'; message: string };

export async function runCorrelationJob(input: CorrelationJobInput): Promise<CorrelationJobResult> {
  try {
    const sources = await Promise.all(
      input.files.map(async (f) => ({
        name: f.name,
        size: (await stat(f.path)).size,
        chunks: createReadStream(f.path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>,
      })),
    );
    const view = await correlateSources(sources);
    return { type: 'done', json: encodeCorrelationView(view) };
  } catch (e) {
    return { type: 'fail', message: e instanceof Error ? e.message : String(e) };
  }
}
