// GET /api/traces/:id/packets — the per-packet columns (lib/packets.ts encodeColumns) for the viewer.
import { errorJson, getStore } from '@/lib/store/server';
import { ID_PATTERN } from '@/lib/store/types';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  if (!ID_PATTERN.test(id)) return errorJson(404, 'no such trace');
  const cols = getStore().packetColumns(id);
  if (!cols) return errorJson(404, 'no packet columns for this trace');
  return new Response(cols as unknown as BodyInit, {
    headers: { 'content-type': 'application/octet-stream', 'cache-control': 'private, max-age=3600' },
  });
}
