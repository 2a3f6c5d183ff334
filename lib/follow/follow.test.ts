/**
 * Follow an HTTP/1 exchange and an HTTP/2 stream through startFollow on sample captures: what is
 * read again from the bytes must agree with what the analysis counted while it parsed them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_CAPTURES, SAMPLES_DIR, describeCorpus, listCorpus } from '../../tests/shared';
import { hasTshark } from '../../tests/tshark-fields';
import { Analyzer, analyzeBytes } from '../analyze';
import { KeyLog } from '../tls/keylog';
import type { Trace } from '../trace';
import { startFollow, type FollowOptions, type FollowResult, type FollowTarget } from './index';
import { plainFile } from './test-read';

function run(file: Uint8Array, trace: Trace, target: FollowTarget, opts: FollowOptions = {}): FollowResult {
  const plain = plainFile(file);
  const job = startFollow(target, opts);
  const p = trace.packets!;
  for (let i = 0; i < p.length; i++)
    if (p.conn[i] === target.conn)
      job.follower.packet(
        i + 1,
        p.time[i],
        p.linkType[i],
        plain.subarray(p.fileOffset[i], p.fileOffset[i] + p.caplen[i]),
      );
  return job.finish();
}

const load = (rel: string) => {
  const file = new Uint8Array(readFileSync(path.join(SAMPLES_DIR, rel)));
  return { file, trace: analyzeBytes(rel, file) };
};

describe('follow an HTTP/1 exchange', () => {
  const { file, trace } = load('healthy-http1/capture.pcap');

  it('every complete exchange: head and body as the analysis counted them', () => {
    const done = trace.exchanges.filter((x) => x.outcome === 'complete');
    expect(done.length).toBeGreaterThan(0);
    for (const x of done) {
      const conn = trace.connections.findIndex((c) => c.id === x.connection);
      const r = run(file, trace, { kind: 'http1', conn, exchange: x });
      if (r.kind !== 'http1') throw new Error('kind');
      expect(r.request?.headText.split('\n')[0]).toBe(`${x.method} ${x.path} ${x.version}`);
      expect(r.response?.headText.startsWith(`${x.version} ${x.status}`)).toBe(true);
      expect(r.response?.bodyBytes).toBe(x.response?.bodyBytes);
      expect(r.request?.bodyBytes).toBe(x.request?.bodyBytes);
      expect(r.response?.complete).toBe(true);
      if (x.contentType?.includes('json') && (x.response?.bodyBytes ?? 0) > 0)
        expect(r.response?.body.kind).toBe('json');
    }
  });
});

describe('follow an HTTP/2 stream', () => {
  it('h2c: DATA bytes per direction equal the analysis counts; headers from the stream', () => {
    const { file, trace } = load('healthy-h2c/capture.pcap');
    const withData = trace.streams.filter((s) => s.dataBytes.s2c > 0).slice(0, 10);
    expect(withData.length).toBeGreaterThan(0);
    for (const s of withData) {
      const conn = trace.connections.findIndex((c) => c.id === s.connection);
      const r = run(file, trace, { kind: 'h2', conn, stream: s });
      if (r.kind !== 'h2') throw new Error('kind');
      expect(r.request.dataBytes).toBe(s.dataBytes.c2s);
      expect(r.response.dataBytes).toBe(s.dataBytes.s2c);
      expect(r.response.headers).toBe(s.responseHeaders);
      expect(r.notes).toEqual([]);
      if (!s.grpc) expect(r.response.body.bytes.length).toBeGreaterThan(0);
    }
  });

  it('gRPC: messages split and decoded per direction', () => {
    const { file, trace } = load('h2-empty-data-end-stream/capture.pcap');
    const s = trace.streams.find((x) => x.grpc && x.grpc.messages.c2s > 0);
    expect(s).toBeDefined();
    const conn = trace.connections.findIndex((c) => c.id === s!.connection);
    const r = run(file, trace, { kind: 'h2', conn, stream: s! });
    if (r.kind !== 'h2') throw new Error('kind');
    expect(r.request.grpc?.length).toBe(s!.grpc!.messages.c2s);
    expect(r.request.grpc?.every((m) => m.fields !== null)).toBe(true);
    expect(r.response.grpc?.length ?? 0).toBe(s!.grpc!.messages.s2c);
  });

  it('h2 over TLS with the key log: the stream data is the plaintext', () => {
    const file = new Uint8Array(readFileSync(path.join(SAMPLES_DIR, 'tls/curl-h2.pcap')));
    const keys = readFileSync(path.join(SAMPLES_DIR, 'tls/curl-h2.keys'), 'utf8');
    const an = new Analyzer({ name: 'curl-h2.pcap', size: file.length, keylog: keys });
    an.push(file);
    const trace = an.finish();
    const keylog = new KeyLog();
    keylog.add(keys);
    const s = trace.streams.find((x) => x.dataBytes.s2c > 0);
    expect(s).toBeDefined();
    const conn = trace.connections.findIndex((c) => c.id === s!.connection);
    const r = run(file, trace, { kind: 'h2', conn, stream: s! }, { keylog });
    if (r.kind !== 'h2') throw new Error('kind');
    expect(r.info.decryption).toBe('decrypted');
    expect(r.response.dataBytes).toBe(s!.dataBytes.s2c);
    expect(r.response.body.kind).not.toBe('empty');
  });

  it('a whole TCP conversation through startFollow, one direction', () => {
    const { file, trace } = load('healthy-h2c/capture.pcap');
    const r = run(file, trace, { kind: 'tcp', conn: 0, only: 'c2s' });
    if (r.kind !== 'tcp') throw new Error('kind');
    expect(r.stream.bytes.c2s).toBe(trace.connections[0].bytes.c2s);
    expect(r.stream.bytes.s2c).toBe(0);
  });
});

/** gRPC message lengths per HTTP/2 stream as tshark's gRPC dissector reads them (h2c on the server port). */
function tsharkGrpcLengths(file: string, port: number): Map<number, number[]> {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      file,
      '-d',
      `tcp.port==${port},http2`,
      '-Y',
      'grpc',
      '-T',
      'fields',
      '-e',
      'http2.streamid',
      '-e',
      'grpc.message_length',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const m = new Map<number, number[]>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [ids, lens] = line.split('\t');
    const idList = ids.split(',').map(Number);
    const lenList = lens.split(',').map(Number);
    // A packet's stream ids are one per frame; message lengths belong to its DATA frames' stream
    // (the captures here carry one gRPC stream's DATA per packet).
    const dataStream = idList.find((i) => i !== 0) ?? 0;
    for (const l of lenList) m.set(dataStream, [...(m.get(dataStream) ?? []), l]);
  }
  return m;
}

const GRPC_CAPTURES = listCorpus(REAL_CAPTURES).filter((f) => /^grpc-.*\.pcapng$/.test(f));

describeCorpus('follow gRPC streams vs tshark grpc.message_length', () => {
  it.skipIf(!hasTshark()).each(GRPC_CAPTURES)('%s', (name) => {
    const full = path.join(REAL_CAPTURES, name);
    const file = new Uint8Array(readFileSync(full));
    const trace = analyzeBytes(name, file);
    const grpc = trace.streams.filter((s) => s.grpc);
    expect(grpc.length).toBeGreaterThan(0);
    const conn = trace.connections.findIndex((c) => c.id === grpc[0].connection);
    const want = tsharkGrpcLengths(full, trace.connections[conn].serverPort);
    let compared = 0;
    for (const s of grpc) {
      const r = run(file, trace, {
        kind: 'h2',
        conn: trace.connections.findIndex((c) => c.id === s.connection),
        stream: s,
      });
      if (r.kind !== 'h2') throw new Error('kind');
      const got = [...(r.request.grpc ?? []), ...(r.response.grpc ?? [])];
      expect(
        got.every((m) => m.fields !== null && !m.note),
        `stream ${s.id}: every message decodes`,
      ).toBe(true);
      expect(
        got.map((m) => m.length).sort((a, b) => a - b),
        `stream ${s.id}`,
      ).toEqual((want.get(s.id) ?? []).sort((a, b) => a - b));
    }
  });
});
