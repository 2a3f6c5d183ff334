#!/usr/bin/env node
// npm run bench [-- --file CAPTURE [--port N]] [-- --sizes 6000,12000,24000] [-- --skip-tshark]
//
// Measures the full `tracelens analyze` (readers, TCP reassembly, HTTP/1, HTTP/2 + HPACK,
// detectors) on large captures and, when tshark is installed, tshark's TCP conversation table and
// two-pass HTTP/2 dissection on the same files in the same run. Prints MB/s, packets/s, peak RSS
// and the ratio to tshark.
//
// Captures are made with real programs on loopback (nghttpd + h2load for h2c at three sizes, Node
// http for a many-connection HTTP/1.1 mix), plus one synthetic capture of 1,000,000 small TCP
// packets written directly as pcap records (loopback capture of a million tiny segments drops
// packets; the reader's cost per packet is what is measured). Everything goes to bench/ (ignored).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  statSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
  readFileSync,
  unlinkSync,
  mkdtempSync,
  rmSync,
} from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
mkdirSync(benchDir, { recursive: true });
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const has = (name) => args.includes(`--${name}`);
const which = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function ensureApt(pkgs) {
  const missing = pkgs.filter(([bin]) => !which(bin)).map(([, pkg]) => pkg);
  if (!missing.length) return true;
  if (process.getuid?.() !== 0) {
    console.error(`missing: ${missing.join(' ')} (apt-get install them)`);
    return false;
  }
  console.error(`installing ${missing.join(' ')} ...`);
  execFileSync(
    'sh',
    [
      '-c',
      `DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')} >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')} >/dev/null)`,
    ],
    { stdio: 'inherit' },
  );
  return true;
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * Runs `run` while tcpdump captures `tcp port PORT` on loopback into `file`; returns how many
 * packets the kernel dropped. A 1 GiB capture buffer (-B is in KiB) and no per-packet flush (-U)
 * keep up with h2load on loopback: at 256 MiB with -U the 24000-request capture lost packets,
 * which leaves holes in the HTTP/2 streams and makes the figures meaningless.
 */
async function withTcpdump(file, port, run) {
  const td = spawn('tcpdump', ['-i', 'lo', '-s', '0', '-B', '1048576', '-w', file, `tcp port ${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  td.stderr.on('data', (d) => (err += d));
  // Start the load only once tcpdump listens: setting up a 1 GiB ring takes a while on a busy
  // machine, and a fixed 800 ms wait gave empty captures (24-byte files) there.
  for (let waited = 0; !/listening on/.test(err) && td.exitCode === null && waited < 20000; waited += 50)
    await sleep(50);
  await sleep(200);
  try {
    await run();
  } finally {
    await sleep(800);
    td.kill('SIGINT');
    await new Promise((r) => td.on('exit', r));
  }
  const dropped = /(\d+) packets? dropped by kernel/.exec(err);
  const captured = /(\d+) packets? captured/.exec(err);
  const n = dropped ? Number(dropped[1]) : NaN;
  const c = captured ? Number(captured[1]) : NaN;
  if (!(n === 0) || !(c > 0))
    console.error(
      `  note: tcpdump captured ${captured ? c : '?'} and dropped ${dropped ? n : '?'} packets for ${path.basename(file)}`,
    );
  // An empty capture is as useless as one with holes: report it as a failure to retry.
  return c > 0 ? n : NaN;
}

/** h2c capture: h2load against nghttpd (no TLS) serving a 16 KiB file, `n` requests. */
async function makeH2c(n) {
  const file = path.join(benchDir, `h2c-${n}.pcap`);
  if (existsSync(file)) return { file, port: null };
  if (
    !ensureApt([
      ['nghttpd', 'nghttp2-server'],
      ['h2load', 'nghttp2-client'],
      ['tcpdump', 'tcpdump'],
    ])
  )
    return null;
  const port = await freePort();
  const docroot = path.join(benchDir, 'www');
  mkdirSync(docroot, { recursive: true });
  writeFileSync(path.join(docroot, 'obj'), Buffer.alloc(16384, 'x'));
  const server = spawn('nghttpd', ['--no-tls', '-d', docroot, String(port)], { stdio: 'ignore' });
  await sleep(500);
  let dropped = NaN;
  try {
    // A capture with drops is thrown away and made again (tcpdump competes with h2load and
    // nghttpd for the two cores); after three tries the last one is kept and its drops shown.
    for (let attempt = 1; attempt <= 3; attempt++) {
      dropped = await withTcpdump(file, port, async () => {
        execFileSync('h2load', ['-n', String(n), '-c', '10', '-m', '10', `http://127.0.0.1:${port}/obj`], {
          stdio: 'ignore',
        });
      });
      if (dropped === 0) break;
      if (attempt < 3) unlinkSync(file);
    }
  } finally {
    server.kill();
  }
  return { file, port, dropped };
}

/** Many-connection HTTP/1.1 mix: keep-alive and one-shot connections, small and large bodies. */
async function makeHttp1Mix(connections) {
  const file = path.join(benchDir, `http1-mix-${connections}.pcap`);
  if (existsSync(file)) return { file };
  if (!ensureApt([['tcpdump', 'tcpdump']])) return null;
  const port = await freePort();
  const big = Buffer.alloc(64 * 1024, 'y');
  const server = http.createServer((req, res) => {
    const small = req.url === '/small';
    res.writeHead(200, { 'content-type': small ? 'application/json' : 'application/octet-stream' });
    res.end(small ? '{"ok":true}' : big);
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const dropped = await withTcpdump(file, port, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
    const one = (pathName, keep) =>
      new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: pathName, agent: keep ? agent : false }, (res) => {
            res.resume();
            res.on('end', resolve);
          })
          .on('error', reject);
      });
    for (let i = 0; i < connections; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) => one((i + j) % 3 ? '/small' : '/big', (i + j) % 2 === 0)),
      );
    }
    agent.destroy();
  });
  server.close();
  return { file, dropped };
}

/** 1,000,000 small TCP packets (pcap, Ethernet/IPv4), written directly: 1,000 connections of 1,000 segments. */
function makeSmallPackets(count = 1_000_000) {
  const file = path.join(benchDir, `small-${count}.pcap`);
  if (existsSync(file)) return { file };
  const fd = openSync(file, 'w');
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0);
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(65535, 16);
  hdr.writeUInt32LE(1, 20);
  writeSync(fd, hdr);
  const payload = 16;
  const frameLen = 14 + 20 + 20 + payload;
  const rec = Buffer.alloc(16 + frameLen);
  const batch = [];
  let t = 1_700_000_000 * 1e6;
  const perConn = 1000;
  const seqs = new Map();
  for (let i = 0; i < count; i++) {
    const conn = Math.floor(i / perConn);
    const k = i % perConn;
    const c2s = k % 2 === 0;
    const cport = 20000 + (conn % 40000);
    t += 50;
    rec.fill(0);
    rec.writeUInt32LE(Math.floor(t / 1e6), 0);
    rec.writeUInt32LE(t % 1e6, 4);
    rec.writeUInt32LE(frameLen, 8);
    rec.writeUInt32LE(frameLen, 12);
    const f = 16;
    rec.writeUInt16BE(0x0800, f + 12);
    const ip = f + 14;
    rec[ip] = 0x45;
    rec.writeUInt16BE(20 + 20 + payload, ip + 2);
    rec[ip + 8] = 64;
    rec[ip + 9] = 6;
    rec.writeUInt32BE(c2s ? 0x0a000001 : 0x0a000002, ip + 12);
    rec.writeUInt32BE(c2s ? 0x0a000002 : 0x0a000001, ip + 16);
    const tcp = ip + 20;
    rec.writeUInt16BE(c2s ? cport : 8080, tcp);
    rec.writeUInt16BE(c2s ? 8080 : cport, tcp + 2);
    const key = `${conn}:${c2s}`;
    const seq = seqs.get(key) ?? (c2s ? 1000 : 5000);
    const other = seqs.get(`${conn}:${!c2s}`) ?? (c2s ? 5000 : 1000);
    rec.writeUInt32BE(seq >>> 0, tcp + 4);
    rec.writeUInt32BE(other >>> 0, tcp + 8);
    rec[tcp + 12] = 0x50;
    rec[tcp + 13] = 0x18; // PSH ACK
    rec.writeUInt16BE(65535, tcp + 14);
    seqs.set(key, seq + payload);
    batch.push(Buffer.from(rec));
    if (batch.length === 10000) {
      writeSync(fd, Buffer.concat(batch));
      batch.length = 0;
    }
  }
  if (batch.length) writeSync(fd, Buffer.concat(batch));
  closeSync(fd);
  return { file };
}

/** Runs `cmd` under /usr/bin/time -v; stdout goes to the file descriptor `outFd` (default: discarded). */
function timeV(cmd, argv, outFd = 'ignore') {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...argv], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', outFd, 'pipe'],
  });
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const seconds = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  return { seconds, rssMB: rss ? Number(rss[1]) / 1024 : NaN, status: r.status, stderr: r.stderr };
}

const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'tracelens-bench-'));
process.on('exit', () => rmSync(tmpDir, { recursive: true, force: true }));

/**
 * Runs `cmd` once, timed, with its stdout in a temp file, and returns the timing and that output.
 * One run gives both the figures and the counts (packets, frames) they are divided by.
 */
function timedToFile(cmd, argv) {
  const outFile = path.join(tmpDir, 'out');
  const fd = openSync(outFile, 'w');
  let t;
  try {
    t = timeV(cmd, argv, fd);
  } finally {
    closeSync(fd);
  }
  const text = readFileSync(outFile, 'utf8');
  unlinkSync(outFile);
  return { ...t, text };
}

/** HTTP/2 frames in a tracelens document: per stream and connection-level (stream 0). */
function countFrames(doc) {
  return (
    doc.streams.reduce((n, s) => n + s.frames.length, 0) + doc.h2.reduce((n, h) => n + h.frames.length, 0)
  );
}

function row(label, file, port, tshark, dropped) {
  const mb = statSync(file).size / 1e6;
  const tl = timedToFile(process.execPath, [path.join(root, 'bin/tracelens.mjs'), 'analyze', file, '--json']);
  let doc = null;
  try {
    doc = JSON.parse(tl.text);
  } catch {
    console.error(
      `  tracelens failed on ${path.basename(file)} (status ${tl.status}): ${tl.stderr.trim().split('\n').slice(-3).join(' / ')}`,
    );
  }
  const packets = doc ? doc.input.packets : NaN;
  const frames = doc ? countFrames(doc) : NaN;
  // A capture made earlier: its server port is the first connection's (h2load talks to one port).
  if (port === undefined) port = doc?.connections[0]?.server.split(':').pop() ?? null;
  const out = {
    label,
    MB: mb.toFixed(1),
    packets,
    dropped: dropped ?? '-',
    h2_frames: frames || '-',
    tracelens_s: tl.seconds.toFixed(2),
    'MB/s': (mb / tl.seconds).toFixed(0),
    'pkts/s': Math.round(packets / tl.seconds),
    'frames/s': frames ? Math.round(frames / tl.seconds) : '-',
    peak_MB: tl.rssMB.toFixed(0),
    mem_target_MB: (0.5 * mb + 200).toFixed(0),
  };
  if (tshark) {
    const conv = timeV('tshark', ['-r', file, '-q', '-z', 'conv,tcp']);
    out.tshark_conv_s = conv.seconds.toFixed(2);
    out['x_vs_conv'] = (conv.seconds / tl.seconds).toFixed(1);
    if (port && frames) {
      // Two passes (-2), the server port decoded as HTTP/2, one line per packet with the types
      // of the HTTP/2 frames in it: counted, so a dissection that silently found nothing (wrong
      // port, no reassembly) shows as a frame count that differs from ours.
      const h2 = timedToFile('tshark', [
        '-2',
        '-r',
        file,
        '-d',
        `tcp.port==${port},http2`,
        '-T',
        'fields',
        '-e',
        'http2.type',
      ]);
      const tsFrames = h2.text.split('\n').reduce((n, l) => (l ? n + l.split(',').length : n), 0);
      out.tshark_h2_frames = tsFrames;
      out.tshark_h2_s = h2.seconds.toFixed(2);
      out.tshark_h2_MB = h2.rssMB.toFixed(0);
      out['x_vs_h2'] = (h2.seconds / tl.seconds).toFixed(1);
      if (tsFrames !== frames)
        console.error(
          `  note: tshark dissected ${tsFrames} HTTP/2 frames in ${path.basename(file)}, tracelens ${frames}`,
        );
    }
  }
  return out;
}

async function main() {
  if (!existsSync(path.join(root, 'dist/tracelens.mjs')))
    execFileSync('npm', ['run', 'build:cli'], { cwd: root, stdio: 'inherit' });
  const tshark = !has('skip-tshark') && (which('tshark') || ensureApt([['tshark', 'tshark']]));
  const rows = [];
  const given = opt('file', null);
  if (given) {
    rows.push(row(path.basename(given), given, opt('port', undefined), tshark));
  } else {
    const sizes = opt('sizes', '6000,12000,24000').split(',').map(Number);
    for (const n of sizes) {
      const c = await makeH2c(n);
      if (!c) continue;
      rows.push(row(`h2c h2load n=${n}`, c.file, c.port ?? undefined, tshark, c.dropped));
    }
    const mix = await makeHttp1Mix(5000);
    if (mix) rows.push(row('http1 mix 5000 conns', mix.file, null, tshark, mix.dropped));
    const small = makeSmallPackets();
    rows.push(row('1M small packets', small.file, null, tshark));
  }
  console.table(rows);
}

await main();
