// Browser tests: expects `npm run build` done. The harness starts `next start` on a free loopback
// port; the scenarios drive Chromium, save screenshots, and the last line is "N passed, N failed".
import { writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { root, shots, start } from './_harness.mjs';

// The external corpus (TRACELENS_CORPUS, default ../shared); a fresh clone uses the repository's samples.
const REAL = resolve(root, process.env.TRACELENS_CORPUS || '../shared', 'captures/real');
const HAS_CORPUS = existsSync(REAL);
if (!HAS_CORPUS) console.log(`external corpus not found at ${REAL}: browser checks use the samples instead`);
const pick = (...c) => c.find((p) => existsSync(p));

// The page must be usable at 1280x800: every scenario runs at that size.
const h = await start({ viewport: { width: 1280, height: 800 }, fullPage: false });
const base = h.base;
const scenario = h.scenario;

const idle = pick(
  join(root, 'samples/idle-reset-nat/capture.pcap'),
  join(root, 'public/samples/idle-reset-nat.pcap'),
);

await scenario('landing', async (page) => {
  await page.goto(base);
  await page.waitForSelector('[data-testid=open-file]', { state: 'attached' });
  await page.waitForSelector('[data-sample]', { timeout: 5000 }).catch(() => {});
});

// The gallery applies the sample's options (idle-reset-nat needs idleThresholdS 3).
await scenario('idle-reset-finding', async (page) => {
  await page.goto(base);
  await page.click('[data-sample="idle-reset-nat"]');
  const f = page.locator('[data-finding-kind="tcp.rst-after-idle"]').first();
  await f.waitFor({ timeout: 20000 });
  await f.click();
  await page.waitForSelector('[data-finding-kind="tcp.rst-after-idle"][aria-selected="true"]');
  const start = await page.getAttribute('[data-testid=timeline]', 'data-view-start-s');
  if (start === null) throw new Error('timeline did not zoom');
  await page.waitForSelector('tr[data-conn][aria-selected="true"]');
  if (!/[?&]idle=3\b/.test(page.url())) throw new Error(`URL lacks idle=3: ${page.url()}`);
});

// Thresholds popover: a file opened with the defaults (idle 30 s) has no idle finding; idle 3 s re-runs it.
await scenario('thresholds-rerun', async (page) => {
  await page.goto(base);
  await page.setInputFiles('[data-testid=open-file]', idle);
  await page.waitForSelector('[data-testid=summary]', { timeout: 20000 });
  if (await page.locator('[data-finding-kind="tcp.rst-after-idle"]').count())
    throw new Error('idle finding present at the default threshold');
  await page.click('[data-testid=options-button]');
  await page.fill('[data-option=idleThresholdS]', '3');
  await page.screenshot({ path: join(shots, 'thresholds-popover.png') });
  await page.click('[data-testid=options-apply]');
  await page.locator('[data-finding-kind="tcp.rst-after-idle"]').first().waitFor({ timeout: 20000 });
  if (!/[?&]idle=3\b/.test(page.url())) throw new Error(`URL lacks idle=3: ${page.url()}`);
});

await scenario('connection-table-sort', async (page) => {
  await page.goto(`${base}/?sample=deadline-cut`);
  await page.waitForSelector('tr[data-conn]', { timeout: 20000 });
  const col = async (i) =>
    page.$$eval(
      '[data-testid=connections] tbody tr',
      (rows, i) => rows.map((r) => r.children[i].textContent),
      i,
    );
  const num = (xs) => xs.map((x) => parseFloat(x));
  await page.click('[data-testid=connections] th[data-sort-key=dur]');
  const asc = num(await col(6));
  if (asc.some((v, i) => i && v < asc[i - 1])) throw new Error(`not ascending: ${asc}`);
  await page.click('[data-testid=connections] th[data-sort-key=dur]');
  const desc = num(await col(6));
  if (desc.some((v, i) => i && v > desc[i - 1])) throw new Error(`not descending: ${desc}`);
  if ((await page.getAttribute('th[data-sort-key=dur]', 'aria-sort')) !== 'descending')
    throw new Error('aria-sort');
  const total = (await col(0)).length;
  await page.click('[data-testid=filter-has-finding]');
  const withF = (await col(0)).length;
  if (!(withF > 0 && withF < total)) throw new Error(`has-finding filter: ${withF} of ${total}`);
  // Row click selects the connection and zooms the timeline to it.
  await page.locator('[data-testid=connections] tbody tr').first().click();
  await page.waitForSelector('tr[data-conn][aria-selected="true"]');
  if ((await page.getAttribute('[data-testid=timeline]', 'data-view-start-s')) === null)
    throw new Error('timeline did not zoom to the connection');
});

await scenario('http1-exchange-detail', async (page) => {
  await page.goto(`${base}/?sample=healthy-http1`);
  const row = page.locator('tr[data-exchange]').first();
  await row.waitFor({ timeout: 20000 });
  await row.click();
  await page.waitForSelector('[data-testid=exchange-detail]');
  await page.waitForSelector('[data-testid=exchange-waterfall]');
  const txt = await page.locator('[data-testid=exchange-detail]').textContent();
  if (!/Request/.test(txt) || !/Response/.test(txt)) throw new Error('no request/response headers');
  await page.locator('[data-testid=exchange-detail] [data-evidence-packet]').first().click();
  await page.waitForSelector('[data-testid=packet-detail]');
});

await scenario('charts', async (page) => {
  await page.goto(`${base}/?sample=close-wait-leak`);
  await page.waitForSelector('[data-testid=summary]', { timeout: 20000 });
  await page.click('[data-testid=charts-toggle]');
  await page.waitForSelector('[data-testid=charts] svg.recharts-surface', { timeout: 10000 });
  const n = await page.locator('[data-testid=charts] svg.recharts-surface').count();
  if (n < 2) throw new Error(`only ${n} charts`);
});

await scenario('evidence-frame', async (page) => {
  await page.goto(`${base}/?sample=h2-rule-violations`);
  await page.waitForSelector('[data-finding-kind]', { timeout: 20000 });
  const frameChip = page.locator('[data-finding-kind]');
  const count = await frameChip.count();
  for (let i = 0; i < count; i++) {
    await frameChip.nth(i).click();
    const chip = page.locator('[aria-selected="true"][data-finding-kind] [data-evidence=frame]').first();
    if (await chip.count()) {
      await chip.click();
      // Frames on stream 0 have no ladder: try the next finding then.
      const ok = await page
        .waitForSelector('[data-testid=stream-ladder] [data-highlighted=true]', { timeout: 2000 })
        .then(
          () => true,
          () => false,
        );
      if (ok) return;
    }
  }
  throw new Error('no finding with frame evidence');
});

await scenario('http2-ladder', async (page) => {
  await page.goto(base);
  const h2 = HAS_CORPUS
    ? join(REAL, 'arkime-http2-nghttp2.pcap')
    : join(root, 'samples/healthy-h2c/capture.pcap');
  await page.setInputFiles('[data-testid=open-file]', h2);
  const row = page.locator('tr[data-stream]').first();
  await row.waitFor({ timeout: 20000 });
  await row.click();
  await page.waitForSelector('[data-testid=stream-ladder]');
  await page.locator('[data-testid=stream-ladder] summary').first().click();
});

await scenario('corrupt-file-error', async (page) => {
  await page.goto(base);
  const junk = join(tmpdir(), 'tracelens-junk.bin');
  writeFileSync(junk, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 255)));
  await page.setInputFiles('[data-testid=open-file]', junk);
  const t = await page.locator('[data-testid=error]').textContent({ timeout: 20000 });
  if (!t || t.length < 10) throw new Error('no error text');
  if (/\bat .*\(.*:\d+:\d+\)/.test(t)) throw new Error('stack trace leaked');
  if (!HAS_CORPUS) return;
  await page.setInputFiles('[data-testid=open-file]', join(REAL, 'suricata-fuzz-corrupt.pcap'));
  await page.waitForFunction(
    () => document.querySelector('[data-testid=error]') || document.querySelector('[data-testid=summary]'),
    null,
    { timeout: 20000 },
  );
});

await scenario('reload-keeps-selection', async (page) => {
  await page.goto(`${base}/?sample=idle-reset-nat`);
  const f = page.locator('[data-finding-kind]').first();
  await f.waitFor({ timeout: 20000 });
  const kind = await f.getAttribute('data-finding-kind');
  await f.click();
  await page.waitForSelector(`[data-finding-kind="${kind}"][aria-selected="true"]`);
  const url = page.url();
  if (!/finding=/.test(url) || !/sample=/.test(url)) throw new Error(`URL lacks state: ${url}`);
  const before = await page.getAttribute('[data-testid=timeline]', 'data-view-start-s');
  await page.goto(url);
  await page.waitForSelector(`[data-finding-kind="${kind}"][aria-selected="true"]`, { timeout: 20000 });
  const after = await page.getAttribute('[data-testid=timeline]', 'data-view-start-s');
  if (before !== after) throw new Error(`view differs: ${before} vs ${after}`);
});

await scenario('dark-mode', async (page) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${base}/?sample=idle-reset-silent-rst`);
  await page.waitForSelector('[data-testid=summary]', { timeout: 20000 });
});

await h.finish();
