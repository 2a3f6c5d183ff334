// GET /api/traces/:id/raw — the original bytes, streamed from disk.
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { errorJson, getStore } from '@/lib/store/server';
import { ID_PATTERN } from '@/lib/store/types';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  if (!ID_PATTERN.test(id)) return errorJson(404, 'no such trace');
  const store = getStore();
  const meta = store.meta(id);
  const p = store.rawPath(id);
  if (!meta || !p) return errorJson(404, 'no such trace');
  const body = Readable.toWeb(createReadStream(p)) as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(statSync(p).size),
      'content-disposition': `attachment; filename="${meta.name.replace(/"/g, '')}"`,
      'cache-control': 'private, max-age=3600',
    },
  });
}
