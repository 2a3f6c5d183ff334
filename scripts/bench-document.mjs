#!/usr/bin/env node
// node scripts/bench-document.mjs [--file CAPTURE] [--runs N] [--json]
//
// The trace document for sharing (issue #16), measured on the request-heavy capture (h2load against
// nghttpd, 80,800 HTTP/2 streams; scripts/bench-captures.mjs makeH2Requests) or --file: the Trace
// JSON against the columnar document as an Apache Arrow IPC file and as the own format it was
// weighed against (lib/document/binary.ts). For each: size (and gzip -6 size: what a server sends
// compressed), write time (Trace -> bytes), read time (bytes -> everything the shared page's first
// screen shows: head, findings, connections, the first 200 streams and exchanges with frames),
// full read (every row made into objects), and the size of the reading code in a minified bundle.
// Fastest of --runs (default 3) per figure. lib/ code is bundled with esbuild into a temp file.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt('runs', 3));
const asJson = args.includes('--json');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tracelens-bench-doc-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const entry = path.join(tmp, 'entry.ts');
writeFileSync(
  entry,
  `export { Analyzer } from ${JSON.stringify(path.join(root, 'lib/analyze'))};
export { stringifyTrace } from ${JSON.stringify(path.join(root, 'lib/json'))};
export { toTraceColumns } from ${JSON.stringify(path.join(root, 'lib/document/columns'))};
export { TraceDocument } from ${JSON.stringify(path.join(root, 'lib/document/reader'))};
export { encodeArrow, decodeArrow } from ${JSON.stringify(path.join(root, 'lib/document/arrow'))};
export { encodeBinary, decodeBinary } from ${JSON.stringify(path.join(root, 'lib/document/binary'))};
`,
);
const out = path.join(tmp, 'bench-doc.mjs');
await build({
  entryPoints: [entry],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  alias: { '@': root },
});
const lib = await import(pathToFileURL(out).href);

/** Minified browser bundle size of the code that reads each format (what the Worker loads). */
async function readerBytes(name, code) {
  const f = path.join(tmp, `${name}.ts`);
  writeFileSync(f, code);
  const r = await build({
    entryPoints: [f],
    bundle: true,
    minify: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
  });
  const bytes = r.outputFiles[0].contents;
  return { min: bytes.length, gzip: gzipSync(bytes).length };
}

let file = opt('file', null);
if (!file) {
  const { makeH2Requests } = await import('./bench-captures.mjs');
  const made = await makeH2Requests({ offloads: true });
  if (!made) {
    console.error(
      'no capture: pass --file CAPTURE (making the h2load capture needs root, nghttpd, h2load, tcpdump)',
    );
    process.exit(1);
  }
  file = made.file;
}
if (!existsSync(file)) {
  console.error(`no such file: ${file}`);
  process.exit(1);
}

const bytes = new Uint8Array(readFileSync(file));
let t0 = performance.now();
const a = new lib.Analyzer({ name: path.basename(file), size: bytes.length });
for (let o = 0; o < bytes.length; o += 1 << 20)
  a.push(bytes.subarray(o, Math.min(bytes.length, o + (1 << 20))));
const trace = a.finish();
const analyzeS = (performance.now() - t0) / 1000;

const best = (fn) => {
  let min = Infinity;
  let v;
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    v = fn();
    min = Math.min(min, performance.now() - s);
  }
  return { ms: min, value: v };
};

const FIRST_ROWS = 200;
/** What the shared page's first screen needs from a document. */
function firstScreen(doc) {
  const n = doc.findings.length + doc.connections.length;
  const f = doc.findings.range(0, doc.findings.length);
  const c = doc.connections.range(0, doc.connections.length);
  const s = doc.streams.range(0, FIRST_ROWS);
  const x = doc.exchanges.range(0, FIRST_ROWS);
  return n + f.length + c.length + s.length + x.length + (doc.packets()?.length ?? 0);
}

const json = best(() => lib.stringifyTrace(trace, 0));
const jsonBytes = Buffer.byteLength(json.value);
const jsonParse = best(() => JSON.parse(json.value));
const columns = best(() => lib.toTraceColumns(trace));
const arrowWrite = best(() => lib.encodeArrow(columns.value));
const binWrite = best(() => lib.encodeBinary(columns.value));
const arrowFirst = best(() => firstScreen(new lib.TraceDocument(lib.decodeArrow(arrowWrite.value))));
const binFirst = best(() => firstScreen(new lib.TraceDocument(lib.decodeBinary(binWrite.value))));
const arrowFull = best(() => new lib.TraceDocument(lib.decodeArrow(arrowWrite.value)).toTrace());
const arrowCode = await readerBytes(
  'arrow-reader',
  `import { decodeArrow } from ${JSON.stringify(path.join(root, 'lib/document/arrow'))};
import { TraceDocument } from ${JSON.stringify(path.join(root, 'lib/document/reader'))};
export const read = (b: Uint8Array) => new TraceDocument(decodeArrow(b));`,
);
const binCode = await readerBytes(
  'bin-reader',
  `import { decodeBinary } from ${JSON.stringify(path.join(root, 'lib/document/binary'))};
import { TraceDocument } from ${JSON.stringify(path.join(root, 'lib/document/reader'))};
export const read = (b: Uint8Array) => new TraceDocument(decodeBinary(b));`,
);

const tables = columns.value.tables;
const result = {
  capture: path.basename(file),
  captureMB: bytes.length / 1e6,
  packets: trace.input.packets,
  streams: trace.streams.length,
  frames: tables.frames.length,
  connections: trace.connections.length,
  strings: columns.value.strings.length,
  headerLists: tables.headerLists.length,
  analyzeS,
  json: {
    MB: jsonBytes / 1e6,
    gzipMB: gzipSync(json.value, { level: 6 }).length / 1e6,
    writeMs: json.ms,
    parseMs: jsonParse.ms,
  },
  columnsMs: columns.ms,
  arrow: {
    MB: arrowWrite.value.length / 1e6,
    gzipMB: gzipSync(arrowWrite.value, { level: 6 }).length / 1e6,
    writeMs: columns.ms + arrowWrite.ms,
    firstScreenMs: arrowFirst.ms,
    fullReadMs: arrowFull.ms,
    readerKB: arrowCode.min / 1e3,
    readerGzipKB: arrowCode.gzip / 1e3,
  },
  own: {
    MB: binWrite.value.length / 1e6,
    gzipMB: gzipSync(binWrite.value, { level: 6 }).length / 1e6,
    writeMs: columns.ms + binWrite.ms,
    firstScreenMs: binFirst.ms,
    readerKB: binCode.min / 1e3,
    readerGzipKB: binCode.gzip / 1e3,
  },
};

if (asJson) console.log(JSON.stringify(result, null, 2));
else {
  const r = result;
  const f = (x, d = 1) => x.toFixed(d);
  console.log(
    `${r.capture}: ${f(r.captureMB)} MB, ${r.packets} packets, ${r.streams} streams, ${r.frames} frames, ` +
      `${r.connections} connections; ${r.strings} strings, ${r.headerLists} distinct header lists (analysis ${f(r.analyzeS)} s)`,
  );
  console.log(
    'format          size MB   gzip MB   write ms   first screen ms   full read ms   reader code KB (gzip)',
  );
  console.log(
    `JSON            ${f(r.json.MB).padStart(7)}   ${f(r.json.gzipMB).padStart(7)}   ${f(r.json.writeMs, 0).padStart(8)}   ${f(r.json.parseMs, 0).padStart(15)}   ${f(r.json.parseMs, 0).padStart(12)}   -`,
  );
  console.log(
    `Arrow IPC       ${f(r.arrow.MB).padStart(7)}   ${f(r.arrow.gzipMB).padStart(7)}   ${f(r.arrow.writeMs, 0).padStart(8)}   ${f(r.arrow.firstScreenMs, 0).padStart(15)}   ${f(r.arrow.fullReadMs, 0).padStart(12)}   ${f(r.arrow.readerKB, 0)} (${f(r.arrow.readerGzipKB, 0)})`,
  );
  console.log(
    `own (TLDC)      ${f(r.own.MB).padStart(7)}   ${f(r.own.gzipMB).padStart(7)}   ${f(r.own.writeMs, 0).padStart(8)}   ${f(r.own.firstScreenMs, 0).padStart(15)}   ${'-'.padStart(12)}   ${f(r.own.readerKB, 0)} (${f(r.own.readerGzipKB, 0)})`,
  );
  console.log(
    '(JSON: first screen = JSON.parse of the whole document, as the shared page did; write/columns include Trace -> columns)',
  );
}
