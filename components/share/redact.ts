// Runs lib/redact in its own Web Worker (components/share/redact.worker.ts): the page stays
// responsive while a large capture is read twice and rewritten.
import type { RedactOptions, RedactStats } from '@/lib/redact/index';
import type { RedactRequest, RedactResponse } from './redact.worker';

export interface RedactResult {
  file: File;
  stats: RedactStats;
}

/** Name of the redacted copy: `capture.pcapng.gz` -> `capture.redacted.pcapng` (output is never gzip). */
export function redactedName(name: string): string {
  const base = name.replace(/\.gz$/i, '');
  const m = /^(.*?)(\.(pcapng|pcap|cap))?$/i.exec(base);
  const stem = m?.[1] || 'capture';
  return `${stem}.redacted${m?.[2] ?? ''}`;
}

/** Redacts `file`; returns a promise and a function that cancels it (terminates the worker). */
export function redactInWorker(
  file: File,
  options: RedactOptions,
  onProgress: (pass: 1 | 2, bytes: number, total: number) => void,
): { done: Promise<RedactResult>; cancel: () => void } {
  const w = new Worker(new URL('./redact.worker.ts', import.meta.url), { type: 'module' });
  let cancel = () => w.terminate();
  const done = new Promise<RedactResult>((resolve, reject) => {
    cancel = () => {
      w.terminate();
      reject(new Error('cancelled'));
    };
    w.onmessage = (ev: MessageEvent<RedactResponse>) => {
      const m = ev.data;
      if (m.type === 'progress') onProgress(m.pass, m.bytes, m.total);
      else if (m.type === 'done') {
        w.terminate();
        resolve({ file: new File([m.blob], redactedName(file.name)), stats: m.stats });
      } else {
        w.terminate();
        reject(new Error(m.message));
      }
    };
    w.onerror = (e) => {
      w.terminate();
      reject(new Error(e.message || 'the redaction worker failed'));
    };
  });
  const req: RedactRequest = { file, options };
  w.postMessage(req);
  return { done, cancel: () => cancel() };
}
