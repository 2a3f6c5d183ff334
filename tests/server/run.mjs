#!/usr/bin/env node
// Sharing against the real built server (`npm run build` first): next start on a free loopback
// port with a temporary data directory. Prints "N passed, N failed" last; exits non-zero on failure.
// Runs on SQLite + files, or on PostgreSQL + S3 when the services' settings are in the environment
// (harness.mjs).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Server, assert, countTraces, finish, leftovers, root, scaled, sleep, test } from './harness.mjs';

// A capture of the repository's own (34 packets), so a fresh clone runs these tests too.
const capture = readFileSync(path.join(root, 'samples/healthy-http1/capture.pcap'));
const PACKETS = 34;

async function upload(base, body = capture, name = 'healthy-http1.pcap') {
  const r = await fetch(`${base}/api/traces?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/octet-stream' },
  });
  return { status: r.status, body: await r.json() };
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'tracelens-share-'));
const server = new Server(dataDir);
await server.start();
let shared1;

await test('upload a capture, then fetch it by its link', async () => {
  const r = await upload(server.base);
  assert(r.status === 201, `status ${r.status} ${JSON.stringify(r.body)}`);
  assert(/^[A-Za-z0-9_-]{22}$/.test(r.body.id), 'id is 128 random bits');
  assert(
    r.body.viewUrl.endsWith(`/t/${r.body.id}`) && !r.body.viewUrl.includes('token'),
    'view link carries no token',
  );
  assert(r.body.editUrl.includes('?token='), 'edit link carries the token');
  shared1 = r.body;
  const g = await fetch(`${server.base}/api/traces/${r.body.id}`);
  const doc = await g.json();
  assert(doc.trace.tool === 'tracelens' && doc.trace.input.packets === PACKETS, 'analysis stored');
  const raw = Buffer.from(await (await fetch(`${server.base}/api/traces/${r.body.id}/raw`)).arrayBuffer());
  assert(raw.equals(capture), 'raw bytes identical');
  const page = await (await fetch(shared1.viewUrl)).text();
  assert(page.includes('healthy-http1.pcap'), 'shared page renders the summary server-side');
  assert(
    !page.includes(new URL(shared1.editUrl).searchParams.get('token')),
    'viewer page never shows the token',
  );
});

await test('a viewer without the token gets 403 on edits', async () => {
  const id = shared1.id;
  const post = await fetch(`${server.base}/api/traces/${id}/annotations`, {
    method: 'POST',
    body: JSON.stringify({ target: { packet: 1 }, text: 'x' }),
    headers: { 'content-type': 'application/json' },
  });
  assert(post.status === 403, `POST ${post.status}`);
  const del = await fetch(`${server.base}/api/traces/${id}`, {
    method: 'DELETE',
    headers: { authorization: 'Bearer wrong' },
  });
  assert(del.status === 403, `DELETE ${del.status}`);
});

await test('annotate, restart the server, the notes are still there', async () => {
  const token = new URL(shared1.editUrl).searchParams.get('token');
  const r = await fetch(`${server.base}/api/traces/${shared1.id}/annotations`, {
    method: 'POST',
    body: JSON.stringify({ target: { packet: 5 }, author: 'ana', text: '<b>not html</b> first response' }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  });
  assert(r.status === 201, `status ${r.status}`);
  await server.stop();
  await server.start();
  const notes = await (await fetch(`${server.base}/api/traces/${shared1.id}/annotations`)).json();
  assert(notes.length === 1 && notes[0].text === '<b>not html</b> first response', JSON.stringify(notes));
});

await test('20 concurrent uploads and 100 concurrent annotation writes lose nothing', async () => {
  const ups = await Promise.all(
    Array.from({ length: 20 }, (_, i) => upload(server.base, capture, `c${i}.pcap`)),
  );
  assert(
    ups.every((u) => u.status === 201),
    ups.map((u) => u.status).join(','),
  );
  assert(new Set(ups.map((u) => u.body.id)).size === 20, 'distinct ids');
  const token = new URL(shared1.editUrl).searchParams.get('token');
  const writes = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      fetch(`${server.base}/api/traces/${shared1.id}/annotations`, {
        method: 'POST',
        body: JSON.stringify({ target: { packet: (i % PACKETS) + 1 }, author: `w${i}`, text: `note ${i}` }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      }).then((r) => r.status),
    ),
  );
  assert(
    writes.every((s) => s === 201),
    writes.join(','),
  );
  const notes = await (await fetch(`${server.base}/api/traces/${shared1.id}/annotations`)).json();
  assert(notes.length === 101, `notes ${notes.length}`);
});

await test('oversize, empty and non-capture uploads get their clear errors', async () => {
  const empty = await upload(server.base, new Uint8Array(0));
  assert(empty.status === 400 && /empty/.test(empty.body.error), JSON.stringify(empty));
  const json = await upload(server.base, Buffer.from('{"not": "a capture"}\n'.repeat(10)));
  assert(json.status === 415 && /not a capture/.test(json.body.error), JSON.stringify(json));
  const small = new Server(mkdtempSync(path.join(tmpdir(), 'tracelens-share-')), {
    TRACELENS_UPLOAD_LIMIT: '1000',
  });
  await small.start();
  try {
    const big = await upload(small.base);
    assert(big.status === 413 && /limit/.test(big.body.error), JSON.stringify(big));
  } finally {
    await small.stop();
  }
});

await test('a server killed during an upload lists no partial trace after restart', async () => {
  const before = await countTraces(dataDir);
  // Stream slowly, kill the server mid-body.
  const body = new ReadableStream({
    async start(controller) {
      controller.enqueue(capture.subarray(0, 2000));
      await sleep(500);
      await server.stop('SIGKILL');
      controller.close();
    },
  });
  await fetch(`${server.base}/api/traces`, {
    method: 'POST',
    body,
    duplex: 'half',
    headers: { 'content-type': 'application/octet-stream' },
  }).catch(() => null);
  await server.start();
  const after = await countTraces(dataDir);
  assert(after === before, `rows ${before} -> ${after}`);
  // The embedded store empties tmp at start; the scaled one sweeps the upload whose heartbeat
  // stopped (TRACELENS_STALE_UPLOAD_S=3 here) with its unfinished multipart upload.
  let left = await leftovers(server);
  for (let i = 0; scaled && left.length && i < 50; i++) {
    await sleep(200);
    left = await leftovers(server);
  }
  assert(left.length === 0, `left after the crash: ${left.join(', ')}`);
});

await test("uploads keep the sharer's thresholds, and links use the Host, not a client's X-Forwarded-*", async () => {
  const r = await fetch(`${server.base}/api/traces?name=t.pcap&idleThresholdS=3`, {
    method: 'POST',
    body: capture,
    headers: {
      'content-type': 'application/octet-stream',
      'x-forwarded-host': 'traces.example.test',
      'x-forwarded-proto': 'https',
    },
  });
  const body = await r.json();
  assert(r.status === 201, `status ${r.status} ${JSON.stringify(body)}`);
  // No proxy is trusted here: a forged X-Forwarded-Host must not redirect the edit link (hardening.mjs
  // covers trusted proxies and TRACELENS_PUBLIC_URL).
  assert(body.viewUrl === `${server.base}/t/${body.id}`, `viewUrl ${body.viewUrl}`);
  const doc = await (await fetch(`${server.base}/api/traces/${body.id}`)).json();
  assert(doc.trace.options.idleThresholdS === 3, `options ${JSON.stringify(doc.trace.options)}`);
  const bad = await fetch(`${server.base}/api/traces?idleThresholdS=-1`, {
    method: 'POST',
    body: capture,
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert(bad.status === 400, `bad threshold ${bad.status}`);
});

await test('ids are validated and security headers are set', async () => {
  const r = await fetch(`${server.base}/api/traces/..%2F..%2Fetc%2Fpasswd`);
  assert(r.status === 404, `status ${r.status}`);
  const page = await fetch(`${server.base}/`);
  assert(page.headers.get('x-content-type-options') === 'nosniff', 'nosniff');
  assert((page.headers.get('content-security-policy') ?? '').includes("default-src 'self'"), 'CSP');
});

await server.stop();
await finish();
