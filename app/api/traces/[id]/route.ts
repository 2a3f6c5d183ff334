// GET /api/traces/:id — meta + the Trace JSON; DELETE with the edit token.
import { Readable } from 'node:stream';
import { errorJson, getStore, json, tokenOf } from '@/lib/store/server';
import { ID_PATTERN } from '@/lib/store/types';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

type Ctx = { params: Promise<{ id: string }> };

export async function GET(_req: Request, ctx: Ctx): Promise<Response> {
  const { id } = await ctx.params;
  if (!ID_PATTERN.test(id)) return errorJson(404, 'no such trace');
  const store = await getStore();
  const meta = await store.meta(id);
  const analysis = meta ? await store.analysis(id) : null;
  if (!meta || !analysis) return errorJson(404, 'no such trace');
  const head = `{"id":${JSON.stringify(meta.id)},"name":${JSON.stringify(meta.name)},"createdAt":${JSON.stringify(meta.createdAt)},"bytes":${meta.bytes},"sha256":${JSON.stringify(meta.sha256)},"trace":`;
  const headers = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
  // Streamed from its file or object, at the client's pace: a large analysis is never read whole here.
  const parts = async function* () {
    yield Buffer.from(head);
    yield* analysis.stream;
    yield Buffer.from('}');
  };
  const body = Readable.toWeb(Readable.from(parts())) as ReadableStream<Uint8Array>;
  return new Response(body, { headers });
}

export async function DELETE(req: Request, ctx: Ctx): Promise<Response> {
  const { id } = await ctx.params;
  const store = await getStore();
  if (!ID_PATTERN.test(id) || !(await store.meta(id))) return errorJson(404, 'no such trace');
  if (!(await store.checkToken(id, tokenOf(req))))
    return errorJson(403, "deleting needs the edit link's token");
  await store.deleteTrace(id);
  return json({ deleted: id });
}
