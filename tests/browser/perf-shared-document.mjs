#!/usr/bin/env node
// The shared page on a request-heavy trace (issue #16): upload a capture through the API (default
// the h2load capture of scripts/bench-captures.mjs makeH2Requests: 80,800 HTTP/2 streams), open
// the view link in a fresh context and measure, from navigation: the first screen (summary and
// findings panel, first stream rows, timeline drawn), every row in, and the main thread's long tasks
// (PerformanceObserver 'longtask', > 50 ms) until then. `--json-too` measures the same page loading
// the trace JSON instead (the document route answered 404, as for a trace stored before documents).
//   node tests/browser/perf-shared-document.mjs [CAPTURE] [--json-too] [--runs N]
// Needs a build (TRACELENS_NEXT_DIST honoured).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, start } from './_harness.mjs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--')) ?? join(root, 'bench/h2-requests-80800-offload.pcap');
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 1;
if (!existsSync(file)) {
  console.error(`no capture ${file}: run node scripts/bench-document.mjs once (it makes it) or pass one`);
  process.exit(1);
}
const h = await start();
const body = readFileSync(file);
const t0 = performance.now();
const r = await fetch(`${h.base}/api/traces?name=${encodeURIComponent(file.split('/').pop())}`, {
  method: 'POST',
  body,
  headers: { 'content-type': 'application/octet-stream' },
});
if (r.status !== 201) {
  console.error(`upload: HTTP ${r.status} ${await r.text()}`);
  await h.stop();
  process.exit(1);
}
const { id, viewUrl } = await r.json();
console.log(
  `uploaded ${(body.length / 1e6).toFixed(0)} MB, analyzed in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
const doc = await fetch(`${h.base}/api/traces/${id}/document`);
const docBytes = (await doc.arrayBuffer()).byteLength;

async function measure(name, { json = false } = {}) {
  let out = null;
  await h.scenario(name, async (page) => {
    if (json)
      await page.route('**/api/traces/*/document', (x) =>
        x.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"none"}' }),
      );
    await page.addInitScript(() => {
      const w = window;
      w.__longtasks = [];
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) w.__longtasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(viewUrl, { waitUntil: 'commit' });
    const first = await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="timeline"][data-ready]') &&
        document.querySelector('[data-testid=summary]') &&
        document.querySelector('[data-testid=stream-list] tr[data-stream]')
          ? performance.now()
          : null,
      null,
      { polling: 'raf', timeout: 120000 },
    );
    const firstMs = await first.jsonValue();
    const all = await page.waitForFunction(
      () =>
        !document.querySelector('[data-testid=rows-progress]') &&
        document.querySelector('[data-testid=stream-list] tr[data-stream]')
          ? performance.now()
          : null,
      null,
      { polling: 'raf', timeout: 180000 },
    );
    const allMs = await all.jsonValue();
    await page.waitForTimeout(1500); // the last render's tasks
    const tasks = await page.evaluate(() => window.__longtasks);
    const marks = await page.evaluate(() =>
      Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)])),
    );
    out = { firstMs, allMs, tasks, marks };
  });
  return out;
}

for (let i = 0; i < runs; i++) {
  for (const json of args.includes('--json-too') ? [false, true] : [false]) {
    const m = await measure(`perf-shared-document${json ? '-json' : ''}-${i + 1}`, { json });
    if (!m) continue;
    const over = m.tasks.filter((t) => t.duration > 50);
    const max = Math.max(0, ...m.tasks.map((t) => t.duration));
    console.log(
      `${json ? 'JSON    ' : 'document'} (${json ? 'trace JSON' : `${(docBytes / 1e6).toFixed(1)} MB Arrow`}): first screen ${Math.round(m.firstMs)} ms, every row ${Math.round(m.allMs)} ms after navigation; ` +
        `long tasks ${m.tasks.length} (over 50 ms: ${over.length}, longest ${Math.round(max)} ms)`,
    );
    if (over.length)
      console.log(
        `  over 50 ms: ${over.map((t) => `${Math.round(t.duration)} ms at ${Math.round(t.start)}`).join(', ')}`,
      );
    console.log(`  marks: ${JSON.stringify(m.marks)}`);
  }
}
await h.finish();
