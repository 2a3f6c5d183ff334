/**
 * Server-side wiring of the store for the API routes: one store per process, configured from the
 * environment with working defaults (nothing to configure), upload limits and a per-client rate
 * limit, and the edit-token check.
 */
import path from 'node:path';
import { SqliteTraceStore } from './sqlite-store';
import type { TraceStore } from './types';

export const DEFAULT_UPLOAD_LIMIT = 1024 ** 3; // 1 GiB

export function dataDir(): string {
  // Resolved at run time against the working directory; not a build-time file dependency.
  return path.resolve(/* turbopackIgnore: true */ process.cwd(), process.env.TRACELENS_DATA_DIR || 'data');
}

export function uploadLimit(): number {
  const v = Number(process.env.TRACELENS_UPLOAD_LIMIT);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_UPLOAD_LIMIT;
}

const globalStore = globalThis as unknown as { __tracelensStore?: SqliteTraceStore };

export function getStore(): TraceStore {
  if (!globalStore.__tracelensStore) globalStore.__tracelensStore = new SqliteTraceStore(dataDir());
  return globalStore.__tracelensStore;
}

/** The edit token from `Authorization: Bearer <token>` or `?token=`. */
export function tokenOf(req: Request): string | null {
  const auth = req.headers.get('authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  return new URL(req.url).searchParams.get('token');
}

/** A token bucket per client address: `TRACELENS_UPLOAD_RATE` uploads a minute (default 20). */
const buckets = new Map<string, { tokens: number; at: number }>();

export function clientKey(req: Request): string {
  return req.headers.get('x-forwarded-for')?.split(',')[0].trim() || req.headers.get('x-real-ip') || 'local';
}

export function takeUploadToken(
  client: string,
  now = Date.now(),
): { ok: true } | { ok: false; retryAfterS: number } {
  const perMinute =
    Number(process.env.TRACELENS_UPLOAD_RATE) > 0 ? Number(process.env.TRACELENS_UPLOAD_RATE) : 20;
  const b = buckets.get(client) ?? { tokens: perMinute, at: now };
  b.tokens = Math.min(perMinute, b.tokens + ((now - b.at) / 60000) * perMinute);
  b.at = now;
  if (b.tokens < 1) {
    buckets.set(client, b);
    return { ok: false, retryAfterS: Math.ceil(((1 - b.tokens) / perMinute) * 60) };
  }
  b.tokens -= 1;
  buckets.set(client, b);
  if (buckets.size > 10000) buckets.clear();
  return { ok: true };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

export function errorJson(status: number, message: string, headers: Record<string, string> = {}): Response {
  return json({ error: message }, status, headers);
}
