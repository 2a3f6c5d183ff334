/**
 * One upload's analysis (server-only), run in a worker thread (analysis-worker.ts) so that parsing
 * a large capture never blocks the server's request thread.
 *
 * The request thread writes the upload to a temporary file and tells the job how far the file is
 * written; the job reads behind it and feeds the Analyzer, counting decompressed bytes and packets
 * as they stream: past a limit it stops at once and says so, and the request is answered 413 while
 * the rest of the body is still on its way. A key log that arrives after the capture (multipart in
 * either order) restarts the analysis from the file's first byte with the key.
 */
import { decompressedLimitMessage, packetLimitMessage } from './capture-limits';
import { open, type FileHandle } from 'node:fs/promises';
import { Analyzer, AnalysisError } from '../analyze';
import { stringifyTrace } from '../json';
import { encodeColumns } from '../packets';
import type { AnalysisOptions } from '../trace';
import { summarize } from './types';
import { toTraceColumns } from '../document/columns';
import { encodeArrow } from '../document/arrow';

export interface JobLimits {
  maxDecompressed: number;
  maxPackets: number;
}

export type ToJob =
  | {
      type: 'start';
      path: string;
      name: string;
      keylog: string | null;
      options: Partial<AnalysisOptions>;
      limits: JobLimits;
      /** What is already known when the job gets its worker (it may have waited in the queue). */
      written: number;
      ended: boolean;
    }
  | { type: 'written'; written: number }
  | { type: 'keylog'; text: string }
  | { type: 'end'; written: number };

export type FromJob =
  | {
      type: 'done';
      /** The Trace JSON and the packet columns, written beside the upload (`<path>.json`, `<path>.cols`). */
      analysisPath: string;
      columnsPath: string | null;
      /** The shared page's summary (`<path>.summary.json`). */
      summaryPath: string;
      /** The trace document (`<path>.arrow`, lib/document/arrow.ts); null if it could not be made. */
      documentPath: string | null;
      format: string;
      packets: number;
    }
  | { type: 'fail'; status: 413 | 415 | 500; message: string };

/** Read size; the Analyzer is fed in slices so a limit is checked every few MB of inflated data. */
const READ = 1024 * 1024;
const SLICE = 16 * 1024;

/** Written and fsynced here, so the commit's own fsync on the request thread finds nothing to flush. */
async function writeDurably(file: string, data: string | Uint8Array): Promise<void> {
  const fh = await open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class AnalysisJob {
  private start: Extract<ToJob, { type: 'start' }> | null = null;
  private written = 0;
  private ended = false;
  private keylog: string | null = null;
  private restart = false;
  private wake: (() => void) | null = null;
  private finished = false;

  constructor(private readonly post: (m: FromJob) => void) {}

  onMessage(m: ToJob): void {
    switch (m.type) {
      case 'start':
        this.start = m;
        this.written = m.written;
        this.ended = m.ended;
        this.keylog = m.keylog;
        void this.run();
        break;
      case 'written':
        this.written = Math.max(this.written, m.written);
        break;
      case 'keylog':
        this.keylog = m.text;
        this.restart = true;
        break;
      case 'end':
        this.written = m.written;
        this.ended = true;
        break;
    }
    this.wake?.();
  }

  private waitForMore(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
    });
  }

  private fail(status: 413 | 415 | 500, message: string): void {
    if (this.finished) return;
    this.finished = true;
    this.post({ type: 'fail', status, message });
  }

  private async run(): Promise<void> {
    const s = this.start;
    if (!s) return;
    let fh: FileHandle | null = null;
    try {
      fh = await open(s.path, 'r');
      const buf = new Uint8Array(READ);
      const newAnalyzer = () => new Analyzer({ name: s.name, keylog: this.keylog ?? undefined }, s.options);
      let analyzer = newAnalyzer();
      let pos = 0;
      this.restart = false;
      for (;;) {
        if (this.restart) {
          // The key log came after (some of) the capture: TLS needs it from the first record on.
          this.restart = false;
          analyzer = newAnalyzer();
          pos = 0;
        }
        if (pos >= this.written) {
          if (this.ended) break;
          await this.waitForMore();
          continue;
        }
        const { bytesRead } = await fh.read(buf, 0, Math.min(READ, this.written - pos), pos);
        if (bytesRead === 0) {
          await this.waitForMore();
          continue;
        }
        for (let off = 0; off < bytesRead; off += SLICE) {
          analyzer.push(buf.subarray(off, Math.min(bytesRead, off + SLICE)));
          const p = analyzer.progress;
          if (p.packets > s.limits.maxPackets) {
            this.fail(413, packetLimitMessage(s.limits.maxPackets));
            return;
          }
          if (p.decoded > s.limits.maxDecompressed) {
            this.fail(413, decompressedLimitMessage(s.limits.maxDecompressed));
            return;
          }
        }
        pos += bytesRead;
      }
      const trace = analyzer.finish();
      // Written here, off the request thread: a large capture's analysis is 100+ MB of JSON.
      const analysisPath = `${s.path}.json`;
      await writeDurably(analysisPath, stringifyTrace(trace, 0));
      const summaryPath = `${s.path}.summary.json`;
      await writeDurably(summaryPath, JSON.stringify(summarize(trace)));
      let columnsPath: string | null = null;
      if (trace.packets) {
        columnsPath = `${s.path}.cols`;
        await writeDurably(columnsPath, encodeColumns(trace.packets.toColumns()));
      }
      // The shared page's document: the same trace as columns (lib/document). Not making it costs the
      // page its fast path only (it falls back to the JSON), so a failure here is not the upload's.
      let documentPath: string | null = `${s.path}.arrow`;
      try {
        await writeDurably(documentPath, encodeArrow(toTraceColumns(trace)));
      } catch (e) {
        console.error(`trace document not written: ${e instanceof Error ? e.message : String(e)}`);
        documentPath = null;
      }
      this.finished = true;
      this.post({
        type: 'done',
        analysisPath,
        columnsPath,
        summaryPath,
        documentPath,
        format: trace.input.format + (trace.input.compression ? `+${trace.input.compression}` : ''),
        packets: trace.input.packets,
      });
    } catch (e) {
      if (e instanceof AnalysisError) this.fail(415, e.message);
      else this.fail(500, e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    } finally {
      await fh?.close().catch(() => undefined);
    }
  }
}
