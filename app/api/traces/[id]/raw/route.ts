// GET /api/traces/:id/raw — the original bytes, streamed from disk or the object store; a
// `Range: bytes=a-b` asks for part of them (206), for packet bytes without the whole capture.
// Revalidated on every use (no-cache + ETag: a repeat costs a 304), so a deleted trace stops being
// served at once.
import { Readable } from 'node:stream';
import { errorJson, getStore } from '@/lib/store/server';
import { ID_PATTERN, type ByteRange } from '@/lib/store/types';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One `bytes=a-b` / `bytes=a-` / `bytes=-n` range of `size` bytes; null: answer the whole; 'bad': 416. */
function rangeOf(header: string | null, size: number): ByteRange | null | 'bad' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // several ranges or another unit: the whole
  if (m[1] === '') {
    const n = Math.min(Number(m[2]), size);
    return n > 0 ? { start: size - n, end: size - 1 } : 'bad';
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start < size && start <= end ? { start, end } : 'bad';
}

export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  if (!ID_PATTERN.test(id)) return errorJson(404, 'no such trace');
  const store = await getStore();
  const meta = await store.meta(id);
  if (!meta) return errorJson(404, 'no such trace');
  const etag = `"${meta.sha256}"`;
  const cache = { 'cache-control': 'private, no-cache', etag, 'accept-ranges': 'bytes' };
  if (req.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers: cache });
  const range = rangeOf(req.headers.get('range'), meta.bytes);
  if (range === 'bad')
    return new Response(null, {
      status: 416,
      headers: { ...cache, 'content-range': `bytes */${meta.bytes}` },
    });
  const raw = await store.raw(id, range ?? undefined);
  if (!raw) return errorJson(404, 'no such trace');
  const body = Readable.toWeb(raw.stream) as ReadableStream<Uint8Array>;
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    'content-length': String(raw.size),
    'content-disposition': `attachment; filename="${meta.name.replace(/"/g, '')}"`,
    ...cache,
  };
  if (!range) return new Response(body, { headers });
  headers['content-range'] = `bytes ${raw.start}-${raw.start + raw.size - 1}/${raw.totalSize}`;
  return new Response(body, { status: 206, headers });
}
