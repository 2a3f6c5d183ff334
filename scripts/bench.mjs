#!/usr/bin/env node
// npm run bench [-- --shapes NAME,NAME...]   a subset of the shapes below (default: all but big)
//                 [-- --big]                  add the 2 GB shape (slow: minutes to make and to run
//                                             tshark on; needs about 5 GB of disk and 4 GB of RAM)
//                 [-- --file CAPTURE [--port N]]   one capture of your own instead of the shapes
//                 [-- --runs N]               tracelens runs into a file per shape (fastest time; default 3)
//                 [-- --slow-mbps N]          the slow pipe reader's rate (default 30 MB/s)
//                 [-- --skip-tshark]  [-- --baseline OTHER/bin/tracelens.mjs]  (an older build, same files)
//                 [-- --tl-args "--threads 2"]   extra arguments for every tracelens run
//
// Measures the full `tracelens analyze --json` (readers, TCP reassembly, HTTP/1, HTTP/2 + HPACK,
// gRPC, detectors, the JSON document) on large captures made by real programs, and in the same run
// tshark's two-pass HTTP/2 dissection (-2 -d tcp.port==PORT,http2 -T fields -e http2.type) and
// TCP conversation table on the same files. Each row prints MB/s, the ratio to tshark, and the peak
// RSS with stdout a file, a fast pipe (read as fast as it comes) and a slow pipe (read at
// --slow-mbps), each against its target with ✓ or ✗ (and CPU seconds, user + system: on a machine
// other jobs share, wall time says more about them than about the program):
//   MB/s >= 300, ratio to tshark's HTTP/2 dissection >= 10, peak RSS <= 0.5 x capture + 200 MB.
//
// Shapes (scripts/bench-captures.mjs; made once into bench/, which git ignores):
//   h2-requests            h2load -> nghttpd in a network namespace (lo MTU 1500, offloads on):
//                          80,800 streams over 72 connections, responses 2-200 KB (issue #16)
//   h2-requests-nooffload  the same with TSO/GSO/GRO off: wire-size packets (about 5x more)
//   grpc-unary             @grpc/grpc-js unary calls, 8 channels, some NOT_FOUND/INTERNAL/deadline
//   h2c-16k                h2load, 24,000 requests of a 16 KiB file on the host's loopback
//   http1-mix              Node http, 5,000 connections, keep-alive and one-shot, small and 64 KB
//   small-packets          1,000,000 small TCP packets written directly (the reader's cost per packet)
//   big                    (--big) h2load -> nghttpd, 404,000 streams, offloads off: about 2.2 GB
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  statSync,
  openSync,
  closeSync,
  readSync,
  unlinkSync,
  mkdtempSync,
  rmSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  root,
  which,
  ensureApt,
  makeH2c,
  makeHttp1Mix,
  makeSmallPackets,
  makeH2Requests,
  makeGrpcUnary,
} from './bench-captures.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const has = (name) => args.includes(`--${name}`);

const TARGET_MBPS = 300;
const TARGET_RATIO = 10;
const memTarget = (mb) => 0.5 * mb + 200;
const runs = Math.max(1, Number(opt('runs', 3)) || 1);
const slowMBps = Number(opt('slow-mbps', 30)) || 30;
const tlArgs = (opt('tl-args', '') ?? '').split(' ').filter(Boolean);
const tracelens = path.join(root, 'bin/tracelens.mjs');

const SHAPES = {
  'h2-requests': () => makeH2Requests({ offloads: true }),
  'h2-requests-nooffload': () => makeH2Requests({ offloads: false }),
  'grpc-unary': () => makeGrpcUnary(),
  'h2c-16k': () => makeH2c(24000),
  'http1-mix': () => makeHttp1Mix(5000),
  'small-packets': async () => ({ ...makeSmallPackets(), port: null }),
  big: () => makeH2Requests({ offloads: false, streams: 404000 }),
};

const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'tracelens-bench-'));
process.on('exit', () => rmSync(tmpDir, { recursive: true, force: true }));

function parseTimeV(stderr) {
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const seconds = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
  // CPU time (user + system): what the program cost when other jobs share the cores.
  const cpu = user && sys ? Number(user[1]) + Number(sys[1]) : NaN;
  return { seconds, cpu, rssMB: rss ? Number(rss[1]) / 1024 : NaN };
}

/**
 * Runs `cmd` under /usr/bin/time -v. `sink`: 'file' (stdout into a temp file, handed to `scan` when
 * given, then removed), 'null', or a pipe read by this process, fast (`readMBps` Infinity) or at
 * `readMBps`.
 */
function timeV(cmd, argv, { sink = 'null', scan = null, readMBps = Infinity } = {}) {
  return new Promise((resolve, reject) => {
    const outFile = path.join(tmpDir, 'out');
    const fd = sink === 'file' ? openSync(outFile, 'w') : null;
    const child = spawn('/usr/bin/time', ['-v', cmd, ...argv], {
      stdio: ['ignore', sink === 'file' ? fd : sink === 'null' ? 'ignore' : 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    if (sink === 'pipe') {
      let bytes = 0;
      const t0 = Date.now();
      child.stdout.on('data', (c) => {
        bytes += c.length;
        if (!Number.isFinite(readMBps)) return;
        const due = (bytes / (readMBps * 1e6)) * 1000 - (Date.now() - t0);
        if (due > 1) {
          child.stdout.pause();
          setTimeout(() => child.stdout.resume(), due);
        }
      });
    }
    child.on('error', reject);
    child.on('close', (status) => {
      if (fd !== null) closeSync(fd);
      let scanned = null;
      if (fd !== null) {
        if (scan) scanned = scan(outFile);
        unlinkSync(outFile);
      }
      resolve({ ...parseTimeV(stderr), status, stderr, scanned });
    });
  });
}

/** Calls `each(chunk)` on the file's bytes, 16 MB at a time (documents of a 2 GB capture exceed a string). */
function readChunks(file, each) {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(16 << 20);
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) each(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

/**
 * The counts of a compact tracelens document without parsing it: the input's packets and the first
 * connection's server port from its head, and HTTP/2 frames as the objects that open with
 * `{"number":` (every H2Frame, per stream and connection-level; nothing else starts so).
 */
function scanDoc(file) {
  const pattern = Buffer.from('{"number":');
  let head = '';
  let frames = 0;
  let carry = Buffer.alloc(0);
  readChunks(file, (chunk) => {
    if (head.length < 1 << 16) head += chunk.subarray(0, 1 << 16).toString('latin1');
    const b = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    for (let i = b.indexOf(pattern); i >= 0; i = b.indexOf(pattern, i + 1)) frames++;
    carry = Buffer.from(b.subarray(Math.max(0, b.length - pattern.length + 1)));
  });
  const packets = /"input":\{.*?"packets":(\d+)/.exec(head);
  const server = /"connections":\[\{.*?"server":"[^"]*:(\d+)"/.exec(head);
  if (!packets) return null;
  return { packets: Number(packets[1]), frames, port: server ? server[1] : null };
}

/** tshark -T fields -e http2.type output: one line per packet, the frame types comma-separated. */
function scanTsharkTypes(file) {
  let frames = 0;
  let lineHasField = false;
  readChunks(file, (chunk) => {
    for (const c of chunk) {
      if (c === 0x0a) {
        if (lineHasField) frames++;
        lineHasField = false;
      } else if (c === 0x2c) frames++;
      else lineHasField = true;
    }
  });
  return frames + (lineHasField ? 1 : 0);
}

const mark = (ok) => (ok ? '✓' : '✗');

async function row(label, file, port, tshark, dropped) {
  const mb = statSync(file).size / 1e6;
  const tl = [tracelens, 'analyze', file, '--json', ...tlArgs];
  // The first run's document gives the counts; the fastest of --runs runs gives the time (wall
  // time on a shared machine only ever gets worse than the program's own cost), the highest peak
  // the memory.
  const first = await timeV(process.execPath, tl, { sink: 'file', scan: scanDoc });
  const doc = first.scanned;
  if (!doc) {
    console.error(
      `  tracelens failed on ${path.basename(file)} (status ${first.status}): ${first.stderr.trim().split('\n').slice(-3).join(' / ')}`,
    );
  }
  let seconds = first.seconds;
  let cpu = first.cpu;
  let fileMB = first.rssMB;
  for (let i = 1; i < runs; i++) {
    const r = await timeV(process.execPath, tl, { sink: 'file' });
    seconds = Math.min(seconds, r.seconds);
    cpu = Math.min(cpu, r.cpu);
    fileMB = Math.max(fileMB, r.rssMB);
  }
  const fast = await timeV(process.execPath, tl, { sink: 'pipe' });
  const slow = await timeV(process.execPath, tl, { sink: 'pipe', readMBps: slowMBps });
  const packets = doc ? doc.packets : NaN;
  const frames = doc ? doc.frames : 0;
  // A capture made earlier: its server port is the first connection's (h2load talks to one port).
  if (port === undefined) port = doc?.port ?? null;
  const target = memTarget(mb);
  const mbps = mb / seconds;
  const out = {
    shape: label,
    MB: mb.toFixed(0),
    packets,
    dropped: dropped ?? '-',
    h2_frames: frames || '-',
    s: seconds.toFixed(2),
    cpu_s: cpu.toFixed(2),
    'MB/s': `${mbps.toFixed(0)} ${mark(mbps >= TARGET_MBPS)}`,
    x_tshark_h2: '-',
    rss_file: `${fileMB.toFixed(0)} ${mark(fileMB <= target)}`,
    rss_fast_pipe: `${fast.rssMB.toFixed(0)} ${mark(fast.rssMB <= target)}`,
    rss_slow_pipe: `${slow.rssMB.toFixed(0)} ${mark(slow.rssMB <= target)}`,
    rss_target: target.toFixed(0),
  };
  const baseline = opt('baseline', null);
  if (baseline) {
    const b = await timeV(process.execPath, [path.resolve(baseline), 'analyze', file, '--json'], {
      sink: 'file',
    });
    out.before_s = b.seconds.toFixed(2);
    out.before_cpu_s = b.cpu.toFixed(2);
    out.before_rss = b.rssMB.toFixed(0);
    out.speedup = (b.seconds / seconds).toFixed(2);
  }
  if (tshark) {
    if (port && frames) {
      // Two passes (-2), the server port decoded as HTTP/2, one line per packet with the types
      // of the HTTP/2 frames in it: counted, so a dissection that silently found nothing (wrong
      // port, no reassembly) shows as a frame count that differs from ours.
      const h2 = await timeV(
        'tshark',
        ['-2', '-r', file, '-d', `tcp.port==${port},http2`, '-T', 'fields', '-e', 'http2.type'],
        { sink: 'file', scan: scanTsharkTypes },
      );
      const tsFrames = h2.scanned;
      const ratio = h2.seconds / seconds;
      out.tshark_h2_s = h2.seconds.toFixed(2);
      out.tshark_h2_cpu_s = h2.cpu.toFixed(2);
      out.x_tshark_h2 = `${ratio.toFixed(1)} ${mark(ratio >= TARGET_RATIO)}`;
      if (tsFrames !== frames)
        console.error(
          `  note: tshark dissected ${tsFrames} HTTP/2 frames in ${path.basename(file)}, tracelens ${frames}`,
        );
    } else {
      const conv = await timeV('tshark', ['-r', file, '-q', '-z', 'conv,tcp']);
      out.tshark_h2_s = `conv ${conv.seconds.toFixed(2)}`;
      out.x_tshark_h2 = `conv ${(conv.seconds / seconds).toFixed(1)}`;
    }
  }
  console.error(`  ${label}: ${JSON.stringify(out)}`);
  return out;
}

async function main() {
  if (!existsSync(path.join(root, 'dist/tracelens.mjs')))
    execFileSync('npm', ['run', 'build:cli'], { cwd: root, stdio: 'inherit' });
  const tshark = !has('skip-tshark') && (which('tshark') || ensureApt([['tshark', 'tshark']]));
  const rows = [];
  const given = opt('file', null);
  if (given) {
    rows.push(await row(path.basename(given), given, opt('port', undefined), tshark));
  } else {
    const names = opt('shapes', null)?.split(',') ?? Object.keys(SHAPES).filter((n) => n !== 'big');
    if (has('big') && !names.includes('big')) names.push('big');
    for (const name of names) {
      const make = SHAPES[name];
      if (!make) {
        console.error(`unknown shape ${name} (shapes: ${Object.keys(SHAPES).join(', ')})`);
        process.exitCode = 2;
        return;
      }
      const c = await make();
      if (!c) continue;
      rows.push(await row(name, c.file, c.port ?? undefined, tshark, c.dropped));
    }
  }
  console.log(
    `targets: MB/s >= ${TARGET_MBPS}, x tshark two-pass HTTP/2 >= ${TARGET_RATIO}, peak RSS <= 0.5 x MB + 200 (file, fast pipe, slow pipe at ${slowMBps} MB/s); ${os.cpus().length} cores`,
  );
  console.table(rows);
  // The shared trace's document (issue #16): JSON vs Arrow on the request-heavy h2load capture
  // (or --file): size, write time, first screen. --skip-document leaves it out.
  if (!has('skip-document'))
    execFileSync(
      process.execPath,
      [path.join(root, 'scripts/bench-document.mjs'), '--runs', '1', ...(given ? ['--file', given] : [])],
      { stdio: 'inherit' },
    );
}

await main();
// Display-filter speed over a synthetic 1M-packet trace (scripts/bench-filter.mjs; --skip-filter leaves it out).
if (!has('skip-filter')) console.table(await (await import('./bench-filter.mjs')).benchFilter());
