// GET /api/traces/:id — meta + the Trace JSON; DELETE with the edit token.
import { errorJson, getStore, json, tokenOf } from '@/lib/store/server';
import { ID_PATTERN } from '@/lib/store/types';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

type Ctx = { params: Promise<{ id: string }> };

export async function GET(_req: Request, ctx: Ctx): Promise<Response> {
  const { id } = await ctx.params;
  if (!ID_PATTERN.test(id)) return errorJson(404, 'no such trace');
  const t = getStore().get(id);
  if (!t) return errorJson(404, 'no such trace');
  const body = `{"id":${JSON.stringify(t.meta.id)},"name":${JSON.stringify(t.meta.name)},"createdAt":${JSON.stringify(t.meta.createdAt)},"bytes":${t.meta.bytes},"sha256":${JSON.stringify(t.meta.sha256)},"trace":${t.analysisJson}}`;
  return new Response(body, {
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

export async function DELETE(req: Request, ctx: Ctx): Promise<Response> {
  const { id } = await ctx.params;
  const store = getStore();
  if (!ID_PATTERN.test(id) || !store.meta(id)) return errorJson(404, 'no such trace');
  if (!store.checkToken(id, tokenOf(req))) return errorJson(403, "deleting needs the edit link's token");
  store.deleteTrace(id);
  return json({ deleted: id });
}
