#!/usr/bin/env node
// node scripts/bench-correlate.mjs [--packets N]   (default 1,000,000 packets a side)
//
// Measures `tracelens correlate A B --json` on a pair of synthetic captures of the same traffic
// seen on both sides of a source NAT: A on the client side, B on the server side with the client
// address and port rewritten, B's clock 3.25 s ahead and 200 µs of one-way delay, 0.1 % of the
// server's packets dropped between the points. Written directly as pcap (bench/correlate/, which
// git ignores), 2,000 HTTP-like connections. Prints the time, the peak RSS, and checks the answer:
// the offset within 1 ms and the exact number of drops.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, writeSync, closeSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const TARGET = arg('--packets', 1_000_000);
const dir = path.join(root, 'bench', 'correlate');
mkdirSync(dir, { recursive: true });

class PcapWriter {
  constructor(file) {
    this.fd = openSync(file, 'w');
    this.buf = Buffer.alloc(8 << 20);
    this.len = 0;
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(262144, 16);
    h.writeUInt32LE(1, 20);
    this.put(h);
  }
  put(b) {
    if (this.len + b.length > this.buf.length) this.flush();
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
  flush() {
    writeSync(this.fd, this.buf, 0, this.len);
    this.len = 0;
  }
  close() {
    this.flush();
    closeSync(this.fd);
  }
}

const ip = (s) => s.split('.').map(Number);
function packet(t, src, sport, dst, dport, seq, ack, flags, ipId, ttl, tsval, tsecr, payload) {
  const tcpLen = 32 + payload.length;
  const total = 20 + tcpLen;
  const b = Buffer.alloc(14 + total);
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45;
  b.writeUInt16BE(total, 16);
  b.writeUInt16BE(ipId & 0xffff, 18);
  b[20] = 0x40;
  b[22] = ttl;
  b[23] = 6;
  b.set(ip(src), 26);
  b.set(ip(dst), 30);
  const o = 34;
  b.writeUInt16BE(sport, o);
  b.writeUInt16BE(dport, o + 2);
  b.writeUInt32BE(seq >>> 0, o + 4);
  b.writeUInt32BE(ack >>> 0, o + 8);
  b[o + 12] = 8 << 4;
  b[o + 13] = flags;
  b.writeUInt16BE(502, o + 14);
  // NOP NOP timestamps
  b[o + 20] = 1;
  b[o + 21] = 1;
  b[o + 22] = 8;
  b[o + 23] = 10;
  b.writeUInt32BE(tsval >>> 0, o + 24);
  b.writeUInt32BE(tsecr >>> 0, o + 28);
  payload.copy(b, o + 32);
  const rec = Buffer.alloc(16);
  const sec = Math.floor(t);
  rec.writeUInt32LE(sec, 0);
  rec.writeUInt32LE(Math.round((t - sec) * 1e6) % 1e6, 4);
  rec.writeUInt32LE(b.length, 8);
  rec.writeUInt32LE(b.length, 12);
  return [rec, b];
}

const A = path.join(dir, 'client.pcap');
const B = path.join(dir, 'server.pcap');
const t0 = Date.now();
const wa = new PcapWriter(A);
const wb = new PcapWriter(B);
const OFFSET = 3.25;
const DELAY = 0.0002;
let seed = 12345;
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
let dropped = 0;
let written = 0;
const CONNS = 2000;
const perConn = Math.ceil(TARGET / CONNS);
// Connections start 1 ms apart; inside one, a request (200 B) and a response (3 x 1200 B) every 2 ms.
for (let c = 0; c < CONNS && written < TARGET; c++) {
  const cport = 30000 + (c % 30000);
  const natPort = 20000 + ((c * 7919) % 20000);
  let t = 1_700_000_000 + c * 0.001;
  let cseq = (rnd() * 2 ** 32) >>> 0;
  let sseq = (rnd() * 2 ** 32) >>> 0;
  let cid = (rnd() * 65536) | 0;
  let sid = (rnd() * 65536) | 0;
  let cts = (rnd() * 2 ** 31) >>> 0;
  let sts = (rnd() * 2 ** 31) >>> 0;
  const emit = (c2s, flags, len) => {
    const payload = Buffer.alloc(len);
    // Distinct first bytes (what the payload hash reads first); the rest as HTTP bodies are, repetitive.
    for (let k = 0; k + 4 <= Math.min(len, 16); k += 4) payload.writeUInt32LE((rnd() * 2 ** 32) >>> 0, k);
    payload.fill(0x61, Math.min(len, 16));
    const [sa, sp, da, dp] = c2s ? ['10.1.0.2', cport, '10.2.0.2', 80] : ['10.2.0.2', 80, '10.1.0.2', cport];
    const seq = c2s ? cseq : sseq;
    const ack = flags & 0x10 ? (c2s ? sseq : cseq) : 0;
    const id = c2s ? cid++ : sid++;
    const ts = c2s ? cts++ : sts++;
    const ecr = c2s ? sts : cts;
    const natSrc = c2s ? ['10.2.0.1', natPort, '10.2.0.2', 80] : ['10.2.0.2', 80, '10.2.0.1', natPort];
    const tA = c2s ? t : t + DELAY;
    const tB = (c2s ? t + DELAY : t) + OFFSET;
    const drop = !c2s && len > 0 && rnd() < 0.001;
    const pa = packet(tA, sa, sp, da, dp, seq, ack, flags, id, c2s ? 64 : 63, ts, ecr, payload);
    const pb = packet(
      tB,
      natSrc[0],
      natSrc[1],
      natSrc[2],
      natSrc[3],
      seq,
      ack,
      flags,
      id,
      c2s ? 63 : 64,
      ts,
      ecr,
      payload,
    );
    wb.put(pb[0]);
    wb.put(pb[1]);
    if (!drop) {
      wa.put(pa[0]);
      wa.put(pa[1]);
    } else dropped++;
    const adv = len + (flags & 0x03 ? 1 : 0);
    if (c2s) cseq = (cseq + adv) >>> 0;
    else sseq = (sseq + adv) >>> 0;
    t += 0.00005;
    written++;
  };
  emit(true, 0x02, 0);
  emit(false, 0x12, 0);
  emit(true, 0x10, 0);
  while (written % perConn !== perConn - 3 && written < TARGET) {
    emit(true, 0x18, 200);
    for (let k = 0; k < 3; k++) emit(false, 0x18, 1200);
    emit(true, 0x10, 0);
    t += 0.002;
    if (written % perConn > perConn - 8) break;
  }
  emit(true, 0x11, 0);
  emit(false, 0x11, 0);
  emit(true, 0x10, 0);
}
wa.close();
wb.close();
console.log(
  `made ${written} packets a side (${dropped} dropped before A) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);

const bin = path.join(root, 'bin', 'tracelens.mjs');
if (!existsSync(path.join(root, 'dist', 'tracelens.mjs')))
  execFileSync('node', [path.join(root, 'scripts/build-cli.mjs')]);
const started = Date.now();
const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', 'node', bin, 'correlate', A, B, '--json'], {
  maxBuffer: 1 << 30,
  encoding: 'utf8',
});
const wall = (Date.now() - started) / 1000;
if (r.status !== 0) {
  console.error(r.stderr);
  process.exit(1);
}
// CPU seconds say more than wall time on a machine other jobs share.
const [peakKb, user, sys] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
const doc = JSON.parse(r.stdout);
const ok = Math.abs(doc.offsetS - OFFSET) < 0.001 && doc.fates.lost === dropped;
console.log(
  `correlate: ${wall.toFixed(1)} s wall, ${(user + sys).toFixed(1)} s CPU (user + system), peak RSS ${(peakKb / 1024).toFixed(0)} MB, offset ${doc.offsetS} s (±${doc.offsetUncertaintyS}), lost ${doc.fates.lost} of ${dropped} dropped, delivered ${doc.fates.delivered}, ${doc.matches.length} connections matched ${ok ? '✓' : '✗'}`,
);
process.exit(ok ? 0 : 1);
