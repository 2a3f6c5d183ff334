// TLS samples (samples/tls/): real Node/curl TLS captures with NSS key logs. With the key log every
// TLS connection decrypts and the HTTP/2 streams / HTTP/1 exchanges appear; without it, none do.
// same-exchange/: one HTTP/2 exchange captured as h2c and over TLS must read the same.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../lib/analyze';
import type { H2Frame, Trace } from '../../lib/trace';

const HERE = dirname(fileURLToPath(import.meta.url));

function analyze(file: string, keyFile: string | null): Trace {
  const bytes = new Uint8Array(readFileSync(join(HERE, file)));
  const keylog = keyFile === null ? undefined : readFileSync(join(HERE, keyFile), 'utf8');
  const a = new Analyzer({ name: file, size: bytes.length, keylog });
  for (let i = 0; i < bytes.length; i += 4096) a.push(bytes.subarray(i, i + 4096));
  return a.finish();
}

const H2_NODE = [
  ['GET', '/a', 200, null],
  ['GET', '/b', 404, null],
  ['GET', '/big', 200, null],
  ['POST', '/pkg.Svc/Call', 200, 0],
];
const CASES: {
  file: string;
  version: string;
  connections: number;
  h2?: (string | number | null)[][];
  http1?: [string, number][];
}[] = [
  { file: 'h2-tls13', version: 'TLS 1.3', connections: 1, h2: H2_NODE },
  { file: 'h2-tls12-chacha', version: 'TLS 1.2', connections: 1, h2: H2_NODE },
  { file: 'h2-tls13-chacha', version: 'TLS 1.3', connections: 1, h2: H2_NODE },
  {
    file: 'https1-tls12-aes256',
    version: 'TLS 1.2',
    connections: 2,
    http1: [
      ['/one', 200],
      ['/two', 200],
      ['/missing', 404],
      ['/resumed-1', 200],
      ['/resumed-2', 200],
    ],
  },
  { file: 'same-exchange/tls', version: 'TLS 1.3', connections: 1, h2: H2_NODE },
  {
    file: 'curl-h2',
    version: 'TLS 1.3',
    connections: 1,
    h2: [
      ['GET', '/a', 200, null],
      ['GET', '/b', 404, null],
      ['GET', '/big', 200, null],
    ],
  },
];

for (const c of CASES) {
  describe(`tls/${c.file}`, () => {
    if (!existsSync(join(HERE, `${c.file}.pcap`))) return; // curl-h2 only exists when curl had HTTP/2
    const withKeys = analyze(`${c.file}.pcap`, `${c.file}.keys`);
    const noKeys = analyze(`${c.file}.pcap`, null);

    it('every TLS connection decrypts with the key log', () => {
      expect(withKeys.connections).toHaveLength(c.connections);
      for (const conn of withKeys.connections) {
        expect(conn.tls, conn.id).not.toBeNull();
        expect(conn.tls!.decryption, conn.id).toBe('decrypted');
        expect(conn.tls!.version ?? '', conn.id).toContain(c.version.replace('TLS ', ''));
      }
    });

    if (c.h2) {
      it('HTTP/2 streams with their paths and statuses', () => {
        const got = withKeys.streams
          .filter((s) => s.path !== null)
          .map((s) => [s.method, s.path, s.status, s.grpcStatus]);
        expect(got).toEqual(c.h2);
      });
    }
    if (c.http1) {
      it('HTTP/1.1 exchanges with their paths and statuses; the second connection is resumed', () => {
        expect(withKeys.exchanges.map((e) => [e.path, e.status])).toEqual(c.http1);
        expect(withKeys.connections.map((x) => x.tls!.resumed)).toEqual([false, true]);
      });
    }

    it('without the key log: no-key and no streams', () => {
      for (const conn of noKeys.connections) expect(conn.tls?.decryption, conn.id).toBe('no-key');
      expect(noKeys.streams).toHaveLength(0);
      expect(noKeys.exchanges).toHaveLength(0);
    });
  });
}

describe('tls/same-exchange: h2c and TLS read the same', () => {
  const expected = JSON.parse(readFileSync(join(HERE, 'same-exchange', 'expected.json'), 'utf8')) as {
    streams: {
      id: number;
      method: string;
      path: string;
      status: number;
      grpcStatus: number | null;
      c2s: string[];
      s2c: string[];
    }[];
    findings: string[];
  };
  const h2c = analyze('same-exchange/h2c.pcap', null);
  const tls = analyze('same-exchange/tls.pcap', 'same-exchange/tls.keys');
  const frameWords = (fs: H2Frame[], dir: 'c2s' | 's2c') =>
    fs
      .filter((f) => f.dir === dir && f.type !== 'WINDOW_UPDATE')
      .map((f) => `${f.type} ${[...f.flags].sort().join(',')} ${f.length}`.replace('  ', ' '));
  const streams = (t: Trace) =>
    t.streams
      .filter((s) => s.id !== 0)
      .map((s) => ({
        id: s.id,
        method: s.method,
        path: s.path,
        status: s.status,
        grpcStatus: s.grpcStatus,
        c2s: frameWords(s.frames, 'c2s'),
        s2c: frameWords(s.frames, 's2c'),
      }));
  const kinds = (t: Trace) => [...new Set(t.findings.map((f) => f.kind))].sort();

  it('the h2c capture is cleartext HTTP/2 and the TLS one is decrypted', () => {
    expect(h2c.connections.map((c) => c.protocol)).toEqual(['h2']);
    expect(tls.connections.map((c) => c.tls?.decryption)).toEqual(['decrypted']);
  });
  it('same streams: method, path, status, grpc-status', () => {
    const pick = (t: Trace) =>
      streams(t).map(({ id, method, path, status, grpcStatus }) => ({
        id,
        method,
        path,
        status,
        grpcStatus,
      }));
    expect(pick(tls)).toEqual(pick(h2c));
    expect(pick(h2c)).toEqual(
      expected.streams.map(({ id, method, path, status, grpcStatus }) => ({
        id,
        method,
        path,
        status,
        grpcStatus,
      })),
    );
  });
  it('same frame sequence per stream (type, flags, length)', () => {
    expect(streams(tls)).toEqual(streams(h2c));
    const norm = (w: string) =>
      w
        .split(' ')
        .map((p, i) => (i === 1 ? p.split(',').sort().join(',') : p))
        .join(' ');
    expect(streams(h2c).map((s) => [s.c2s, s.s2c])).toEqual(
      expected.streams.map((s) => [s.c2s.map(norm), s.s2c.map(norm)]),
    );
  });
  it('same finding kinds', () => {
    expect(kinds(tls)).toEqual(kinds(h2c));
    const serious = (t: Trace) =>
      [...new Set(t.findings.filter((f) => f.severity !== 'info').map((f) => f.kind))].sort();
    expect(serious(h2c)).toEqual(expected.findings);
  });
});
