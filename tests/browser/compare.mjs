// Compare page: load the keep-alive pair through the two file inputs with idle threshold 3 s and
// see the summary name the reset/keep-alive difference. Expects `npm run build`.
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
  await page.waitForSelector('[data-testid=compare-only-a-findings] [data-finding-kind="tcp.rst-after-idle"]');
  assert((await page.locator('[data-testid=timeline]').count()) === 2, 'two timelines');
  // Synchronized zoom: a wheel on A zooms B as well.
  const box = await page.locator('[data-testid=timeline-canvas]').first().boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  await page.mouse.wheel(0, -300);
  await page.waitForSelector('[data-testid=timeline][data-view-start-s]');
  const starts = await page.locator('[data-testid=timeline]').evaluateAll((els) => els.map((e) => e.getAttribute('data-view-start-s')));
  assert(starts.every((s) => s !== null), `both timelines zoomed: ${starts}`);
  const diff = await page.locator('[data-testid=compare-differences]').textContent();
  assert(/how it ended/.test(diff), `difference table: ${diff}`);
});

await h.finish();
