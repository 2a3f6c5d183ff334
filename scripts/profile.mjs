#!/usr/bin/env node
// Where the CLI's time goes on one capture: runs the bundled `tracelens analyze` (npm run
// build:cli) under V8's sampling profiler (--cpu-prof), maps every sample through the bundle's
// source map to our source files, and prints the time by layer (the architecture's stages:
// capture readers, TCP, HTTP/2, HPACK, detectors, the JSON writer...), then the hottest functions.
//
//   node scripts/profile.mjs CAPTURE [--no-json] [--top N] [--save FILE.cpuprofile] [-- extra CLI args]
//
// Default: `analyze --json CAPTURE` with stdout a temporary file (as `npm run bench` measures it).
// Times are sampled CPU time of the main thread; "idle" is the main thread waiting (for reads,
// writes, workers). Garbage collection is V8's own line. Use it to see what stands in the way of
// the benchmark's targets; the figures are only as quiet as the machine.
import { spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  rmSync,
  copyFileSync,
  existsSync,
} from 'node:fs';
import { SourceMap } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const own = dash >= 0 ? argv.slice(0, dash) : argv;
const extra = dash >= 0 ? argv.slice(dash + 1) : [];
const flag = (n) => own.includes(`--${n}`);
const opt = (n, d) => {
  const i = own.indexOf(`--${n}`);
  return i >= 0 ? own[i + 1] : d;
};
const capture = own.find((a, i) => !a.startsWith('--') && !['--top', '--save'].includes(own[i - 1]));
const bundle = path.join(root, 'dist/tracelens.mjs');
if (!capture || !existsSync(capture)) {
  console.error('usage: node scripts/profile.mjs CAPTURE [--no-json] [--top N] [--save FILE] [-- CLI args]');
  process.exit(2);
}
if (!existsSync(bundle)) {
  console.error('no dist/tracelens.mjs: run npm run build:cli first');
  process.exit(2);
}

/** Layers, first match wins: [label, test on the source path]. */
const LAYERS = [
  ['capture readers (pcap/pcapng/link/IP)', (s) => s.startsWith('lib/capture/')],
  ['TCP tracking + reassembly', (s) => s.startsWith('lib/tcp/')],
  ['HPACK + Huffman', (s) => /^lib\/http2\/(hpack|huffman)\.ts$/.test(s)],
  ['HTTP/2 frames + session + gRPC', (s) => s.startsWith('lib/http2/')],
  ['HTTP/1', (s) => s.startsWith('lib/http1/')],
  ['TLS', (s) => s.startsWith('lib/tls/') || s.includes('@noble/')],
  ['protocol detection + stream seam', (s) => /^lib\/(protocols|stream)\.ts$/.test(s)],
  ['detectors (lib/findings)', (s) => s.startsWith('lib/findings/')],
  ['JSON writer (lib/json.ts)', (s) => s === 'lib/json.ts'],
  ['threads (lib/parallel, cli/threads)', (s) => s.startsWith('lib/parallel/') || s === 'cli/threads.ts'],
  ['analysis driver (lib/analyze, lib/packets)', (s) => /^lib\/(analyze|packets|trace)\.ts$/.test(s)],
  ['CLI (cli/)', (s) => s.startsWith('cli/')],
  ['other lib/', (s) => s.startsWith('lib/')],
];

const dir = mkdtempSync(path.join(os.tmpdir(), 'tracelens-profile-'));
try {
  const outFile = path.join(dir, 'out.json');
  const fd = openSync(outFile, 'w');
  const cliArgs = ['analyze', ...(flag('no-json') ? [] : ['--json']), ...extra, capture];
  const t0 = process.hrtime.bigint();
  const run = spawnSync(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, path.join(root, 'bin/tracelens.mjs'), ...cliArgs],
    {
      stdio: ['ignore', fd, 'pipe'],
    },
  );
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(fd);
  if (run.status !== 0 && run.status !== 3) {
    console.error(`tracelens exited ${run.status}: ${run.stderr}`);
    process.exit(1);
  }
  const profFile = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!profFile) throw new Error('no profile written');
  const profilePath = path.join(dir, profFile);
  if (opt('save')) copyFileSync(profilePath, opt('save'));
  const profile = JSON.parse(readFileSync(profilePath, 'utf8'));
  const map = new SourceMap(JSON.parse(readFileSync(bundle + '.map', 'utf8')));
  const mapDir = path.dirname(bundle);

  const nodeSource = new Map();
  const sourceOf = (node) => {
    let s = nodeSource.get(node.id);
    if (s !== undefined) return s;
    const cf = node.callFrame;
    if (!cf.url) s = cf.functionName || '(native)';
    else if (cf.url.endsWith('/dist/tracelens.mjs') && cf.lineNumber >= 0) {
      const e = map.findEntry(cf.lineNumber, cf.columnNumber);
      s =
        e && e.originalSource
          ? path.relative(root, path.resolve(mapDir, e.originalSource.replace(/^file:\/\//, '')))
          : '(bundle)';
      if (s.includes('node_modules/')) s = s.slice(s.lastIndexOf('node_modules/'));
    } else s = cf.url.startsWith('node:') ? 'node internals' : path.basename(cf.url);
    nodeSource.set(node.id, s);
    return s;
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++)
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const layers = new Map();
  const fns = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    const src = sourceOf(n);
    total += us;
    let layer = LAYERS.find(([, test]) => test(src))?.[0];
    if (!layer) {
      const name = n.callFrame.functionName;
      layer =
        name === '(garbage collector)'
          ? 'garbage collection'
          : name === '(idle)'
            ? 'idle (waiting for I/O or workers)'
            : src.startsWith('node_modules/')
              ? 'libraries (node_modules)'
              : 'Node.js + V8 (start-up, streams, compile)';
    }
    layers.set(layer, (layers.get(layer) ?? 0) + us);
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${src}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const ms = (us) => (us / 1000).toFixed(0).padStart(6);
  const pct = (us) => ((100 * us) / total).toFixed(1).padStart(5) + ' %';
  console.log(`tracelens ${cliArgs.join(' ')}`);
  console.log(
    `wall ${wallS.toFixed(2)} s, sampled ${(total / 1e6).toFixed(2)} s on the main thread (load ${os.loadavg()[0].toFixed(1)})`,
  );
  console.log('\nby layer (ms, share of samples):');
  for (const [k, v] of [...layers].sort((a, b) => b[1] - a[1])) console.log(`${ms(v)} ${pct(v)}  ${k}`);
  console.log(`\nhottest functions (self time):`);
  for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(opt('top', 20))))
    console.log(`${ms(v)} ${pct(v)}  ${k}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
