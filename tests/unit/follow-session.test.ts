// The worker side of Follow and the I/O graph (app/worker/follow-session.ts), run in Node on a Blob
// as the worker runs it on the page's File: packets read back by byte ranges from a plain and a
// gzip-compressed capture give the same stream; an I/O graph series counts what its filter selects.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { FollowSession } from '../../app/worker/follow-session';
import { analyzeBytes } from '../../lib/analyze';
import { TCP_SYN } from '../../lib/packets';
import { SAMPLES_DIR } from '../shared';

const plain = new Uint8Array(readFileSync(path.join(SAMPLES_DIR, 'healthy-h2c/capture.pcap')));
const gz = gzipSync(plain);

async function follow(bytes: Uint8Array) {
  const trace = analyzeBytes('capture.pcap', bytes);
  const s = new FollowSession(trace, new Blob([bytes as BlobPart]), undefined);
  return { trace, s };
}

function hasEditcap(): boolean {
  try {
    execFileSync('editcap', ['-h'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('FollowSession', () => {
  it.skipIf(!hasEditcap())(
    'TLS plaintext with the secrets a pcapng carries (editcap --inject-secrets)',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'follow-dsb-'));
      try {
        const out = path.join(dir, 'dsb.pcapng');
        execFileSync('editcap', [
          '--inject-secrets',
          `tls,${path.join(SAMPLES_DIR, 'tls/curl-h2.keys')}`,
          path.join(SAMPLES_DIR, 'tls/curl-h2.pcap'),
          out,
        ]);
        const bytes = new Uint8Array(readFileSync(out));
        const trace = analyzeBytes('dsb.pcapng', bytes);
        const conn = trace.connections.findIndex((c) => c.tls?.decryption === 'decrypted');
        expect(conn).toBeGreaterThanOrEqual(0);
        const s = new FollowSession(trace, new Blob([bytes as BlobPart]), undefined);
        const r = await s.answer({ type: 'follow', id: 1, spec: { kind: 'tcp', conn } });
        if (r.msg.type !== 'followed' || r.msg.result.kind !== 'tcp') throw new Error('no answer');
        const first = r.msg.result.stream.runs.find((x) => x.dir === 'c2s')!.bytes!;
        expect(new TextDecoder().decode(first.subarray(0, 24))).toBe('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
        const i = trace.streams.findIndex((x) => x.dataBytes.s2c > 0);
        const h2 = await s.answer({ type: 'follow', id: 2, spec: { kind: 'h2', conn, stream: i } });
        if (h2.msg.type !== 'followed' || h2.msg.result.kind !== 'h2') throw new Error('no answer');
        expect(h2.msg.result.response.dataBytes).toBe(trace.streams[i].dataBytes.s2c);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('follows the same TCP stream from a plain and a gzip capture', async () => {
    const a = await follow(plain);
    const b = await follow(gz);
    const ra = await a.s.answer({ type: 'follow', id: 1, spec: { kind: 'tcp', conn: 0 } });
    const rb = await b.s.answer({ type: 'follow', id: 2, spec: { kind: 'tcp', conn: 0 } });
    if (ra.msg.type !== 'followed' || rb.msg.type !== 'followed') throw new Error('no answer');
    const ta = ra.msg.result;
    const tb = rb.msg.result;
    if (ta.kind !== 'tcp' || tb.kind !== 'tcp') throw new Error('kind');
    expect(ta.stream.bytes).toEqual({
      c2s: a.trace.connections[0].bytes.c2s,
      s2c: a.trace.connections[0].bytes.s2c,
    });
    expect(tb.stream.runs.map((r) => [r.dir, r.offset, r.length])).toEqual(
      ta.stream.runs.map((r) => [r.dir, r.offset, r.length]),
    );
    expect(tb.stream.runs.map((r) => Buffer.from(r.bytes!).toString('hex'))).toEqual(
      ta.stream.runs.map((r) => Buffer.from(r.bytes!).toString('hex')),
    );
  });

  it('follows an HTTP/2 stream by its index in the trace', async () => {
    const { trace, s } = await follow(gz);
    const i = trace.streams.findIndex((x) => x.dataBytes.s2c > 0);
    const conn = trace.connections.findIndex((c) => c.id === trace.streams[i].connection);
    const r = await s.answer({ type: 'follow', id: 3, spec: { kind: 'h2', conn, stream: i } });
    if (r.msg.type !== 'followed' || r.msg.result.kind !== 'h2') throw new Error('no answer');
    expect(r.msg.result.response.dataBytes).toBe(trace.streams[i].dataBytes.s2c);
    await expect(
      s.answer({ type: 'follow', id: 4, spec: { kind: 'h2', conn, stream: 9999 } }),
    ).rejects.toThrow(/no HTTP\/2 stream/);
  });

  it('I/O graph: a filtered series counts what the filter selects; errors are per series', async () => {
    const { trace, s } = await follow(plain);
    const p = trace.packets!;
    let syns = 0;
    for (let i = 0; i < p.length; i++) if (p.tcpFlags[i] & TCP_SYN) syns++;
    const r = await s.answer({
      type: 'iograph',
      id: 5,
      intervalS: 0.01,
      series: [
        { filter: '', measure: 'packets' },
        { filter: 'tcp.flags.syn == 1', measure: 'packets' },
        { filter: 'tcp.flags.syn ==', measure: 'packets' },
        { filter: '', measure: 'sum', field: 'frame.len' },
        { filter: '', measure: 'max', field: 'no.such.field' },
      ],
    });
    if (r.msg.type !== 'iograph') throw new Error('no answer');
    const [all, syn, bad, sum, unknown] = r.msg.series;
    const total = (x: typeof all) => (x.ok ? x.values.reduce((a, b) => a + b, 0) : NaN);
    expect(total(all)).toBe(p.length);
    expect(syn.ok && syn.matched).toBe(syns);
    expect(total(syn)).toBe(syns);
    expect(bad.ok).toBe(false);
    let bytes = 0;
    for (let i = 0; i < p.length; i++) bytes += p.origLen[i];
    expect(total(sum)).toBe(bytes);
    expect(unknown.ok ? '' : unknown.error).toMatch(/not a known field/);
  });
});
