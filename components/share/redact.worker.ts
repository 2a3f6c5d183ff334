/// <reference lib="webworker" />
// Redaction before sharing, off the main thread: two streaming passes over the File (lib/redact),
// the output gathered into Blob parts (the browser may keep them out of the JS heap), progress
// every ~100 ms, then the redacted Blob and what was removed.
import { RedactPlan, RedactWriter, type RedactOptions, type RedactStats } from '@/lib/redact/index';
import { CaptureFormatError } from '@/lib/capture/types';

export interface RedactRequest {
  file: File;
  options?: RedactOptions;
}

export type RedactResponse =
  | { type: 'progress'; pass: 1 | 2; bytes: number; total: number }
  | { type: 'done'; blob: Blob; stats: RedactStats }
  | { type: 'error'; message: string };

const scope = self as unknown as DedicatedWorkerGlobalScope;
const CHUNK = 1024 * 1024;
/** Output bytes gathered before they become one Blob part. */
const PART = 8 * 1024 * 1024;

function post(m: RedactResponse): void {
  scope.postMessage(m);
}

async function* chunks(file: Blob): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < file.size; off += CHUNK)
    yield new Uint8Array(await file.slice(off, off + CHUNK).arrayBuffer());
}

scope.onmessage = async (ev: MessageEvent<RedactRequest>) => {
  const { file, options } = ev.data;
  try {
    let last = 0;
    const progress = (pass: 1 | 2, bytes: number) => {
      const now = performance.now();
      if (now - last < 100 && bytes < file.size) return;
      last = now;
      post({ type: 'progress', pass, bytes, total: file.size });
    };
    const plan = new RedactPlan(options ?? {}, file.size);
    let n = 0;
    for await (const c of chunks(file)) {
      plan.push(c);
      progress(1, (n += c.length));
    }
    plan.finish();
    const blobs: Blob[] = [];
    let parts: Uint8Array[] = [];
    let partLen = 0;
    const seal = () => {
      if (!partLen) return;
      blobs.push(new Blob(parts as BlobPart[]));
      parts = [];
      partLen = 0;
    };
    const writer = new RedactWriter(plan, (out) => {
      parts.push(out);
      partLen += out.length;
    });
    n = 0;
    for await (const c of chunks(file)) {
      writer.push(c);
      if (partLen >= PART) seal();
      progress(2, (n += c.length));
    }
    const stats = writer.finish();
    seal();
    post({ type: 'done', blob: new Blob(blobs, { type: 'application/octet-stream' }), stats });
    scope.close();
  } catch (e) {
    post({
      type: 'error',
      message:
        e instanceof CaptureFormatError
          ? `not redactable: ${e.message}`
          : `redaction failed: ${e instanceof Error ? e.message : String(e)}`,
    });
  }
};
