// Redact before sharing, in a real browser: the share dialog offers it (on by default), runs
// lib/redact in a Web Worker without stalling the page, says what it removed, and uploads only the
// redacted copy — no secret of the capture reaches the server, and the shared view analyzes the
// same. Expects `npm run build`. Prints "N passed, N failed".
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { root, shots, start } from './_harness.mjs';

const h = await start();
const FIXTURE = join(root, 'lib/redact/testdata/secrets.pcapng');
const SECRETS = [
  's3cr3t-t0ken',
  'c00kie-value',
  'hunter2',
  'srv-set-c00kie',
  'response-body-private',
  'db-prod-7',
  'CLIENT_RANDOM',
];

function assert(c, m) {
  if (!c) throw new Error(m);
}

await h.scenario('redact-before-share', async (page) => {
  assert(
    SECRETS.every((s) => readFileSync(FIXTURE).includes(s) || s === 'srv-set-c00kie'),
    'the fixture holds the secrets',
  );
  await page.goto(h.base);
  await page.setInputFiles('[data-testid=open-file]', FIXTURE);
  await page.waitForSelector('[data-testid=summary]', { timeout: 20000 });
  const streamsBefore = await page.locator('[data-testid=summary]').textContent();
  await page.click('[data-testid=share]');
  await page.waitForSelector('[data-testid=share-dialog]');
  const box = page.locator('[data-testid=share-redact]');
  assert(await box.isChecked(), 'redaction is on by default');
  assert(
    /Redact before upload: addresses, cookies\/tokens, payloads/.test(
      await page.textContent('[data-testid=share-dialog]'),
    ),
    'the dialog names what redaction does',
  );
  await page.screenshot({ path: join(shots, 'redact-ask.png') });
  // Watch the main thread while the worker redacts.
  await page.evaluate(() => {
    window.__longest = 0;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  let uploaded = false;
  page.on('request', (r) => {
    if (r.url().includes('/api/traces') && r.method() === 'POST') uploaded = true;
  });
  await page.click('[data-testid=share-upload]');
  const summary = page.locator('[data-testid=share-redact-summary]');
  await summary.waitFor({ timeout: 30000 });
  const text = await summary.textContent();
  assert(!uploaded, 'nothing uploaded before the user saw the summary');
  assert(/1 IP address and 0 MAC addresses mapped/.test(text), `addresses in summary: ${text}`);
  const headers = Number(/(\d+) header values? replaced/.exec(text)?.[1] ?? 0);
  assert(headers >= 10, `header values replaced: ${text}`);
  assert(/[\d,]+ payload bytes cut/.test(text), `payload in summary: ${text}`);
  assert(/1 comment and \d+ other capture options? removed/.test(text), `comments in summary: ${text}`);
  assert(/1 embedded key log removed/.test(text), `key log in summary: ${text}`);
  assert(/secrets\.redacted\.pcapng/.test(text), `redacted file name: ${text}`);
  await page.screenshot({ path: join(shots, 'redact-summary.png') });
  await page.click('[data-testid=share-upload-redacted]');
  const view = await page.locator('[data-testid=share-view-url]').inputValue({ timeout: 20000 });
  const longest = await page.evaluate(() => window.__longest);
  assert(longest < 200, `main thread blocked for ${longest} ms during redaction`);
  // What the server got and stores: the redacted copy, none of the secrets.
  assert(uploaded, 'an upload was made');
  const id = view.split('/t/')[1];
  const raw = Buffer.from(await (await fetch(`${h.base}/api/traces/${id}/raw`)).arrayBuffer());
  for (const s of SECRETS) assert(!raw.includes(s), `secret ${s} stored on the server`);
  // The shared trace analyzes the same (summary counts: connections, streams, exchanges).
  await page.goto(view);
  await page.waitForSelector('[data-testid=summary]', { timeout: 20000 });
  const streamsAfter = await page.locator('[data-testid=summary]').textContent();
  const counts = (t) =>
    (t.match(/[\d,]+ (packets|connections|h2 streams|http\/1 exchanges|error|warning|info)/g) ?? []).join(
      ' ',
    );
  assert(
    counts(streamsAfter) === counts(streamsBefore),
    `summary ${counts(streamsAfter)} vs ${counts(streamsBefore)}`,
  );
});

await h.scenario('share-unredacted-when-unticked', async (page) => {
  await page.goto(h.base);
  await page.setInputFiles('[data-testid=open-file]', FIXTURE);
  await page.waitForSelector('[data-testid=summary]', { timeout: 20000 });
  await page.click('[data-testid=share]');
  await page.locator('[data-testid=share-redact]').uncheck();
  await page.click('[data-testid=share-upload]');
  const view = await page.locator('[data-testid=share-view-url]').inputValue({ timeout: 20000 });
  const raw = Buffer.from(
    await (await fetch(`${h.base}/api/traces/${view.split('/t/')[1]}/raw`)).arrayBuffer(),
  );
  assert(raw.equals(readFileSync(FIXTURE)), 'unticked: the original is uploaded as it is');
});

await h.scenario('redact-refuses-a-log-and-lets-you-go-back', async (page) => {
  // A debug log is not a capture: redaction says so, nothing is uploaded, and Back offers the choice.
  await page.goto(h.base);
  await page.setInputFiles('[data-testid=open-file]', join(root, 'samples/logs/go-http2debug-2.log'));
  await page.waitForSelector('[data-testid=summary]', { timeout: 20000 });
  let uploaded = false;
  page.on('request', (r) => {
    if (r.url().includes('/api/traces') && r.method() === 'POST') uploaded = true;
  });
  await page.click('[data-testid=share]');
  await page.click('[data-testid=share-upload]');
  const alert = page.locator('[data-testid=share-dialog] [role=alert]');
  await alert.waitFor({ timeout: 20000 });
  const text = await alert.textContent();
  assert(/Nothing was uploaded/.test(text) && /not a capture/.test(text), `says why: ${text}`);
  assert(!uploaded, 'nothing uploaded');
  await page.click('[data-testid=share-back]');
  await page.locator('[data-testid=share-redact]').uncheck();
  await page.click('[data-testid=share-upload]');
  await page.locator('[data-testid=share-view-url]').waitFor({ timeout: 20000 });
});

await h.finish();
