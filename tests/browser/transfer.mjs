// The analysis worker's reading and result transfer, end to end: expects `npm run build` done (it
// also uses dist/tracelens.mjs, the CLI bundle the build makes). Each capture is opened through
// [data-testid=open-file] with the worker's test knobs set (window.__tracelensTest, see
// app/worker/client.ts): 1021-byte chunks, so records, TCP segments and HTTP/2 frames straddle
// chunk boundaries and the worker's ring of read buffers is reused many times over, and parts of
// at most 300 values, so the trace crosses in many parts and large streams take the separate
// frames path. The trace the page assembled must equal, as JSON, the CLI's analysis of the same
// file in Node; every packet column must match too, cut to the packet count. Some capture must
// cross in more parts than the worker posts ahead of the page, so that it waits for the page.
//   node tests/browser/transfer.mjs
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { root, start } from './_harness.mjs';

const dist = join(root, 'dist/tracelens.mjs');
if (!existsSync(dist)) {
  console.log('FAIL dist/tracelens.mjs missing: run `npm run build` first');
  process.exit(1);
}
const { analyzeFile } = await import(dist);

const REAL = resolve(root, process.env.TRACELENS_CORPUS || '../shared', 'captures/real');
const tmp = mkdtempSync(join(tmpdir(), 'tracelens-transfer-'));
const gz = join(tmp, 'h2-rule-violations.pcap.gz');
writeFileSync(gz, gzipSync(readFileSync(join(root, 'samples/h2-rule-violations/capture.pcap'))));

const files = [
  join(root, 'samples/healthy-h2c/capture.pcap'),
  join(root, 'samples/h2-rule-violations/capture.pcap'),
  join(root, 'samples/deadline-cut/capture.pcap'),
  join(root, 'samples/close-wait-leak/capture.pcap'),
  join(root, 'samples/logs/go-h2-http2debug-2.log'),
  gz,
  join(REAL, 'arkime-http2-nghttp2.pcap'),
  join(REAL, 'grpc-go-bidi-streaming.pcapng'),
].filter((f) => existsSync(f));

const KNOBS = { chunkBytes: 1021, partBudget: 300 };
const FIELDS = [
  'tool',
  'version',
  'input',
  'options',
  'connections',
  'streams',
  'exchanges',
  'findings',
  'h2',
];

/** JSON of a trace's fields in a fixed order (the page's assembled object orders keys differently). */
function canonical(t) {
  return JSON.stringify(Object.fromEntries(FIELDS.map((k) => [k, t[k]])));
}

/** Where two JSON texts first differ, with some context. */
function firstDiff(a, b) {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at char ${i}: page …${a.slice(Math.max(0, i - 80), i + 80)}… vs node …${b.slice(Math.max(0, i - 80), i + 80)}…`;
}

/** Every packet column (lib/packets.ts PacketColumns), digested on both sides. */
const COLUMNS = [
  'time',
  'fileOffset',
  'caplen',
  'origLen',
  'conn',
  'dir',
  'tcpFlags',
  'analysis',
  'payloadLen',
  'ttl',
  'l4',
  'iface',
  'linkType',
  'seq',
  'ack',
  'window',
  'ipId',
  'tcpOffset',
];
let mostParts = 0;

const h = await start({ viewport: { width: 1280, height: 800 }, fullPage: false });
for (const file of files) {
  const name = basename(file).startsWith('capture.') ? basename(resolve(file, '..')) : basename(file);
  await h.scenario(`transfer-${name}`, async (page) => {
    await page.addInitScript((knobs) => {
      window.__tracelensTest = { worker: knobs };
    }, KNOBS);
    await page.goto(h.base);
    await page.waitForSelector('[data-testid=open-file]', { state: 'attached' });
    await page.setInputFiles('[data-testid=open-file]', file);
    await page.waitForSelector('[data-testid=summary]', { timeout: 30000 });
    await page.waitForFunction(() => window.__tracelensTest?.result !== undefined);
    const got = await page.evaluate(
      ({ fields, COLUMNS }) => {
        const { trace, lanes } = window.__tracelensTest.result;
        const p = trace.packets;
        // A digest of every packet column, compared with Node's below.
        let sum = 0;
        if (p)
          for (const k of COLUMNS)
            for (let i = 0; i < p.length; i++) sum = (sum * 31 + p[k][i] * (k === 'time' ? 1e6 : 1)) % 1e12;
        // The worker cuts the columns to the packet count before transferring them.
        const spare = p ? COLUMNS.filter((k) => p[k].length !== p.length) : [];
        return {
          spare,
          json: JSON.stringify(Object.fromEntries(fields.map((k) => [k, trace[k]]))),
          packets: p ? p.length : null,
          sum,
          lanes: lanes ? lanes.off.length : null,
          conns: trace.connections.length,
          streams: trace.streams.length,
          parts: window.__tracelensTest.parts,
        };
      },
      { fields: FIELDS, COLUMNS },
    );
    const want = await analyzeFile(file, {}, null);
    const wantJson = canonical(want);
    if (got.json !== wantJson)
      throw new Error(`trace differs from the CLI's ${firstDiff(got.json, wantJson)}`);
    const wp = want.packets;
    let sum = 0;
    if (wp)
      for (const k of COLUMNS)
        for (let i = 0; i < wp.length; i++) sum = (sum * 31 + wp[k][i] * (k === 'time' ? 1e6 : 1)) % 1e12;
    if (got.spare.length) throw new Error(`columns longer than the packet count: ${got.spare.join(', ')}`);
    if (got.packets !== (wp ? wp.length : null) || got.sum !== sum)
      throw new Error(
        `packet columns differ: ${got.packets} packets, digest ${got.sum} vs ${wp?.length}, ${sum}`,
      );
    if (got.packets !== null && got.lanes !== got.conns * 7 + 1)
      throw new Error(`lane index for ${got.lanes} lists, ${got.conns} connections`);
    // The small budget must have split the trace.
    if (got.conns + got.streams > 1 && got.parts < 2)
      throw new Error(`${got.parts} part for ${got.conns} connections and ${got.streams} streams`);
    mostParts = Math.max(mostParts, got.parts);
  });
}
// Some capture crossed in more parts than the worker posts ahead of the page (transfer.ts
// PARTS_AHEAD = 16), so the worker waited for the page's PartsTaken and packed into arrays it handed back.
await h.scenario('transfer-more-parts-than-posted-ahead', async () => {
  if (mostParts <= 16) throw new Error(`no capture crossed in more than 16 parts (at most ${mostParts})`);
});
await h.finish();
