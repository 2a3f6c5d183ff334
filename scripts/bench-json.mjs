#!/usr/bin/env node
// The JSON writers alone (lib/json.ts) on one analyzed capture: traceJsonBytes (what the CLI
// writes to a file or pipe) and traceJsonText (the indented form, and the engine's own
// JSON.stringify per batch), each timed over a few runs, output consumed and dropped.
// Usage: node scripts/bench-json.mjs CAPTURE [runs]
import { build } from 'esbuild';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-json-'));
const out = path.join(tmp, 'json.mjs');
await build({
  stdin: {
    contents: `export { analyzeBytes } from './lib/analyze'; export { traceJsonBytes, traceJsonText } from './lib/json';`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  outfile: out,
  logLevel: 'error',
});
const { analyzeBytes, traceJsonBytes, traceJsonText } = await import(pathToFileURL(out).href);
rmSync(tmp, { recursive: true, force: true });

const file = process.argv[2];
const runs = Number(process.argv[3] ?? 3);
if (!file) {
  console.error('usage: node scripts/bench-json.mjs CAPTURE [runs]');
  process.exit(2);
}
let t0 = performance.now();
const trace = analyzeBytes(path.basename(file), new Uint8Array(readFileSync(file)));
console.log(`analysis ${((performance.now() - t0) / 1000).toFixed(2)} s`);
for (const [name, make] of [
  ['bytes', () => traceJsonBytes(trace)],
  ['text', () => traceJsonText(trace, 0)],
]) {
  let best = Infinity;
  let bestCpu = Infinity;
  let size = 0;
  for (let i = 0; i < runs; i++) {
    t0 = performance.now();
    const c0 = process.cpuUsage();
    size = 0;
    for (const c of make()) size += c.length;
    best = Math.min(best, performance.now() - t0);
    const c1 = process.cpuUsage(c0);
    bestCpu = Math.min(bestCpu, (c1.user + c1.system) / 1000);
  }
  console.log(
    `${name.padEnd(5)} ${(size / 1e6).toFixed(1)} MB (chars or bytes) in ${(best / 1000).toFixed(2)} s: ${(size / 1e6 / (best / 1000)).toFixed(0)} MB/s (CPU ${(bestCpu / 1000).toFixed(2)} s)`,
  );
}
