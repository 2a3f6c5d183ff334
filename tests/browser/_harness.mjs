// Shared by run.mjs, share.mjs, compare.mjs and perf-shared.mjs: starts `next start` (after `npm run build`) on a free
// loopback port with a temporary data directory, launches Chromium, runs scenarios in fresh
// contexts, saves screenshots, prints "N passed, N failed".
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const root = resolve(import.meta.dirname, '../..');
export const shots = join(root, 'test-results/screenshots');
mkdirSync(shots, { recursive: true });

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

/** `viewport` of each scenario's context; `fullPage` screenshots by default. */
export async function start({ viewport = { width: 1400, height: 900 }, fullPage = true } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tracelens-browser-'));
  const server = spawn(
    process.execPath,
    [join(root, 'node_modules/next/dist/bin/next'), 'start', '-p', String(port), '-H', '127.0.0.1'],
    {
      cwd: root,
      env: { ...process.env, TRACELENS_DATA_DIR: dataDir, TRACELENS_UPLOAD_RATE: '1000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let serverLog = '';
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));
  let up = false;
  for (let i = 0; i < 150 && !up; i++) {
    try {
      up = (await fetch(base)).ok;
    } catch {}
    if (!up) await new Promise((r) => setTimeout(r, 200));
  }
  if (!up) throw new Error(`server did not start:\n${serverLog}`);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  let passed = 0;
  let failed = 0;
  return {
    base,
    browser,
    serverLog: () => serverLog,
    /** Runs fn(page, context) in a fresh browser context; a thrown error or a page error fails it. */
    async scenario(name, fn) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      const t0 = Date.now();
      try {
        await fn(page, context);
        if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
        passed++;
        console.log(`ok   ${name} (${Date.now() - t0} ms)`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${name}: ${e.message}`);
      } finally {
        await page.screenshot({ path: join(shots, `${name}.png`), fullPage }).catch(() => {});
        await context.close();
      }
    },
    /** Closes the browser and stops the server (scripts that measure rather than count). */
    async stop() {
      await browser.close();
      server.kill('SIGTERM');
    },
    async finish() {
      await this.stop();
      console.log(`${passed} passed, ${failed} failed`);
      process.exit(failed ? 1 : 0);
    },
  };
}
