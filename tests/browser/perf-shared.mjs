#!/usr/bin/env node
// Time for a viewer's first render of a shared 100k-packet trace (upload through the API, then
// open the view link in a fresh context until the timeline has drawn), and upload throughput.
// Needs `npm run build` and the bench captures (`npm run bench` makes bench/small-1000000.pcap).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, start } from './_harness.mjs';

const packets = Number(process.argv[2] ?? 100000);
const big = readFileSync(join(root, 'bench/small-1000000.pcap'));
// That file's records are all 86 bytes (16-byte header + 70-byte frame) after the 24-byte header.
const body = big.subarray(0, 24 + packets * 86);
const h = await start();
const t0 = performance.now();
const r = await fetch(`${h.base}/api/traces?name=shared-${packets}.pcap`, {
  method: 'POST',
  body,
  headers: { 'content-type': 'application/octet-stream' },
});
const uploadS = (performance.now() - t0) / 1000;
const { viewUrl } = await r.json();
let renderMs = NaN;
await h.scenario(`perf-shared-${packets}`, async (page) => {
  const t1 = Date.now();
  await page.goto(viewUrl);
  await page.locator('[data-testid="timeline"][data-ready]').first().waitFor({ timeout: 60000 });
  renderMs = Date.now() - t1;
});
console.log(
  `shared ${packets} packets (${(body.length / 1e6).toFixed(1)} MB): upload+analysis ${uploadS.toFixed(2)} s ` +
    `(${(body.length / 1e6 / uploadS).toFixed(1)} MB/s); viewer first render ${renderMs} ms`,
);
await h.finish();
