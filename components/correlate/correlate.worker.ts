/// <reference lib="webworker" />
// Correlation off the main thread: reads every dropped File in chunks, correlates them
// (lib/lanes/view.ts, the same routine the server runs for a share) and posts the view back with
// its columns transferred.
import { correlateSources, type CorrelationView } from '@/lib/lanes/view';

export interface CorrelateRequest {
  files: File[];
}
export type CorrelateResponse =
  | { type: 'progress'; input: number; bytes: number; total: number }
  | { type: 'done'; view: CorrelationView }
  | { type: 'error'; message: string };

const scope = self as unknown as DedicatedWorkerGlobalScope;

async function* chunksOf(file: File): AsyncIterable<Uint8Array> {
  const reader = file.stream().getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) return;
    yield r.value;
  }
}

scope.onmessage = async (ev: MessageEvent<CorrelateRequest>) => {
  const { files } = ev.data;
  const total = files.reduce((n, f) => n + f.size, 0);
  let last = 0;
  const before = files.map((_, k) => files.slice(0, k).reduce((n, f) => n + f.size, 0));
  try {
    const view = await correlateSources(
      files.map((f) => ({ name: f.name, size: f.size, chunks: chunksOf(f) })),
      (input, bytes) => {
        const now = Date.now();
        if (now - last < 100) return;
        last = now;
        scope.postMessage({
          type: 'progress',
          input,
          bytes: before[input] + bytes,
          total,
        } satisfies CorrelateResponse);
      },
    );
    const transfer: Transferable[] = [];
    for (const p of view.index.packets)
      if (p)
        transfer.push(
          p.time.buffer,
          p.lane.buffer,
          p.dir.buffer,
          p.tcpFlags.buffer,
          p.payloadLen.buffer,
          p.fate.buffer,
        );
    for (const l of view.index.links) transfer.push(l.nearRows.buffer, l.farRows.buffer);
    scope.postMessage({ type: 'done', view } satisfies CorrelateResponse, transfer);
  } catch (e) {
    scope.postMessage({
      type: 'error',
      message: e instanceof Error ? e.message : String(e),
    } satisfies CorrelateResponse);
  }
};
