// `tracelens analyze --json` into a pipe whose reader is slow: the CLI must wait for the pipe to
// drain instead of queueing the document in memory. The capture is made here: one h2c connection
// whose header lists are large but sent as one-byte HPACK table references, so that a 3 MB capture
// gives a document of about 100 MB, far above what the analysis itself needs. A CLI that queued
// the document would grow by at least its size; one that waits stays where the fast reader has it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

const STREAMS = 8000;
const HEADERS = 30; // per list, each entry 122 bytes in the table: 3.7 KB, within HPACK's default 4096

let dir = '';
let cli = '';
let capture = '';

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tracelens-backpressure-'));
  const bundle = path.join(dir, 'tracelens.mjs');
  await build({
    entryPoints: [path.join(__dirname, 'tracelens.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  cli = path.join(dir, 'run.mjs');
  writeFileSync(
    cli,
    `import { main } from './tracelens.mjs';\nprocess.exitCode = await main(process.argv.slice(2));\n`,
  );
  capture = path.join(dir, 'h2c-big-headers.pcap');
  writeFileSync(capture, h2cCapture());
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  sha256: string;
  bytes: number;
  /** The child's peak resident memory (VmHWM), in MB. */
  peakMB: number;
  code: number | null;
}

/**
 * Runs the CLI with its stdout a pipe read by this process at `readMBps` (Infinity: as fast as
 * possible), sampling the child's VmHWM from /proc until it exits. Without `json`, the text report
 * (a few KB): the memory of the analysis alone.
 */
function runCli(readMBps: number, json = true): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'analyze', capture, ...(json ? ['--json'] : [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const hash = createHash('sha256');
    let bytes = 0;
    let peakKB = 0;
    let stderr = '';
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKB = Math.max(peakKB, Number(m[1]));
      } catch {
        // The child has exited: its last sample stands.
      }
    };
    const timer = setInterval(sample, 20);
    const started = Date.now();
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      sample();
      if (Number.isFinite(readMBps)) {
        // A reader that sleeps: it is ahead of its rate, so it stops reading for a while.
        const due = (bytes / (readMBps * 1e6)) * 1000 - (Date.now() - started);
        if (due > 1) {
          child.stdout.pause();
          setTimeout(() => child.stdout.resume(), due);
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`tracelens exited ${code}: ${stderr}`));
      resolve({ sha256: hash.digest('hex'), bytes, peakMB: peakKB / 1024, code });
    });
  });
}

/**
 * Runs the CLI with its stdout a regular file (`> trace.json`), where the document is written
 * through the thread pool (cli/write.ts) rather than process.stdout's synchronous writes.
 */
function runCliToFile(): Promise<Run> {
  const file = path.join(dir, 'stdout.json');
  const fd = openSync(file, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'analyze', capture, '--json'], {
      stdio: ['ignore', fd, 'pipe'],
    });
    closeSync(fd);
    let peakKB = 0;
    let stderr = '';
    const timer = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKB = Math.max(peakKB, Number(m[1]));
      } catch {
        // exited
      }
    }, 20);
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`tracelens exited ${code}: ${stderr}`));
      const text = readFileSync(file);
      rmSync(file);
      resolve({
        sha256: createHash('sha256').update(text).digest('hex'),
        bytes: text.length,
        peakMB: peakKB / 1024,
        code,
      });
    });
  });
}

describe('analyze --json into a slow pipe', () => {
  it('keeps the memory of the fast-reader case and writes the same bytes', async () => {
    const fast = await runCli(Infinity);
    // Big enough that a CLI holding the document would show it many times over the bound below.
    expect(fast.bytes).toBeGreaterThan(80e6);
    const slow = await runCli(40);
    const analysisOnly = await runCli(Infinity, false);
    expect(slow.sha256).toBe(fast.sha256);
    expect(slow.bytes).toBe(fast.bytes);
    expect(analysisOnly.peakMB).toBeGreaterThan(0);
    // Waiting for 'drain' leaves a chunk or two in flight whatever the reader's speed; queueing
    // would add the whole document (about 100 MB, and its text before that) to the analysis. Even
    // this test's own reader, busy hashing, is slower than the writer: the fast case is held to the
    // same bound.
    expect(slow.peakMB).toBeLessThan(fast.peakMB + 32);
    expect(fast.peakMB).toBeLessThan(analysisOnly.peakMB + 48);
    expect(slow.peakMB).toBeLessThan(analysisOnly.peakMB + 48);
    // Into a file: the same bytes, and what waits for the disk is bounded by the write queue
    // (cli/write.ts, a few MB), held to the fast reader's bound as the slow reader is.
    const file = await runCliToFile();
    expect(file.sha256).toBe(fast.sha256);
    expect(file.bytes).toBe(fast.bytes);
    expect(file.peakMB).toBeLessThan(fast.peakMB + 32);
  }, 180_000);
});

// ---- the capture: Ethernet / IPv4 / TCP in pcap, one h2c connection ----

function h2cCapture(): Uint8Array {
  const records: Uint8Array[] = [pcapHeader()];
  const seq = { c2s: 1000, s2c: 5000 };
  let t = 0;
  const client = { ip: [10, 1, 0, 1], port: 40000 };
  const server = { ip: [10, 1, 0, 2], port: 8080 };
  const packet = (dir: 'c2s' | 's2c', flags: number, payload: Uint8Array) => {
    const [src, dst] = dir === 'c2s' ? [client, server] : [server, client];
    const other = dir === 'c2s' ? seq.s2c : seq.c2s;
    records.push(record((t += 50), ethIpTcp(src, dst, seq[dir], other, flags, payload)));
    seq[dir] += payload.length + (flags & 0x03 ? 1 : 0); // SYN and FIN take a sequence number
  };
  packet('c2s', 0x02, new Uint8Array(0));
  packet('s2c', 0x12, new Uint8Array(0));
  packet('c2s', 0x10, new Uint8Array(0));
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
  packet('c2s', 0x18, Buffer.concat([preface, frame(4, 0, 0, new Uint8Array(0))]));
  packet('s2c', 0x18, Buffer.concat([frame(4, 0, 0, new Uint8Array(0)), frame(4, 1, 0, new Uint8Array(0))]));
  packet('c2s', 0x18, frame(4, 1, 0, new Uint8Array(0)));
  const names = (side: string) =>
    Array.from({ length: HEADERS }, (_, i) => [`x-${side}-${i}`, `${side}-value-${i}-`.padEnd(80, 'v')]);
  // First block of each side: literals with incremental indexing, so that later blocks are one
  // byte per field (the newest entry is index 62; all HEADERS entries fit in 4096 bytes).
  const literal = (fields: string[][]) =>
    Buffer.concat(
      fields.map(([n, v]) =>
        Buffer.concat([
          Buffer.from([0x40, n.length]),
          Buffer.from(n),
          Buffer.from([v.length]),
          Buffer.from(v),
        ]),
      ),
    );
  const indexed = Buffer.from(Array.from({ length: HEADERS }, (_, i) => 0x80 | (62 + HEADERS - 1 - i)));
  const request = (first: boolean) =>
    Buffer.concat([Buffer.from([0x82, 0x86, 0x84]), first ? literal(names('req')) : indexed]);
  const response = (first: boolean) =>
    Buffer.concat([Buffer.from([0x88]), first ? literal(names('resp')) : indexed]);
  const perPacket = 10;
  for (let id = 1; id < STREAMS * 2; id += 2 * perPacket) {
    const c2s: Uint8Array[] = [];
    const s2c: Uint8Array[] = [];
    for (let k = 0; k < perPacket && id + 2 * k < STREAMS * 2; k++) {
      const sid = id + 2 * k;
      c2s.push(frame(1, 0x05, sid, request(sid === 1)));
      s2c.push(frame(1, 0x05, sid, response(sid === 1)));
    }
    packet('c2s', 0x18, Buffer.concat(c2s));
    packet('s2c', 0x18, Buffer.concat(s2c));
  }
  packet('c2s', 0x11, new Uint8Array(0));
  packet('s2c', 0x11, new Uint8Array(0));
  packet('c2s', 0x10, new Uint8Array(0));
  return Buffer.concat(records);
}

function frame(type: number, flags: number, stream: number, payload: Uint8Array): Buffer {
  const f = Buffer.alloc(9 + payload.length);
  f.writeUIntBE(payload.length, 0, 3);
  f[3] = type;
  f[4] = flags;
  f.writeUInt32BE(stream & 0x7fffffff, 5);
  f.set(payload, 9);
  return f;
}

function pcapHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16);
  h.writeUInt32LE(1, 20); // Ethernet
  return h;
}

function record(tUs: number, data: Buffer): Buffer {
  const r = Buffer.alloc(16);
  r.writeUInt32LE(1_700_000_000 + Math.floor(tUs / 1e6), 0);
  r.writeUInt32LE(tUs % 1e6, 4);
  r.writeUInt32LE(data.length, 8);
  r.writeUInt32LE(data.length, 12);
  return Buffer.concat([r, data]);
}

function ethIpTcp(
  src: { ip: number[]; port: number },
  dst: { ip: number[]; port: number },
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array,
): Buffer {
  const b = Buffer.alloc(14 + 20 + 20 + payload.length);
  b.writeUInt16BE(0x0800, 12);
  const ip = 14;
  b[ip] = 0x45;
  b.writeUInt16BE(40 + payload.length, ip + 2);
  b[ip + 8] = 64;
  b[ip + 9] = 6;
  b.set(src.ip, ip + 12);
  b.set(dst.ip, ip + 16);
  const tcp = ip + 20;
  b.writeUInt16BE(src.port, tcp);
  b.writeUInt16BE(dst.port, tcp + 2);
  b.writeUInt32BE(seq >>> 0, tcp + 4);
  b.writeUInt32BE(flags & 0x10 ? ack >>> 0 : 0, tcp + 8);
  b[tcp + 12] = 0x50;
  b[tcp + 13] = flags;
  b.writeUInt16BE(65535, tcp + 14);
  b.set(payload, tcp + 20);
  return b;
}
