// GET /api/traces/:id/document — the trace document (lib/document/arrow.ts: the analysis as
// columns, one Arrow IPC file) the shared page loads in a Worker; 404 for traces stored before
// documents were made (the page then reads GET /api/traces/:id). Streamed from its file; the
// document of a trace never changes (its id names it), so it is revalidated by ETag on each use,
// and a deleted trace stops being served at once.
import { Readable } from 'node:stream';
import { errorJson, getStore } from '@/lib/store/server';
import { ID_PATTERN } from '@/lib/store/types';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  if (!ID_PATTERN.test(id)) return errorJson(404, 'no such trace');
  const store = await getStore();
  if (!(await store.meta(id))) return errorJson(404, 'no such trace');
  const etag = `"doc-${id}"`;
  const cache = { 'cache-control': 'private, no-cache', etag };
  if (req.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers: cache });
  const doc = store.document ? await store.document(id) : null;
  if (!doc) return errorJson(404, 'no document for this trace (stored before documents were made)');
  const body = Readable.toWeb(doc.stream) as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      'content-type': 'application/vnd.apache.arrow.file',
      'content-length': String(doc.size),
      'content-disposition': `attachment; filename="${id}.arrow"`,
      ...cache,
    },
  });
}
