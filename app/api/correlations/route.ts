// POST /api/correlations — share a correlation: multipart with two to eight parts "file" (captures
// of one path, HTTP/2 debug logs). The server correlates them off the request thread
// (lib/store/correlations.ts) and the store keeps the view document (files, or the bucket at scale,
// where every replica serves it); the uploaded files are deleted.
// 201 { id, viewUrl }. Each file is bounded by the upload limit (TRACELENS_UPLOAD_LIMIT): 413.
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Busboy from 'busboy';
import { correlateFiles, saveCorrelation, uploadScratch } from '@/lib/store/correlations';
import { clientKey, dataDir, errorJson, getStore, json, uploadLimit } from '@/lib/store/server';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const MAX_FILES = 8;

function safeName(n: string | null | undefined, k: number): string {
  const base = (n ?? '').split(/[\\/]/).pop() ?? '';
  return base.replace(/[^\w.+-]/g, '_').slice(0, 200) || `input-${k + 1}`;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function receive(
  req: Request,
  body: ReadableStream<Uint8Array>,
  dir: string,
): Promise<{ path: string; name: string }[]> {
  const limit = uploadLimit();
  return new Promise((resolve, reject) => {
    let bb: Busboy.Busboy;
    try {
      bb = Busboy({
        headers: Object.fromEntries(req.headers),
        limits: { files: MAX_FILES + 1, fields: 4, parts: MAX_FILES + 4, fileSize: limit + 1 },
      });
    } catch {
      reject(new HttpError(400, 'malformed multipart request (expected parts "file")'));
      return;
    }
    const files: { path: string; name: string }[] = [];
    const writes: Promise<void>[] = [];
    let failed: HttpError | null = null;
    bb.on('file', (field, stream, info) => {
      if (field !== 'file' || failed) {
        stream.resume();
        return;
      }
      if (files.length >= MAX_FILES) {
        failed = new HttpError(413, `at most ${MAX_FILES} inputs in one correlation`);
        stream.resume();
        return;
      }
      const k = files.length;
      const p = path.join(dir, `${k}`);
      files.push({ path: p, name: safeName(info.filename, k) });
      stream.on('limit', () => {
        failed = new HttpError(
          413,
          `${info.filename ?? 'a file'} is larger than ${limit} bytes, the limit of this server`,
        );
      });
      writes.push(pipeline(stream, createWriteStream(p)));
    });
    bb.on('error', () => reject(new HttpError(400, 'malformed multipart request')));
    bb.on('close', () => {
      Promise.all(writes).then(
        () => (failed ? reject(failed) : resolve(files)),
        (e: Error) => reject(failed ?? e),
      );
    });
    Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>).pipe(bb);
  });
}

export async function POST(req: Request): Promise<Response> {
  if (!req.body) return errorJson(400, 'empty request: send the captures as multipart parts "file"');
  if (!(req.headers.get('content-type') ?? '').startsWith('multipart/form-data'))
    return errorJson(415, 'send the captures as multipart/form-data, one part "file" per input');
  // The same per-client upload rate as shared traces.
  const store = await getStore();
  const rate = await store.takeUploadToken(clientKey(req));
  if (!rate.ok)
    return errorJson(429, 'too many uploads; try again later', {
      'retry-after': String(Math.ceil(rate.retryAfterS)),
    });
  const scratch = await uploadScratch(store, dataDir());
  try {
    const files = await receive(req, req.body, scratch.dir);
    if (files.length < 2)
      return errorJson(400, `a correlation takes two or more inputs (parts "file"), got ${files.length}`);
    const r = await correlateFiles({ files });
    if (r.type === 'fail') return errorJson(422, `could not correlate the inputs: ${r.message}`);
    const id = await saveCorrelation(store, r.json);
    return json({ id, viewUrl: `/c/${id}` }, 201);
  } catch (e) {
    if (e instanceof HttpError) return errorJson(e.status, e.message);
    return errorJson(500, 'the correlation failed');
  } finally {
    await scratch.remove();
  }
}
