// Redaction of a capture made for the purpose (testdata/make-fixture.sh: HTTP/1 and HTTP/2 with
// tokens, cookies and bodies, gRPC framing, a packet comment, an injected key log): no secret
// survives anywhere in the output, and the analysis still sees the same exchanges and streams
// with redacted header values of the same lengths.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { analyzeBytes } from '../analyze';
import type { Trace } from '../trace';
import { describeRedaction, redactBytes, redactStream } from './index';

const FIXTURE = new Uint8Array(readFileSync(path.join(__dirname, 'testdata', 'secrets.pcapng')));
const KEY = new Uint8Array(32).fill(3);
const SECRETS = [
  's3cr3t-t0ken',
  'c00kie-value',
  'hunter2',
  'srv-set-c00kie',
  'srv-h2-c00kie',
  'response-body-private',
  'h2-response-body',
  'grpc-request-secret',
  'grpc-reply-secret',
  'db-prod-7',
  'CLIENT_RANDOM',
  'apikey-42',
];
const hasTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
const tmp = mkdtempSync(path.join(tmpdir(), 'tracelens-redact-'));

function contains(hay: Uint8Array, needle: string): boolean {
  return Buffer.from(hay).includes(Buffer.from(needle, 'latin1'));
}

function header(hs: [string, string][] | null | undefined, name: string): string[] {
  return (hs ?? []).filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
}

function allHeaders(t: Trace, name: string): string[] {
  return [
    ...t.exchanges.flatMap((x) => [
      ...header(x.request?.headers, name),
      ...header(x.response?.headers, name),
    ]),
    ...t.streams.flatMap((s) => [
      ...header(s.requestHeaders, name),
      ...header(s.responseHeaders, name),
      ...header(s.trailers, name),
    ]),
  ];
}

describe('redacting a capture full of secrets', () => {
  const before = analyzeBytes('secrets.pcapng', FIXTURE);
  const { bytes, stats } = redactBytes(FIXTURE, { key: KEY, redactHeaders: ['X-Api-Key'] });
  const after = analyzeBytes('redacted.pcapng', bytes);

  it('the fixture holds the secrets (so the test below can fail)', () => {
    for (const s of SECRETS.filter((x) => x !== 'apikey-42' && !x.startsWith('srv-h2')))
      expect(contains(FIXTURE, s), s).toBe(true);
    expect(before.exchanges).toHaveLength(2);
    expect(before.streams).toHaveLength(3);
    expect(allHeaders(before, 'authorization').length).toBe(5);
  });

  it('leaves none of them in the output', () => {
    for (const s of SECRETS) expect(contains(bytes, s), s).toBe(false);
    for (const v of [...allHeaders(after, 'authorization'), ...allHeaders(after, 'cookie')]) {
      expect(v).not.toMatch(/s3cr3t|c00kie|session/);
    }
  });

  it('replaces header values length for length, HTTP/1 and HPACK (Huffman) alike', () => {
    for (const name of ['authorization', 'cookie', 'set-cookie', 'x-api-key']) {
      const a = allHeaders(before, name);
      const b = allHeaders(after, name);
      expect(b.length, name).toBe(a.length);
      expect(b.length, name).toBeGreaterThan(0);
      for (let i = 0; i < a.length; i++) {
        expect(b[i].length, `${name} #${i}`).toBe(a[i].length);
        expect(b[i]).toMatch(/^[xX0a_*]+$/);
      }
    }
    // Other headers are untouched.
    expect(allHeaders(after, 'content-type')).toEqual(allHeaders(before, 'content-type'));
    expect(after.streams.map((s) => s.path)).toEqual(before.streams.map((s) => s.path));
    expect(stats.headersReplaced).toBeGreaterThanOrEqual(allHeaders(before, 'authorization').length);
  });

  it('keeps every frame, body length and gRPC message framing', () => {
    const frames = (t: Trace) =>
      t.streams.map((s) => s.frames.map((f) => [f.type, f.length, f.flagsRaw, f.dir]));
    expect(frames(after)).toEqual(frames(before));
    expect(after.exchanges.map((x) => [x.request?.bodyBytes, x.response?.bodyBytes, x.status])).toEqual(
      before.exchanges.map((x) => [x.request?.bodyBytes, x.response?.bodyBytes, x.status]),
    );
    expect(after.streams.map((s) => s.grpcStatus)).toEqual(before.streams.map((s) => s.grpcStatus));
    expect(JSON.stringify(after.streams.map((s) => s.grpc))).toBe(
      JSON.stringify(before.streams.map((s) => s.grpc)),
    );
    expect(after.findings.map((f) => f.kind)).toEqual(before.findings.map((f) => f.kind));
  });

  it('maps addresses consistently and keeps loopback loopback', () => {
    const hosts = (t: Trace) =>
      t.connections.flatMap((c) => [c.client, c.server].map((e) => e.replace(/:\d+$/, '')));
    const a = hosts(after);
    expect(new Set(a).size).toBe(1);
    expect(a[0]).toMatch(/^127\./);
    expect(a[0]).not.toBe('127.0.0.1');
    // Ports stay unless asked.
    expect(after.connections.map((c) => c.server.split(':').pop())).toEqual(['18081', '18082']);
  });

  it('gives Host and :authority consistent same-length pseudonyms (no real address in them)', () => {
    const hostsBefore = [...allHeaders(before, 'host'), ...allHeaders(before, ':authority')];
    const hostsAfter = [...allHeaders(after, 'host'), ...allHeaders(after, ':authority')];
    expect(hostsBefore).toEqual([
      '127.0.0.1:18081',
      '127.0.0.1:18081',
      '127.0.0.1:18082',
      '127.0.0.1:18082',
      '127.0.0.1:18082',
    ]);
    expect(hostsAfter).toHaveLength(5);
    for (let i = 0; i < 5; i++) {
      expect(hostsAfter[i].length).toBe(hostsBefore[i].length);
      expect(hostsAfter[i]).not.toBe(hostsBefore[i]);
    }
    // One host, one pseudonym per spelling: HTTP/1's raw text keeps its shape and port.
    expect(hostsAfter[0]).toBe(hostsAfter[1]);
    expect(hostsAfter[0]).toMatch(/^\d+\.\d+\.\d+\.\d+:18081$/);
    expect(new Set(hostsAfter.slice(2)).size).toBe(1);
    expect(contains(bytes, '127.0.0.1')).toBe(false);
    // Two HTTP/1 Host lines, and the :authority literal (later streams index the table entry).
    expect(stats.hostsMapped).toBeGreaterThanOrEqual(3);
  });

  it('drops comments, section options and the key log', () => {
    expect(stats.secretsBlocksRemoved).toBe(1);
    expect(stats.commentsRemoved).toBeGreaterThanOrEqual(1);
    expect(stats.optionsRemoved).toBeGreaterThanOrEqual(1);
    expect(contains(bytes, 'Editcap')).toBe(false);
    expect(describeRedaction(stats).join('\n')).toMatch(
      /header values? replaced[\s\S]*payload bytes cut[\s\S]*comment/,
    );
  });

  it('maps ports when asked, consistently, keeping ports below 1024', () => {
    const r = analyzeBytes('p', redactBytes(FIXTURE, { key: KEY, mapPorts: true }).bytes);
    const ports = r.connections.map((c) => [c.client, c.server].map((e) => Number(e.split(':').pop())));
    for (const [c, s] of ports) {
      expect(c).toBeGreaterThanOrEqual(1024);
      expect(s).toBeGreaterThanOrEqual(1024);
    }
    expect(ports.map(([, s]) => s)).not.toEqual([18081, 18082]);
    expect(r.streams).toHaveLength(3);
  });

  it('keeps payloads when asked, headers still redacted', () => {
    const k = redactBytes(FIXTURE, { key: KEY, keepPayload: true }).bytes;
    expect(contains(k, 'hunter2')).toBe(true);
    expect(contains(k, 's3cr3t-t0ken')).toBe(false);
  });

  it('reads gzip input and streams: the same output as from the plain file', async () => {
    const gz = gzipSync(FIXTURE);
    const parts: Uint8Array[] = [];
    const chunks = function* () {
      for (let i = 0; i < gz.length; i += 333) yield gz.subarray(i, i + 333);
    };
    await redactStream(chunks, (c) => void parts.push(c), { key: KEY, redactHeaders: ['x-api-key'] });
    expect(Buffer.concat(parts).equals(Buffer.from(bytes))).toBe(true);
  });

  it.runIf(hasTshark)('tshark reads it, decodes every header block and finds the checksums right', () => {
    const out = path.join(tmp, 'redacted.pcapng');
    writeFileSync(out, bytes);
    const run = (args: string[], file = out) =>
      execFileSync('tshark', ['-r', file, '-d', 'tcp.port==18082,http2', ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const sums = run([
      '-o',
      'tcp.check_checksum:TRUE',
      '-o',
      'ip.check_checksum:TRUE',
      '-T',
      'fields',
      '-e',
      'tcp.checksum.status',
      '-e',
      'ip.checksum.status',
    ]);
    expect(new Set(sums.trim().split('\n'))).toEqual(new Set(['1\t1']));
    // No new complaints (the original's are about its gRPC payload not being protobuf).
    const errors = (file: string) =>
      run(['-Y', '_ws.expert.severity >= 6291456', '-T', 'fields', '-e', 'frame.number'], file);
    expect(errors(out)).toBe(errors(path.join(__dirname, 'testdata', 'secrets.pcapng')));
    const names = (file: string) =>
      run(['-Y', 'http2.type == 1', '-T', 'fields', '-e', 'http2.header.name'], file);
    expect(names(out)).toBe(names(path.join(__dirname, 'testdata', 'secrets.pcapng')));
    const auth = run([
      '-Y',
      'http2.header.name == "authorization"',
      '-T',
      'fields',
      '-e',
      'http2.header.value',
    ]);
    expect(auth).not.toContain('s3cr3t');
  });
});

describe('redacting damaged captures', () => {
  it('never fails on truncated or scribbled captures other than by saying where they are broken', () => {
    let seed = 11;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    for (let i = 0; i < 300; i++) {
      const b = FIXTURE.slice(0, i % 3 === 0 ? rnd(FIXTURE.length) : FIXTURE.length);
      for (let k = 0; k < 1 + rnd(8); k++) if (b.length) b[rnd(b.length)] = rnd(256);
      let out: ReturnType<typeof redactBytes> | null = null;
      try {
        out = redactBytes(b, { key: KEY });
      } catch (e) {
        expect((e as Error).name, String(e)).toBe('CaptureFormatError');
        continue;
      }
      // Whatever came out is a capture the analysis reads, with no more packets than went in.
      const t = analyzeBytes('fuzz', out.bytes);
      expect(t.input.packets).toBe(out.stats.packets);
      for (const s of ['s3cr3t-t0ken', 'hunter2', 'CLIENT_RANDOM'])
        expect(contains(out.bytes, s), s).toBe(false);
    }
  });
});
