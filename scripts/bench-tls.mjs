#!/usr/bin/env node
// TLS decryption throughput (MB/s of application data) in Node and in headless Chromium, same code.
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'tracelens-bench-tls-'));
const entry = path.join(root, 'scripts/bench-tls-entry.ts');
await build({
  entryPoints: [entry],
  outfile: path.join(dir, 'node.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  logLevel: 'error',
});
const browserBundle = await build({
  entryPoints: [entry],
  bundle: true,
  format: 'iife',
  globalName: 'TL',
  platform: 'browser',
  write: false,
  logLevel: 'error',
});
const mb = Number(process.argv[2] ?? 64);
const { benchTls } = await import(pathToFileURL(path.join(dir, 'node.mjs')).href);
const node = benchTls(mb);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu'],
});
const page = await browser.newPage();
await page.addScriptTag({ content: browserBundle.outputFiles[0].text });
const chrome = await page.evaluate((m) => globalThis.TL.benchTls(m), mb);
await browser.close();
console.table(
  Object.keys(node).map((k) => ({
    suite: k,
    'Node MB/s': node[k].toFixed(1),
    'Chromium MB/s': chrome[k].toFixed(1),
  })),
);
