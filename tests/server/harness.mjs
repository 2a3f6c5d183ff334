// The built server for API tests (`npm run build` first): `next start` on a free loopback port
// with a temporary data directory, plus a tiny test runner. TRACELENS_TEST_ROOT runs another
// checkout's build (to show that a test fails on an older version).
//
// The backend: SQLite + files, or — when scripts/services/start.sh's settings are in the
// environment (`. DIR/env`) — PostgreSQL + S3, with a database and a bucket of this test file's
// own, so that test files never see each other's rows.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const serverRoot = process.env.TRACELENS_TEST_ROOT
  ? path.resolve(process.env.TRACELENS_TEST_ROOT)
  : root;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** 'postgres+s3' when the services' settings are in the environment, else 'sqlite+files'. */
export const backend = process.env.TRACELENS_DATABASE_URL ? 'postgres+s3' : 'sqlite+files';
export const scaled = backend === 'postgres+s3';

/** A fresh database and bucket on the services, with short sweep times for crash tests. */
async function freshScaleEnv() {
  const name = `tl_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.TRACELENS_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(process.env.TRACELENS_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    TRACELENS_DATABASE_URL: url.toString(),
    TRACELENS_S3_BUCKET: `${process.env.TRACELENS_S3_BUCKET || 'tracelens'}-${name.slice(3)}`,
    TRACELENS_STALE_UPLOAD_S: '3',
    TRACELENS_SWEEP_S: '2',
  };
}
/** The environment every server of this test file gets on top of the process's. */
export const scaleEnv = scaled ? await freshScaleEnv() : {};
if (process.env.TRACELENS_DATABASE_URL || process.env.TRACELENS_S3_BUCKET)
  console.log(
    `backend: ${backend}${scaled ? ` (database ${new URL(scaleEnv.TRACELENS_DATABASE_URL).pathname.slice(1)}, bucket ${scaleEnv.TRACELENS_S3_BUCKET})` : ''}`,
  );

/** Runs one query on this test file's database (PostgreSQL backend only). */
export async function sql(text, params = []) {
  const c = new pg.Client({ connectionString: scaleEnv.TRACELENS_DATABASE_URL });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** Shared traces in the store behind a data directory (or this file's database). */
export async function countTraces(dataDir) {
  if (scaled) return Number((await sql('SELECT count(*) AS n FROM traces'))[0].n);
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path.join(dataDir, 'tracelens.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT count(*) n FROM traces').get().n;
  } finally {
    db.close();
  }
}

/**
 * What uploads in progress hold: files in <data>/tmp, or rows of `upload_jobs` (receiving, queued,
 * running or failed) in PostgreSQL. Empty when the server is idle and cleaned up after itself.
 */
export async function leftovers(server) {
  if (scaled) return (await sql('SELECT id, state FROM upload_jobs')).map((r) => `${r.id}:${r.state}`);
  return readdirSync(path.join(server.dataDir, 'tmp'));
}

export async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/** Resident memory (bytes) of a process and all its descendants, from /proc. */
export function treeRss(pid) {
  let total = 0;
  const seen = new Set();
  const walk = (p) => {
    if (seen.has(p)) return;
    seen.add(p);
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
      for (const t of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(/\s+/).filter(Boolean))
        walk(Number(t));
    } catch {
      /* gone */
    }
  };
  walk(pid);
  return total;
}

export class Server {
  constructor(dataDir, env = {}) {
    this.dataDir = dataDir;
    this.env = env;
  }
  async start() {
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    this.proc = spawn(
      process.execPath,
      [
        path.join(serverRoot, 'node_modules/next/dist/bin/next'),
        'start',
        '-p',
        String(this.port),
        '-H',
        '127.0.0.1',
      ],
      {
        cwd: serverRoot,
        env: {
          ...process.env,
          TRACELENS_DATA_DIR: this.dataDir,
          TRACELENS_UPLOAD_RATE: '1000',
          ...scaleEnv,
          ...this.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.log = '';
    this.proc.stdout.on('data', (d) => (this.log += d));
    this.proc.stderr.on('data', (d) => (this.log += d));
    for (let i = 0; i < 150; i++) {
      try {
        const r = await fetch(`${this.base}/`);
        if (r.status < 500) return;
      } catch {
        /* not up yet */
      }
      await sleep(200);
    }
    throw new Error(`server did not start:\n${this.log}`);
  }
  /** Samples the server's memory every 50 ms until the returned function is called: peak bytes. */
  sampleRss() {
    let peak = treeRss(this.proc.pid);
    const t = setInterval(() => (peak = Math.max(peak, treeRss(this.proc.pid))), 50);
    return () => {
      clearInterval(t);
      return Math.max(peak, treeRss(this.proc.pid));
    };
  }
  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill(signal);
    await new Promise((r) => this.proc.on('exit', r));
  }
}

const results = [];
/** Runs one test; `only` (comma-separated substrings in TEST_ONLY) picks a subset. */
export async function test(name, fn) {
  const only = process.env.TEST_ONLY?.split(',').filter(Boolean);
  if (only && !only.some((o) => name.includes(o))) return;
  const t0 = Date.now();
  try {
    await fn();
    results.push([name, true]);
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push([name, false]);
    console.log(
      `FAIL ${name}\n     ${e?.stack ?? e}${e?.cause ? `\n     cause: ${e.cause?.stack ?? e.cause}` : ''}`,
    );
  }
}

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/**
 * Empties this test file's bucket: the test store keeps objects in memory (radosgw's memstore OSD)
 * and a full OSD stops every write.
 */
async function emptyBucket() {
  const { S3Client, ListObjectsV2Command, DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({
    endpoint: process.env.TRACELENS_S3_ENDPOINT,
    region: process.env.TRACELENS_S3_REGION || 'us-east-1',
    forcePathStyle: true,
  });
  const Bucket = scaleEnv.TRACELENS_S3_BUCKET;
  for (;;) {
    const r = await s3.send(new ListObjectsV2Command({ Bucket }));
    const keys = (r.Contents ?? []).map((o) => ({ Key: o.Key }));
    if (!keys.length) break;
    await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys, Quiet: true } }));
  }
}

/** Prints "N passed, N failed" and exits non-zero on failure. */
export async function finish() {
  const passed = results.filter(([, ok]) => ok).length;
  const failed = results.length - passed;
  if (scaled) await emptyBucket().catch((e) => console.log(`could not empty the test bucket: ${e.message}`));
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
