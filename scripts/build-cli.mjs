// Bundles the CLI (cli/tracelens.ts and the lib/ it uses) into dist/tracelens.mjs with esbuild,
// so `tracelens` starts fast and runs plain JavaScript.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [path.join(root, 'cli/tracelens.ts')],
  outfile: path.join(root, 'dist/tracelens.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});
console.log('built dist/tracelens.mjs');
// The share server analyzes uploads in worker threads (lib/store/analysis-pool.ts) running this.
await build({
  entryPoints: [path.join(root, 'lib/store/analysis-worker.ts')],
  outfile: path.join(root, 'dist/analysis-worker.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
console.log('built dist/analysis-worker.mjs');
// The scaled share server's queue worker process (lib/store/job-queue.ts), run on any machine that
// reaches its PostgreSQL and object store: `node dist/tracelens-worker.mjs`. Its npm dependencies
// (pg, the AWS SDK) are loaded from node_modules, as the app's are.
await build({
  entryPoints: [path.join(root, 'lib/store/worker-main.ts')],
  outfile: path.join(root, 'dist/tracelens-worker.mjs'),
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
console.log('built dist/tracelens-worker.mjs');
// Shared correlations run in worker threads (lib/store/correlations.ts) running this.
await build({
  entryPoints: [path.join(root, 'lib/store/correlation-worker.ts')],
  outfile: path.join(root, 'dist/correlation-worker.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
console.log('built dist/correlation-worker.mjs');
