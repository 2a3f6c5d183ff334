/**
 * Server-side wiring of the store for the API routes: one store per process, configured from the
 * environment with working defaults (nothing to configure), the edit-token check and JSON
 * responses.
 */
import path from 'node:path';
import { SqliteTraceStore } from './sqlite-store';
import type { TraceStore } from './types';
import { scaleSettings } from './config';
import { clientAddress } from './net';

export { uploadLimit } from './config';

export function dataDir(): string {
  // Resolved at run time against the working directory; not a build-time file dependency.
  return path.resolve(/* turbopackIgnore: true */ process.cwd(), process.env.TRACELENS_DATA_DIR || 'data');
}

const globalStore = globalThis as unknown as { __tracelensStore?: Promise<TraceStore> };

/**
 * The process's store, opened once: PostgreSQL + S3 when `TRACELENS_DATABASE_URL` is set (both
 * together: replicas share nothing else), else SQLite + files under the data directory.
 */
export function getStore(): Promise<TraceStore> {
  if (!globalStore.__tracelensStore) {
    const opening = openStore();
    globalStore.__tracelensStore = opening;
    // A failed open (database down) is retried by the next request, not remembered.
    opening.catch(() => {
      if (globalStore.__tracelensStore === opening) globalStore.__tracelensStore = undefined;
    });
  }
  return globalStore.__tracelensStore;
}

async function openStore(): Promise<TraceStore> {
  const scaled = scaleSettings();
  if (scaled) {
    const { PgTraceStore } = await import('./pg-store');
    return PgTraceStore.open(scaled);
  }
  return new SqliteTraceStore(dataDir());
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

/** The embedded store's limiter (this process's memory); the API asks the store (`takeUploadToken`). */
export { takeUploadTokenInMemory as takeUploadToken } from './rate-memory';

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

export function errorJson(status: number, message: string, headers: Record<string, string> = {}): Response {
  return json({ error: message }, status, headers);
}
