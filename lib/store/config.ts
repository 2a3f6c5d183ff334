/**
 * The share server's settings (server-only), all optional, read from the environment when used so
 * a test can start a server with other values. Every limit has a default that protects a server
 * with a few GB of memory from one hostile upload; README's configuration paragraph lists them.
 */
import os from 'node:os';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** A positive number from the environment, else the default. */
function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = Number(raw);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Bytes on the wire (compressed, as sent). */
export const uploadLimit = (): number => positive('TRACELENS_UPLOAD_LIMIT', GiB);
/**
 * Bytes after gzip decompression: a gzip of zeros inflates ~1000:1, so the wire limit alone lets a
 * 4 MB body become 4 GiB. Twice the default wire limit, so any honest 1 GiB capture fits gzipped.
 */
export const maxDecompressed = (): number => positive('TRACELENS_MAX_DECOMPRESSED', 2 * GiB);
/**
 * Packets per upload. Analysis keeps ~40 bytes of columns per packet plus per-connection state
 * (about 130 bytes a packet at peak), so 5 M packets stay well under 1 GB of worker memory.
 */
export const maxPackets = (): number => Math.floor(positive('TRACELENS_MAX_PACKETS', 5_000_000));
/** An NSS key log is a few lines per TLS session: kilobytes. */
export const maxKeylog = (): number => positive('TRACELENS_MAX_KEYLOG', 16 * MiB);
/** Uploads per client per minute. */
export const uploadRate = (): number => positive('TRACELENS_UPLOAD_RATE', 20);
/** Analyses run at once, each in its own worker thread (default: one core left for requests). */
export const analysisWorkers = (): number =>
  Math.floor(positive('TRACELENS_ANALYSIS_WORKERS', Math.max(1, os.availableParallelism() - 1)));
/**
 * Uploads waiting for a worker (they keep streaming to disk meanwhile, costing no CPU); past
 * this, 503 with Retry-After.
 */
export const analysisQueue = (): number => Math.floor(positive('TRACELENS_ANALYSIS_QUEUE', 32));
/** The rate limiter remembers this many clients (least recently seen are forgotten first). */
export const rateTableSize = (): number => Math.floor(positive('TRACELENS_RATE_CLIENTS', 10_000));

/**
 * The origin links are built on (`https://traces.example.com`), when the server sits behind a proxy
 * that rewrites the host; null to use the request's own Host.
 */
export function publicUrl(): string | null {
  const raw = process.env.TRACELENS_PUBLIC_URL?.trim();
  if (!raw) return null;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

/** Where replicas keep what they share: PostgreSQL for rows, an S3-compatible store for bytes. */
export interface ScaleSettings {
  databaseUrl: string;
  s3: {
    endpoint: string | undefined;
    bucket: string;
    region: string;
    accessKeyId: string | undefined;
    secretAccessKey: string | undefined;
  };
}

/**
 * The scaled backend's settings, or null for the embedded one. Rows and bytes go together: a
 * replica that kept either on its own disk would not be stateless, so one without the other is a
 * configuration error, said at start.
 */
export function scaleSettings(): ScaleSettings | null {
  const databaseUrl = process.env.TRACELENS_DATABASE_URL?.trim();
  const endpoint = process.env.TRACELENS_S3_ENDPOINT?.trim() || undefined;
  const bucket = process.env.TRACELENS_S3_BUCKET?.trim();
  if (!databaseUrl && !bucket && !endpoint) return null;
  if (!databaseUrl || !bucket)
    throw new Error(
      'TRACELENS_DATABASE_URL and TRACELENS_S3_BUCKET go together (PostgreSQL for rows, S3 for bytes); set both, or neither for SQLite + files',
    );
  return {
    databaseUrl,
    s3: {
      endpoint,
      bucket,
      region: process.env.TRACELENS_S3_REGION?.trim() || 'us-east-1',
      accessKeyId: process.env.AWS_ACCESS_KEY_ID,
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
    },
  };
}

/** A worker that has not renewed its claim on a job for this long is presumed dead. */
export const jobLeaseS = (): number => positive('TRACELENS_JOB_LEASE_S', 30);
/** Attempts at one upload's analysis before it is failed (each crash of a worker costs one). */
export const jobAttempts = (): number => Math.floor(positive('TRACELENS_JOB_ATTEMPTS', 3));
/**
 * Analyses a replica runs from the queue itself (0: only separate worker processes,
 * `node dist/tracelens-worker.mjs`, take jobs).
 */
export const queueWorkersInApp = (): number => {
  const raw = process.env.TRACELENS_QUEUE_WORKERS;
  if (raw !== undefined && raw.trim() !== '' && Number(raw) === 0) return 0;
  return Math.floor(positive('TRACELENS_QUEUE_WORKERS', analysisWorkers()));
};
/** Uploads cut short (replica gone) are swept after this long without a heartbeat. */
export const staleUploadS = (): number => positive('TRACELENS_STALE_UPLOAD_S', 300);
/** How often queue workers sweep what crashes left (and once when they start). */
export const sweepEveryS = (): number => positive('TRACELENS_SWEEP_S', 300);
