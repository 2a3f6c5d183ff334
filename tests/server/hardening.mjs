#!/usr/bin/env node
// Reliability and security of the share server, against the built app (`npm run build` first):
// decompression bombs and upload limits, key logs in multipart, the rate limiter and forwarded
// headers, analysis off the request thread (latency of other calls during a big upload), and the
// small things (temporary files, malformed paths, logging, orphans, CSP nonces, the edit token in
// the page, caching of deleted traces). Prints figures; "N passed, N failed" last.
//   BOMB_BYTES=268435456 node tests/server/hardening.mjs   # a smaller bomb (e.g. for an old build)
//   TEST_ONLY=bomb,latency node tests/server/hardening.mjs # a subset
import http from 'node:http';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  Server,
  assert,
  backend,
  finish,
  leftovers,
  root,
  scaled,
  sleep,
  test,
  treeRss,
} from './harness.mjs';
import { bigRecordsGzip, httpCapture, pcapHeader, zeroBomb } from './captures.mjs';

// A small real capture from the repository's samples (no external corpus needed).
const capture = readFileSync(path.join(root, 'samples/healthy-http1/capture.pcap'));
const tlsCapture = readFileSync(path.join(root, 'samples/tls/curl-h2.pcap'));
const tlsKeys = readFileSync(path.join(root, 'samples/tls/curl-h2.keys'));
const MiB = 1024 * 1024;
const fmtMB = (b) => `${(b / MiB).toFixed(0)} MiB`;
const dirs = [];
const newDir = () => {
  dirs.push(mkdtempSync(path.join(tmpdir(), 'tracelens-hard-')));
  return dirs[dirs.length - 1];
};
/**
 * A test of how the embedded store works on its own disk (temporary files, the in-process queue,
 * folders swept at start): on PostgreSQL + S3 it says in one line why it does not apply there.
 */
const embeddedOnly = (name, why, fn) =>
  scaled ? console.log(`skip ${name}: not on ${backend} (${why})`) : test(name, fn);

async function upload(base, body = capture, { name = 'c.pcap', headers = {} } = {}) {
  const send = () =>
    fetch(`${base}/api/traces?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/octet-stream', ...headers },
    });
  // A pooled keep-alive connection can be closed by the server (5 s idle) just as it is reused;
  // that is the client's race, not the server's answer: send again on a new connection.
  const r = await send().catch((e) => {
    if (/other side closed/.test(e?.cause?.message ?? '')) return send();
    throw e;
  });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, body: json, text, headers: r.headers };
}

/**
 * POST with node:http so a response can arrive while the body is still being sent: `send` writes
 * the body (await `w(chunk)`; it resolves false once the response has come). Resolves with the
 * response and when it came (ms after the request started) and whether the body had been sent whole.
 */
function streamingPost(url, headers, send) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    let answered = false;
    let bodyComplete = false;
    // A connection of its own: a pooled keep-alive socket may be closing just as it is reused.
    const req = http.request(url, { method: 'POST', headers, agent: false });
    req.on('response', (res) => {
      answered = true;
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString();
        let body = null;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body,
          text,
          ms: Date.now() - t0,
          bodyComplete,
        });
        req.destroy();
      });
    });
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    const w = (chunk) =>
      new Promise((r) => {
        if (answered || req.destroyed) return r(false);
        if (req.write(chunk)) r(true);
        else req.once('drain', () => r(!answered));
      });
    send(w, () => answered)
      .then(() => {
        if (!answered && !req.destroyed) {
          bodyComplete = true;
          req.end();
        }
      })
      .catch(reject);
  });
}

function multipart(parts) {
  const boundary = `----tracelens${Math.random().toString(16).slice(2)}`;
  const chunks = [];
  for (const p of parts) {
    const disp = p.filename
      ? `form-data; name="${p.name}"; filename="${p.filename}"`
      : `form-data; name="${p.name}"`;
    const type = p.filename ? 'Content-Type: application/octet-stream\r\n' : '';
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: ${disp}\r\n${type}\r\n`),
      Buffer.from(p.data),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

async function postMultipart(base, parts) {
  const m = multipart(parts);
  const r = await fetch(`${base}/api/traces`, {
    method: 'POST',
    body: m.body,
    headers: { 'content-type': m.type },
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

const big = httpCapture(20000, 8, 400); // 127 MB, 600,000 packets, 160,000 HTTP/1 exchanges
const main = new Server(newDir());
await main.start();

// 1. Decompression bomb -------------------------------------------------------------------------

await test('bomb: 4 GiB of zeros in a 4 MB gzip is refused with 413, memory and time bounded', async () => {
  const size = Number(process.env.BOMB_BYTES) || 4 * 1024 ** 3;
  const bomb = zeroBomb(size);
  const idle = treeRss(main.proc.pid);
  const peak = main.sampleRss();
  const t0 = Date.now();
  const r = await upload(main.base, bomb, { name: 'bomb.pcap.gz' });
  const ms = Date.now() - t0;
  const rss = peak();
  console.log(
    `     bomb ${fmtMB(size)} in ${(bomb.length / 1e6).toFixed(1)} MB gzip: ${r.status} after ${ms} ms, server RSS ${fmtMB(idle)} before, peak ${fmtMB(rss)}: ${r.body?.error}`,
  );
  assert(r.status === 413, `status ${r.status} ${r.text.slice(0, 200)}`);
  assert(/packets|decompress/.test(r.body?.error ?? ''), `message ${r.text}`);
  assert(ms < 20000, `413 after ${ms} ms`);
  assert(rss < 1.5 * 1024 ** 3, `peak RSS ${fmtMB(rss)}`);
  await sleep(300);
  assert((await leftovers(main)).length === 0, `tmp: ${await leftovers(main)}`);
  const ok = await upload(main.base);
  assert(ok.status === 201, `the server still takes uploads: ${ok.status}`);
});

const limited = new Server(newDir(), {
  TRACELENS_MAX_PACKETS: '1000',
  TRACELENS_MAX_DECOMPRESSED: String(8 * MiB),
  TRACELENS_MAX_KEYLOG: '4096',
});
await limited.start();

await test('limits: packets and decompressed bytes are counted as they stream (413 with the setting named)', async () => {
  const many = await upload(limited.base, httpCapture(200, 3, 100), { name: 'many.pcap' });
  assert(many.status === 413 && /TRACELENS_MAX_PACKETS/.test(many.body?.error), JSON.stringify(many.body));
  const big = await upload(limited.base, bigRecordsGzip(100, 200000), { name: 'big.pcap.gz' });
  assert(big.status === 413 && /TRACELENS_MAX_DECOMPRESSED/.test(big.body?.error), JSON.stringify(big.body));
  const fine = await upload(limited.base, capture);
  assert(fine.status === 201, `a capture within the limits: ${fine.status}`);
  await sleep(300);
  assert((await leftovers(limited)).length === 0, `tmp: ${await leftovers(limited)}`);
});

await test('limits: the 413 comes while the client is still sending (the body is not read to its end)', async () => {
  const body = httpCapture(400, 4, 200); // ~6,000 packets: over 1,000 in its first ~50 KB
  const r = await streamingPost(
    `${limited.base}/api/traces?name=slow.pcap`,
    { 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
    async (w, answered) => {
      await w(body.subarray(0, 256 * 1024));
      // Then trickle: a server that reads to the end would take 30 s more.
      for (let off = 256 * 1024; off < body.length && !answered(); off += 8192) {
        if (!(await w(body.subarray(off, off + 8192)))) return;
        await sleep(50);
      }
    },
  );
  console.log(`     ${r.status} after ${r.ms} ms, body sent whole: ${r.bodyComplete}`);
  assert(r.status === 413, `status ${r.status} ${r.text}`);
  assert(!r.bodyComplete && r.ms < 10000, `answered after ${r.ms} ms, body complete ${r.bodyComplete}`);
  await sleep(300);
  assert((await leftovers(limited)).length === 0, `tmp: ${await leftovers(limited)}`);
});

// 2. Key logs in multipart ----------------------------------------------------------------------

await test('multipart: the key log as a file part or a field, before or after the file', async () => {
  const streamsOf = async (r) => {
    assert(r.status === 201, `status ${r.status} ${JSON.stringify(r.body)}`);
    const doc = await (await fetch(`${main.base}/api/traces/${r.body.id}`)).json();
    return doc.trace.streams.length;
  };
  const file = { name: 'file', filename: 'curl-h2.pcap', data: tlsCapture };
  const keyFile = { name: 'keylog', filename: 'curl-h2.keys', data: tlsKeys };
  const keyField = { name: 'keylog', data: tlsKeys };
  const without = await streamsOf(await postMultipart(main.base, [file]));
  const counts = {
    'file part before': await streamsOf(await postMultipart(main.base, [keyFile, file])),
    'file part after': await streamsOf(await postMultipart(main.base, [file, keyFile])),
    'field before': await streamsOf(await postMultipart(main.base, [keyField, file])),
    'field after': await streamsOf(await postMultipart(main.base, [file, keyField])),
  };
  console.log(`     HTTP/2 streams: without key log ${without}, ${JSON.stringify(counts)}`);
  assert(without === 0, `without the key log nothing is decrypted (${without})`);
  for (const [k, n] of Object.entries(counts)) assert(n > 0 && n === counts['field before'], `${k}: ${n}`);
  const none = await postMultipart(main.base, [keyFile]);
  assert(none.status === 400 && /file/.test(none.body?.error), JSON.stringify(none));
});

await test('multipart: a key log over TRACELENS_MAX_KEYLOG (default 16 MiB) is refused with 413', async () => {
  const file = { name: 'file', filename: 'curl-h2.pcap', data: tlsCapture };
  const big = Buffer.alloc(8192, 0x41);
  for (const parts of [
    [{ name: 'keylog', filename: 'k.keys', data: big }, file],
    [file, { name: 'keylog', filename: 'k.keys', data: big }],
    [file, { name: 'keylog', data: big }],
  ]) {
    const r = await postMultipart(limited.base, parts);
    assert(r.status === 413 && /TRACELENS_MAX_KEYLOG/.test(r.body?.error), JSON.stringify(r));
  }
  const huge = Buffer.alloc(17 * MiB, 0x41);
  const t0 = Date.now();
  const r = await postMultipart(main.base, [file, { name: 'keylog', filename: 'k.keys', data: huge }]);
  console.log(`     17 MiB key log: ${r.status} after ${Date.now() - t0} ms`);
  assert(r.status === 413 && /TRACELENS_MAX_KEYLOG/.test(r.body?.error), JSON.stringify(r));
  await sleep(300);
  assert((await leftovers(limited)).length === 0 && (await leftovers(main)).length === 0, 'tmp cleaned');
});

// 3. Rate limit and forwarded headers -----------------------------------------------------------

await test('rate limit: X-Forwarded-For from an untrusted client changes nothing', async () => {
  const s = new Server(newDir(), { TRACELENS_UPLOAD_RATE: '2' });
  await s.start();
  try {
    const st = [];
    for (const ip of ['1.1.1.1', '2.2.2.2', '3.3.3.3'])
      st.push((await upload(s.base, capture, { headers: { 'x-forwarded-for': ip } })).status);
    assert(st.join() === '201,201,429', `statuses ${st}`);
  } finally {
    await s.stop();
  }
});

await test('rate limit and links behind a trusted proxy: right-most untrusted X-Forwarded-For, forwarded host', async () => {
  const s = new Server(newDir(), {
    TRACELENS_UPLOAD_RATE: '2',
    TRACELENS_TRUSTED_PROXIES: '127.0.0.0/8, ::1',
  });
  await s.start();
  try {
    const as = (xff) => upload(s.base, capture, { headers: { 'x-forwarded-for': xff } });
    const st = [
      (await as('9.9.9.9, 203.0.113.5')).status,
      (await as('8.8.8.8, 203.0.113.5')).status,
      (await as('7.7.7.7, 203.0.113.5, 127.0.0.1')).status, // same client; its forged left part differs
      (await as('203.0.113.6')).status,
    ];
    assert(st.join() === '201,201,429,201', `statuses ${st}`);
    const r = await upload(s.base, capture, {
      headers: {
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-host': 'traces.example.test',
        'x-forwarded-proto': 'https',
      },
    });
    assert(r.body.viewUrl === `https://traces.example.test/t/${r.body.id}`, `viewUrl ${r.body.viewUrl}`);
  } finally {
    await s.stop();
  }
});

await test('links: forged X-Forwarded-Host is ignored; TRACELENS_PUBLIC_URL wins', async () => {
  const forged = await upload(main.base, capture, {
    headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
  });
  assert(forged.body.editUrl.startsWith(`${main.base}/t/`), `editUrl ${forged.body.editUrl}`);
  const s = new Server(newDir(), { TRACELENS_PUBLIC_URL: 'https://traces.example.test/' });
  await s.start();
  try {
    const r = await upload(s.base, capture, { headers: { 'x-forwarded-host': 'evil.example' } });
    assert(
      r.body.editUrl.startsWith(`https://traces.example.test/t/${r.body.id}?token=`),
      `editUrl ${r.body.editUrl}`,
    );
  } finally {
    await s.stop();
  }
});

// 4. Analysis off the request thread ------------------------------------------------------------

await test('latency: other API calls stay fast while a large upload is analyzed', async () => {
  const small = await upload(main.base);
  assert(small.status === 201, 'small upload');
  const lat = [];
  let done = false;
  // On PostgreSQL + S3 the analysis comes from the object store, which is busy taking the big
  // upload's objects (one memstore OSD on this machine): its latency is printed, and the bound is
  // checked on a call the replica answers from the database alone (its notes).
  const probe = scaled ? `/api/traces/${small.body.id}/annotations` : `/api/traces/${small.body.id}`;
  const storeLat = [];
  const poll = (async () => {
    while (!done) {
      const t = performance.now();
      const r = await fetch(`${main.base}${probe}`);
      await r.arrayBuffer();
      lat.push(performance.now() - t);
      if (scaled) {
        const t2 = performance.now();
        await (await fetch(`${main.base}/api/traces/${small.body.id}`)).arrayBuffer();
        storeLat.push(performance.now() - t2);
      }
      await sleep(100);
    }
  })();
  const t0 = Date.now();
  const r = await streamingPost(
    `${main.base}/api/traces?name=big.pcap`,
    { 'content-type': 'application/octet-stream', 'content-length': String(big.length) },
    async (w) => {
      for (let off = 0; off < big.length; off += MiB) if (!(await w(big.subarray(off, off + MiB)))) return;
    },
  );
  const uploadMs = Date.now() - t0;
  done = true;
  await poll;
  const pcts = (xs) => {
    xs.sort((a, b) => a - b);
    const pct = (p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))].toFixed(0);
    return `x${xs.length}: median ${pct(50)} ms, p95 ${pct(95)} ms, max ${xs[xs.length - 1].toFixed(0)} ms`;
  };
  console.log(
    `     ${(big.length / 1e6).toFixed(0)} MB upload ${r.status} in ${uploadMs} ms; GET ${probe.replace(small.body.id, '<id>')} ${pcts(lat)}`,
  );
  if (scaled) console.log(`     GET /api/traces/<id> (from the object store) ${pcts(storeLat)}`);
  assert(r.status === 201, `status ${r.status} ${r.text.slice(0, 200)}`);
  // Before the worker threads: 4.7 s. The bound leaves room for a busy 2-core machine.
  assert(lat[lat.length - 1] < 1500, `max latency ${lat[lat.length - 1].toFixed(0)} ms`);
  // The shared page of the big trace renders from its summary, not its 128 MB analysis.
  const t1 = Date.now();
  const page = await fetch(`${main.base}/t/${r.body.id}`);
  const html = await page.text();
  const pageMs = Date.now() - t1;
  console.log(`     its shared page: ${page.status} in ${pageMs} ms`);
  assert(page.status === 200 && /600,000(<!-- -->)? packets/.test(html), `page ${page.status}`);
  assert(pageMs < 1500, `page in ${pageMs} ms`);
});

await embeddedOnly(
  'queue: past TRACELENS_ANALYSIS_WORKERS + TRACELENS_ANALYSIS_QUEUE, 503 with Retry-After; aborted uploads free their slot',
  'the queue is the upload_jobs table, shared by the replicas; tests/server/scale.mjs',
  async () => {
    const s = new Server(newDir(), { TRACELENS_ANALYSIS_WORKERS: '1', TRACELENS_ANALYSIS_QUEUE: '1' });
    await s.start();
    let hanging = [];
    try {
      // Two uploads that stay open: one analyzing, one queued.
      hanging = [0, 1].map(() => {
        const req = http.request(`${s.base}/api/traces?name=open.pcap`, {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
        });
        req.on('error', () => undefined);
        req.write(capture.subarray(0, 4096));
        return req;
      });
      await sleep(1000);
      const third = await upload(s.base);
      assert(
        third.status === 503 && third.headers.get('retry-after'),
        `third: ${third.status} ${third.text}`,
      );
      for (const req of hanging) req.destroy();
      await sleep(1000);
      const fourth = await upload(s.base);
      assert(fourth.status === 201, `after the others went away: ${fourth.status} ${fourth.text}`);
      assert((await leftovers(s)).length === 0, `tmp: ${await leftovers(s)}`);
    } finally {
      for (const req of hanging) req.destroy();
      await s.stop();
    }
  },
);

// 5. The smaller things -------------------------------------------------------------------------

await test('rejected uploads leave no files in tmp', async () => {
  const results = [];
  for (let i = 0; i < 10; i++) {
    results.push((await upload(main.base, new Uint8Array(0))).status);
    results.push((await upload(main.base, Buffer.from('{"not": "a capture"}\n'.repeat(10)))).status);
    results.push((await upload(main.base, Buffer.concat([pcapHeader(), Buffer.from([1, 2, 3])]))).status);
    // Unknown magic: refused on the first chunk, before a lazily opened file would exist.
    results.push((await upload(main.base, Buffer.alloc(5000, 0xde))).status);
  }
  await sleep(300);
  assert(
    (await leftovers(main)).length === 0,
    `tmp after ${results.join(',')}: ${(await leftovers(main)).join(', ')}`,
  );
  // Over the size limit without a Content-Length (chunked): refused on the first chunk.
  const s = new Server(newDir(), { TRACELENS_UPLOAD_LIMIT: '1000' });
  await s.start();
  try {
    for (let i = 0; i < 10; i++) {
      const r = await streamingPost(
        `${s.base}/api/traces?name=big.pcap`,
        { 'content-type': 'application/octet-stream' },
        async (w) => void (await w(capture)),
      );
      results.push(r.status);
    }
    await sleep(300);
    assert(
      (await leftovers(s)).length === 0,
      `tmp after ${results.join(',')}: ${(await leftovers(s)).join(', ')}`,
    );
  } finally {
    await s.stop();
  }
});

await test('a malformed percent-encoding in an id is a JSON 400/404 with the security headers', async () => {
  for (const p of ['/api/traces/%ff%fe', '/api/traces/%E0%A4%A', '/api/traces/%ff/raw', '/t/%ff%fe']) {
    const r = await fetch(`${main.base}${p}`);
    const text = await r.text();
    assert(r.status === 400 || r.status === 404, `${p}: ${r.status} ${text.slice(0, 100)}`);
    assert(r.headers.get('x-content-type-options') === 'nosniff', `${p}: nosniff`);
    assert(/default-src '(self|none)'/.test(r.headers.get('content-security-policy') ?? ''), `${p}: CSP`);
    if (p.startsWith('/api/')) assert(JSON.parse(text).error, `${p}: JSON error ${text.slice(0, 100)}`);
  }
});

await embeddedOnly(
  'a failing upload is logged in one line; the client gets no internals',
  'it breaks the data folder on disk to make the commit fail',
  async () => {
    const dir = newDir();
    const s = new Server(dir);
    await s.start();
    try {
      // The traces folder replaced by a file: the commit's rename fails (root ignores permissions).
      rmSync(path.join(dir, 'traces'), { recursive: true });
      writeFileSync(path.join(dir, 'traces'), 'not a folder');
      const r = await upload(s.base, capture, { name: 'doomed.pcap' });
      await sleep(200);
      assert(r.status === 500 && r.body?.error === 'the upload could not be stored', `${r.status} ${r.text}`);
      assert(!/\bat \//.test(r.text), 'no stack to the client');
      const lines = s.log.split('\n').filter((l) => /upload .*doomed\.pcap.* failed/.test(l));
      assert(lines.length === 1, `log:\n${s.log}`);
      console.log(`     log: ${lines[0]}`);
      assert((await leftovers(s)).length === 0, `tmp: ${await leftovers(s)}`);
    } finally {
      await s.stop();
    }
  },
);

await embeddedOnly(
  'folders without a row (a crash between commit steps) are swept at start',
  'objects without a row are swept by the workers: lib/store/pg-store.test.ts, tests/server/scale.mjs',
  async () => {
    const dir = newDir();
    const s = new Server(dir);
    await s.start();
    const kept = await upload(s.base);
    await s.stop();
    const orphan = path.join(dir, 'traces', 'AAAAAAAAAAAAAAAAAAAAAA');
    mkdirSync(orphan);
    writeFileSync(path.join(orphan, 'raw'), capture);
    await s.start();
    try {
      assert(!existsSync(orphan), 'orphan folder removed');
      assert(existsSync(path.join(dir, 'traces', kept.body.id, 'raw')), 'committed trace kept');
      const r = await fetch(`${s.base}/api/traces/${kept.body.id}/raw`);
      assert(r.status === 200, `kept trace served: ${r.status}`);
    } finally {
      await s.stop();
    }
  },
);

await test('CSP: scripts run by per-request nonce, no unsafe-inline', async () => {
  const nonces = [];
  for (const p of ['/', '/compare', '/', `/t/${(await upload(main.base)).body.id}`]) {
    const r = await fetch(`${main.base}${p}`);
    const html = await r.text();
    const csp = r.headers.get('content-security-policy') ?? '';
    const script = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
    assert(!script.includes('unsafe-inline'), `${p}: script-src ${script}`);
    const nonce = /'nonce-([^']+)'/.exec(script)?.[1];
    assert(nonce, `${p}: no nonce in ${csp}`);
    nonces.push(nonce);
    const tags = html.match(/<script\b[^>]*>/g) ?? [];
    assert(tags.length > 0, `${p}: scripts`);
    for (const t of tags) assert(t.includes(`nonce="${nonce}"`), `${p}: script without the nonce: ${t}`);
  }
  assert(new Set(nonces).size === nonces.length, 'a fresh nonce per request');
});

await test('the edit token is not serialized into the shared page', async () => {
  const r = await upload(main.base);
  const token = new URL(r.body.editUrl).searchParams.get('token');
  const page = await fetch(r.body.editUrl.replace(/^https?:\/\/[^/]+/, main.base));
  const html = await page.text();
  assert(page.status === 200 && html.includes('c.pcap'), `page ${page.status}`);
  assert(!html.includes(token), 'the token is in the HTML');
  assert(
    /no-store/.test(page.headers.get('cache-control') ?? ''),
    `cache-control ${page.headers.get('cache-control')}`,
  );
});

await test('/raw and /packets are revalidated, so a deleted trace is gone at once', async () => {
  const r = await upload(main.base);
  const token = new URL(r.body.editUrl).searchParams.get('token');
  for (const part of ['raw', 'packets']) {
    const g = await fetch(`${main.base}/api/traces/${r.body.id}/${part}`);
    await g.arrayBuffer();
    const cc = g.headers.get('cache-control') ?? '';
    assert(g.status === 200 && /no-cache|no-store/.test(cc) && !/max-age=[1-9]/.test(cc), `${part}: ${cc}`);
    const etag = g.headers.get('etag');
    if (etag) {
      const again = await fetch(`${main.base}/api/traces/${r.body.id}/${part}`, {
        headers: { 'if-none-match': etag },
      });
      assert(again.status === 304, `${part}: revalidation ${again.status}`);
    }
  }
  const del = await fetch(`${main.base}/api/traces/${r.body.id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  assert(del.status === 200, `delete ${del.status}`);
  for (const part of ['raw', 'packets']) {
    const g = await fetch(`${main.base}/api/traces/${r.body.id}/${part}`);
    assert(g.status === 404, `${part} after delete: ${g.status}`);
  }
});

await limited.stop();
await main.stop();
// The big upload alone leaves ~250 MB behind.
for (const d of dirs) rmSync(d, { recursive: true, force: true });
await finish();
