// GET /api/traces/:id — meta + the Trace JSON; DELETE with the edit token.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { errorJson, getStore, json, tokenOf } from '@/lib/store/server';
import { ID_PATTERN } from '@/lib/store/types';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

type Ctx = { params: Promise<{ id: string }> };

export async function GET(_req: Request, ctx: Ctx): Promise<Response> {
  const { id } = await ctx.params;
  if (!ID_PATTERN.test(id)) return errorJson(404, 'no such trace');
  const store = getStore();
  const meta = store.meta(id);
  if (!meta) return errorJson(404, 'no such trace');
  const head = `{"id":${JSON.stringify(meta.id)},"name":${JSON.stringify(meta.name)},"createdAt":${JSON.stringify(meta.createdAt)},"bytes":${meta.bytes},"sha256":${JSON.stringify(meta.sha256)},"trace":`;
  const headers = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
  const file = store.analysisPath(id);
  if (!file) {
    const t = store.get(id);
    if (!t) return errorJson(404, 'no such trace');
    return new Response(`${head}${t.analysisJson}}`, { headers });
  }
  // Streamed from its file, at the client's pace: a large analysis is never read whole here.
  const parts = async function* () {
    yield Buffer.from(head);
    yield* createReadStream(file);
    yield Buffer.from('}');
  };
  const body = Readable.toWeb(Readable.from(parts())) as ReadableStream<Uint8Array>;
  return new Response(body, { headers });
}

export async function DELETE(req: Request, ctx: Ctx): Promise<Response> {
  const { id } = await ctx.params;
  const store = getStore();
  if (!ID_PATTERN.test(id) || !store.meta(id)) return errorJson(404, 'no such trace');
  if (!store.checkToken(id, tokenOf(req))) return errorJson(403, "deleting needs the edit link's token");
  store.deleteTrace(id);
  return json({ deleted: id });
}
