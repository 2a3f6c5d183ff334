/**
 * Receiving a shared capture (server-only): the bytes are streamed to a temporary file — never
 * buffered whole — while they are checksummed, counted against the size limit, and analyzed by the
 * same pipeline the browser runs, in the same single pass. Only a complete, readable capture is
 * committed to the store.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { Analyzer, AnalysisError } from '../analyze';
import { stringifyTrace } from '../json';
import { encodeColumns } from '../packets';
import type { AnalysisOptions, Trace } from '../trace';
import { newId } from './sqlite-store';
import type { TraceStore } from './types';

export class UploadError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

export interface IngestOptions {
  name: string;
  limitBytes: number;
  /** NSS key log text, only when the user consented to share it. */
  keylog?: string | null;
  /** Thresholds the sharer analyzed with, so viewers see the same findings. */
  options?: Partial<AnalysisOptions>;
}

export interface IngestResult {
  id: string;
  token: string;
  trace: Trace;
  bytes: number;
}

export async function ingest(
  store: TraceStore,
  source: AsyncIterable<Uint8Array>,
  opts: IngestOptions,
): Promise<IngestResult> {
  const tmpRaw = path.join(store.tmpDir(), `${newId()}.upload`);
  const out = createWriteStream(tmpRaw);
  const hash = createHash('sha256');
  const analyzer = new Analyzer({ name: opts.name, keylog: opts.keylog ?? undefined }, opts.options);
  let bytes = 0;
  let tmpKeylog: string | null = null;
  try {
    for await (const chunk of source) {
      bytes += chunk.length;
      if (bytes > opts.limitBytes) {
        throw new UploadError(
          413,
          `upload larger than the limit of ${opts.limitBytes} bytes (TRACELENS_UPLOAD_LIMIT)`,
        );
      }
      hash.update(chunk);
      analyzer.push(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    if (bytes === 0)
      throw new UploadError(
        400,
        'empty upload: send the capture file as the request body or as the multipart field "file"',
      );
    const trace = analyzer.finish();
    if (opts.keylog) {
      tmpKeylog = path.join(store.tmpDir(), `${newId()}.keylog`);
      writeFileSync(tmpKeylog, opts.keylog);
    }
    const { id, token } = store.commit({
      name: opts.name,
      bytes,
      sha256: hash.digest('hex'),
      format: trace.input.format + (trace.input.compression ? `+${trace.input.compression}` : ''),
      tmpRawPath: tmpRaw,
      tmpKeylogPath: tmpKeylog,
      analysisJson: stringifyTrace(trace, 0),
      packetColumns: trace.packets ? encodeColumns(trace.packets.toColumns()) : null,
    });
    return { id, token, trace, bytes };
  } catch (e) {
    out.destroy();
    rmSync(tmpRaw, { force: true });
    if (tmpKeylog) rmSync(tmpKeylog, { force: true });
    if (e instanceof AnalysisError) throw new UploadError(415, e.message);
    throw e;
  }
}
