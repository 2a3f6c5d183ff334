/**
 * The repository's real-program samples (samples/*) through lib/http2: the violations the session
 * model records must be exactly the rule breaks each sample was built to show (its expected.json
 * findings whose kinds come from violations), and healthy samples must have none. Findings that
 * detectors derive from streams (h2.rst-stream, h2.empty-data-end-stream, grpc.trailers-missing)
 * are checked here as the stream facts those detectors read.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../../tests/shared';
import type { Connection } from '../trace';
import { runH2Capture } from './test-capture';

const STREAM_DERIVED = new Set([
  'h2.rst-stream',
  'h2.empty-data-end-stream',
  'grpc.trailers-missing',
  'h2.goaway-error',
]);

interface Expected {
  findings: { kind: string; connection: { serverPort: number; index: number }; stream: number | null }[];
}

function load(name: string) {
  const r = runH2Capture(new Uint8Array(readFileSync(path.join(SAMPLES_DIR, name, 'capture.pcap'))));
  const expected = JSON.parse(
    readFileSync(path.join(SAMPLES_DIR, name, 'expected.json'), 'utf8'),
  ) as Expected;
  const byPort = (port: number, index = 0): Connection | undefined =>
    r.connections.filter((c) => c.serverPort === port)[index];
  return { r, expected, byPort };
}

describe('samples through lib/http2', () => {
  it('h2-rule-violations: each connection shows exactly its rule break', () => {
    const { r, expected, byPort } = load('h2-rule-violations');
    const want = expected.findings.filter((f) => !STREAM_DERIVED.has(f.kind));
    const ports = [...new Set(r.connections.map((c) => c.serverPort))].filter((p) => p >= 7700 && p <= 7707);
    expect(ports.length).toBe(8);
    for (const port of ports) {
      const c = byPort(port);
      const s = c && r.session(c);
      expect(s, `HTTP/2 on ${port}`).toBeTruthy();
      const got = (s?.info.violations ?? []).map((v) => `${v.kind} ${v.stream}`);
      const exp = want.filter((f) => f.connection.serverPort === port).map((f) => `${f.kind} ${f.stream}`);
      expect(got, `port ${port}: ${JSON.stringify(s?.info.violations)}`).toEqual(exp);
    }
  });

  it('healthy-h2c: no violations, no warnings, gRPC stream with trailers', () => {
    const { r } = load('healthy-h2c');
    const sessions = r.connections.map((c) => r.session(c)).filter((s) => s !== null);
    expect(sessions.length).toBe(2);
    for (const s of sessions) expect(s?.info.violations).toEqual([]);
    for (const c of r.connections) expect(c.warnings).toEqual([]);
    const grpc = r.results.streams.find((s) => s.grpc);
    expect(grpc?.grpc).toMatchObject({ grpcStatus: 0, statusFrom: 'trailers', messages: { c2s: 1, s2c: 1 } });
  });

  it('h2-empty-data-end-stream: the proxy stream has the facts the detectors need', () => {
    const { r, byPort } = load('h2-empty-data-end-stream');
    const proxy = byPort(7600);
    const backend = byPort(7601);
    const ps = proxy && r.session(proxy)?.stream(1);
    expect(ps?.grpc).toBeTruthy();
    const resp = (ps?.frames ?? []).filter((f) => f.dir === 's2c');
    expect(
      resp
        .map((f) => `${f.type}${f.flags.includes('END_STREAM') ? '*' : ''}:${f.length}`)
        .filter((x) => !x.startsWith('WINDOW')),
    ).toEqual(['HEADERS:' + resp[0].length, 'DATA*:0']);
    expect(ps?.trailers).toBeNull();
    expect(ps?.grpc?.statusFrom).toBeNull();
    const bs = backend && r.session(backend)?.stream(1);
    expect(bs?.grpc).toMatchObject({
      grpcStatus: 5,
      grpcStatusName: 'NOT_FOUND',
      statusFrom: 'trailers-only',
    });
    for (const c of [proxy, backend]) expect(c && r.session(c)?.info.violations).toEqual([]);
  });
});
