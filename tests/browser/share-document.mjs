// The shared page reads its trace from the document (GET /api/traces/:id/document, Arrow, read in a
// worker), not from the JSON: upload captures through the API, open each view link, and check that
// the document route was used, the JSON route was not, and the page shows the same findings and
// counts as the trace JSON (GET /api/traces/:id, read here by the test). Then a trace whose document
// is missing (an older trace; simulated by answering 404) still loads, from its JSON.
// Expects a build (TRACELENS_NEXT_DIST honoured). Prints "N passed, N failed".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, start } from './_harness.mjs';

const h = await start();

function assert(c, m) {
  if (!c) throw new Error(m);
}

async function upload(file) {
  const r = await fetch(`${h.base}/api/traces?name=${encodeURIComponent(file.split('/').pop())}`, {
    method: 'POST',
    body: readFileSync(join(root, file)),
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert(r.status === 201, `upload ${file}: HTTP ${r.status}`);
  const j = await r.json();
  const t = await (await fetch(`${h.base}/api/traces/${j.id}`)).json();
  return { ...j, trace: t.trace };
}

/** Opens the view link; returns the API paths the page fetched. */
async function openView(page, viewUrl) {
  const seen = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/traces/')) seen.push(u.pathname);
  });
  await page.goto(viewUrl);
  await page.waitForSelector('[data-testid=summary]', { timeout: 30000 });
  // Every row in: the progress line is gone and the stream list (if any) is complete.
  await page.waitForFunction(() => !document.querySelector('[data-testid=rows-progress]'), null, {
    timeout: 60000,
  });
  return seen;
}

async function shownFindings(page) {
  return page.$$eval('[data-finding-kind]', (els) => els.map((e) => e.getAttribute('data-finding-kind')));
}

function expectSameView(summaryText, found, trace) {
  const kinds = [...new Set(trace.findings.map((f) => f.kind))].sort();
  const shown = [...new Set(found)].sort();
  assert(JSON.stringify(shown) === JSON.stringify(kinds), `finding kinds ${shown} != ${kinds}`);
  assert(summaryText.includes(`${trace.connections.length} connections`), `connections in "${summaryText}"`);
  if (trace.streams.length)
    assert(summaryText.includes(`${trace.streams.length} h2 streams`), `streams in "${summaryText}"`);
  if (trace.exchanges.length)
    assert(
      summaryText.includes(`${trace.exchanges.length} http/1 exchanges`),
      `exchanges in "${summaryText}"`,
    );
  for (const s of ['error', 'warning', 'info']) {
    const n = trace.findings.filter((f) => f.severity === s).length;
    assert(summaryText.includes(`${n} ${s}`), `${n} ${s} in "${summaryText}"`);
  }
}

const CAPTURES = ['samples/idle-reset-nat/capture.pcap', 'samples/h2-rule-violations/capture.pcap'];
const uploaded = [];
for (const file of CAPTURES) uploaded.push(await upload(file));

for (const u of uploaded) {
  await h.scenario(`share-document-${u.trace.input.name}-${uploaded.indexOf(u)}`, async (page) => {
    const seen = await openView(page, u.viewUrl);
    assert(seen.includes(`/api/traces/${u.id}/document`), `document route not used: ${seen.join(' ')}`);
    assert(!seen.includes(`/api/traces/${u.id}`), `the page read the JSON route: ${seen.join(' ')}`);
    expectSameView(await page.textContent('[data-testid=summary]'), await shownFindings(page), u.trace);
    if (u.trace.streams.length) {
      const rows = await page.locator('[data-testid=stream-list] tr[data-stream]').count();
      assert(rows > 0, 'stream rows drawn');
    }
  });
}

await h.scenario('share-document-missing-falls-back-to-json', async (page) => {
  const u = uploaded[1];
  await page.route('**/api/traces/*/document', (r) =>
    r.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"no document"}' }),
  );
  const seen = await openView(page, u.viewUrl);
  assert(seen.includes(`/api/traces/${u.id}`), `JSON route not used: ${seen.join(' ')}`);
  expectSameView(await page.textContent('[data-testid=summary]'), await shownFindings(page), u.trace);
});

await h.scenario('share-document-served-as-arrow', async () => {
  const u = uploaded[0];
  const r = await fetch(`${h.base}/api/traces/${u.id}/document`);
  assert(r.ok, `HTTP ${r.status}`);
  assert(r.headers.get('content-type') === 'application/vnd.apache.arrow.file', 'content type');
  const b = new Uint8Array(await r.arrayBuffer());
  assert(new TextDecoder().decode(b.subarray(0, 6)) === 'ARROW1', 'an Arrow IPC file');
  const again = await fetch(`${h.base}/api/traces/${u.id}/document`, {
    headers: { 'if-none-match': r.headers.get('etag') },
  });
  assert(again.status === 304, `revalidation: HTTP ${again.status}`);
  const none = await fetch(`${h.base}/api/traces/AAAAAAAAAAAAAAAAAAAAAA/document`);
  assert(none.status === 404, `unknown trace: HTTP ${none.status}`);
});

await h.finish();
