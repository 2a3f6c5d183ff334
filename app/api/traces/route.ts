// POST /api/traces — share a capture: raw body, or multipart with the part "file" and optionally
// "keylog" (a field or a file part, before or after "file"; sent only when the user consented).
// 201 { id, viewUrl, editUrl }. Limits (lib/store/config.ts) answer 413 as soon as they are passed.
import { Readable } from 'node:stream';
import Busboy from 'busboy';
import { isUploadError, queueFullError, UploadError } from '@/lib/store/ingest';
import { maxKeylog } from '@/lib/store/config';
import { originOf } from '@/lib/store/net';
import type { AnalysisOptions } from '@/lib/trace';
import { parseOptions } from '@/lib/options';
import { clientKey, errorJson, getStore, json, uploadLimit } from '@/lib/store/server';
import type { IngestSession } from '@/lib/store/types';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function safeName(n: string | null | undefined): string {
  const base = (n ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^\w.+-]/g, '_').slice(0, 200);
  return clean || 'capture';
}

/** Analysis thresholds from the query (?idleThresholdS=3&...), validated by lib/options.ts. */
function optionsOf(req: Request): Partial<AnalysisOptions> | { error: string } {
  const q = new URL(req.url).searchParams;
  const r = parseOptions((k) => q.get(k), 'query');
  return r.errors.length ? { error: r.errors.map((e) => e.message).join('; ') } : r.values;
}

const keylogTooLarge = (max: number) =>
  new UploadError(
    413,
    `the key log is larger than ${max} bytes, the limit of this server (TRACELENS_MAX_KEYLOG)`,
  );

/** A raw body: the capture itself; the name from ?name= or X-File-Name. */
async function fromBody(
  req: Request,
  body: ReadableStream<Uint8Array>,
  options: Partial<AnalysisOptions>,
): Promise<{ id: string; token: string }> {
  const name = safeName(new URL(req.url).searchParams.get('name') ?? req.headers.get('x-file-name'));
  const up = await (await getStore()).beginUpload({ name, options });
  const reader = body.getReader();
  try {
    for (;;) {
      // Raced with the upload's failure: a limit passed in the worker ends the request at once,
      // even while the client is still sending.
      const r = await Promise.race([reader.read(), up.failure]);
      if (r.done) break;
      await up.write(r.value);
    }
    return await up.finish();
  } catch (e) {
    reader.cancel().catch(() => undefined);
    await up.abort();
    throw e;
  }
}

function fromMultipart(
  req: Request,
  body: ReadableStream<Uint8Array>,
  options: Partial<AnalysisOptions>,
): Promise<{ id: string; token: string }> {
  const limit = uploadLimit();
  const maxKey = maxKeylog();
  return new Promise((resolve, reject) => {
    let bb: Busboy.Busboy;
    try {
      bb = Busboy({
        headers: Object.fromEntries(req.headers),
        // "file" and "keylog" (as files or fields); anything else is skipped, within these bounds.
        limits: { files: 4, fields: 4, parts: 8, fieldSize: maxKey, fileSize: limit + 1 },
      });
    } catch {
      reject(new UploadError(400, 'malformed multipart request'));
      return;
    }
    const source = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
    let keylog: string | null = null;
    let up: IngestSession | null = null;
    let sawFile = false;
    let fileDone: Promise<void> = Promise.resolve();
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      source.unpipe(bb);
      source.destroy();
      void up?.abort();
      reject(e);
    };
    const setKeylog = (text: string) => {
      keylog = text;
      up?.setKeylog(text);
    };
    bb.on('field', (name, value, info) => {
      if (name !== 'keylog' || failed) return;
      if (info.valueTruncated) fail(keylogTooLarge(maxKey));
      else setKeylog(value);
    });
    bb.on('file', (field, stream, info) => {
      if (failed || (field !== 'file' && field !== 'keylog') || (field === 'file' && sawFile)) {
        stream.resume();
        return;
      }
      if (field === 'keylog') {
        // Held in memory to hand to the analysis, so it is capped as it arrives.
        const parts: Buffer[] = [];
        let size = 0;
        stream.on('data', (d: Buffer) => {
          size += d.length;
          if (size > maxKey) {
            fail(keylogTooLarge(maxKey));
            stream.resume();
          } else parts.push(d);
        });
        stream.on('end', () => {
          if (!failed) setKeylog(Buffer.concat(parts).toString('utf8'));
        });
        return;
      }
      sawFile = true;
      fileDone = (async () => {
        const store = await getStore();
        const u = await store.beginUpload({ name: safeName(info.filename), keylog, options });
        up = u;
        if (failed) {
          await u.abort();
          return;
        }
        // The key log may have been read while the file was being opened.
        if (keylog !== null) u.setKeylog(keylog);
        u.failure.catch(fail);
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          if (failed) break;
          await u.write(chunk);
        }
      })().catch(fail);
    });
    bb.on('close', () => {
      void fileDone.then(() => {
        if (failed) return;
        if (!up) {
          fail(new UploadError(400, 'multipart upload without a "file" part'));
          return;
        }
        up.finish().then(resolve, fail);
      });
    });
    bb.on('error', () => fail(new UploadError(400, 'malformed multipart request')));
    source.on('error', () => fail(new UploadError(400, 'the upload was cut short')));
    source.pipe(bb);
  });
}

export async function POST(req: Request): Promise<Response> {
  let store;
  try {
    store = await getStore();
  } catch (e) {
    console.error(`tracelens: the trace store is unavailable: ${(e as Error).message}`);
    return errorJson(503, 'the trace store is unavailable: try again shortly', { 'retry-after': '10' });
  }
  const rate = await store.takeUploadToken(clientKey(req));
  if (!rate.ok)
    return errorJson(429, `too many uploads: try again in ${rate.retryAfterS} s`, {
      'retry-after': String(rate.retryAfterS),
    });
  const declared = Number(req.headers.get('content-length'));
  const limit = uploadLimit();
  if (Number.isFinite(declared) && declared > limit + 64 * 1024) {
    return errorJson(413, `upload of ${declared} bytes is larger than the limit of ${limit} bytes`, {
      connection: 'close',
    });
  }
  const started = Date.now();
  let name = '';
  try {
    const options = optionsOf(req);
    if ('error' in options) return errorJson(400, options.error);
    if (await store.busy()) throw queueFullError();
    if (!req.body) return errorJson(400, 'empty upload: send the capture as the request body');
    const type = req.headers.get('content-type') ?? '';
    name = type.startsWith('multipart/form-data')
      ? '(multipart)'
      : (new URL(req.url).searchParams.get('name') ?? '');
    const { id, token } = type.startsWith('multipart/form-data')
      ? await fromMultipart(req, req.body, options)
      : await fromBody(req, req.body, options);
    const origin = originOf(req);
    return json({ id, viewUrl: `${origin}/t/${id}`, editUrl: `${origin}/t/${id}?token=${token}` }, 201);
  } catch (e) {
    if (isUploadError(e) && e.status !== 500) {
      // The body may still be arriving: close the connection rather than read it to the end.
      const close: Record<string, string> = e.status === 413 ? { connection: 'close' } : {};
      return errorJson(e.status, e.message, { ...e.headers, ...close });
    }
    // One line for the operator; the client gets no internals.
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    console.error(
      `tracelens: upload ${JSON.stringify(name)} from ${clientKey(req)} failed after ${Date.now() - started} ms: ${what.replace(/\s+/g, ' ')}`,
    );
    return errorJson(500, 'the upload could not be stored');
  }
}
