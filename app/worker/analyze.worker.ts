/// <reference lib="webworker" />
// Analysis off the main thread: reads the File in 4 MiB slices, pushes them to the Analyzer,
// reports progress every ~100 ms, and posts the Trace with the packet columns transferred.
import { AnalysisError, Analyzer } from '@/lib/analyze';
import type { WorkerRequest, WorkerResponse } from './messages';

const CHUNK = 4 * 1024 * 1024;
const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(msg: WorkerResponse, transfer: Transferable[] = []) {
  scope.postMessage(msg, transfer);
}

scope.onmessage = async (ev: MessageEvent<WorkerRequest>) => {
  const { file, keylog, options } = ev.data;
  try {
    const keylogText = keylog ? await keylog.text() : undefined;
    const analyzer = new Analyzer({ name: file.name, size: file.size, keylog: keylogText }, options);
    let last = 0;
    let lastPartial = 0;
    let lastFindings = 0;
    for (let off = 0; off < file.size; off += CHUNK) {
      const buf = await file.slice(off, off + CHUNK).arrayBuffer();
      analyzer.push(new Uint8Array(buf));
      const now = performance.now();
      if (now - last > 100) {
        last = now;
        post({ type: 'progress', ...analyzer.progress, total: file.size });
      }
      if (now - lastPartial > 500) {
        lastPartial = now;
        // Findings on ended connections cost a detector run: every 2 s at most.
        const withFindings = now - lastFindings > 2000;
        if (withFindings) lastFindings = now;
        post({ type: 'partial', snapshot: analyzer.snapshot(50, withFindings) });
      }
    }
    const trace = analyzer.finish();
    const columns = trace.packets ? trace.packets.toColumns() : null;
    const transfer: Transferable[] = [];
    if (columns) {
      for (const v of Object.values(columns))
        if (ArrayBuffer.isView(v)) transfer.push(v.buffer as ArrayBuffer);
    }
    post({ type: 'done', trace: { ...trace, packets: null }, columns }, transfer);
  } catch (e) {
    const message =
      e instanceof AnalysisError
        ? e.message
        : e instanceof Error
          ? `Analysis failed: ${e.message}`
          : 'Analysis failed';
    post({ type: 'error', message });
  }
};
