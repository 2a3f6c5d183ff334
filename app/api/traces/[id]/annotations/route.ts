// GET /api/traces/:id/annotations — everyone with the link; POST — needs the edit token.
import { errorJson, getStore, json, tokenOf } from '@/lib/store/server';
import { ID_PATTERN } from '@/lib/store/types';
import { parseAnnotationInput } from '@/lib/store/validate';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

type Ctx = { params: Promise<{ id: string }> };

export async function GET(_req: Request, ctx: Ctx): Promise<Response> {
  const { id } = await ctx.params;
  const store = await getStore();
  if (!ID_PATTERN.test(id) || !(await store.meta(id))) return errorJson(404, 'no such trace');
  return json(await store.annotations(id));
}

export async function POST(req: Request, ctx: Ctx): Promise<Response> {
  const { id } = await ctx.params;
  const store = await getStore();
  if (!ID_PATTERN.test(id) || !(await store.meta(id))) return errorJson(404, 'no such trace');
  if (!(await store.checkToken(id, tokenOf(req))))
    return errorJson(403, "adding notes needs the edit link's token");
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return errorJson(400, 'the body must be JSON: { "target": {...}, "author": "...", "text": "..." }');
  }
  const parsed = parseAnnotationInput(body, true);
  if ('error' in parsed) return errorJson(400, parsed.error);
  const { target, author, text } = parsed;
  if (!target || text === undefined) return errorJson(400, 'target and text are required');
  return json(await store.addAnnotation(id, { target, author: author ?? 'anonymous', text }), 201);
}
