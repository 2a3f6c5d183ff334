#!/usr/bin/env node
// Micro-benchmark of the HTTP/2 byte parser (lib/http2/parser.ts + session + HPACK): a synthetic
// 100 MB h2c connection, fed in 1448-byte segments like TCP would, for two frame mixes:
//   web:  request HEADERS, response HEADERS, 4 x 4 KB DATA, connection WINDOW_UPDATE
//   grpc: request HEADERS + 1 small DATA message, response HEADERS, 200-byte DATA, trailers
// Usage: node scripts/bench-h2.mjs [MB]
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-h2-'));
const out = path.join(tmp, 'h2.mjs');
await build({
  stdin: {
    contents: `export { H2ByteParser } from './lib/http2/parser'; export { AppResults } from './lib/stream';`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  outfile: out,
  logLevel: 'error',
});
const { H2ByteParser, AppResults } = await import(pathToFileURL(out).href);
rmSync(tmp, { recursive: true, force: true });

const MB = Number(process.argv[2] ?? 100);
const SEG = 1448;

function frame(type, flags, id, payload) {
  const f = new Uint8Array(9 + payload.length);
  f[0] = payload.length >> 16;
  f[1] = (payload.length >> 8) & 255;
  f[2] = payload.length & 255;
  f[3] = type;
  f[4] = flags;
  f[5] = (id >>> 24) & 127;
  f[6] = (id >> 16) & 255;
  f[7] = (id >> 8) & 255;
  f[8] = id & 255;
  f.set(payload, 9);
  return f;
}
const lit = (name, value) => [0x40, name.length, ...Buffer.from(name), value.length, ...Buffer.from(value)];
const concat = (parts) => {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const o = new Uint8Array(n);
  let k = 0;
  for (const p of parts) (o.set(p, k), (k += p.length));
  return o;
};

function scenario(kind) {
  // The first stream adds literals to the dynamic table; later ones index them (0xbe = 62).
  const reqFirst = Uint8Array.from([
    0x83,
    0x86,
    ...lit(':path', '/api/v1/items'),
    ...lit(':authority', 'service.internal:8080'),
    ...lit('content-type', kind === 'grpc' ? 'application/grpc' : 'text/html'),
    ...lit('user-agent', 'bench/1.0'),
  ]);
  const reqNext = Uint8Array.from([0x83, 0x86, 0xc1, 0xc0, 0xbf, 0xbe]);
  const respFirst = Uint8Array.from([
    0x88,
    ...lit('content-type', kind === 'grpc' ? 'application/grpc' : 'text/html'),
    ...lit('date', 'Mon, 23 Nov 2026 08:00:00 GMT'),
  ]);
  const respNext = Uint8Array.from([0x88, 0xbf, 0xbe]);
  const trailers = Uint8Array.from([0x00, 11, ...Buffer.from('grpc-status'), 1, 0x30]);
  const unit = (id, first) => {
    if (kind === 'web') {
      const c2s = concat([frame(1, 5, id, first ? reqFirst : reqNext), frame(8, 0, 0, [0, 0, 0x40, 0])]);
      const body = new Uint8Array(4096).fill(0x61);
      const s2c = concat([
        frame(1, 4, id, first ? respFirst : respNext),
        frame(0, 0, id, body),
        frame(0, 0, id, body),
        frame(0, 0, id, body),
        frame(0, 1, id, body),
      ]);
      return { c2s, s2c };
    }
    const msg = (n) => {
      const m = new Uint8Array(5 + n).fill(0x62);
      m[0] = 0;
      m[1] = m[2] = 0;
      m[3] = n >> 8;
      m[4] = n & 255;
      return m;
    };
    const c2s = concat([
      frame(1, 4, id, first ? reqFirst : reqNext),
      frame(0, 1, id, msg(40)),
      frame(8, 0, 0, [0, 0, 0, 220]),
    ]);
    const s2c = concat([
      frame(8, 0, 0, [0, 0, 0, 45]),
      frame(1, 4, id, first ? respFirst : respNext),
      frame(0, 0, id, msg(195)),
      frame(1, 5, id, trailers),
    ]);
    return { c2s, s2c };
  };
  return unit;
}

function run(kind) {
  const results = new AppResults();
  const warnings = [];
  const ctx = { conn: { id: 'c1', warnings }, results, warn: (m) => warnings.push(m) };
  const parser = new H2ByteParser(ctx, { via: 'preface' });
  const unit = scenario(kind);
  const off = { c2s: 0, s2c: 0 };
  let packet = 0;
  let bytes = 0;
  const feed = (dir, b) => {
    for (let i = 0; i < b.length; i += SEG) {
      const piece = b.subarray(i, Math.min(b.length, i + SEG));
      parser.data(dir, piece, off[dir], ++packet, packet * 1e-5);
      off[dir] += piece.length;
    }
    bytes += b.length;
  };
  const settings = frame(4, 0, 0, []);
  // Build the traffic first so the timing covers the parser only.
  const target = MB * 1024 * 1024;
  const units = [];
  for (let id = 1, n = 0; n < target; id += 2) {
    const u = unit(id, id === 1);
    units.push(u);
    n += u.c2s.length + u.s2c.length;
  }
  const t0 = performance.now();
  feed(
    'c2s',
    concat([Uint8Array.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', (c) => c.charCodeAt(0)), settings]),
  );
  feed('s2c', concat([settings, frame(4, 1, 0, [])]));
  feed('c2s', frame(4, 1, 0, []));
  for (const u of units) {
    feed('c2s', u.c2s);
    feed('s2c', u.s2c);
  }
  parser.end('c2s', 'fin', packet * 1e-5);
  parser.end('s2c', 'fin', packet * 1e-5);
  const s = (performance.now() - t0) / 1000;
  const frames = results.frameCount;
  const h2 = results.h2[0];
  console.log(
    `${kind.padEnd(5)} ${(bytes / 1048576).toFixed(0)} MB, ${frames} frames, ${results.streams.length} streams in ${s.toFixed(2)} s: ` +
      `${Math.round(frames / s).toLocaleString('en')} frames/s, ${(bytes / 1048576 / s).toFixed(0)} MB/s` +
      ` (violations ${h2.violations.length}, warnings ${warnings.length})`,
  );
}

run('web');
run('grpc');
