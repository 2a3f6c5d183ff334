// Runs a correlation in its own Worker (correlate.worker.ts); the page stays responsive.
import type { CorrelationView } from '@/lib/lanes/view';
import type { CorrelateRequest, CorrelateResponse } from './correlate.worker';

export function correlateInWorker(
  files: File[],
  onProgress: (bytes: number, total: number) => void,
): { done: Promise<CorrelationView>; cancel: () => void } {
  const w = new Worker(new URL('./correlate.worker.ts', import.meta.url), { type: 'module' });
  let cancel = () => w.terminate();
  const done = new Promise<CorrelationView>((resolve, reject) => {
    cancel = () => {
      w.terminate();
      reject(new Error('cancelled'));
    };
    w.onmessage = (ev: MessageEvent<CorrelateResponse>) => {
      const m = ev.data;
      if (m.type === 'progress') onProgress(m.bytes, m.total);
      else {
        w.terminate();
        if (m.type === 'done') resolve(m.view);
        else reject(new Error(m.message));
      }
    };
    w.onerror = (e) => {
      w.terminate();
      reject(new Error(e.message || 'the correlation worker failed'));
    };
  });
  const req: CorrelateRequest = { files };
  w.postMessage(req);
  return { done, cancel: () => cancel() };
}
