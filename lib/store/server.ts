/**
 * Server-side wiring of the store for the API routes: one store per process, configured from the
 * environment with working defaults (nothing to configure), a per-client upload rate limit, the
 * edit-token check and JSON responses.
 */
import path from 'node:path';
import { SqliteTraceStore } from './sqlite-store';
import type { TraceStore } from './types';
import { rateTableSize, uploadRate } from './config';
import { clientAddress } from './net';

export { uploadLimit } from './config';

export function dataDir(): string {
  // Resolved at run time against the working directory; not a build-time file dependency.
  return path.resolve(/* turbopackIgnore: true */ process.cwd(), process.env.TRACELENS_DATA_DIR || 'data');
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

/** The rate limiter's key: the client's address, forwarded headers only from trusted proxies. */
export function clientKey(req: Request): string {
  return clientAddress(req.headers);
}

/**
 * A token bucket per client (`TRACELENS_UPLOAD_RATE` uploads a minute, default 20). The table is a
 * bounded map in least-recently-used order: past its size the clients not seen longest are
 * forgotten one by one — never all at once, which would hand every client a full bucket.
 */
const buckets = new Map<string, { tokens: number; at: number }>();

export function takeUploadToken(
  client: string,
  now = Date.now(),
): { ok: true } | { ok: false; retryAfterS: number } {
  const perMinute = uploadRate();
  const b = buckets.get(client) ?? { tokens: perMinute, at: now };
  buckets.delete(client); // re-inserted below: most recently used last
  b.tokens = Math.min(perMinute, b.tokens + ((now - b.at) / 60000) * perMinute);
  b.at = now;
  const ok = b.tokens >= 1;
  if (ok) b.tokens -= 1;
  buckets.set(client, b);
  const max = rateTableSize();
  for (const oldest of buckets.keys()) {
    if (buckets.size <= max) break;
    buckets.delete(oldest);
  }
  return ok ? { ok: true } : { ok: false, retryAfterS: Math.ceil(((1 - b.tokens) / perMinute) * 60) };
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
