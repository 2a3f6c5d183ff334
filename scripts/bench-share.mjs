#!/usr/bin/env node
// Sharing on both backends: upload throughput (POST to 201: the bytes stored and analyzed) and a
// viewer's first render (view link opened in a fresh browser context until the timeline has drawn)
// of a shared trace of N small TCP packets (default 100,000: 8.6 MB). SQLite + files always;
// PostgreSQL + S3 when scripts/services/start.sh's settings are in the environment (`. DIR/env`).
// Needs `npm run build` and `node scripts/build-cli.mjs`.
//   node scripts/bench-share.mjs [packets] [runs]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { makeSmallPackets, root } from './bench-captures.mjs';

const packets = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 3);
const body = readFileSync(makeSmallPackets(packets).file);

const SCALE_VARS = [
  'TRACELENS_DATABASE_URL',
  'TRACELENS_S3_ENDPOINT',
  'TRACELENS_S3_BUCKET',
  'TRACELENS_S3_REGION',
];

function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function startServer(env) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = spawn(
    process.execPath,
    [path.join(root, 'node_modules/next/dist/bin/next'), 'start', '-p', String(port), '-H', '127.0.0.1'],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(base)).ok) return { base, proc };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  proc.kill();
  throw new Error(`server did not start:\n${log}`);
}

/** The test store (radosgw's memstore OSD) keeps objects in memory: leave the bench's bucket empty. */
async function emptyBucket(Bucket) {
  const s3 = new S3Client({
    endpoint: process.env.TRACELENS_S3_ENDPOINT,
    region: process.env.TRACELENS_S3_REGION || 'us-east-1',
    forcePathStyle: true,
  });
  for (;;) {
    const r = await s3.send(new ListObjectsV2Command({ Bucket }));
    const keys = (r.Contents ?? []).map((o) => ({ Key: o.Key }));
    if (!keys.length) return;
    await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys, Quiet: true } }));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(label, env, browser) {
  const server = await startServer(env);
  try {
    const uploads = [];
    const renders = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = await fetch(`${server.base}/api/traces?name=bench-${packets}.pcap`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/octet-stream' },
      });
      const { viewUrl, error } = await r.json();
      if (r.status !== 201) throw new Error(`${label}: upload ${r.status} ${error}`);
      uploads.push((performance.now() - t0) / 1000);
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      const t1 = performance.now();
      await page.goto(viewUrl);
      await page.locator('[data-testid="timeline"][data-ready]').first().waitFor({ timeout: 120000 });
      renders.push(performance.now() - t1);
      await context.close();
    }
    const up = median(uploads);
    return {
      backend: label,
      packets,
      MB: +(body.length / 1e6).toFixed(1),
      'upload+analysis s (median)': +up.toFixed(2),
      'MB/s': +(body.length / 1e6 / up).toFixed(1),
      'first render ms (median)': Math.round(median(renders)),
      runs,
    };
  } finally {
    server.proc.kill('SIGTERM');
  }
}

const base = { ...process.env, TRACELENS_UPLOAD_RATE: '1000' };
for (const v of SCALE_VARS) delete base[v];
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run'],
});
const rows = [];
const dataDir = mkdtempSync(path.join(tmpdir(), 'tracelens-bench-share-'));
try {
  rows.push(await measure('sqlite+files', { ...base, TRACELENS_DATA_DIR: dataDir }, browser));
  if (process.env.TRACELENS_DATABASE_URL) {
    const name = `tl_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: process.env.TRACELENS_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(process.env.TRACELENS_DATABASE_URL);
    url.pathname = `/${name}`;
    const env = { ...process.env, TRACELENS_UPLOAD_RATE: '1000' };
    env.TRACELENS_DATABASE_URL = url.toString();
    env.TRACELENS_S3_BUCKET = `${process.env.TRACELENS_S3_BUCKET || 'tracelens'}-${name.slice(3).replace(/_/g, '-')}`;
    rows.push(await measure('postgres+s3', env, browser));
    await emptyBucket(env.TRACELENS_S3_BUCKET);
  } else {
    console.log('postgres+s3 not measured: no services (scripts/services/start.sh DIR, then . DIR/env)');
  }
} finally {
  await browser.close();
  rmSync(dataDir, { recursive: true, force: true });
}
console.table(rows);
