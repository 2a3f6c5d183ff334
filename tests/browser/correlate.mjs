// The aligned multi-vantage view: drop the client and server captures of lab/nat-idle-reset (a
// NAT box between them answers an idle connection's packet with a forged RST), see one lane group
// per point, the injected-RST finding; click it: its evidence and copies are selected at both
// points and the view zooms on them. Share it and open the link: the same view. Expects
// `npm run build` (or TRACELENS_NEXT_DIST=<dir> for both build and this run).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, start } from './_harness.mjs';

const h = await start({ viewport: { width: 1500, height: 1000 } });
const lab = join(root, 'lab/nat-idle-reset');

function assert(c, m) {
  if (!c) throw new Error(m);
}

async function dropFiles(page, selector, files) {
  const payload = files.map((f) => ({ name: f, b64: readFileSync(join(lab, f)).toString('base64') }));
  const dt = await page.evaluateHandle((items) => {
    const d = new DataTransfer();
    for (const it of items) {
      const bin = atob(it.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      d.items.add(new File([bytes], it.name, { type: 'application/vnd.tcpdump.pcap' }));
    }
    return d;
  }, payload);
  await page.dispatchEvent(selector, 'drop', { dataTransfer: dt });
}

/** Count of canvas pixels near an RGB colour: the glyph was drawn. */
function pixelsNear(page, rgb) {
  return page.$eval(
    '[data-testid=lanes] canvas',
    (c, [r, g, b]) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (Math.abs(d[i] - r) < 12 && Math.abs(d[i + 1] - g) < 12 && Math.abs(d[i + 2] - b) < 12) n++;
      return n;
    },
    rgb,
  );
}

async function checkView(page, label) {
  const lanes = page.locator('[data-testid=lanes]');
  await lanes.waitFor({ timeout: 30000 });
  const groups = await lanes.getAttribute('data-groups');
  assert(groups === 'client.pcap|server.pcap', `${label}: two lane groups, client first: ${groups}`);
  const offsets = await page.locator('[data-testid=clock-offsets]').textContent();
  assert(
    /(client|server)\.pcap: [+-]\d+\.\d+ ms ± \d+\.\d+ ms/.test(offsets),
    `${label}: offset shown: ${offsets}`,
  );
  const fates = await page.locator('[data-testid=fate-counts]').textContent();
  assert(
    /[1-9]\d* injected/.test(fates) && /[1-9]\d* delivered/.test(fates),
    `${label}: fate counts: ${fates}`,
  );
  assert((await page.locator('[data-testid=match-table] tbody tr').count()) >= 1, `${label}: match table`);
  assert((await pixelsNear(page, [0xd9, 0x26, 0x7a])) > 10, `${label}: the injected glyph is drawn`);
  const [s0, e0] = (await lanes.getAttribute('data-view')).split(',').map(Number);

  const finding = page.locator('[data-testid=correlate-findings] [data-kind="path.injected-rst"]').first();
  await finding.waitFor();
  assert(/never sent by/.test(await finding.textContent()), `${label}: injected-RST title`);
  await finding.click();
  await page.waitForFunction(
    () => Number(document.querySelector('[data-testid=lanes]')?.getAttribute('data-selected')) >= 2,
  );
  const inputs = await page
    .locator('[data-testid=selected-packets] tbody tr')
    .evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-input')} ${r.textContent}`));
  assert(
    inputs.some((t) => t.startsWith('client.pcap')),
    `${label}: selected at the client: ${inputs}`,
  );
  assert(
    inputs.some((t) => t.startsWith('server.pcap')),
    `${label}: selected at the server: ${inputs}`,
  );
  assert(
    inputs.some((t) => /RST/.test(t) && /injected/.test(t)),
    `${label}: the injected RST selected: ${inputs}`,
  );
  const [s1, e1] = (await lanes.getAttribute('data-view')).split(',').map(Number);
  assert(e1 - s1 < (e0 - s0) / 2, `${label}: zoomed on the finding: ${s0}..${e0} -> ${s1}..${e1}`);
  // The selection ring is drawn.
  assert((await pixelsNear(page, [0xca, 0x8a, 0x04])) > 10, `${label}: selection drawn`);
}

let shared = null;
await h.scenario('correlate-drop', async (page) => {
  await page.goto(`${h.base}/correlate`);
  await dropFiles(page, '[data-testid=correlate-drop]', ['server.pcap', 'client.pcap']);
  await checkView(page, 'dropped');
  // Wheel zoom and hover read from the named handlers.
  const box = await page.locator('[data-testid=lanes] canvas').boundingBox();
  const before = await page.locator('[data-testid=lanes]').getAttribute('data-view');
  await page.mouse.move(box.x + box.width * 0.6, box.y + 60);
  await page.mouse.wheel(0, 400);
  await page.waitForFunction(
    (b) => document.querySelector('[data-testid=lanes]')?.getAttribute('data-view') !== b,
    before,
  );
  await page.screenshot({
    path: join(root, 'test-results/screenshots/correlate-finding.png'),
    fullPage: true,
  });
  await page.click('[data-testid=share-correlation]');
  const link = page.locator('[data-testid=share-link]');
  await link.waitFor({ timeout: 60000 });
  shared = await link.getAttribute('href');
  assert(/^\/c\/[A-Za-z0-9_-]{22}$/.test(shared), `share link ${shared}`);
});

await h.scenario('correlate-shared-link', async (page) => {
  assert(shared, 'a link from the previous scenario');
  await page.goto(`${h.base}${shared}`);
  await checkView(page, 'shared');
  const names = await page.locator('[data-testid=shared-inputs]').textContent();
  assert(/client\.pcap/.test(names) && /server\.pcap/.test(names), `shared inputs: ${names}`);
  const r = await fetch(`${h.base}/api/correlations/${'A'.repeat(22)}`);
  assert(r.status === 404, `unknown id: ${r.status}`);
  const one = new FormData();
  one.append('file', new Blob([readFileSync(join(lab, 'client.pcap'))]), 'client.pcap');
  const bad = await fetch(`${h.base}/api/correlations`, { method: 'POST', body: one });
  assert(bad.status === 400 && /two or more/.test((await bad.json()).error), `one input: ${bad.status}`);
});

// Two captures picked (or dropped) together on the main page open the correlation view in place,
// the File objects handed over without a server round trip.
await h.scenario('correlate-from-landing', async (page) => {
  await page.goto(h.base);
  await page.waitForSelector('[data-testid=open-file]', { state: 'attached' });
  await page.setInputFiles('[data-testid=open-file]', [join(lab, 'server.pcap'), join(lab, 'client.pcap')]);
  await checkView(page, 'from the main page');
  assert(new URL(page.url()).pathname === '/', `stayed on the main page: ${page.url()}`);
  assert(
    (await page.locator('[data-testid=correlate-drop]').count()) === 1,
    'the correlate drop zone is shown',
  );
  // Its home link leads back to the landing page (a client-side move to / would keep the view).
  await page.click('[data-testid=correlate-home]');
  await page.waitForSelector('[data-testid=landing-correlate]');
});

// One capture with its key log (named keys.txt, given first) still opens one trace of the capture.
await h.scenario('capture-and-keylog-stay-one-trace', async (page) => {
  await page.goto(h.base);
  await page.waitForSelector('[data-testid=open-file]', { state: 'attached' });
  const hrr = join(root, 'lab/tls13-hrr');
  await page.setInputFiles('[data-testid=open-file]', [join(hrr, 'keys.txt'), join(hrr, 'hrr.pcap')]);
  await page.waitForSelector('[data-testid=filter-input]', { timeout: 30000 });
  assert((await page.locator('[data-testid=lanes]').count()) === 0, 'no correlation view');
  const body = await page.locator('body').textContent();
  assert(/hrr\.pcap/.test(body), 'the capture, not the key log, is the trace');
});

await h.finish();
