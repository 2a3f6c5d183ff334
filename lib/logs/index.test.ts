import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AppContext, H2Frame, H2FrameInput } from '../stream';
import { LogReader, type LogReaderOptions, MAX_LINE_CHARS, sniffLog } from './index';

// LOG_SAMPLES_DIR: check a fresh run of samples/logs/generate.sh (copied elsewhere) the same way.
const SAMPLES = process.env.LOG_SAMPLES_DIR
  ? pathToFileURL(`${process.env.LOG_SAMPLES_DIR}/`)
  : new URL('../../samples/logs/', import.meta.url);
const sample = (name: string) => new Uint8Array(readFileSync(new URL(name, SAMPLES)));
const enc = new TextEncoder();

function readChunks(chunks: Uint8Array[], options?: LogReaderOptions) {
  const r = new LogReader(options);
  for (const c of chunks) r.push(c);
  return r.finish();
}

describe('sniffLog', () => {
  it('knows each real sample by its content', () => {
    const text = (name: string) => new TextDecoder().decode(sample(name)).slice(0, 4096);
    for (const name of [
      'go-http2debug-2.log',
      'go-http2debug-1.log',
      'go-http2debug-2-seconds.log',
      'go-http2debug-2-concurrent.log',
      'go-client-http2debug-2.log',
      'go-server-http2debug-2.log',
    ]) {
      expect(sniffLog(text(name)), name).toBe('go-http2debug');
    }
    expect(sniffLog(text('nghttp-verbose.log'))).toBe('nghttp-verbose');
  });
  it('says null for other text', () => {
    expect(sniffLog('')).toBeNull();
    expect(sniffLog('GET / HTTP/1.1\r\nHost: x\r\n')).toBeNull();
    expect(sniffLog('2026/11/23 10:00:00 starting server\n')).toBeNull();
    expect(sniffLog('\u0000\u0001binary')).toBeNull();
  });
  it('finds a Go log without time prefixes and an nghttp log after noise', () => {
    expect(sniffLog('http2: Framer 0xc000010000: wrote SETTINGS len=0\n')).toBe('go-http2debug');
    expect(sniffLog('noise\n[  0.000] Connected\n')).toBe('nghttp-verbose');
  });
});

/** What must not depend on how the input was cut into chunks. */
function essence(out: ReturnType<LogReader['finish']>) {
  return JSON.stringify({ ...out, results: null });
}

describe('LogReader chunking', () => {
  it('gives identical results whatever the chunk boundaries (every split point, and 1-byte chunks)', () => {
    // Multi-byte UTF-8 inside a line, so some cuts fall inside a character.
    const bytes = new Uint8Array([
      ...sample('nghttp-verbose.log').slice(0, 1500),
      ...enc.encode('[  0.100] Connected\n          é\n'),
    ]);
    const whole = essence(readChunks([bytes]));
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(essence(readChunks([bytes.subarray(0, cut), bytes.subarray(cut)])), `cut at ${cut}`).toBe(whole);
    }
    const ones = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
    expect(essence(readChunks(ones))).toBe(whole);
  });

  it('Go log in 7-byte chunks equals the whole', () => {
    const bytes = sample('go-http2debug-2.log');
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
    expect(essence(readChunks(chunks))).toBe(essence(readChunks([bytes])));
  });
});

describe('LogReader edge input', () => {
  it('reports a half line at the end as unparsed, with its number', () => {
    const text = new TextDecoder().decode(sample('go-client-http2debug-2.log'));
    const lines = text.split('\n');
    const cut = text.length - 20; // inside the last line
    const out = readChunks([enc.encode(text.slice(0, cut))]);
    expect(out.lines).toBe(lines.length - 1);
    expect(out.unparsed.lines).toEqual([lines.length - 1]);
    expect(out.warnings.join('\n')).toMatch(/not ended by a line break/);
  });

  it('reports malformed lines with line numbers, not fatal', () => {
    const log = [
      '2026/11/23 10:00:00.000001 http2: Framer 0xc000010000: wrote SETTINGS len=0',
      'garbage',
      '2026/11/23 10:00:00.000002 http2: Framer 0xc000010000: wrote HEADERS flags=END_HEADERS stream=1',
      '2026/11/23 10:00:00.000003 http2: Framer 0xc000010000: read SETTINGS flags=ACK len=0',
      '',
    ].join('\n');
    const out = readChunks([enc.encode(log)]);
    expect(out.format).toBe('go-http2debug');
    expect(out.unparsed).toEqual({ count: 2, lines: [2, 3] });
    expect(out.frames[0]).toHaveLength(2);
    expect(out.frames[0][1].tS).toBe(0.000002);
    expect(out.start).toBe('2026-11-23T10:00:00.000001Z');
    expect(out.startEpoch).toEqual([Date.UTC(2026, 10, 23, 10) / 1000, 1000]);
    expect(out.warnings.join('\n')).toMatch(/2 log lines did not parse \(lines 2, 3\)/);
  });

  it('caps line length: a huge line is skipped and reported, memory stays bounded', () => {
    const head = enc.encode('[  0.000] Connected\n');
    const huge = new Uint8Array(256 * 1024).fill(0x41);
    const chunks = [
      head,
      ...Array.from({ length: 5 }, () => huge),
      enc.encode('\n[  0.001] send SETTINGS frame <length=0, flags=0x01, stream_id=0>\n'),
    ];
    const out = readChunks(chunks);
    expect(5 * huge.length).toBeGreaterThan(MAX_LINE_CHARS);
    expect(out.format).toBe('nghttp-verbose');
    expect(out.unparsed.lines).toEqual([2]);
    expect(out.frames[0]).toHaveLength(1);
    expect(out.warnings.join('\n')).toMatch(/line 2: longer than/);
  });

  it('binary input: no format, every line unparsed, no throw', () => {
    const bin = new Uint8Array(10000);
    for (let i = 0; i < bin.length; i++) bin[i] = (i * 7919) & 0xff;
    const out = readChunks([bin]);
    expect(out.format).toBeNull();
    expect(out.connections).toEqual([]);
    expect(out.unparsed.count).toBe(out.lines);
    expect(out.unparsed.lines).toEqual(Array.from({ length: Math.min(100, out.lines) }, (_, i) => i + 1));
    expect(out.warnings.join('\n')).toMatch(/not a known HTTP\/2 debug log format/);
  });

  it('empty input', () => {
    const out = readChunks([]);
    expect(out).toMatchObject({ format: null, lines: 0, connections: [], unparsed: { count: 0, lines: [] } });
  });
});

describe('LogReader sessions', () => {
  it('feeds each connection its frames, in order, through one session each', () => {
    const seen: { conn: string; inputs: H2FrameInput[]; finishedAt: number | null }[] = [];
    const factory = (ctx: AppContext) => {
      const rec = { conn: ctx.conn.id, inputs: [] as H2FrameInput[], finishedAt: null as number | null };
      seen.push(rec);
      return {
        frame(input: H2FrameInput): H2Frame {
          rec.inputs.push(input);
          return {
            number: ctx.results.nextFrameNumber(),
            connection: ctx.conn.id,
            stream: input.streamId,
            type: '',
            typeId: input.typeId,
            flags: [],
            flagsRaw: input.flagsRaw,
            length: input.length,
            dir: input.dir,
            tS: input.tS,
            packets: [],
          };
        },
        finish(tS: number) {
          rec.finishedAt = tS;
        },
      };
    };
    const out = readChunks([sample('go-http2debug-2.log')], { session: factory });
    expect(seen.map((s) => s.conn)).toEqual(['c1', 'c2']);
    seen.forEach((s, i) => {
      expect(s.inputs).toBe(s.inputs);
      expect(s.inputs).toEqual(out.frames[i]);
      expect(s.finishedAt).toBe(out.connections[i].endS);
    });
    expect(out.results.frameCount).toBe(84);
  });

  it('pairedViews keeps one view of a connection logged from both ends', () => {
    const both = readChunks([sample('go-http2debug-2.log')]);
    const client = readChunks([sample('go-http2debug-2.log')], { pairedViews: 'client' });
    expect(client.connections).toHaveLength(1);
    expect(client.views).toMatchObject([{ connection: 'c1', view: 'client', peer: null }]);
    expect(client.frames[0]).toEqual(both.frames[both.views.findIndex((v) => v.view === 'client')]);
    expect(client.warnings.join('\n')).toMatch(/kept only the client's view of 1 connection/);
    const server = readChunks([sample('go-http2debug-2.log')], { pairedViews: 'server' });
    expect(server.views).toMatchObject([{ view: 'server' }]);
    // Unpaired views stay.
    expect(
      readChunks([sample('go-server-http2debug-2.log')], { pairedViews: 'client' }).connections,
    ).toHaveLength(1);
  });

  it('finds the format after 10 KiB of other program output', () => {
    const noise = 'starting up, nothing to see here\n'.repeat(320);
    const out = readChunks([enc.encode(noise), sample('go-server-http2debug-2.log')]);
    expect(out.format).toBe('go-http2debug');
    expect(out.unparsed.count).toBe(320);
    expect(out.unparsed.lines.slice(0, 3)).toEqual([1, 2, 3]);
    expect(out.frames[0][0].line).toBe(322); // line 2 of the sample: line 1 announces the connection
  });

  it('many garbage lines: all counted, the first 100 listed', () => {
    const out = readChunks([enc.encode('[  0.000] Connected\n' + 'junk\n'.repeat(5000))]);
    expect(out.format).toBe('nghttp-verbose');
    expect(out.unparsed.count).toBe(5000);
    expect(out.unparsed.lines).toHaveLength(100);
    expect(out.unparsed.lines[0]).toBe(2);
  });

  it('by default feeds the HTTP/2 session model: streams, gRPC status and resets as the program made them', () => {
    const out = readChunks([sample('go-http2debug-2.log')], { pairedViews: 'client' });
    expect(out.results.h2).toHaveLength(1);
    expect(out.results.h2[0]).toMatchObject({ connection: 'c1', via: 'log', violations: [] });
    expect(out.results.h2[0].goaway).toMatchObject([{ by: 's2c', lastStreamId: 17, errorName: 'NO_ERROR' }]);
    const s = new Map(out.results.streams.map((st) => [st.id, st]));
    expect([...s.keys()]).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17]);
    expect(s.get(1)).toMatchObject({ method: 'GET', path: '/hello', status: 200, state: 'closed' });
    expect(s.get(5)?.status).toBe(404);
    expect(s.get(9)).toMatchObject({ grpcStatus: 0, grpc: { statusFrom: 'trailers' } });
    expect(s.get(11)).toMatchObject({
      grpcStatus: 5,
      grpc: { statusFrom: 'trailers-only', grpcMessage: 'no such echo' },
    });
    // The defect the detectors look for: gRPC ended by DATA+END_STREAM without trailers.
    expect(s.get(13)).toMatchObject({ grpcStatus: null, trailers: null, grpc: { statusFrom: null } });
    expect(s.get(15)?.reset).toMatchObject({ by: 'c2s', errorName: 'CANCEL' });
    // Frame numbers come from the session, log lines are kept as evidence.
    const frames = out.results.streams.flatMap((st) => st.frames);
    expect(frames.every((f) => f.line !== undefined && f.packets.length === 0)).toBe(true);
  });

  it('session: null returns frame inputs only', () => {
    const out = readChunks([sample('nghttp-verbose.log')], { session: null });
    expect(out.results.streams).toEqual([]);
    expect(out.frames.flat().length).toBeGreaterThan(0);
  });
});
