// Timeline performance: expects `npm run build` done. The harness starts `next start` on loopback;
// writes synthetic pcaps (100k and 1M packets, a few hundred TCP connections with handshakes, data,
// retransmissions, keep-alives, idle gaps and FINs), opens each through [data-testid=open-file] and
// measures: time to first timeline render, frame times while zooming (60 wheel events) and panning
// (60 drag steps), timeline paint cost, and main-thread long tasks. Prints a table.
// Frame intervals are rAF deltas at the normal 60 Hz vsync (16.7 ms = every frame made); "paint" is
// the timeline's own draw cost per frame (probe window.__tlPaint).
//   node tests/browser/perf.mjs [packets...]     e.g. node tests/browser/perf.mjs 100000
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shots, start } from './_harness.mjs';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
if (!sizes.length) sizes.push(100_000, 1_000_000);

/** Synthetic pcap: nConn connections round-robin over 120 s; every 10th goes silent 20..70 s. */
function makePcap(total) {
  const nConn = 300;
  const PAY_C = 40;
  const PAY_S = 120;
  const est = 24 + total * (16 + 54 + PAY_S);
  const buf = Buffer.alloc(est);
  let o = 0;
  buf.writeUInt32LE(0xa1b2c3d4, 0);
  buf.writeUInt16LE(2, 4);
  buf.writeUInt16LE(4, 6);
  buf.writeUInt32LE(65535, 16);
  buf.writeUInt32LE(1, 20);
  o = 24;
  const perConn = Math.floor(total / nConn);
  const st = Array.from({ length: nConn }, () => ({ k: 0, seqC: 1000, seqS: 5000, lastC: 1000, ka: false }));
  const epoch = 1_790_000_000;
  const span = 120;
  let written = 0;
  let slot = 0;
  const write = (t, ci, c2s, flags, seq, ack, len) => {
    const cIp = [10, 0, (ci >> 8) & 255, ci & 255];
    const sIp = [10, 1, 0, 10 + (ci % 24)];
    const cPort = 40000 + ci;
    const sPort = 9000;
    const [srcIp, dstIp, sp, dp] = c2s ? [cIp, sIp, cPort, sPort] : [sIp, cIp, sPort, cPort];
    const caplen = 54 + len;
    const sec = Math.floor(t);
    buf.writeUInt32LE(epoch + sec, o);
    buf.writeUInt32LE(Math.floor((t - sec) * 1e6), o + 4);
    buf.writeUInt32LE(caplen, o + 8);
    buf.writeUInt32LE(caplen, o + 12);
    o += 16;
    // Ethernet
    buf.fill(0x02, o, o + 12);
    buf.writeUInt16BE(0x0800, o + 12);
    o += 14;
    // IPv4
    buf[o] = 0x45;
    buf.writeUInt16BE(40 + len, o + 2);
    buf.writeUInt16BE(written & 0xffff, o + 4);
    buf[o + 8] = 64;
    buf[o + 9] = 6;
    for (let i = 0; i < 4; i++) {
      buf[o + 12 + i] = srcIp[i];
      buf[o + 16 + i] = dstIp[i];
    }
    o += 20;
    // TCP
    buf.writeUInt16BE(sp, o);
    buf.writeUInt16BE(dp, o + 2);
    buf.writeUInt32BE(seq >>> 0, o + 4);
    buf.writeUInt32BE(ack >>> 0, o + 8);
    buf[o + 12] = 0x50;
    buf[o + 13] = flags;
    buf.writeUInt16BE(65535, o + 14);
    o += 20;
    buf.fill(0x61, o, o + len);
    o += len;
    written++;
  };
  while (written < total && slot < total * 4) {
    const ci = slot % nConn;
    slot++;
    const t = (written / total) * span;
    const s = st[ci];
    if (ci % 10 === 0 && t > 20 && t < 70 && s.k > 3 && s.k < perConn - 4) {
      if (!s.ka && t > 45) {
        // keep-alive inside the silence: seq - 1, no payload
        write(t, ci, true, 0x10, s.seqC - 1, s.seqS, 0);
        s.ka = true;
      }
      continue;
    }
    const k = s.k++;
    if (k === 0) write(t, ci, true, 0x02, s.seqC - 1, 0, 0);
    else if (k === 1) write(t, ci, false, 0x12, s.seqS - 1, s.seqC, 0);
    else if (k === 2) write(t, ci, true, 0x10, s.seqC, s.seqS, 0);
    else if (k === perConn - 3) write(t, ci, true, 0x11, s.seqC, s.seqS, 0);
    else if (k === perConn - 2) write(t, ci, false, 0x11, s.seqS, s.seqC + 1, 0);
    else if (k === perConn - 1) write(t, ci, true, 0x10, s.seqC + 1, s.seqS + 1, 0);
    else if (k >= perConn) {
      // connection done: extra slots go to a client ACK-only packet on the next connection
      continue;
    } else if (k % 2 === 1) {
      if (k % 401 === 0)
        write(t, ci, true, 0x18, s.lastC, s.seqS, PAY_C); // retransmission
      else {
        s.lastC = s.seqC;
        write(t, ci, true, 0x18, s.seqC, s.seqS, PAY_C);
        s.seqC += PAY_C;
      }
    } else {
      write(t, ci, false, 0x18, s.seqS, s.seqC, PAY_S);
      s.seqS += PAY_S;
    }
  }
  return { bytes: buf.subarray(0, o), packets: written };
}

const h = await start();
const base = h.base;
const browser = h.browser;

const q = (a, p) => {
  if (!a.length) return NaN;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
};
const rows = [];
try {
  for (const n of sizes) {
    const { bytes, packets } = makePcap(n);
    const file = join(tmpdir(), `tracelens-perf-${n}.pcap`);
    writeFileSync(file, bytes);
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base);
    await page.waitForSelector('[data-testid=open-file]', { state: 'attached' });
    await page.evaluate(() => {
      window.__tlPaint = [];
      window.__long = [];
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) window.__long.push({ t: e.startTime, d: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    const t0 = Date.now();
    await page.setInputFiles('[data-testid=open-file]', file);
    await page.waitForSelector('[data-testid=timeline][data-ready]', { timeout: 300_000 });
    const ttfr = Date.now() - t0;
    await page.waitForTimeout(500);
    const box = await page.locator('[data-testid=timeline-canvas]').boundingBox();
    const cx = box.x + box.width * 0.6;
    const cy = box.y + Math.min(box.height - 10, 120);

    const measure = async (name, act) => {
      await page.evaluate(() => {
        window.__tlPaint.length = 0;
        window.__frames = [];
        window.__longFrom = performance.now();
        window.__run = (window.__run || 0) + 1;
        const gen = window.__run;
        const loop = (ts) => {
          if (window.__run !== gen) return;
          window.__frames.push(ts);
          requestAnimationFrame(loop);
        };
        requestAnimationFrame(loop);
      });
      await act();
      await page.waitForTimeout(400); // let the committed view render
      const r = await page.evaluate(() => {
        window.__run = -1;
        const f = window.__frames;
        const d = [];
        for (let i = 1; i < f.length; i++) d.push(f[i] - f[i - 1]);
        const long = window.__long.filter((e) => e.t >= window.__longFrom);
        return { frames: d, paint: [...window.__tlPaint], long };
      });
      rows.push({
        capture: `${(packets / 1000).toLocaleString()}k pkts`,
        phase: name,
        'frame med ms': q(r.frames, 0.5).toFixed(1),
        'frame p95 ms': q(r.frames, 0.95).toFixed(1),
        'paint med ms': q(r.paint, 0.5).toFixed(2),
        'paint p95 ms': q(r.paint, 0.95).toFixed(2),
        paints: r.paint.length,
        'long tasks': r.long.length,
        'longest ms': r.long.length ? Math.max(...r.long.map((e) => e.d)).toFixed(0) : '0',
      });
    };

    const longAtLoad = await page.evaluate(() => window.__long.length);
    const longestAtLoad = await page.evaluate(() => Math.max(0, ...window.__long.map((e) => e.d)));
    rows.push({
      capture: `${(packets / 1000).toLocaleString()}k pkts`,
      phase: `load: first render ${ttfr} ms (${(bytes.length / 1e6).toFixed(0)} MB)`,
      'frame med ms': '',
      'frame p95 ms': '',
      'paint med ms': '',
      'paint p95 ms': '',
      paints: '',
      'long tasks': longAtLoad,
      'longest ms': longestAtLoad.toFixed(0),
    });
    await page.mouse.move(cx, cy);
    await measure('zoom in (60 wheel)', async () => {
      for (let i = 0; i < 60; i++) {
        await page.mouse.wheel(0, -40);
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
      }
    });
    await measure('pan (60 drag steps)', async () => {
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      for (let i = 0; i < 60; i++) {
        await page.mouse.move(cx - i * 8, cy);
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
      }
      await page.mouse.up();
    });
    await measure('zoom out (60 wheel)', async () => {
      for (let i = 0; i < 60; i++) {
        await page.mouse.wheel(0, 60);
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
      }
    });
    await page.keyboard.press('f');
    await page.waitForTimeout(300);
    await page.locator('[data-testid=timeline]').screenshot({ path: join(shots, `perf-${n}.png`) });
    if (errors.length) console.log(`page errors at ${n}: ${errors.join('; ')}`);
    await context.close();
  }
} finally {
  await h.stop();
}
console.table(rows);
