// GET /api/traces/:id/raw — the original bytes, streamed from disk. Revalidated on every use
// (no-cache + ETag: a repeat costs a 304), so a deleted trace stops being served at once.
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { errorJson, getStore } from '@/lib/store/server';
import { ID_PATTERN } from '@/lib/store/types';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  if (!ID_PATTERN.test(id)) return errorJson(404, 'no such trace');
  const store = getStore();
  const meta = store.meta(id);
  const p = store.rawPath(id);
  if (!meta || !p) return errorJson(404, 'no such trace');
  const etag = `"${meta.sha256}"`;
  const cache = { 'cache-control': 'private, no-cache', etag };
  if (req.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers: cache });
  const body = Readable.toWeb(createReadStream(p)) as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(statSync(p).size),
      'content-disposition': `attachment; filename="${meta.name.replace(/"/g, '')}"`,
      ...cache,
    },
  });
}
