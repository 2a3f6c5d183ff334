// Browser tests of the packet list, the display filter bar and the packet detail + hex view.
// Expects a production build (`npm run build`, or TRACELENS_NEXT_DIST=<dir> for both build and
// this run). Uses the repository's own samples (public/samples), so it runs without ../shared;
// packet counts are the ones tshark gives for the same capture (checked when tshark is present).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { root, shots, start } from './_harness.mjs';

const h = await start({ viewport: { width: 1280, height: 800 }, fullPage: false });
const { base, scenario } = h;

const SAMPLE = 'deadline-cut';
const CAPTURE = join(root, 'public/samples', `${SAMPLE}.pcap`);
/** Packets tshark shows for a filter (the oracle), or the recorded figure without tshark. */
function tsharkCount(filter, recorded) {
  try {
    const out = execFileSync('tshark', ['-r', CAPTURE, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\n').filter(Boolean).length;
  } catch {
    return recorded;
  }
}
const TOTAL = tsharkCount('frame', 252);
const SYNS = tsharkCount('tcp.flags.syn == 1', 36);
const STREAM1 = tsharkCount('tcp.stream == 1', 12);

const assert = (ok, msg) => {
  if (!ok) throw new Error(msg);
};
const count = async (page) => Number(await page.getAttribute('[data-testid=packet-list]', 'data-count'));
async function waitCount(page, n, what) {
  try {
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid=packet-list]')?.getAttribute('data-count')) === n,
      n,
      { timeout: 15000 },
    );
  } catch {
    throw new Error(`${what}: packet list shows ${await count(page)} packets, expected ${n}`);
  }
}
async function openPackets(page, query = '') {
  await page.goto(`${base}/?sample=${SAMPLE}${query}`);
  await page.waitForSelector('[data-testid=filter-input]', { timeout: 30000 });
  await page.click('[data-testid=tab-packets]');
  await page.waitForSelector('[data-testid=packet-list] [role=row][data-packet]', { timeout: 15000 });
}
/** Types a filter and waits for the bar's verdict (ok / error). */
async function typeFilter(page, text) {
  await page.fill('[data-testid=filter-input]', '');
  await page.type('[data-testid=filter-input]', text, { delay: 5 });
  await page.waitForFunction(
    () =>
      ['ok', 'error'].includes(
        document.querySelector('[data-testid=filter-input]')?.getAttribute('data-state'),
      ),
    null,
    { timeout: 10000 },
  );
  return page.getAttribute('[data-testid=filter-input]', 'data-state');
}
const bgOf = (page, sel) => page.$eval(sel, (el) => getComputedStyle(el).backgroundColor);

await scenario('packets-list', async (page) => {
  await openPackets(page);
  assert((await count(page)) === TOTAL, `list count ${await count(page)} != tshark ${TOTAL}`);
  // Virtualised: far fewer rows in the DOM than packets (252 packets, a screenful + overscan).
  const rendered = await page.locator('[data-testid=packet-list] [role=row][data-packet]').count();
  assert(rendered > 10 && rendered < TOTAL, `rendered rows: ${rendered}`);
  // Rows carry their text and a Wireshark colouring rule; the first is the capture's first SYN.
  const first = page.locator('[data-testid=packet-list] [role=row][data-packet="1"]');
  await page.waitForFunction(
    () => !document.querySelector('[data-testid=packet-list] [data-packet="1"]')?.textContent?.includes('…'),
  );
  const text = await first.textContent();
  assert(/TCP/.test(text) && /SYN/.test(text), `first row: ${text}`);
  assert((await first.getAttribute('data-color-rule')) === 'TCP SYN/FIN', 'first row colour rule');
  await page.screenshot({ path: join(shots, 'packets-list.png') });
});

await scenario('packets-filter-narrows', async (page) => {
  await openPackets(page);
  const state = await typeFilter(page, 'tcp.flags.syn == 1');
  assert(state === 'ok', `state ${state}`);
  assert((await bgOf(page, '[data-testid=filter-input]')) === 'rgb(175, 255, 175)', 'valid filter is green');
  await page.press('[data-testid=filter-input]', 'Enter');
  await waitCount(page, SYNS, 'tcp.flags.syn == 1');
  // The timeline dims the rest: it knows how many packets match.
  const m = await page.getAttribute('[data-testid=timeline]', 'data-filter-matches');
  assert(Number(m) === SYNS, `timeline matches ${m}`);
  assert(/[?&]filter=tcp\.flags\.syn/.test(decodeURIComponent(page.url())), `URL: ${page.url()}`);
  const status = await page.textContent('[data-testid=filter-status]');
  assert(status.includes(`Displayed: ${SYNS}`), `status: ${status}`);
  // Time display: delta since the previous displayed packet; the first displayed row is 0.
  await page.selectOption('[data-testid=time-format]', 'delta');
  const t0 = await page
    .locator('[data-testid=packet-list] [role=row][data-packet]')
    .first()
    .locator('span')
    .nth(1)
    .textContent();
  assert(t0 === '0.000000', `delta of the first row: ${t0}`);
  await page.screenshot({ path: join(shots, 'packets-filter-syn.png') });
});

await scenario('packets-filter-error', async (page) => {
  await openPackets(page);
  const text = 'tcp.flags.syn == 1 && tcp.prot == 80';
  const state = await typeFilter(page, text);
  assert(state === 'error', `state ${state}`);
  assert((await bgOf(page, '[data-testid=filter-input]')) === 'rgb(255, 175, 175)', 'invalid filter is red');
  const col = Number(await page.getAttribute('[data-testid=filter-error]', 'data-column'));
  assert(col === text.indexOf('tcp.prot') + 1, `error column ${col}`);
  const caret = await page.textContent('[data-testid=filter-caret]');
  assert(caret.indexOf('^') === col - 1, `caret at ${caret.indexOf('^')}`);
  const msg = await page.textContent('[data-testid=filter-error]');
  assert(/tcp\.prot/.test(msg), `message: ${msg}`);
  // Enter does not apply an invalid filter: the list keeps every packet, the URL no filter.
  await page.press('[data-testid=filter-input]', 'Enter');
  await page.waitForTimeout(300);
  assert((await count(page)) === TOTAL, 'an invalid filter changed the list');
  assert(!/[?&]filter=/.test(page.url()), `an invalid filter was applied: ${page.url()}`);
  await page.screenshot({ path: join(shots, 'packets-filter-error.png') });
});

await scenario('packets-filter-completion', async (page) => {
  await openPackets(page);
  await page.click('[data-testid=filter-input]');
  await page.type('[data-testid=filter-input]', 'tcp.src', { delay: 20 });
  await page.waitForSelector('[data-testid=filter-completions] [data-field="tcp.srcport"]', {
    timeout: 10000,
  });
  await page.screenshot({ path: join(shots, 'packets-filter-completion.png') });
  const names = await page.$$eval('[data-testid=filter-completions] [data-field]', (l) =>
    l.map((x) => x.getAttribute('data-field')),
  );
  const k = names.indexOf('tcp.srcport');
  for (let i = 0; i <= k; i++) await page.press('[data-testid=filter-input]', 'ArrowDown');
  await page.press('[data-testid=filter-input]', 'Enter');
  const v = await page.inputValue('[data-testid=filter-input]');
  assert(v === 'tcp.srcport', `completed to "${v}"`);
});

await scenario('packets-detail-hex', async (page) => {
  await openPackets(page);
  const list = page.locator('[data-testid=packet-list]');
  await list.locator('[role=row][data-packet="1"]').click();
  await page.waitForSelector('[data-testid=packet-tree] >> text=Transmission Control Protocol', {
    timeout: 10000,
  });
  // Keyboard: down selects packet 2, End the last, Home the first.
  await list.press('ArrowDown');
  await page.waitForSelector('[data-testid=packet-detail][data-packet="2"]');
  await list.press('End');
  await page.waitForSelector(`[data-testid=packet-detail][data-packet="${TOTAL}"]`);
  await list.press('Home');
  await page.waitForSelector('[data-testid=packet-detail][data-packet="1"]');
  await page.waitForSelector('[data-testid=packet-tree] >> text=Transmission Control Protocol');
  // A field highlights its bytes: the source port is two bytes.
  const port = page
    .locator('[data-testid=packet-tree] [data-detail-path]', { hasText: /^Source Port: \d+/ })
    .first();
  await port.click();
  const hl = await page.locator('[data-testid=hex-dump] [data-hl="1"]').count();
  assert(hl === 2, `highlighted bytes: ${hl}`);
  await page.screenshot({ path: join(shots, 'packets-detail-hex.png') });
  // Right-click the field: apply it as a filter.
  const filter = await port.getAttribute('data-filter');
  assert(/^tcp\.srcport == \d+$/.test(filter), `field filter: ${filter}`);
  await port.click({ button: 'right' });
  await page.click('[data-testid=apply-as-filter]');
  await page.waitForFunction(
    (f) => document.querySelector('[data-testid=filter-input]')?.value === f,
    filter,
  );
  await waitCount(page, tsharkCount(filter, -1) >= 0 ? tsharkCount(filter, -1) : await count(page), filter);
});

await scenario('packets-connection-apply', async (page) => {
  await page.goto(`${base}/?sample=${SAMPLE}`);
  await page.waitForSelector('tr[data-conn="c2"]', { timeout: 30000 });
  const before = await page.locator('[data-testid=connections] tbody tr[data-conn]').count();
  await page.click('tr[data-conn="c2"]', { button: 'right' });
  await page.waitForSelector('[data-testid=filter-menu]');
  await page.screenshot({ path: join(shots, 'packets-connection-menu.png') });
  await page.click('[data-testid=apply-as-filter]');
  await page.waitForFunction(
    () => document.querySelector('[data-testid=filter-input]')?.value === 'tcp.stream == 1',
  );
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid=connections] tbody tr[data-conn]').length === 1,
    null,
    { timeout: 10000 },
  );
  assert(before > 1, `connections before: ${before}`);
  assert(
    (await page.getAttribute('[data-testid=connections] tbody tr[data-conn]', 'data-conn')) === 'c2',
    'c2 kept',
  );
  await page.click('[data-testid=tab-packets]');
  await waitCount(page, STREAM1, 'tcp.stream == 1');
});

await scenario('packets-filter-in-url', async (page) => {
  await openPackets(page, `&filter=${encodeURIComponent('tcp.flags.syn == 1')}`);
  assert(
    (await page.inputValue('[data-testid=filter-input]')) === 'tcp.flags.syn == 1',
    'filter from the URL',
  );
  await waitCount(page, SYNS, 'filter from the URL');
  // Wireshark's own letter works too.
  await openPackets(page, `&Y=${encodeURIComponent('tcp.stream == 1')}`);
  await waitCount(page, STREAM1, '?Y=');
  await page.reload();
  await page.waitForSelector('[data-testid=filter-input]', { timeout: 30000 });
  assert(
    (await page.inputValue('[data-testid=filter-input]')) === 'tcp.stream == 1',
    'filter kept on reload',
  );
});

// A share link carries the applied filter; the shared page opens with it applied.
await scenario('packets-share-link', async (page) => {
  await openPackets(page, `&filter=${encodeURIComponent('tcp.flags.syn == 1')}`);
  await waitCount(page, SYNS, 'before sharing');
  await page.click('[data-testid=share]');
  await page.click('[data-testid=share-upload]');
  await page.locator('[data-testid=share-redact-summary]').waitFor({ timeout: 30000 });
  await page.click('[data-testid=share-upload-redacted]');
  const view = await page.locator('[data-testid=share-view-url]').inputValue({ timeout: 20000 });
  assert(new URL(view).searchParams.get('filter') === 'tcp.flags.syn == 1', `view link ${view}`);
  await page.goto(view);
  await page.waitForSelector('[data-testid=filter-input]', { timeout: 30000 });
  assert(
    (await page.inputValue('[data-testid=filter-input]')) === 'tcp.flags.syn == 1',
    'shared page filter',
  );
  await page.click('[data-testid=tab-packets]');
  // The redacted copy keeps every packet's TCP header: the same SYNs.
  await waitCount(page, SYNS, 'shared page');
  await page.screenshot({ path: join(shots, 'packets-shared-page.png') });
});

await h.finish();
