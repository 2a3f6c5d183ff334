/**
 * The upload rate limiter of the embedded store (server-only): a token bucket per client
 * (`TRACELENS_UPLOAD_RATE` uploads a minute, default 20) in this process's memory. The table is a
 * bounded map in least-recently-used order: past its size the clients not seen longest are
 * forgotten one by one — never all at once, which would hand every client a full bucket.
 * (Replicas share theirs in PostgreSQL instead: pg-store.ts.)
 */
import { rateTableSize, uploadRate } from './config';

const buckets = new Map<string, { tokens: number; at: number }>();

export function takeUploadTokenInMemory(
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
