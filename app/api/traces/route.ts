// POST /api/traces — share a capture: raw body, or multipart with field "file" (and optionally
// "keylog", sent before "file", only when the user consented). 201 { id, viewUrl, editUrl }.
import { Readable } from 'node:stream';
import Busboy from 'busboy';
import { ingest, UploadError } from '@/lib/store/ingest';
import type { AnalysisOptions } from '@/lib/trace';
import { parseOptions } from '@/lib/options';
import { clientKey, errorJson, getStore, json, takeUploadToken, uploadLimit } from '@/lib/store/server';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const MAX_KEYLOG = 16 * 1024 * 1024;

function safeName(n: string | null | undefined): string {
  const base = (n ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^\w.+-]/g, '_').slice(0, 200);
  return clean || 'capture';
}

async function* webChunks(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    if (value) yield value;
  }
}

/** Analysis thresholds from the query (?idleThresholdS=3&...), validated by lib/options.ts. */
function optionsOf(req: Request): Partial<AnalysisOptions> | { error: string } {
  const q = new URL(req.url).searchParams;
  const r = parseOptions((k) => q.get(k), 'query');
  return r.errors.length ? { error: r.errors.map((e) => e.message).join('; ') } : r.values;
}

/** The origin the client used (Host / X-Forwarded-* headers), so the links work where it is. */
function originOf(req: Request): string {
  const url = new URL(req.url);
  const host = (req.headers.get('x-forwarded-host') ?? req.headers.get('host') ?? '').split(',')[0].trim();
  const proto = (req.headers.get('x-forwarded-proto') ?? url.protocol.replace(/:$/, '')).split(',')[0].trim();
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) || !/^https?$/.test(proto))
    return url.origin;
  return `${proto}://${host}`;
}

function fromMultipart(
  req: Request,
  options: Partial<AnalysisOptions>,
): Promise<{ name: string; result: Awaited<ReturnType<typeof ingest>> }> {
  const limit = uploadLimit();
  return new Promise((resolve, reject) => {
    let keylog: string | null = null;
    let sawFile = false;
    let bb: Busboy.Busboy;
    try {
      bb = Busboy({
        headers: Object.fromEntries(req.headers),
        limits: { files: 1, fieldSize: MAX_KEYLOG, fileSize: limit + 1 },
      });
    } catch {
      reject(new UploadError(400, 'malformed multipart request'));
      return;
    }
    bb.on('field', (name, value) => {
      if (name === 'keylog') keylog = value;
    });
    bb.on('file', (field, stream, info) => {
      if (field === 'keylog') {
        const parts: Buffer[] = [];
        stream.on('data', (d: Buffer) => parts.push(d));
        stream.on('end', () => (keylog = Buffer.concat(parts).toString('utf8')));
        return;
      }
      if (field !== 'file') {
        stream.resume();
        return;
      }
      sawFile = true;
      const name = safeName(info.filename);
      ingest(getStore(), stream as AsyncIterable<Uint8Array>, { name, limitBytes: limit, keylog, options })
        .then((result) => resolve({ name, result }))
        .catch((e) => {
          stream.resume();
          reject(e);
        });
    });
    bb.on('close', () => {
      if (!sawFile) reject(new UploadError(400, 'multipart upload without a "file" field'));
    });
    bb.on('error', () => reject(new UploadError(400, 'malformed multipart request')));
    if (!req.body) {
      reject(new UploadError(400, 'empty upload'));
      return;
    }
    Readable.fromWeb(req.body as import('node:stream/web').ReadableStream<Uint8Array>).pipe(bb);
  });
}

export async function POST(req: Request): Promise<Response> {
  const rate = takeUploadToken(clientKey(req));
  if (!rate.ok)
    return errorJson(429, `too many uploads: try again in ${rate.retryAfterS} s`, {
      'retry-after': String(rate.retryAfterS),
    });
  const declared = Number(req.headers.get('content-length'));
  const limit = uploadLimit();
  if (Number.isFinite(declared) && declared > limit + 64 * 1024) {
    return errorJson(413, `upload of ${declared} bytes is larger than the limit of ${limit} bytes`);
  }
  try {
    const options = optionsOf(req);
    if ('error' in options) return errorJson(400, options.error);
    const type = req.headers.get('content-type') ?? '';
    let id: string;
    let token: string;
    if (type.startsWith('multipart/form-data')) {
      const { result } = await fromMultipart(req, options);
      ({ id, token } = result);
    } else {
      if (!req.body) return errorJson(400, 'empty upload: send the capture as the request body');
      const name = safeName(new URL(req.url).searchParams.get('name') ?? req.headers.get('x-file-name'));
      ({ id, token } = await ingest(getStore(), webChunks(req.body), { name, limitBytes: limit, options }));
    }
    const origin = originOf(req);
    return json({ id, viewUrl: `${origin}/t/${id}`, editUrl: `${origin}/t/${id}?token=${token}` }, 201);
  } catch (e) {
    if (e instanceof UploadError) return errorJson(e.status, e.message);
    return errorJson(500, 'the upload could not be stored');
  }
}
