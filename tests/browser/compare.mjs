// Compare page: load the keep-alive pair through the two file inputs with idle threshold 3 s and
// see the summary name the reset/keep-alive difference. Expects `npm run build`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, start } from './_harness.mjs';

const h = await start();
const dir = join(root, 'samples/compare/keepalive');

function assert(c, m) {
  if (!c) throw new Error(m);
}

await h.scenario('compare-keepalive', async (page) => {
  await page.goto(`${h.base}/compare?idle=3`);
  await page.setInputFiles('[data-testid=compare-file-a]', join(dir, 'a/capture.pcap'));
  await page.setInputFiles('[data-testid=compare-file-b]', join(dir, 'b/capture.pcap'));
  const summary = page.locator('[data-testid=compare-summary]');
  await summary.waitFor({ timeout: 20000 });
  const text = await summary.textContent();
  assert(/reset after \d+ s idle/.test(text) && /keep-alive every/.test(text), `summary: ${text}`);
  assert(/no keep-alives/.test(text) && /connection survived/.test(text), `summary: ${text}`);
  await page.waitForSelector(
    '[data-testid=compare-only-a-findings] [data-finding-kind="tcp.rst-after-idle"]',
  );
  assert((await page.locator('[data-testid=timeline]').count()) === 2, 'two timelines');
  // Synchronized zoom: a wheel on A zooms B as well.
  const box = await page.locator('[data-testid=timeline-canvas]').first().boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  await page.mouse.wheel(0, -300);
  await page.waitForSelector('[data-testid=timeline][data-view-start-s]');
  const starts = await page
    .locator('[data-testid=timeline]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-view-start-s')));
  assert(
    starts.every((s) => s !== null),
    `both timelines zoomed: ${starts}`,
  );
  const diff = await page.locator('[data-testid=compare-differences]').textContent();
  assert(/how it ended/.test(diff), `difference table: ${diff}`);
});

await h.scenario('compare-shared-link', async (page) => {
  const ids = [];
  for (const side of ['a', 'b']) {
    const r = await fetch(`${h.base}/api/traces?name=${side}.pcap&idleThresholdS=3`, {
      method: 'POST',
      body: readFileSync(join(dir, side, 'capture.pcap')),
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert(r.status === 201, `upload ${r.status}`);
    ids.push((await r.json()).id);
  }
  await page.goto(`${h.base}/compare?a=${ids[0]}&b=${ids[1]}`);
  const summary = page.locator('[data-testid=compare-summary]');
  await summary.waitFor({ timeout: 20000 });
  const text = await summary.textContent();
  assert(/reset after \d+ s idle/.test(text) && /keep-alive every/.test(text), `summary: ${text}`);
  const link = await page.getAttribute('[data-testid=compare-link]', 'href');
  assert(link.includes(ids[0]) && link.includes(ids[1]), `shareable link ${link}`);
  await page.selectOption('[data-testid=compare-align]', 'request');
  await page.waitForSelector('text=to align first requests');
});

await h.finish();
