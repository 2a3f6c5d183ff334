// PATCH / DELETE /api/traces/:id/annotations/:aid — need the edit token. PATCH may carry
// "ifVersion" to refuse (409) an edit based on a stale copy, so no edit is silently lost.
import { errorJson, getStore, json, tokenOf } from '@/lib/store/server';
import { ID_PATTERN } from '@/lib/store/types';
import { parseAnnotationInput } from '@/lib/store/validate';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

type Ctx = { params: Promise<{ id: string; aid: string }> };

export async function PATCH(req: Request, ctx: Ctx): Promise<Response> {
  const { id, aid } = await ctx.params;
  const store = await getStore();
  if (!ID_PATTERN.test(id) || !(await store.meta(id))) return errorJson(404, 'no such trace');
  if (!(await store.checkToken(id, tokenOf(req))))
    return errorJson(403, "editing notes needs the edit link's token");
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return errorJson(400, 'the body must be JSON');
  }
  const parsed = parseAnnotationInput(body, false);
  if ('error' in parsed) return errorJson(400, parsed.error);
  const r = await store.updateAnnotation(id, aid, parsed);
  if (r === null) return errorJson(404, 'no such note');
  if (r === 'conflict')
    return errorJson(409, 'the note was changed by someone else; reload it and edit again');
  return json(r);
}

export async function DELETE(req: Request, ctx: Ctx): Promise<Response> {
  const { id, aid } = await ctx.params;
  const store = await getStore();
  if (!ID_PATTERN.test(id) || !(await store.meta(id))) return errorJson(404, 'no such trace');
  if (!(await store.checkToken(id, tokenOf(req))))
    return errorJson(403, "deleting notes needs the edit link's token");
  if (!(await store.deleteAnnotation(id, aid))) return errorJson(404, 'no such note');
  return json({ deleted: aid });
}
