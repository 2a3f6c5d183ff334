// Sharing in the browser: share a gallery sample, open the view link in a fresh context (no
// token: trace and findings, no edit controls), add a note through the edit link in another fresh
// context, and see it from the view link. Expects `npm run build`. Prints "N passed, N failed".
import { start } from './_harness.mjs';

const h = await start();
const SAMPLE = 'idle-reset-nat';
let links = null;
let noteText = `<b>not bold</b> RST right after the NAT idle timeout ${Date.now()}`;

function assert(c, m) {
  if (!c) throw new Error(m);
}

await h.scenario('share-upload', async (page) => {
  await page.goto(h.base);
  await page.locator(`[data-sample="${SAMPLE}"]`).click({ timeout: 10000 });
  await page.waitForSelector('[data-finding-kind]', { timeout: 20000 });
  await page.click('[data-testid=share]');
  await page.waitForSelector('[data-testid=share-dialog]');
  const text = await page.textContent('[data-testid=share-dialog]');
  assert(/uploaded to this server/.test(text), 'dialog explains the upload');
  assert(
    (await page.locator('[data-testid=share-keylog]').count()) === 0,
    'no key log checkbox without a key log',
  );
  await page.click('[data-testid=share-upload]');
  // Redaction is on by default: the dialog says what it removed, then uploads the redacted copy.
  await page.locator('[data-testid=share-redact-summary]').waitFor({ timeout: 30000 });
  await page.click('[data-testid=share-upload-redacted]');
  const view = await page.locator('[data-testid=share-view-url]').inputValue({ timeout: 20000 });
  const edit = await page.locator('[data-testid=share-edit-url]').inputValue();
  assert(view.startsWith(`${h.base}/t/`) && /\/t\/[A-Za-z0-9_-]{22}$/.test(view), `view link ${view}`);
  assert(/\?token=/.test(edit), `edit link ${edit}`);
  assert(
    /annotate|notes/i.test(await page.textContent('[data-testid=share-dialog]')),
    'says what the edit link allows',
  );
  links = { view, edit };
});

await h.scenario('share-view-readonly', async (page) => {
  assert(links, 'no links from the upload');
  await page.goto(links.view);
  await page.waitForSelector('[data-testid=shared-summary]');
  await page.waitForSelector('[data-testid=summary]', { timeout: 20000 });
  await page.waitForSelector('[data-finding-kind="tcp.rst-after-idle"]');
  await page.waitForSelector('[data-testid=annotations]');
  assert((await page.locator('[data-testid=note-form]').count()) === 0, 'viewer sees no note form');
  assert((await page.locator('[data-testid=edit-mode]').count()) === 0, 'viewer is not in edit mode');
  assert((await page.locator('[data-testid=download-capture]').count()) === 1, 'download link');
  const html = await page.content();
  assert(!html.includes(new URL(links.edit).searchParams.get('token')), 'token not in the viewer page');
});

let noteId = null;
await h.scenario('share-edit-add-note', async (page) => {
  assert(links, 'no links from the upload');
  await page.goto(links.edit);
  await page.waitForSelector('[data-testid=note-form]', { timeout: 20000 });
  assert(!page.url().includes('token='), `token left in the address bar: ${page.url()}`);
  const f = page.locator('[data-finding-kind="tcp.rst-after-idle"]').first();
  await f.click();
  // The finding's first evidence packet is selected: the note is pinned to it.
  const opt = await page.locator('[data-testid=note-target] option').first().textContent();
  assert(/^packet #\d+$/.test(opt ?? ''), `first target is a packet: ${opt}`);
  await page.fill('[data-testid=note-author]', 'browser test');
  await page.fill('[data-testid=note-text-input]', noteText);
  await page.click('[data-testid=note-add]');
  const li = page.locator('[data-note-id]').filter({ hasText: 'not bold' });
  await li.waitFor({ timeout: 10000 });
  noteId = await li.getAttribute('data-note-id');
  // Reload: the token survives in sessionStorage, not in the URL.
  await page.reload();
  await page.waitForSelector('[data-testid=note-form]', { timeout: 20000 });
});

await h.scenario('share-view-sees-note', async (page) => {
  assert(links && noteId, 'no note');
  await page.goto(`${links.view}#note-${noteId}`);
  const li = page.locator(`[data-note-id="${noteId}"]`);
  await li.waitFor({ timeout: 20000 });
  const t = await li.locator('[data-testid=note-text]').textContent();
  assert(t === noteText, `note text rendered as text: ${t}`);
  assert((await li.locator('b').count()) === 0, 'note text not rendered as HTML');
  await page.waitForSelector(`[data-note-id="${noteId}"][data-selected="true"]`, { timeout: 5000 });
  assert((await page.locator('[data-testid=note-edit]').count()) === 0, 'viewer cannot edit');
  assert((await page.locator('[data-testid=note-form]').count()) === 0, 'viewer cannot add');
});

await h.scenario('share-edit-conflict', async (page) => {
  assert(links && noteId, 'no note');
  await page.goto(links.edit);
  const li = page.locator(`[data-note-id="${noteId}"]`);
  await li.waitFor({ timeout: 20000 });
  // Someone else edits the note meanwhile.
  const u = new URL(links.edit);
  const api = `${h.base}/api/traces${u.pathname.slice(2)}/annotations/${noteId}`;
  const r = await fetch(api, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${u.searchParams.get('token')}` },
    body: JSON.stringify({ text: 'edited elsewhere' }),
  });
  assert(r.ok, `PATCH ${r.status}`);
  await li.locator('[data-testid=note-edit]').click();
  await page.fill('[data-testid=note-edit-text]', 'my stale edit');
  await page.click('[data-testid=note-save]');
  await page.waitForSelector('text=changed by someone else', { timeout: 10000 });
  await page.waitForFunction(
    (id) =>
      document.querySelector(`[data-note-id="${id}"] [data-testid=note-text]`)?.textContent ===
      'edited elsewhere',
    noteId,
    { timeout: 10000 },
  );
  // Delete works with the token.
  page.once('dialog', (d) => d.accept());
  await li.locator('[data-testid=note-delete]').click();
  await li.waitFor({ state: 'detached', timeout: 10000 });
});

await h.finish();
