// Large captures for the benchmarks (scripts/bench.mjs, scripts/bench-browser.mjs), made with
// real programs on loopback: nghttpd + h2load (h2c), Node http (a many-connection HTTP/1.1 mix),
// plus a synthetic capture of 1,000,000 small TCP packets. Everything goes to bench/ (ignored).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  statSync,
  mkdirSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
  unlinkSync,
} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const benchDir = path.join(root, 'bench');
mkdirSync(benchDir, { recursive: true });
export const which = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** [cmd, argv] run inside network namespace `netns` (or as is without one). */
function inNs(netns, cmd, argv) {
  return netns ? ['ip', ['netns', 'exec', netns, cmd, ...argv]] : [cmd, argv];
}

export function ensureApt(pkgs) {
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

export async function freePort() {
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
export async function withTcpdump(file, port, run, netns = null) {
  const td = spawn(
    ...inNs(netns, 'tcpdump', ['-i', 'lo', '-s', '0', '-B', '1048576', '-w', file, `tcp port ${port}`]),
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
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
    // tcpdump drops what is still in its capture ring when interrupted, without counting it as
    // dropped: wait until the file has stopped growing (a 500 MB capture is still being written
    // seconds after the load ended).
    let size = -1;
    for (let stable = 0, waited = 0; stable < 3 && waited < 60000; waited += 300) {
      await sleep(300);
      const now = existsSync(file) ? statSync(file).size : 0;
      stable = now === size ? stable + 1 : 0;
      size = now;
    }
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

/**
 * h2c capture: h2load against nghttpd (no TLS) serving a 16 KiB file, `n` requests.
 *
 * `wire: false` captures on the host's loopback (MTU 65536 with segmentation offload: tcpdump sees
 * up to 64 KiB per packet, about 25 KB on average). `wire: true` runs server, client and tcpdump in
 * a network namespace whose loopback has MTU 1500 and no TSO/GSO/GRO, so the capture has the
 * packet sizes of a real Ethernet link (about 1.3 KB on average, 5x to 20x more packets per MB):
 * what a capture taken on a network looks like, and where per-packet costs show.
 */
export async function makeH2c(n, { wire = false } = {}) {
  const file = path.join(benchDir, wire ? `h2c-wire-${n}.pcap` : `h2c-${n}.pcap`);
  if (existsSync(file)) return { file, port: null };
  const tools = [
    ['nghttpd', 'nghttp2-server'],
    ['h2load', 'nghttp2-client'],
    ['tcpdump', 'tcpdump'],
  ];
  if (wire) tools.push(['ethtool', 'ethtool'], ['ip', 'iproute2']);
  if (!ensureApt(tools)) return null;
  let netns = null;
  if (wire) {
    netns = `tracelens-bench-${process.pid}`;
    try {
      execFileSync('ip', ['netns', 'add', netns]);
      execFileSync('ip', ['netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'mtu', '1500', 'up']);
      execFileSync('ip', [
        'netns',
        'exec',
        netns,
        'ethtool',
        '-K',
        'lo',
        'tso',
        'off',
        'gso',
        'off',
        'gro',
        'off',
      ]);
    } catch (e) {
      console.error(`  cannot make a network namespace for the wire-size capture (needs root): ${e.message}`);
      spawnSync('ip', ['netns', 'del', netns]);
      return null;
    }
  }
  const port = wire ? 8443 : await freePort();
  const docroot = path.join(benchDir, 'www');
  mkdirSync(docroot, { recursive: true });
  writeFileSync(path.join(docroot, 'obj'), Buffer.alloc(16384, 'x'));
  const server = spawn(...inNs(netns, 'nghttpd', ['--no-tls', '-d', docroot, String(port)]), {
    stdio: 'ignore',
  });
  await sleep(500);
  let dropped = NaN;
  try {
    // A capture with drops is thrown away and made again (tcpdump competes with h2load and
    // nghttpd for the two cores); after three tries the last one is kept and its drops shown.
    for (let attempt = 1; attempt <= 3; attempt++) {
      dropped = await withTcpdump(
        file,
        port,
        async () => {
          execFileSync(
            ...inNs(netns, 'h2load', [
              '-n',
              String(n),
              '-c',
              '10',
              '-m',
              '10',
              `http://127.0.0.1:${port}/obj`,
            ]),
            { stdio: 'ignore' },
          );
        },
        netns,
      );
      if (dropped === 0) break;
      if (attempt < 3) unlinkSync(file);
    }
  } finally {
    server.kill();
    if (netns) {
      await sleep(200);
      spawnSync('ip', ['netns', 'del', netns]);
    }
  }
  return { file, port, dropped };
}

/** Many-connection HTTP/1.1 mix: keep-alive and one-shot connections, small and large bodies. */
export async function makeHttp1Mix(connections) {
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
export function makeSmallPackets(count = 1_000_000) {
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

/** Makes network namespace `name` with loopback up at MTU 1500, segmentation offloads on or off. */
function makeNs(name, offloads) {
  try {
    execFileSync('ip', ['netns', 'add', name]);
    execFileSync('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'mtu', '1500', 'up']);
    const k = offloads ? 'on' : 'off';
    execFileSync('ip', ['netns', 'exec', name, 'ethtool', '-K', 'lo', 'tso', k, 'gso', k, 'gro', k], {
      stdio: 'ignore',
    });
    return true;
  } catch (e) {
    console.error(`  cannot make network namespace ${name} (needs root): ${e.message}`);
    spawnSync('ip', ['netns', 'del', name]);
    return false;
  }
}

/**
 * The request-heavy h2c shape of issue #16: h2load against nghttpd in a network namespace (lo MTU
 * 1500), 80,800 streams over 72 connections, responses of 2 to 200 KB (mostly small: a web page's
 * mix of API answers, scripts and images). `offloads: true` leaves TSO/GSO/GRO on, as a capture on
 * a host usually has them (tcpdump sees up to 64 KiB per packet); `false` gives the packet sizes of
 * a capture taken on the wire (about 1.4 KB each, about 5x more packets).
 */
export async function makeH2Requests({ offloads = true, streams = 80800, connections = 72 } = {}) {
  const file = path.join(benchDir, `h2-requests-${streams}-${offloads ? 'offload' : 'nooffload'}.pcap`);
  if (existsSync(file)) return { file, port: 8080 };
  if (
    !ensureApt([
      ['nghttpd', 'nghttp2-server'],
      ['h2load', 'nghttp2-client'],
      ['tcpdump', 'tcpdump'],
      ['ethtool', 'ethtool'],
      ['ip', 'iproute2'],
    ])
  )
    return null;
  const netns = `speed-h2req-${process.pid}`;
  if (!makeNs(netns, offloads)) return null;
  const port = 8080;
  const docroot = path.join(benchDir, 'www-mix');
  mkdirSync(docroot, { recursive: true });
  // 200 URIs cycled round-robin by h2load: 70% 2 KB, 20% 4 KB, 6% 8 KB, 3% 32 KB, one 100 KB and
  // one 200 KB (mean about 5 KB, like the capture: 386 MB for 80,800 streams).
  const sizes = [
    ...Array(140).fill(2000),
    ...Array(40).fill(4000),
    ...Array(12).fill(8000),
    ...Array(6).fill(32000),
    100000,
    200000,
  ];
  const uris = [];
  for (const size of new Set(sizes)) writeFileSync(path.join(docroot, `o${size}`), Buffer.alloc(size, 'x'));
  // Interleaved, so each connection sees the mix rather than runs of one size.
  for (let i = 0; i < sizes.length; i++)
    uris.push(`http://127.0.0.1:${port}/o${sizes[(i * 37) % sizes.length]}?i=${i}`);
  const uriFile = path.join(benchDir, 'h2-requests-uris.txt');
  writeFileSync(uriFile, uris.join('\n') + '\n');
  const server = spawn(...inNs(netns, 'nghttpd', ['--no-tls', '-d', docroot, String(port)]), {
    stdio: 'ignore',
  });
  await sleep(500);
  let dropped = NaN;
  try {
    for (let attempt = 1; attempt <= 3; attempt++) {
      dropped = await withTcpdump(
        file,
        port,
        async () => {
          execFileSync(
            ...inNs(netns, 'h2load', [
              '-n',
              String(streams),
              '-c',
              String(connections),
              '-m',
              '4',
              '-i',
              uriFile,
            ]),
            { stdio: 'ignore' },
          );
        },
        netns,
      );
      if (dropped === 0) break;
      if (attempt < 3) unlinkSync(file);
    }
  } finally {
    server.kill();
    await sleep(200);
    spawnSync('ip', ['netns', 'del', netns]);
  }
  return { file, port, dropped };
}

/**
 * The gRPC unary mix: scripts/bench-grpc-load.mjs (@grpc/grpc-js server and client) in a network
 * namespace (lo MTU 1500, offloads on), `calls` small unary calls over 8 channels, some of them
 * failing (NOT_FOUND trailers-only, INTERNAL, DEADLINE_EXCEEDED cancelled by RST_STREAM).
 */
export async function makeGrpcUnary({ calls = 20000 } = {}) {
  const file = path.join(benchDir, `grpc-unary-${calls}.pcap`);
  if (existsSync(file)) return { file, port: 50051 };
  if (
    !ensureApt([
      ['tcpdump', 'tcpdump'],
      ['ethtool', 'ethtool'],
      ['ip', 'iproute2'],
    ])
  )
    return null;
  const netns = `speed-grpc-${process.pid}`;
  if (!makeNs(netns, true)) return null;
  const port = 50051;
  let dropped = NaN;
  try {
    dropped = await withTcpdump(
      file,
      port,
      async () => {
        execFileSync(
          ...inNs(netns, process.execPath, [
            path.join(root, 'scripts/bench-grpc-load.mjs'),
            '--port',
            String(port),
            '--calls',
            String(calls),
          ]),
          { stdio: ['ignore', 'ignore', 'inherit'], cwd: root },
        );
      },
      netns,
    );
  } finally {
    await sleep(200);
    spawnSync('ip', ['netns', 'del', netns]);
  }
  return { file, port, dropped };
}
