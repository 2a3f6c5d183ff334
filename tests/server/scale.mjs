#!/usr/bin/env node
// The share server as stateless replicas on PostgreSQL + S3, against the built app (`npm run build`
// and `node scripts/build-cli.mjs` first) and the real services (scripts/services/start.sh DIR,
// then `. DIR/env`): two replicas on two ports sharing one database and one bucket, analyses done
// by separate queue worker processes, one of them killed with -9 in the middle of a job.
// Prints "N passed, N failed" last; skips in one line without the services.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Server, assert, finish, root, scaleEnv, scaled, sleep, sql, test } from './harness.mjs';
import { makeSmallPackets } from '../../scripts/bench-captures.mjs';

if (!scaled) {
  console.log(
    'scale tests skipped: no PostgreSQL + S3 services (scripts/services/start.sh DIR, then . DIR/env)',
  );
  process.exit(0);
}

const capture = readFileSync(path.join(root, 'samples/healthy-http1/capture.pcap'));
const s3 = new S3Client({
  endpoint: process.env.TRACELENS_S3_ENDPOINT,
  region: process.env.TRACELENS_S3_REGION || 'us-east-1',
  forcePathStyle: true,
});
async function keys(prefix) {
  const r = await s3.send(new ListObjectsV2Command({ Bucket: scaleEnv.TRACELENS_S3_BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key);
}

/** A queue worker process (dist/tracelens-worker.mjs) on this test's database and bucket. */
function startWorker(env = {}) {
  const proc = spawn(process.execPath, [path.join(root, 'dist/tracelens-worker.mjs')], {
    cwd: root,
    env: { ...process.env, ...scaleEnv, TRACELENS_QUEUE_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const w = { proc, log: '' };
  proc.stdout.on('data', (d) => (w.log += d));
  proc.stderr.on('data', (d) => (w.log += d));
  w.exited = new Promise((r) => proc.on('exit', r));
  return w;
}

async function upload(base, body, name = 'c.pcap') {
  const r = await fetch(`${base}/api/traces?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/octet-stream' },
  });
  return { status: r.status, body: await r.json() };
}

// The replicas analyze nothing themselves here: separate worker processes take the jobs.
const dirs = [0, 1].map(() => mkdtempSync(path.join(tmpdir(), 'tracelens-replica-')));
const replicas = dirs.map((d) => new Server(d, { TRACELENS_QUEUE_WORKERS: '0' }));
await Promise.all(replicas.map((r) => r.start()));
const [a, b] = replicas;
let worker = startWorker();

await test('two replicas: upload through one, annotate through the other, read through either', async () => {
  const up = await upload(a.base, capture, 'two-replicas.pcap');
  assert(up.status === 201, `upload ${up.status} ${JSON.stringify(up.body)}`);
  const { id } = up.body;
  const token = new URL(up.body.editUrl).searchParams.get('token');
  const auth = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const note = await fetch(`${b.base}/api/traces/${id}/annotations`, {
    method: 'POST',
    body: JSON.stringify({ target: { packet: 5 }, author: 'bo', text: 'written through replica B' }),
    headers: auth,
  });
  assert(note.status === 201, `note through B: ${note.status}`);
  const n = await note.json();
  const viaA = await (await fetch(`${a.base}/api/traces/${id}/annotations`)).json();
  assert(viaA.length === 1 && viaA[0].text === 'written through replica B', JSON.stringify(viaA));
  const docA = await (await fetch(`${a.base}/api/traces/${id}`)).text();
  const docB = await (await fetch(`${b.base}/api/traces/${id}`)).text();
  assert(docA === docB && JSON.parse(docA).trace.input.packets === 34, 'the same analysis from both');
  const raw = Buffer.from(await (await fetch(`${b.base}/api/traces/${id}/raw`)).arrayBuffer());
  assert(raw.equals(capture), 'raw bytes identical through B');
  const part = await fetch(`${a.base}/api/traces/${id}/raw`, { headers: { range: 'bytes=24-39' } });
  const partBytes = Buffer.from(await part.arrayBuffer());
  assert(
    part.status === 206 && part.headers.get('content-range') === `bytes 24-39/${capture.length}`,
    `range: ${part.status} ${part.headers.get('content-range')}`,
  );
  assert(partBytes.equals(capture.subarray(24, 40)), 'the ranged bytes');
  const page = await (await fetch(`${b.base}/t/${id}`)).text();
  assert(page.includes('two-replicas.pcap') && /34(<!-- -->)? packets/.test(page), 'shared page through B');
  // The same version edited through both at once: one wins, the other is told (409).
  const edits = await Promise.all(
    [a, b].map((s, i) =>
      fetch(`${s.base}/api/traces/${id}/annotations/${n.id}`, {
        method: 'PATCH',
        body: JSON.stringify({ text: `edit ${i}`, ifVersion: 1 }),
        headers: auth,
      }).then((r) => r.status),
    ),
  );
  assert(edits.sort().join() === '200,409', `concurrent edits: ${edits}`);
  const del = await fetch(`${b.base}/api/traces/${id}`, { method: 'DELETE', headers: auth });
  assert(del.status === 200, `delete through B: ${del.status}`);
  const gone = await fetch(`${a.base}/api/traces/${id}`);
  assert(gone.status === 404, `deleted, through A: ${gone.status}`);
  assert((await keys(`traces/${id}/`)).length === 0, 'its objects are gone');
});

await test('two replicas: a correlation posted through one is served by the other', async () => {
  const form = new FormData();
  for (const f of ['client.pcap', 'server.pcap'])
    form.append('file', new Blob([readFileSync(path.join(root, 'lab/nat-idle-reset', f))]), f);
  const r = await fetch(`${a.base}/api/correlations`, { method: 'POST', body: form });
  const posted = await r.json();
  assert(
    r.status === 201 && /^[\w-]{22}$/.test(posted.id),
    `POST through A: ${r.status} ${JSON.stringify(posted)}`,
  );
  const viaB = await fetch(`${b.base}/api/correlations/${posted.id}`);
  assert(viaB.status === 200, `GET through B: ${viaB.status}`);
  const textB = await viaB.text();
  const doc = JSON.parse(textB);
  assert(
    doc.doc.inputs.map((i) => i.name).join() === 'client.pcap,server.pcap' &&
      doc.doc.findings.some((f) => f.kind === 'path.injected-rst'),
    `the view document through B: ${JSON.stringify(doc).slice(0, 200)}`,
  );
  const viaA = await (await fetch(`${a.base}/api/correlations/${posted.id}`)).text();
  assert(viaA === textB, 'the same document through both');
  const page = await fetch(`${b.base}${posted.viewUrl}`);
  assert(page.status === 200, `the /c page through B: ${page.status}`);
  assert(
    (await keys('correlations/')).includes(`correlations/${posted.id}.json`),
    'the document is an object of the bucket',
  );
  const rows = await sql('SELECT bytes FROM correlations WHERE id = $1', [posted.id]);
  assert(rows.length === 1 && Number(rows[0].bytes) > 0, `its row: ${JSON.stringify(rows)}`);
  assert((await fetch(`${b.base}/api/correlations/${'A'.repeat(22)}`)).status === 404, 'an unknown id: 404');
});

await test('replicas keep nothing on their local disk', async () => {
  for (const d of dirs) assert(readdirSync(d).length === 0, `${d}: ${readdirSync(d).join(', ')}`);
});

await test('a worker killed with -9 mid-analysis: the job is taken by another worker and completes', async () => {
  await new Promise((r) => {
    worker.proc.on('exit', r);
    worker.proc.kill('SIGTERM');
  });
  const lease = { TRACELENS_JOB_LEASE_S: '3' };
  const first = startWorker(lease);
  // Large enough that the job is still running well after the kill below: at 100,000 packets a
  // quiet machine finished the whole job (fetch, analysis, artifacts, commit) in about 300 ms.
  const PACKETS = 400_000;
  const big = readFileSync(makeSmallPackets(PACKETS).file);
  const pending = upload(b.base, big, 'killed-worker.pcap');
  let running = null;
  for (let i = 0; i < 600 && !running; i++) {
    [running] = await sql("SELECT id, worker, attempts FROM upload_jobs WHERE state = 'running'");
    if (!running) await sleep(20);
  }
  assert(
    running && running.worker.includes(`:${first.proc.pid}:`),
    `job claimed by the first worker: ${JSON.stringify(running)}`,
  );
  await sleep(100); // into the job: the object is being fetched or analyzed
  first.proc.kill('SIGKILL');
  await first.exited;
  const scratch = path.join(tmpdir(), 'tracelens-jobs');
  const itsScratch = () =>
    existsSync(scratch) && readdirSync(scratch).some((d) => d.startsWith(`${first.proc.pid}-`));
  const second = startWorker(lease);
  worker = second;
  const t0 = Date.now();
  const up = await pending;
  console.log(`     completed ${Date.now() - t0} ms after the kill, by worker ${second.proc.pid}`);
  assert(up.status === 201, `upload ${up.status} ${JSON.stringify(up.body)}`);
  const doc = await (await fetch(`${a.base}/api/traces/${up.body.id}`)).json();
  assert(doc.trace.input.packets === PACKETS, `packets ${doc.trace.input.packets}`);
  const [row] = await sql('SELECT artifacts FROM traces WHERE id = $1', [up.body.id]);
  assert(/\/a2\/$/.test(row.artifacts), `committed by the second attempt: ${row.artifacts}`);
  assert((await sql('SELECT id FROM upload_jobs')).length === 0, 'no job left');
  assert(!itsScratch(), "the killed worker's scratch files are removed by the next worker");
  // Whatever the first attempt wrote is swept (TRACELENS_SWEEP_S=2, TRACELENS_STALE_UPLOAD_S=3).
  let stray = [];
  for (let i = 0; i < 40; i++) {
    stray = (await keys(`traces/${up.body.id}/`)).filter(
      (k) => !k.startsWith(row.artifacts) && !/\/(raw|keylog\.txt)$/.test(k),
    );
    if (!stray.length) break;
    await sleep(250);
  }
  assert(stray.length === 0, `left by the killed attempt: ${stray.join(', ')}`);
});

await test('a replica killed with -9 mid-upload: nothing half-visible, its upload swept', async () => {
  const before = Number((await sql('SELECT count(*) AS n FROM traces'))[0].n);
  const big = readFileSync(makeSmallPackets(100_000).file);
  const body = new ReadableStream({
    async start(controller) {
      controller.enqueue(big.subarray(0, 6 * 1024 * 1024));
      await sleep(800);
      await a.stop('SIGKILL');
      controller.close();
    },
  });
  await fetch(`${a.base}/api/traces`, {
    method: 'POST',
    body,
    duplex: 'half',
    headers: { 'content-type': 'application/octet-stream' },
  }).catch(() => null);
  const [cut] = await sql("SELECT id FROM upload_jobs WHERE state = 'receiving'");
  assert(cut, 'the cut upload is a receiving row');
  // Served meanwhile by the other replica, which never lists it.
  const list = Number((await sql('SELECT count(*) AS n FROM traces'))[0].n);
  assert(list === before, `traces ${before} -> ${list}`);
  let left = [];
  for (let i = 0; i < 60; i++) {
    left = [
      ...(await sql('SELECT id FROM upload_jobs')).map((r) => r.id),
      ...(await keys(`traces/${cut.id}/`)),
    ];
    if (!left.length) break;
    await sleep(250);
  }
  assert(left.length === 0, `left by the killed replica: ${left.join(', ')}`);
  await a.start();
});

await test('past TRACELENS_ANALYSIS_QUEUE jobs waiting across the replicas, 503 with Retry-After', async () => {
  await new Promise((r) => {
    worker.proc.on('exit', r);
    worker.proc.kill('SIGTERM');
  });
  const small = new Server(mkdtempSync(path.join(tmpdir(), 'tracelens-replica-')), {
    TRACELENS_QUEUE_WORKERS: '0',
    TRACELENS_ANALYSIS_QUEUE: '1',
  });
  await small.start();
  try {
    // No worker: the first upload waits in the queue (through replica B), the second is refused.
    const waiting = upload(b.base, capture, 'waits.pcap');
    for (let i = 0; i < 100 && !(await sql("SELECT 1 FROM upload_jobs WHERE state = 'queued'")).length; i++)
      await sleep(50);
    const r = await fetch(`${small.base}/api/traces?name=refused.pcap`, {
      method: 'POST',
      body: capture,
      headers: { 'content-type': 'application/octet-stream' },
    });
    const text = await r.text();
    assert(
      r.status === 503 && r.headers.get('retry-after') && /busy/.test(text),
      `second upload: ${r.status} ${text}`,
    );
    worker = startWorker();
    const first = await waiting;
    assert(first.status === 201, `the waiting upload, once a worker came: ${first.status}`);
  } finally {
    await small.stop();
  }
});

await new Promise((r) => {
  worker.proc.on('exit', r);
  worker.proc.kill('SIGTERM');
});
await Promise.all(replicas.map((r) => r.stop()));
await finish();
