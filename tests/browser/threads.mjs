// Extra Web Workers (app/worker/shard-pool.ts): a capture analysed in the production build by one
// analysis worker and by 3 (the analysis worker with share 0 and two shard workers, asked through
// the worker test knob `threads`, see app/worker/client.ts window.__tracelensTest) gives the same
// trace: the JSON of every list, every packet column and the timeline's lane index. A debug log
// asked to use 3 stays on one worker with the same result. Expects `npm run build` done.
//   node tests/browser/threads.mjs
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { root, start } from './_harness.mjs';

const REAL = resolve(root, process.env.TRACELENS_CORPUS || '../shared', 'captures/real');
const files = [
  join(root, 'samples/healthy-h2c/capture.pcap'),
  join(root, 'samples/h2-rule-violations/capture.pcap'),
  join(root, 'samples/close-wait-leak/capture.pcap'),
  join(root, 'samples/healthy-http1/capture.pcap'),
  join(root, 'lab/benign-http1-keepalive/client.pcap.gz'),
  join(root, 'samples/logs/go-h2-http2debug-2.log'),
  join(REAL, 'arkime-http2-nghttp2.pcap'),
].filter((f) => existsSync(f));

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

/** Opens `file` with `threads` analysis workers; the trace's JSON, a digest of its packet columns and lanes. */
async function analyse(h, page, file, threads) {
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));
  await page.addInitScript(
    (knobs) => {
      window.__tracelensTest = { worker: knobs };
    },
    { threads },
  );
  await page.goto(h.base);
  await page.waitForSelector('[data-testid=open-file]', { state: 'attached' });
  await page.setInputFiles('[data-testid=open-file]', file);
  await page.waitForFunction(() => window.__tracelensTest?.result !== undefined, null, {
    timeout: 60000,
  });
  const got = await page.evaluate((fields) => {
    const { trace, lanes } = window.__tracelensTest.result;
    const p = trace.packets;
    // Every column of every row, folded into one number per column.
    const columns = {};
    if (p)
      for (const [k, v] of Object.entries(p.toColumns())) {
        if (typeof v === 'number') continue;
        let sum = 0;
        for (let i = 0; i < v.length; i++) sum = (sum * 31 + Number(v[i]) * 7 + i) % 1e12;
        columns[k] = sum;
      }
    let laneSum = 0;
    if (lanes)
      for (const a of [lanes.idx, lanes.off, lanes.hist])
        for (let i = 0; i < a.length; i++) laneSum = (laneSum * 31 + a[i]) % 1e12;
    return {
      json: JSON.stringify(Object.fromEntries(fields.map((k) => [k, trace[k]]))),
      columns,
      laneSum,
      conns: trace.connections.length,
    };
  }, FIELDS);
  return { ...got, workers: workers.length };
}

function firstDiff(a, b) {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at char ${i}: …${a.slice(Math.max(0, i - 80), i + 80)}… vs …${b.slice(Math.max(0, i - 80), i + 80)}…`;
}

const h = await start({ viewport: { width: 1280, height: 800 }, fullPage: false });
for (const file of files) {
  const name = basename(file).startsWith('capture.') ? basename(resolve(file, '..')) : basename(file);
  const isLog = file.endsWith('.log');
  await h.scenario(`threads-${name}`, async (page, context) => {
    const one = await analyse(h, page, file, 1);
    const page3 = await context.newPage();
    const three = await analyse(h, page3, file, 3);
    if (three.json !== one.json)
      throw new Error(`3 workers: trace differs ${firstDiff(three.json, one.json)}`);
    if (JSON.stringify(three.columns) !== JSON.stringify(one.columns))
      throw new Error(
        `3 workers: packet columns differ ${JSON.stringify({ three: three.columns, one: one.columns })}`,
      );
    if (three.laneSum !== one.laneSum) throw new Error('3 workers: lane index differs');
    // The shard workers ran (Playwright reports a worker's own workers too), except for a log.
    if (one.workers !== 1) throw new Error(`1 worker asked, ${one.workers} started`);
    if (three.workers !== (isLog ? 1 : 3)) throw new Error(`3 workers asked, ${three.workers} started`);
    if (!isLog && one.conns < 1) throw new Error('no connections');
  });
}
await h.finish();
