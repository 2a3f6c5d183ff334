// Browser benchmark: a large capture analyzed in the Web Worker of the production build in headless
// Chromium, with the main thread's responsiveness and the memory it costs. Expects `npm run build`
// done; the harness (tests/browser/_harness.mjs) starts `next start` on loopback and Debian's
// chromium.
//
//   node scripts/bench-browser.mjs [capture ...] [--big] [--runs N] [--trace FILE] [--cpuprofile FILE]
//                                  [--heap-snapshot FILE]
//
// --big analyzes the 2 GB shape of `npm run bench -- --big`, bench/h2-requests-404000-nooffload.pcap
// (2.24 GB: h2load -> nghttpd, 404,000 HTTP/2 streams, offloads off; made with
// scripts/bench-captures.mjs makeH2Requests when missing, which needs root), after any captures
// given. A run takes about a minute on a 2-core machine.
//
// Default capture: bench/h2c-wire-30000.pcap (about 520 MB; made with scripts/bench-captures.mjs
// `makeH2c(30000, { wire: true })` when missing, which needs root for `ip netns`). Any pcap, pcapng or
// log works, e.g. bench/small-1000000.pcap or bench/http1-mix-5000.pcap; several run one after the
// other, each in a fresh browser context.
//
// What is measured, per capture, from the moment the file is chosen (page.setInputFiles on
// [data-testid=open-file]) until the timeline has drawn ([data-testid=timeline][data-ready]) plus
// a settle time of 1.5 s:
// - Long tasks: a PerformanceObserver('longtask', buffered) installed before the file is chosen;
//   the browser reports every main-thread task over 50 ms (so "longest <= 50 ms" means "none").
//   Count, longest and total, and the phase each fell in (analysis running / after the trace
//   arrived).
// - Frame gaps: a requestAnimationFrame loop in the page records the interval between frames while
//   the worker runs and the result renders (60 Hz vsync: 16.7 ms when nothing blocks).
// - Times: from the page's own performance marks (app/worker/client.ts): `tl:analyze` when the
//   worker is started, `tl:result` when the analysis is over and the trace's parts begin to arrive,
//   `tl:worker-done` when the last part arrived, `tl:trace` when the trace is assembled on the main
//   thread. "analysis s" is tl:analyze -> tl:result (-> tl:worker-done for builds without parts),
//   "transfer s" tl:result -> tl:trace, "first render s" file chosen -> timeline data-ready, timed
//   from Node.
// - Memory, sampled every 100 ms from /proc (this machine's Chromium, no CDP involved):
//   * renderer: VmRSS of the Chromium renderer process with the largest RSS among the renderers
//     launched by this script. The page's renderer hosts the page's main thread and its dedicated
//     worker (workers live in their page's renderer process), so it carries the analysis; the
//     other renderers (spare, about:blank) stay small. Also its VmHWM, the kernel's exact peak RSS
//     for the process lifetime (catches spikes between samples).
//   * all chromium: the sum of VmRSS over every Chromium process started by this script (browser,
//     GPU, network, storage, renderers). Shared pages count once per process, so this overstates.
//   * JS heaps via CDP: the page's main-thread heap (Runtime.getHeapUsage on the page session) and
//     the worker's heap (Runtime.getHeapUsage sent to the worker target through Target
//     auto-attach), sampled every 250 ms; a busy thread answers when it next yields, so these are
//     coarse. Peak used and committed ("total") heap are reported, and both every second.
// - CPU: the renderer's user + system seconds (/proc/pid/stat) from the file choice to the end of
//   the settle time: the page's main thread and the worker together, the figure to compare on a
//   shared machine where wall times vary twofold.
// - Target (issue #16, "a 2 GB capture analysed in the Worker with renderer memory <= 0.5 x capture
//   + 300 MB"): renderer peak RSS (the larger of the sampled peak and VmHWM) <= 0.5 x capture MB +
//   300 MB, printed per run as one line with ✓/✗ after the table; main thread: no long task. MB
//   are 10^6 bytes throughout. These are benchmark figures, never test assertions.
//
// Options: --runs N loads each capture N times (fresh browser context each time; one row per run:
// the peak memory depends on when the worker's garbage collector runs and varies by tens of MB
// from run to run). --trace FILE writes a Chrome performance trace of the run (open it in chrome://tracing
// or the DevTools Performance panel); --cpuprofile FILE a main-thread CPU profile (.cpuprofile);
// --heap-snapshot FILE a heap snapshot of the page after the load. They slow the run down.
// --memory-dump adds, per run, what holds the renderer's memory at the end of the load: Chromium's
// memory-infra dump of that process (V8 heaps of the page and of the worker, ArrayBuffer and other
// PartitionAlloc partitions, malloc, Blink's heap), in MB; it cannot be combined with --trace.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { start } from '../tests/browser/_harness.mjs';

const root = resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  if (i < 0) return null;
  const v = argv[i + 1];
  argv.splice(i, 2);
  return v;
};
const traceFile = opt('--trace');
const cpuFile = opt('--cpuprofile');
const heapFile = opt('--heap-snapshot');
const dumpAt = argv.indexOf('--memory-dump');
if (dumpAt >= 0) argv.splice(dumpAt, 1);
const memoryDump = dumpAt >= 0 && !traceFile;
const runs = Math.max(1, Number(opt('--runs') ?? 1));
const BIG = join(root, 'bench/h2-requests-404000-nooffload.pcap');
const bigAt = argv.indexOf('--big');
if (bigAt >= 0) argv.splice(bigAt, 1);
const given = argv.map((a) => resolve(a));
const captures =
  bigAt >= 0 ? [...given, BIG] : given.length ? given : [join(root, 'bench/h2c-wire-30000.pcap')];

for (const f of captures) {
  if (existsSync(f)) continue;
  if (f === BIG) {
    console.error(`making ${f} (h2load against nghttpd in a network namespace; minutes) ...`);
    const { makeH2Requests } = await import('./bench-captures.mjs');
    const r = await makeH2Requests({ offloads: false, streams: 404000 });
    if (!r || !existsSync(f)) {
      console.error('could not make the capture');
      process.exit(1);
    }
  } else if (f === join(root, 'bench/h2c-wire-30000.pcap')) {
    console.error(`making ${f} (h2load against nghttpd in a network namespace) ...`);
    const { makeH2c } = await import('./bench-captures.mjs');
    const r = await makeH2c(30000, { wire: true });
    if (!r || !existsSync(f)) {
      console.error('could not make the capture');
      process.exit(1);
    }
  } else {
    console.error(`no such file: ${f}`);
    process.exit(1);
  }
}

// ---- /proc sampling -------------------------------------------------------------------------

/** Pids of the processes descending from this Node process (the harness's Chromium is one). */
function descendants() {
  const parent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces or parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(d), ppid);
    } catch {}
  }
  const out = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid), hops = 0; p && hops < 20; p = parent.get(p), hops++)
      if (p === process.pid) {
        out.push(pid);
        break;
      }
  }
  return out;
}

/**
 * The process's command line as one string. Read afresh each time, not cached: a zygote-forked
 * renderer starts with the zygote's command line and rewrites it (into one space-separated string).
 */
function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** { rss, hwm } in MB (10^6 bytes, like the capture sizes) from /proc/pid/status, or null. */
function memOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
    return { rss: (kb('VmRSS') * 1024) / 1e6, hwm: (kb('VmHWM') * 1024) / 1e6 };
  } catch {
    return null;
  }
}

/**
 * CPU seconds (user + system) the process has used, from /proc/pid/stat (utime, stime in clock ticks
 * of 1/100 s), or null. The renderer's is the page's and the worker's thread time together.
 */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 3, utime 14 and stime 15 (1-based), so 11 and 12 here.
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

/** Chromium processes of this run, found again on every sample (renderers come and go). */
function chromiumPids() {
  return descendants().filter((pid) => {
    return /^\S*chrom/i.test(cmdline(pid));
  });
}

function sampler() {
  const peakByPid = new Map();
  let peakAll = 0;
  const t0 = Date.now();
  /** [ms since start, largest renderer RSS MB], for the memory-over-time line of the report. */
  const series = [];
  const tick = () => {
    let all = 0;
    let top = 0;
    for (const pid of chromiumPids()) {
      const m = memOf(pid);
      if (!m) continue;
      all += m.rss;
      if (cmdline(pid).includes('--type=renderer')) {
        const p = peakByPid.get(pid) ?? { rss: 0, hwm: 0, cpu0: cpuOf(pid) ?? 0, cpu: 0 };
        const cpu = cpuOf(pid) ?? p.cpu0;
        peakByPid.set(pid, { rss: Math.max(p.rss, m.rss), hwm: Math.max(p.hwm, m.hwm), cpu0: p.cpu0, cpu });
        top = Math.max(top, m.rss);
      }
    }
    peakAll = Math.max(peakAll, all);
    series.push([Date.now() - t0, Math.round(top)]);
  };
  tick();
  const timer = setInterval(tick, 100);
  return {
    stop() {
      clearInterval(timer);
      tick();
      let best = { pid: 0, rss: 0, hwm: 0, cpu0: 0, cpu: 0 };
      for (const [pid, p] of peakByPid) if (p.rss > best.rss) best = { pid, ...p };
      const renderers = Object.fromEntries(
        [...peakByPid].map(([pid, p]) => [pid, `${p.rss.toFixed(0)}/${p.hwm.toFixed(0)} MB`]),
      );
      return { renderer: best, all: peakAll, series, renderers };
    },
  };
}

// ---- CDP heap sampling ------------------------------------------------------------------------

/**
 * Main-thread and worker JS heap usage, peaks over the run. The worker is reached through the page
 * session's auto-attach in non-flat mode (messages wrapped in Target.sendMessageToTarget), since a
 * Playwright CDP session cannot address a child session id directly.
 */
async function heapSampler(page) {
  const cdp = await page.context().newCDPSession(page);
  const workers = new Set();
  let nextId = 1;
  const waiting = new Map();
  cdp.on('Target.attachedToTarget', (e) => {
    if (e.targetInfo.type === 'worker') workers.add(e.sessionId);
  });
  cdp.on('Target.detachedFromTarget', (e) => workers.delete(e.sessionId));
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message);
    const w = waiting.get(m.id);
    if (w) {
      waiting.delete(m.id);
      w(m.result ?? null);
    }
  });
  const workerCall = (sessionId, method, params = {}) =>
    new Promise((res) => {
      const id = nextId++;
      waiting.set(id, res);
      cdp
        .send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) })
        .catch(() => {
          waiting.delete(id);
          res(null);
        });
      // A worker that never answers (ended) must not hang the sampler.
      setTimeout(() => {
        if (waiting.delete(id)) res(null);
      }, 3000);
    });
  let workerAttach = true;
  await cdp
    .send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false })
    .catch(() => (workerAttach = false));
  let pageUsed = 0;
  let workerUsed = 0;
  // totalSize: the heap's committed size (used + free space V8 holds), what the RSS carries.
  let pageTotal = 0;
  let workerTotal = 0;
  let worker = { used: 0, total: 0 };
  let pageNow = { used: 0, total: 0 };
  /** [ms since start, page used/total, worker used/total] MB every 250 ms, for the report. */
  const series = [];
  const t0 = Date.now();
  // Page and worker sampled independently: a worker busy with a long analysis step (or gone) must
  // not hold up the page's samples.
  const sampling = { page: false, worker: false };
  const samplePage = async () => {
    if (sampling.page) return;
    sampling.page = true;
    const h = await cdp.send('Runtime.getHeapUsage').catch(() => null);
    if (h) {
      pageUsed = Math.max(pageUsed, h.usedSize / 1e6);
      pageTotal = Math.max(pageTotal, h.totalSize / 1e6);
      pageNow = { used: h.usedSize / 1e6, total: h.totalSize / 1e6 };
    }
    sampling.page = false;
  };
  const sampleWorkers = async () => {
    if (sampling.worker) return;
    sampling.worker = true;
    for (const s of [...workers]) {
      const r = await workerCall(s, 'Runtime.getHeapUsage');
      if (r && typeof r.usedSize === 'number') {
        workerUsed = Math.max(workerUsed, r.usedSize / 1e6);
        workerTotal = Math.max(workerTotal, r.totalSize / 1e6);
        worker = { used: r.usedSize / 1e6, total: r.totalSize / 1e6 };
      }
    }
    sampling.worker = false;
  };
  const tick = () => {
    const f = (x) => x.toFixed(0);
    series.push(
      `${Date.now() - t0}:${f(pageNow.used)}/${f(pageNow.total)},${f(worker.used)}/${f(worker.total)}`,
    );
    return Promise.all([samplePage(), sampleWorkers()]);
  };
  const timer = setInterval(() => void tick(), 250);
  return {
    cdp,
    async stop() {
      clearInterval(timer);
      sampling.page = false;
      await samplePage();
      return {
        pageUsed,
        pageTotal,
        workerUsed: workerAttach ? workerUsed : NaN,
        workerTotal: workerAttach ? workerTotal : NaN,
        series,
      };
    },
  };
}

// ---- memory-infra dump ------------------------------------------------------------------------

/** Allocators reported, as memory-infra names them, with a shorter label. */
const ALLOCATORS = [
  ['v8/main/heap', 'page JS heap'],
  ['v8/workers/heap', 'worker JS heaps'],
  ['partition_alloc/partitions/array_buffer', 'ArrayBuffers'],
  ['partition_alloc/partitions/buffer', 'buffer partition (strings, serialized messages)'],
  ['partition_alloc/partitions/fast_malloc', 'fast_malloc partition'],
  ['malloc', 'malloc'],
  ['blink_gc', 'Blink heap'],
  ['shared_memory', 'shared memory'],
];

/**
 * Chromium's memory-infra through the browser's CDP session: tracing with the memory-infra
 * category and no periodic dumps, then one detailed dump on request.
 */
async function memoryDumper(browser) {
  const cdp = await browser.newBrowserCDPSession();
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  await cdp.send('Tracing.start', {
    traceConfig: {
      includedCategories: ['disabled-by-default-memory-infra'],
      memoryDumpConfig: { triggers: [] },
    },
    transferMode: 'ReportEvents',
  });
  return {
    /** Sizes in MB of the renderer `pid`'s allocators, or null when it was not in the dump. */
    async dump(pid) {
      await cdp.send('Tracing.requestMemoryDump', { levelOfDetail: 'detailed' }).catch(() => null);
      const complete = new Promise((res) => cdp.once('Tracing.tracingComplete', res));
      await cdp.send('Tracing.end');
      await complete;
      // A process's dump can come in several events (totals, allocators): merged.
      const merged = {};
      for (const e of events)
        if (e.ph === 'v' && e.pid === pid) Object.assign(merged, e.args?.dumps?.allocators ?? {});
      if (!Object.keys(merged).length) return null;
      const size = (a) => (a?.attrs?.size ? parseInt(a.attrs.size.value, 16) / 1e6 : 0);
      return Object.fromEntries(ALLOCATORS.map(([k, label]) => [label, Math.round(size(merged[k]))]));
    },
  };
}

// ---- run --------------------------------------------------------------------------------------

const h = await start();
const rows = [];
const details = [];
try {
  for (const file of captures.flatMap((f) => Array(runs).fill(f))) {
    const bytes = statSync(file).size;
    const mb = bytes / 1e6;
    const context = await h.browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(h.base);
    await page.waitForSelector('[data-testid=open-file]', { state: 'attached' });
    // Observers first, so every task from the file choice on is seen.
    await page.evaluate(() => {
      window.__long = [];
      // The timeline's own paint times (components/Timeline.tsx probe).
      window.__tlPaint = [];
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) window.__long.push({ t: e.startTime, d: e.duration });
      }).observe({ type: 'longtask', buffered: true });
      window.__frames = [];
      window.__chosen = performance.now();
      window.__rafOn = true;
      const loop = (ts) => {
        if (!window.__rafOn) return;
        window.__frames.push(ts);
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    });
    const heap = await heapSampler(page);
    if (cpuFile) {
      await heap.cdp.send('Profiler.enable');
      await heap.cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await heap.cdp.send('Profiler.start');
    }
    if (traceFile) await h.browser.startTracing(page, { path: traceFile, screenshots: false });
    const dumper = memoryDump ? await memoryDumper(h.browser) : null;
    const mem = sampler();
    // What the renderers hold before the file: the page, React, Next's runtime.
    const before = Math.max(
      0,
      ...chromiumPids()
        .filter((p) => cmdline(p).includes('--type=renderer'))
        .map((p) => memOf(p)?.rss ?? 0),
    );
    const t0 = Date.now();
    await page.evaluate(() => (window.__chosen = performance.now()));
    await page.setInputFiles('[data-testid=open-file]', file);
    const ready = await page
      .waitForSelector('[data-testid=timeline][data-ready], [data-testid=error]', { timeout: 900_000 })
      .then(async (el) => ((await el.getAttribute('data-testid')) === 'timeline' ? null : el.textContent()));
    const firstRender = Date.now() - t0;
    await page.waitForTimeout(1500);
    const m = mem.stop();
    const heaps = await heap.stop();
    const allocators = dumper ? await dumper.dump(m.renderer.pid) : null;
    if (traceFile) await h.browser.stopTracing();
    if (cpuFile) {
      const { profile } = await heap.cdp.send('Profiler.stop');
      writeFileSync(cpuFile, JSON.stringify(profile));
    }
    const r = await page.evaluate(() => {
      window.__rafOn = false;
      const mark = (n) => performance.getEntriesByName(n, 'mark').at(-1)?.startTime ?? null;
      const marks = {
        analyze: mark('tl:analyze'),
        result: mark('tl:result'),
        done: mark('tl:worker-done'),
        trace: mark('tl:trace'),
      };
      const f = window.__frames;
      const gaps = [];
      for (let i = 1; i < f.length; i++)
        if (f[i - 1] >= window.__chosen) gaps.push({ t: f[i - 1], d: f[i] - f[i - 1] });
      const packets = document.querySelector('[data-testid=summary]')?.textContent?.match(/([\d,]+) packets/);
      return {
        marks,
        chosen: window.__chosen,
        long: window.__long.filter((e) => e.t + e.d >= window.__chosen),
        gaps,
        paints: window.__tlPaint,
        packets: packets ? Number(packets[1].replace(/,/g, '')) : null,
      };
    });
    if (heapFile) {
      const chunks = [];
      heap.cdp.on('HeapProfiler.addHeapSnapshotChunk', (e) => chunks.push(e.chunk));
      await heap.cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      writeFileSync(heapFile, chunks.join(''));
    }
    const { marks } = r;
    // Analysis: worker started -> its result begins to arrive (the whole trace, before the parts).
    const resultAt = marks.result ?? marks.done;
    const analysisS =
      marks.analyze !== null && resultAt !== null ? (resultAt - marks.analyze) / 1000 : firstRender / 1000;
    // Transfer: result begins -> Trace assembled on the page (deserialization included).
    const transferS =
      marks.result !== null && marks.trace !== null ? (marks.trace - marks.result) / 1000 : null;
    const long = r.long;
    const longest = long.length ? Math.max(...long.map((e) => e.d)) : 0;
    const totalLong = long.reduce((s, e) => s + e.d, 0);
    const during = r.gaps.filter((g) => resultAt === null || g.t < resultAt);
    const maxGap = (gs) => (gs.length ? Math.max(...gs.map((g) => g.d)) : NaN);
    const target = 0.5 * mb + 300;
    rows.push({
      capture: file.replace(`${root}/`, ''),
      MB: mb.toFixed(0),
      packets: r.packets ?? '?',
      'analysis s': analysisS.toFixed(1),
      'MB/s': (mb / analysisS).toFixed(1),
      'transfer s': transferS === null ? '-' : transferS.toFixed(2),
      'first render s': (firstRender / 1000).toFixed(1),
      'long tasks': long.length,
      'longest ms': longest.toFixed(0),
      'total long ms': totalLong.toFixed(0),
      'max frame gap ms': maxGap(r.gaps).toFixed(0),
      // CPU seconds of the page's renderer (main thread + worker) from the file choice to the end.
      'renderer CPU s': (m.renderer.cpu - m.renderer.cpu0).toFixed(1),
      'renderer peak MB': m.renderer.rss.toFixed(0),
      'renderer HWM MB': m.renderer.hwm.toFixed(0),
      'all chromium MB': m.all.toFixed(0),
      'target MB': target.toFixed(0),
      'longest<=50': long.length === 0 ? 'PASS' : 'FAIL',
      'mem<=target': Math.max(m.renderer.rss, m.renderer.hwm) <= target ? 'PASS' : 'FAIL',
    });
    // A task is in the phase its end falls in: a message's deserialization ends in the task that
    // sets the mark.
    const phase = (t, d) =>
      resultAt === null || t + d + 16 < resultAt
        ? 'analysis'
        : marks.trace === null || t <= marks.trace
          ? 'transfer'
          : 'render';
    details.push({
      file,
      error: ready,
      errors,
      marks: Object.fromEntries(
        Object.entries(marks).map(([k, v]) => [k, v === null ? null : Math.round(v - r.chosen)]),
      ),
      heaps: {
        pageUsedMB: heaps.pageUsed.toFixed(0),
        pageTotalMB: heaps.pageTotal.toFixed(0),
        workerUsedMB: heaps.workerUsed.toFixed(0),
        workerTotalMB: heaps.workerTotal.toFixed(0),
      },
      // Every 1 s: "ms:page used/total,worker used/total" MB (the latest answers; a busy thread is late).
      heapSeries: heaps.series.filter((_, i) => i % 4 === 0).join(' '),
      rendererPid: m.renderer.pid,
      ...(allocators ? { rendererAllocatorsMB: allocators } : {}),
      timelinePaintMs: r.paints.length
        ? {
            first: Number(r.paints[0].toFixed(1)),
            max: Number(Math.max(...r.paints).toFixed(1)),
            n: r.paints.length,
          }
        : null,
      // Every renderer of the run: peak sampled RSS / VmHWM.
      renderers: m.renderers,
      rendererBeforeMB: Math.round(before),
      // Renderer RSS every 500 ms: "ms:MB".
      rendererSeries: m.series
        .filter((_, i) => i % 5 === 0)
        .map(([t, v]) => `${t}:${v}`)
        .join(' '),
      frameGaps: {
        duringAnalysisMaxMs: Number(maxGap(during).toFixed(1)),
        over50: r.gaps.filter((g) => g.d > 50).length,
        frames: r.gaps.length,
        longest: [...r.gaps]
          .sort((a, b) => b.d - a.d)
          .slice(0, 5)
          .map((g) => `${g.d.toFixed(0)} ms at +${(g.t - r.chosen).toFixed(0)} ms (${phase(g.t, g.d)})`),
      },
      longTasks: long
        .sort((a, b) => b.d - a.d)
        .slice(0, 8)
        .map((e) => `${e.d.toFixed(0)} ms at +${(e.t - r.chosen).toFixed(0)} ms (${phase(e.t, e.d)})`),
    });
    await context.close();
  }
} finally {
  await h.stop();
}
for (const d of details) console.log(JSON.stringify(d, null, 1));
console.table(rows);
// One line per run against issue #16's browser memory target.
for (const r of rows) {
  const peak = Math.max(Number(r['renderer peak MB']), Number(r['renderer HWM MB']));
  const ok = r['mem<=target'] === 'PASS';
  console.log(
    `${ok ? '✓' : '✗'} ${r.capture} (${r.MB} MB): renderer peak ${peak} MB, target <= 0.5 x ${r.MB} + 300 = ${r['target MB']} MB; ` +
      `analysis ${r['analysis s']} s, first render ${r['first render s']} s, renderer CPU ${r['renderer CPU s']} s`,
  );
}
