// GET /api/correlations/<id> — a shared correlation's view document (lib/lanes/view.ts, JSON).
import { loadCorrelation } from '@/lib/store/correlations';
import { errorJson, getStore } from '@/lib/store/server';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  const text = await loadCorrelation(await getStore(), id);
  if (text === null) return errorJson(404, 'no such correlation');
  return new Response(text, {
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'private, max-age=3600' },
  });
}
