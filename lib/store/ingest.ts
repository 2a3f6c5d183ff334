/**
 * Receiving a shared capture into the embedded store (server-only). The request thread streams the bytes to a temporary
 * file — never buffered whole — while checksumming them and counting them against the upload
 * limit; a worker thread (analysis-pool.ts) analyzes the file as it grows, with the same pipeline
 * the browser runs, counting decompressed bytes and packets against their limits. Whichever limit
 * is passed first fails the upload at once (the caller answers 413 and stops reading the body).
 * Only a complete, readable capture is committed to the store; every failure removes its files.
 */
import { createHash } from 'node:crypto';
import { open, rm, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { AnalysisHandle, submit } from './analysis-pool';
import { maxDecompressed, maxPackets, uploadLimit } from './config';
import type { SqliteTraceStore } from './sqlite-store';
import { newId, type IngestSession, type UploadOptions } from './types';

export class UploadError extends Error {
  constructor(
    readonly status: 400 | 413 | 415 | 500 | 503,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

/**
 * Whether `e` is an UploadError. Not `instanceof`: the store is opened once per process (at start,
 * by instrumentation.ts) and a route may have a module instance of its own, whose class differs.
 */
export function isUploadError(e: unknown): e is UploadError {
  return e instanceof Error && e.name === 'UploadError' && typeof (e as UploadError).status === 'number';
}

export const queueFullError = (): UploadError =>
  new UploadError(503, 'the server is busy analyzing other uploads: try again shortly', {
    'retry-after': '10',
  });

export type { UploadOptions } from './types';

/** One upload in progress: `write` its bytes in order, then `finish`, or `abort`. */
export class Upload implements IngestSession {
  private bytes = 0;
  private readonly hash = createHash('sha256');
  private keylog: string | null;
  private failedWith: UploadError | null = null;
  private closed = false;
  private readonly limit = uploadLimit();
  /** Rejects as soon as the upload fails (a limit passed in the worker): race it with reads. */
  readonly failure: Promise<never>;
  private rejectFailure!: (e: UploadError) => void;

  private constructor(
    private readonly store: SqliteTraceStore,
    private readonly opts: UploadOptions,
    private readonly tmpRaw: string,
    private readonly fh: FileHandle,
    private readonly job: AnalysisHandle,
  ) {
    this.keylog = opts.keylog ?? null;
    this.failure = new Promise<never>((_, reject) => (this.rejectFailure = reject));
    this.failure.catch(() => undefined);
    job.result.catch((f: { status: 413 | 415 | 500; message: string }) => {
      if (f.message !== 'aborted') this.fail(new UploadError(f.status, f.message));
    });
  }

  /** Creates the temporary file and queues the analysis; 503 when the queue is full. */
  static async begin(store: SqliteTraceStore, opts: UploadOptions): Promise<Upload> {
    const tmpRaw = path.join(store.tmpDir(), `${newId()}.upload`);
    // Created before the job exists (it reads this file) and before anything can fail, so a
    // failure always finds the file to remove.
    const fh = await open(tmpRaw, 'wx');
    const job = submit({
      path: tmpRaw,
      name: opts.name,
      keylog: opts.keylog ?? null,
      options: opts.options ?? {},
      limits: { maxDecompressed: maxDecompressed(), maxPackets: maxPackets() },
    });
    if (!job) {
      await fh.close();
      await rm(tmpRaw, { force: true });
      throw queueFullError();
    }
    return new Upload(store, opts, tmpRaw, fh, job);
  }

  private fail(e: UploadError): void {
    if (this.failedWith) return;
    this.failedWith = e;
    this.rejectFailure(e);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.failedWith) throw this.failedWith;
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      this.fail(
        new UploadError(413, `upload larger than the limit of ${this.limit} bytes (TRACELENS_UPLOAD_LIMIT)`),
      );
      throw this.failedWith;
    }
    this.hash.update(chunk);
    let off = 0;
    while (off < chunk.length) off += (await this.fh.write(chunk, off, chunk.length - off)).bytesWritten;
    this.job.setWritten(this.bytes);
  }

  /** A key log that arrived after the capture started: the analysis starts over with it. */
  setKeylog(text: string): void {
    this.keylog = text;
    this.job.setKeylog(text);
  }

  async finish(): Promise<{ id: string; token: string; bytes: number }> {
    let tmpKeylog: string | null = null;
    try {
      if (this.failedWith) throw this.failedWith;
      await this.fh.sync();
      await this.close();
      if (this.bytes === 0)
        throw new UploadError(
          400,
          'empty upload: send the capture file as the request body or as the multipart field "file"',
        );
      this.job.end(this.bytes);
      const done = await Promise.race([this.job.result, this.failure]);
      if (this.keylog) {
        tmpKeylog = path.join(this.store.tmpDir(), `${newId()}.keylog`);
        await writeFile(tmpKeylog, this.keylog);
      }
      const { id, token } = this.store.commit({
        name: this.opts.name,
        bytes: this.bytes,
        sha256: this.hash.digest('hex'),
        format: done.format,
        tmpRawPath: this.tmpRaw,
        tmpKeylogPath: tmpKeylog,
        tmpAnalysisPath: done.analysisPath,
        tmpColumnsPath: done.columnsPath,
        tmpSummaryPath: done.summaryPath,
        tmpDocumentPath: done.documentPath,
      });
      return { id, token, bytes: this.bytes };
    } catch (e) {
      await this.abort();
      if (tmpKeylog) await rm(tmpKeylog, { force: true });
      if (isUploadError(e)) throw e;
      const f = e as { type?: string; status?: 413 | 415 | 500; message?: string };
      if (f?.type === 'fail' && f.status) throw new UploadError(f.status, f.message ?? 'analysis failed');
      throw e;
    }
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close().catch(() => undefined);
  }

  /** Stops the analysis and removes the temporary files. Safe to call more than once. */
  async abort(): Promise<void> {
    this.job.abort();
    await this.close();
    // The job's outputs (analysis-job.ts) are named after the upload.
    for (const f of ['', '.json', '.cols', '.summary.json', '.arrow'])
      await rm(`${this.tmpRaw}${f}`, { force: true });
  }
}
