// Browser tests of Follow stream and the I/O graph. Expects a production build (`npm run build`, or
// TRACELENS_NEXT_DIST=<dir> for both build and this run). Uses the repository's own samples
// (public/samples), so it runs without ../shared.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, shots, start } from './_harness.mjs';

const h = await start({ viewport: { width: 1280, height: 800 }, fullPage: false });
const { base, scenario } = h;

/** Packets tshark shows for a filter (the oracle), or the recorded figure without tshark. */
function tsharkCount(capture, filter, recorded) {
  try {
    const out = execFileSync('tshark', ['-r', capture, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\n').filter(Boolean).length;
  } catch {
    return recorded;
  }
}

const assert = (ok, msg) => {
  if (!ok) throw new Error(msg);
};

async function openSample(page, sample) {
  await page.goto(`${base}/?sample=${sample}`);
  await page.waitForSelector('tr[data-conn]', { timeout: 30000 });
  // The kept worker (packet session) answers Follow: wait for the filter bar that needs it too.
  await page.waitForSelector('[data-testid=filter-input]', { timeout: 30000 });
}

// A TCP stream of an HTTP/1 connection: both directions, coloured, gaps none; hex dump toggle.
await scenario('follow-tcp-stream', async (page) => {
  await openSample(page, 'healthy-http1');
  await page.locator('tr[data-conn]').first().click();
  await page.click('[data-testid=follow-tcp]');
  await page.waitForSelector('[data-testid=follow-line]', { timeout: 15000 });
  const dirs = await page.$$eval('[data-testid=follow-line]', (ls) => [
    ...new Set(ls.map((l) => l.dataset.dir)),
  ]);
  assert(dirs.includes('c2s') && dirs.includes('s2c'), `both directions visible, got ${dirs}`);
  const first = await page.locator('[data-testid=follow-line]').first().textContent();
  assert(/^[A-Z]+ \S+ HTTP\/1\.1$/.test(first ?? ''), `first line is a request line: ${first}`);
  const server = await page.locator('[data-testid=follow-line][data-dir=s2c]').first().textContent();
  assert(/^HTTP\/1\.1 \d{3}/.test(server ?? ''), `server's first line is a status line: ${server}`);
  // Client red, server blue (Wireshark's colours).
  const colour = async (dir) =>
    page.$eval(`[data-testid=follow-line][data-dir=${dir}]`, (e) => getComputedStyle(e).color);
  const [cr, sr] = [await colour('c2s'), await colour('s2c')];
  assert(cr !== sr, `directions coloured differently: ${cr} / ${sr}`);
  await page.screenshot({ path: join(shots, 'follow-tcp-ascii.png') });
  // Save as text: the conversation with a header line per run.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid=follow-save-text]'),
  ]);
  const saved = readFileSync(await download.path(), 'utf8');
  assert(
    /^==== 127\.0\.0\.1:\d+ \(client → server\)\n[A-Z]+ \S+ HTTP\/1\.1\n/.test(saved),
    `saved text: ${saved.slice(0, 80)}`,
  );
  assert(saved.includes('(server → client)\nHTTP/1.1 '), 'saved text has the server runs');
  await page.click('[data-testid=follow-mode-hex]');
  await page.waitForFunction(
    () =>
      /^00000000 {2}[0-9a-f]{2} /.test(
        document.querySelector('[data-testid=follow-line]')?.textContent ?? '',
      ),
    null,
    { timeout: 5000 },
  );
  await page.screenshot({ path: join(shots, 'follow-tcp-hex.png') });
  // One direction only.
  await page.selectOption('[data-testid=follow-direction]', 's2c');
  await page.waitForFunction(
    () => {
      const ls = [...document.querySelectorAll('[data-testid=follow-line]')];
      return ls.length > 0 && ls.every((l) => l.dataset.dir === 's2c');
    },
    null,
    { timeout: 15000 },
  );
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid=follow-panel]', { state: 'detached', timeout: 5000 });
});

// An HTTP/2 stream: request and response headers, the body decoded.
await scenario('follow-h2-stream', async (page) => {
  await openSample(page, 'healthy-h2c');
  const row = page.locator('[data-stream]').first();
  await row.waitFor({ timeout: 15000 });
  await row.click();
  await page.click('[data-testid=follow-h2]');
  await page.waitForSelector('[data-testid=follow-http]', { timeout: 15000 });
  const headers = await page.locator('[data-testid=follow-headers]').allTextContents();
  assert(
    headers.some((t) => /^:method: [A-Z]+/m.test(t)),
    `request headers shown: ${headers[0]}`,
  );
  assert(
    headers.some((t) => /^:status: \d{3}/m.test(t)),
    `response headers shown: ${headers.join(' | ')}`,
  );
  const body = page.locator('[data-testid=follow-body], [data-testid=follow-grpc]').last();
  await body.waitFor({ timeout: 5000 });
  const kind = await body.getAttribute('data-kind');
  const text = await body.textContent();
  assert(kind !== 'binary' || /grpc/i.test(text ?? ''), `response body decoded (kind ${kind})`);
  assert((text ?? '').length > 10, `response body text: ${text}`);
  await page.screenshot({ path: join(shots, 'follow-h2-stream.png') });
});

// An HTTP/1 exchange: request line and headers, the JSON response pretty-printed.
await scenario('follow-http1-exchange', async (page) => {
  await openSample(page, 'healthy-http1');
  await page.locator('[data-exchange]').first().click();
  await page.click('[data-testid=follow-http1]');
  await page.waitForSelector('[data-testid=follow-http]', { timeout: 15000 });
  const heads = await page.locator('[data-testid=follow-headers]').allTextContents();
  assert(/^[A-Z]+ \S+ HTTP\/1\.1\n/.test(heads[0] ?? ''), `request head: ${heads[0]}`);
  assert(/^HTTP\/1\.1 \d{3}/.test(heads[1] ?? ''), `response head: ${heads[1]}`);
  const body = page.locator('[data-testid=follow-body]').last();
  assert((await body.getAttribute('data-kind')) === 'json', 'the JSON body is shown as JSON');
  assert((await body.textContent())?.includes('{\n  "'), 'pretty-printed');
});

// I/O graph: a series with a display filter shows points; clicking one zooms the timeline there.
await scenario('iograph-series-and-zoom', async (page) => {
  await openSample(page, 'deadline-cut');
  await page.click('[data-testid=iograph-toggle]');
  await page.waitForSelector('[data-testid=iograph-chart]', { timeout: 15000 });
  await page.click('[data-testid=iograph-add]');
  const filters = page.locator('[data-testid=iograph-filter]');
  await filters.nth(1).fill('tcp.flags.syn == 1');
  await page.locator('[data-testid=iograph-measure]').nth(1).selectOption('packets');
  await page.selectOption('[data-testid=iograph-interval]', '0.1');
  await page.click('[data-testid=iograph-apply]');
  await page.waitForFunction(
    () => /^2 series/.test(document.querySelector('[data-testid=iograph-status]')?.textContent ?? ''),
    null,
    { timeout: 15000 },
  );
  const deadline = join(root, 'public/samples/deadline-cut.pcap');
  const totals = (await page.getAttribute('[data-testid=iograph-chart]', 'data-totals'))
    .split(',')
    .map(Number);
  const want = [tsharkCount(deadline, 'frame', 252), tsharkCount(deadline, 'tcp.flags.syn == 1', 36)];
  assert(JSON.stringify(totals) === JSON.stringify(want), `series totals ${totals}, tshark ${want}`);
  const points = Number(await page.getAttribute('[data-testid=iograph-chart]', 'data-points'));
  assert(points > 1, `points drawn: ${points}`);
  const paths = await page.locator('[data-testid=iograph-chart] .recharts-line path.recharts-curve').count();
  assert(paths === 2, `two line series drawn, got ${paths}`);
  await page.screenshot({ path: join(shots, 'iograph.png') });
  const before = await page.getAttribute('[data-testid=timeline]', 'data-view-start-s');
  // Click inside the plot, a third of the way across: the nearest interval is zoomed to.
  await page.locator('[data-testid=iograph-chart]').scrollIntoViewIfNeeded();
  const plot = await page.locator('[data-testid=iograph-chart] .recharts-cartesian-grid').boundingBox();
  assert(plot, 'plot area');
  await page.mouse.move(plot.x + plot.width / 3, plot.y + plot.height / 2);
  await page.mouse.click(plot.x + plot.width / 3 + 1, plot.y + plot.height / 2);
  await page.waitForFunction(
    (b) => {
      const s = document.querySelector('[data-testid=timeline]')?.getAttribute('data-view-start-s');
      return s !== null && s !== undefined && s !== b;
    },
    before,
    { timeout: 5000 },
  );
  const startS = Number(await page.getAttribute('[data-testid=timeline]', 'data-view-start-s'));
  const endS = Number(await page.getAttribute('[data-testid=timeline]', 'data-view-end-s'));
  assert(endS - startS < 1, `zoomed to about one interval: ${startS}..${endS}`);
  await page.screenshot({ path: join(shots, 'iograph-zoomed.png') });
});

// A series on a field read from the packet bytes (TLS records), against tshark.
await scenario('iograph-tls-bytes-field', async (page) => {
  const capture = join(root, 'samples/tls/curl-h2.pcap');
  await page.goto(base);
  await page.setInputFiles('[data-testid=open-file]', capture);
  await page.waitForSelector('[data-testid=filter-input]', { timeout: 30000 });
  await page.click('[data-testid=iograph-toggle]');
  await page.waitForSelector('[data-testid=iograph-chart]', { timeout: 15000 });
  await page.locator('[data-testid=iograph-filter]').first().fill('tls.record.opaque_type == 23');
  await page.locator('[data-testid=iograph-measure]').first().selectOption('sum');
  await page.locator('[data-testid=iograph-field]').first().fill('tls.record.length');
  const before = await page.getAttribute('[data-testid=iograph-chart]', 'data-totals');
  await page.click('[data-testid=iograph-apply]');
  await page.waitForFunction(
    (b) => document.querySelector('[data-testid=iograph-chart]')?.getAttribute('data-totals') !== b,
    before,
    { timeout: 15000 },
  );
  const total = Number(await page.getAttribute('[data-testid=iograph-chart]', 'data-totals'));
  let want = total;
  try {
    const out = execFileSync(
      'tshark',
      ['-r', capture, '-Y', 'tls.record.opaque_type == 23', '-T', 'fields', '-e', 'tls.record.length'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    // SUM over every occurrence: tshark prints a packet's records comma-separated.
    want = out
      .split(/[\n,]/)
      .filter(Boolean)
      .reduce((a, b) => a + Number(b), 0);
  } catch {
    // Without tshark the figure is only checked to be positive.
  }
  assert(total > 0 && total === want, `SUM(tls.record.length) ${total}, tshark ${want}`);
  await page.screenshot({ path: join(shots, 'iograph-tls.png') });
});

// A large gzip capture (20 MB of one gRPC connection): Follow reads it back in the worker, and the
// hex dump of 1.3 million lines scrolls to its last line without the page stalling.
await scenario('follow-large-gzip-stream', async (page) => {
  await page.goto(base);
  await page.setInputFiles(
    '[data-testid=open-file]',
    join(root, 'lab/benign-grpc-cancel-deadline/client.pcap.gz'),
  );
  await page.waitForSelector('[data-testid=filter-input]', { timeout: 60000 });
  await page.locator('tr[data-conn="c1"]').click();
  const t0 = Date.now();
  await page.click('[data-testid=follow-tcp]');
  await page.waitForSelector('[data-testid=follow-line]', { timeout: 60000 });
  const followMs = Date.now() - t0;
  await page.click('[data-testid=follow-mode-hex]');
  const stats = await page.textContent('[data-testid=follow-stats]');
  const lines = Number(/([\d,]+) lines/.exec(stats ?? '')?.[1].replace(/,/g, ''));
  assert(lines > 1_000_000, `hex lines: ${stats}`);
  // The page answers while the stream is shown: a frame within 200 ms.
  const frameMs = await page.evaluate(
    () =>
      new Promise((r) => {
        const t = performance.now();
        requestAnimationFrame(() => r(performance.now() - t));
      }),
  );
  assert(frameMs < 200, `next frame after ${frameMs} ms`);
  await page.$eval('[data-testid=follow-scroll]', (e) => (e.scrollTop = e.scrollHeight));
  // The last line of the index is drawn, inside the scroller's visible box.
  await page.waitForFunction(
    (n) =>
      [...document.querySelectorAll('[data-testid=follow-line]')].some(
        (l) => Number(l.dataset.line) === n - 1,
      ),
    lines,
    { timeout: 5000 },
  );
  const lastLine = page.locator(`[data-testid=follow-line][data-line="${lines - 1}"]`);
  const last = await lastLine.textContent();
  const box = await lastLine.boundingBox();
  const view = await page.locator('[data-testid=follow-scroll]').boundingBox();
  assert(
    box && view && box.y >= view.y && box.y + box.height <= view.y + view.height + 1,
    `the last line is in view: ${JSON.stringify(box)} in ${JSON.stringify(view)}`,
  );
  assert(view.y + view.height <= 800, 'the scroller fits the window');
  assert(/^[0-9a-f]{8} /.test(last ?? ''), `last line is a hex row: ${last}`);
  console.log(
    `     follow of c1 (1.3M hex lines) answered in ${followMs} ms; last line: ${last?.slice(0, 24)}`,
  );
  await page.screenshot({ path: join(shots, 'follow-large-end.png') });
});

await h.finish();
