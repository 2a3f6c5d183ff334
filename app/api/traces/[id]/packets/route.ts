// GET /api/traces/:id/packets — the per-packet columns (lib/packets.ts encodeColumns) for the viewer.
// Revalidated on every use (no-cache + ETag), so a deleted trace stops being served at once.
import { errorJson, getStore } from '@/lib/store/server';
import { ID_PATTERN } from '@/lib/store/types';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  if (!ID_PATTERN.test(id)) return errorJson(404, 'no such trace');
  const store = await getStore();
  const meta = await store.meta(id);
  if (!meta) return errorJson(404, 'no such trace');
  // The columns of a trace never change: its id names them.
  const etag = `"cols-${id}"`;
  const cache = { 'cache-control': 'private, no-cache', etag };
  if (req.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers: cache });
  const cols = await store.packetColumns(id);
  if (!cols) return errorJson(404, 'no packet columns for this trace');
  return new Response(cols as unknown as BodyInit, {
    headers: { 'content-type': 'application/octet-stream', ...cache },
  });
}
