#!/usr/bin/env node
// The `tracelens` command: runs the bundled CLI (npm run build:cli), or the TypeScript sources
// through tsx when the bundle has not been built yet.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist/tracelens.mjs');
if (existsSync(bundle)) {
  const { main } = await import(pathToFileURL(bundle).href);
  process.exitCode = await main(process.argv.slice(2));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import(pathToFileURL(path.join(root, 'cli/tracelens.ts')).href);
  process.exitCode = await main(process.argv.slice(2));
}
