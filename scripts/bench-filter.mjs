#!/usr/bin/env node
// node scripts/bench-filter.mjs [--packets N]     (also run by `npm run bench`, which prints its rows)
//
// Display-filter speed: a synthetic capture of N packets (default 1,000,000) is made in memory
// (1,000 TCP connections of 1,000 packets each to ports 443, 80 and 8080, handshakes, HTTP/1.1
// requests and responses on port 80, a retransmission every 97 packets, a UDP packet every 50),
// analyzed by tracelens into a Trace with its PacketTable, and each filter below is compiled and
// run over every row (lib/filter: compileFilter + filterRows, the fields of lib/filter/registry.ts).
// Prints, per filter, the first run (which builds the layers' lazy caches) and the best of 3, in ms
// of wall time, and the best of 3 in ms of CPU time (user + system of this process: on a shared,
// loaded machine the wall time counts other processes' turns too; on an idle one they agree).
import { build } from 'esbuild';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const FILTERS = [
  'tcp.port == 443 && tcp.flags.syn == 1',
  'ip.addr == 10.0.0.0/8',
  'tcp.analysis.retransmission',
  'tcp.port in {80, 8000..8080}',
  'ip.src == 192.168.0.0/16 && tcp.len > 0',
  'frame.len > 100 || udp',
  'tcp.stream == 500',
  '!(tcp.port == 443) && tcp.flags.ack == 1',
  'http.request.method == "GET"',
  'tcp.payload contains "HTTP/1.1 200"',
];

/** The filter library, the registry and the analyzer, bundled for Node from the TypeScript sources. */
async function load() {
  const dir = mkdtempSync(path.join(tmpdir(), 'tracelens-bench-filter-'));
  try {
    const out = path.join(dir, 'filter.mjs');
    await build({
      stdin: {
        contents: `
          export { compileFilter, filterRows, FieldIndex } from './lib/filter/filter';
          export { FIELD_LAYERS, fieldContext } from './lib/filter/registry';
          export { Analyzer } from './lib/analyze';
        `,
        resolveDir: root,
        loader: 'ts',
      },
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'node',
      logLevel: 'error',
    });
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A pcap (Ethernet) of `count` packets as described at the top. */
export function syntheticCapture(count) {
  const perConn = 1000;
  const payloadLen = 100;
  const maxFrame = 14 + 20 + 20 + payloadLen;
  const buf = Buffer.alloc(24 + count * (16 + maxFrame));
  buf.writeUInt32LE(0xa1b2c3d4, 0);
  buf.writeUInt16LE(2, 4);
  buf.writeUInt16LE(4, 6);
  buf.writeUInt32LE(65535, 16);
  buf.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  let o = 24;
  let t = 1_700_000_000 * 1e6;
  const request = (n) => {
    const head = `GET /item/${n} HTTP/1.1\r\nHost: bench\r\nX-Pad: `;
    return Buffer.from(head + 'p'.repeat(payloadLen - head.length - 4) + '\r\n\r\n');
  };
  const response = () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: ';
    const body = payloadLen - head.length - 6;
    return Buffer.from(`${head}${body}\r\n\r\n${'b'.repeat(body)}`);
  };
  const filler = Buffer.alloc(payloadLen, 0x78);
  const state = new Map();
  let udp = 0;
  for (let i = 0; i < count; i++) {
    t += 50;
    const rec = o;
    const f = o + 16;
    buf.writeUInt32LE(Math.floor(t / 1e6), rec);
    buf.writeUInt32LE(t % 1e6, rec + 4);
    buf.writeUInt16BE(0x0800, f + 12);
    buf[f + 6] = 0x02; // source MAC 02:00:00:00:00:01
    buf[f + 11] = 1;
    const ip = f + 14;
    buf[ip] = 0x45;
    buf[ip + 8] = 64;
    if (i % 50 === 49) {
      // DNS-sized UDP between two hosts, outside any connection
      const len = 8 + 40;
      buf[ip + 9] = 17;
      buf.writeUInt16BE(20 + len, ip + 2);
      buf.writeUInt32BE(0x0a000035, ip + 12);
      buf.writeUInt32BE(0x0a0000fe, ip + 16);
      buf.writeUInt16BE(53, ip + 20);
      buf.writeUInt16BE(30000 + (udp++ % 1000), ip + 22);
      buf.writeUInt16BE(len, ip + 24);
      const frame = 14 + 20 + len;
      buf.writeUInt32LE(frame, rec + 8);
      buf.writeUInt32LE(frame, rec + 12);
      o += 16 + frame;
      continue;
    }
    const conn = Math.floor(i / perConn);
    const k = i % perConn;
    const serverPort = conn % 3 === 0 ? 443 : conn % 3 === 1 ? 80 : 8080;
    const clientPort = 20000 + conn;
    const clientIp = conn % 2 === 0 ? 0x0a000000 + conn : 0xc0a80000 + conn;
    const serverIp = 0xac100001;
    let st = state.get(conn);
    if (!st) state.set(conn, (st = { c: 1000, s: 5000, n: 0, lastC: 1001 }));
    let flags;
    let payload = null;
    let c2s;
    if (k === 0) [flags, c2s] = [0x02, true];
    else if (k === 1) [flags, c2s] = [0x12, false];
    else if (k === 2) [flags, c2s] = [0x10, true];
    else if (k === perConn - 1) [flags, c2s] = [0x11, true];
    else {
      c2s = k % 2 === 1;
      flags = 0x18;
      payload = serverPort === 80 ? (c2s ? request(st.n++) : response()) : filler;
    }
    let seq = c2s ? st.c : st.s;
    const ack = c2s ? st.s : st.c;
    if (k === 1 || k === 0) {
      if (c2s) st.c += 1;
      else st.s += 1;
    }
    if (payload && c2s && k % 97 === 0 && k > 10) {
      seq = st.lastC; // the client's previous segment again: a retransmission
      payload = serverPort === 80 ? request(st.n - 1) : filler;
    } else if (payload) {
      if (c2s) {
        st.lastC = st.c;
        st.c += payload.length;
      } else st.s += payload.length;
    }
    const plen = payload ? payload.length : 0;
    buf[ip + 9] = 6;
    buf.writeUInt16BE(40 + plen, ip + 2);
    buf.writeUInt16BE(i & 0xffff, ip + 4);
    buf.writeUInt32BE((c2s ? clientIp : serverIp) >>> 0, ip + 12);
    buf.writeUInt32BE((c2s ? serverIp : clientIp) >>> 0, ip + 16);
    const tcp = ip + 20;
    buf.writeUInt16BE(c2s ? clientPort : serverPort, tcp);
    buf.writeUInt16BE(c2s ? serverPort : clientPort, tcp + 2);
    buf.writeUInt32BE(seq >>> 0, tcp + 4);
    buf.writeUInt32BE(flags === 0x02 ? 0 : ack >>> 0, tcp + 8);
    buf[tcp + 12] = 0x50;
    buf[tcp + 13] = flags;
    buf.writeUInt16BE(65535, tcp + 14);
    if (payload) payload.copy(buf, tcp + 20);
    const frame = 14 + 40 + plen;
    buf.writeUInt32LE(frame, rec + 8);
    buf.writeUInt32LE(frame, rec + 12);
    o += 16 + frame;
  }
  return buf.subarray(0, o);
}

export async function benchFilter({ packets = 1_000_000 } = {}) {
  const lib = await load();
  const bytes = syntheticCapture(packets);
  const t0 = performance.now();
  const a = new lib.Analyzer({ name: 'synthetic.pcap', size: bytes.length });
  for (let off = 0; off < bytes.length; off += 1 << 20) a.push(bytes.subarray(off, off + (1 << 20)));
  const trace = a.finish();
  const analyzeMs = performance.now() - t0;
  const p = trace.packets;
  const ctx = lib.fieldContext(trace, (row) =>
    bytes.subarray(p.fileOffset[row], p.fileOffset[row] + p.caplen[row]),
  );
  const index = new lib.FieldIndex(lib.FIELD_LAYERS);
  const rows = [];
  for (const text of FILTERS) {
    const r = lib.compileFilter(text, index);
    if (!r.ok) {
      rows.push({ filter: text, packets: p.length, matched: `error: ${r.error.message}` });
      continue;
    }
    const times = [];
    const cpu = [];
    let matched = 0;
    for (let run = 0; run < 3; run++) {
      const s = performance.now();
      const c = process.cpuUsage();
      matched = lib.filterRows(ctx, r.filter).length;
      const d = process.cpuUsage(c);
      times.push(performance.now() - s);
      cpu.push((d.user + d.system) / 1000);
    }
    const bestCpu = Math.min(...cpu);
    rows.push({
      filter: text,
      packets: p.length,
      matched,
      first_ms: Math.round(times[0]),
      best_ms: Math.round(Math.min(...times)),
      best_cpu_ms: Math.round(bestCpu),
      'Mpkt/s (cpu)': (p.length / bestCpu / 1000).toFixed(1),
    });
  }
  rows.push({
    filter: '(analysis of the synthetic capture)',
    packets: p.length,
    first_ms: Math.round(analyzeMs),
  });
  rows.push({ filter: `(load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)` });
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--packets');
  const packets = i >= 0 ? Number(process.argv[i + 1]) : 1_000_000;
  console.table(await benchFilter({ packets }));
}
