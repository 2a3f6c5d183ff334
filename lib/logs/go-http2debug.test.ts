import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GoHttp2DebugParser, parseSummary } from './go-http2debug';
import { LogReader } from './index';
import { header, streamSequence } from './test-helpers';

// LOG_SAMPLES_DIR: check a fresh run of samples/logs/generate.sh (copied elsewhere) the same way.
const SAMPLES = process.env.LOG_SAMPLES_DIR
  ? pathToFileURL(`${process.env.LOG_SAMPLES_DIR}/`)
  : new URL('../../samples/logs/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, SAMPLES));

function readLog(name: string) {
  const reader = new LogReader();
  reader.push(read(name));
  return reader.finish();
}

/** Line kinds a real Go log may contain; anything else would be a new kind to look at. */
const EXPECTED_KINDS = new Set([
  'frame.wrote',
  'frame.read',
  'frame.echo',
  'header.encoded',
  'header.decoded',
  'conn.client',
  'conn.server',
  'diag.transport', // "Transport failed to get client conn ... no cached connection"
  'diag.server', // "server: client ... said hello", "server processing setting [...]"
  'diag.roundtrip', // "RoundTrip failure: context deadline exceeded" (the canceled /slow request)
  'diag.goaway', // "GOAWAY close timer fired; closing conn from ..."
]);

/**
 * What samples/logs/go/main.go does, per stream, seen from either side (both views agree because
 * directions are the connection's, not the logger's).
 */
const EXPECTED_STREAMS: Record<number, string> = {
  1: '>H* <H <D*', // GET /hello
  3: '>H* <H <D*', // GET /json
  5: '>H* <H <D*', // GET /missing (404)
  7: '>H >D* <H <D*', // POST /upload with a body
  9: '>H >D* <H <D <H*', // gRPC: response HEADERS, one message, trailers
  11: '>H >D* <H*', // gRPC Trailers-Only error
  13: '>H >D* <H <D <D*', // gRPC without trailers: ended by an empty DATA+END_STREAM
  15: '>H* >RST', // canceled by the client
  17: '>H* <H <D*', // GET /bye, then the server's GOAWAY
};

/**
 * Go's client may reset a stream with a request body (CANCEL) after the response already ended,
 * when its body writer had not finished yet: a real race (seen once in 16 runs, on stream 11), so
 * a final `>RST` after the response's END_STREAM is allowed.
 */
function withoutLateCancel(seq: string): string {
  return /[<]\S*\* >RST$/.test(seq) ? seq.slice(0, -' >RST'.length) : seq;
}

const EXPECTED_PATHS: Record<number, string> = {
  1: '/hello',
  3: '/json',
  5: '/missing',
  7: '/upload',
  9: '/echo.Echo/Say',
  11: '/echo.Echo/Fail',
  13: '/echo.Echo/NoTrailers',
  15: '/slow',
  17: '/bye',
};

function checkExchange(frames: ReturnType<typeof readLog>['frames'][number]) {
  for (const [id, seq] of Object.entries(EXPECTED_STREAMS))
    expect(withoutLateCancel(streamSequence(frames, Number(id))), `stream ${id}`).toBe(seq);
  const on = (id: number) => frames.filter((f) => f.streamId === id);
  const grpc = on(9);
  expect(header(grpc[0], ':path')).toBe('/echo.Echo/Say');
  expect(header(grpc[0], 'content-type')).toBe('application/grpc');
  expect(header(grpc[2], ':status')).toBe('200');
  expect(header(grpc[4], 'grpc-status')).toBe('0');
  expect(grpc[1].info?.dataLength).toBe(13); // 5-byte prefix + "hi there"
  expect(header(on(11)[2], 'grpc-status')).toBe('5');
  expect(header(on(11)[2], 'grpc-message')).toBe('no such echo');
  expect(on(13)[4].info?.dataLength).toBe(0);
  expect(on(15)[1].info).toMatchObject({ errorCode: 8, errorName: 'CANCEL' });
  expect(header(on(7)[0], ':method')).toBe('POST');
  expect(on(7)[1].length).toBe(39);
  const goaway = frames.find((f) => f.typeId === 7);
  expect(goaway).toMatchObject({
    dir: 's2c',
    streamId: 0,
    info: { lastStreamId: 17, errorCode: 0, errorName: 'NO_ERROR', debugData: '' },
  });
  const clientSettings = frames.find((f) => f.typeId === 4 && f.dir === 'c2s' && !(f.flagsRaw & 1));
  expect(clientSettings?.info?.settings).toEqual([
    { id: 2, name: 'ENABLE_PUSH', value: 0 },
    { id: 4, name: 'INITIAL_WINDOW_SIZE', value: 4194304 },
    { id: 6, name: 'MAX_HEADER_LIST_SIZE', value: 10485760 },
  ]);
  const connWindow = frames.find((f) => f.typeId === 8 && f.dir === 'c2s');
  expect(connWindow?.info?.increment).toBe(1073741824);
  // Times never go back within a connection (raised where the logger stamped them out of order).
  expect(frames.every((f, i) => i === 0 || f.tS >= frames[i - 1].tS)).toBe(true);
  // Lines are 1-based and rising.
  const lines = frames.map((f) => f.line ?? 0);
  expect(lines.every((l, i) => l > 0 && (i === 0 || l > lines[i - 1]))).toBe(true);
}

describe('real Go http2debug=2 logs', () => {
  it.each(['go-http2debug-2.log', 'go-h2-http2debug-2.log'])(
    'both sides in one process (%s): a client view and a server view of the same exchange',
    (name) => {
      const out = readLog(name);
      expect(out.format).toBe('go-http2debug');
      expect(out.unparsed).toEqual({ count: 0, lines: [] });
      for (const kind of Object.keys(out.lineKinds)) expect(EXPECTED_KINDS.has(kind), kind).toBe(true);
      expect(out.warnings[0]).toMatch(/both ends of one connection/);
      // Concurrent goroutines' lines can be stamped a few µs out of order: the only other warning.
      for (const w of out.warnings.slice(1)) expect(w).toMatch(/frame times went back/);
      expect(out.views.map((v) => v.peer)).toEqual(['c2', 'c1']);
      expect(out.views.map((v) => v.view).sort()).toEqual(['client', 'server']);
      expect(out.connections).toHaveLength(2);
      for (const frames of out.frames) checkExchange(frames);
      const client = out.connections[out.views.findIndex((v) => v.view === 'client')];
      const server = out.connections[out.views.findIndex((v) => v.view === 'server')];
      expect(client.server).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(server.client).toMatch(/^127\.0\.0\.1:\d+$/);
      // Each view has the address the other side printed: both carry the full endpoint pair.
      expect([client.client, client.server]).toEqual([server.client, server.server]);
      expect(client).toMatchObject({ directionBasis: 'log', protocol: 'h2', serverIp: '127.0.0.1' });
      expect(out.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
      expect(out.startEpoch?.[1]).toBeGreaterThan(0);
      expect(out.durationS).toBeGreaterThan(0.1); // /slow waited 100 ms
    },
  );

  it('client-only and server-only logs', () => {
    for (const [name, view] of [
      ['go-client-http2debug-2.log', 'client'],
      ['go-server-http2debug-2.log', 'server'],
    ] as const) {
      const out = readLog(name);
      expect(out.unparsed.count, name).toBe(0);
      for (const kind of Object.keys(out.lineKinds)) expect(EXPECTED_KINDS.has(kind), kind).toBe(true);
      expect(out.views.map((v) => v.view)).toEqual([view]);
      checkExchange(out.frames[0]);
    }
  });

  it('whole-second times: same frames, equal times, and a warning', () => {
    const out = readLog('go-http2debug-2-seconds.log');
    expect(out.unparsed.count).toBe(0);
    for (const frames of out.frames) {
      checkExchange(frames);
      for (const f of frames) expect(Number.isInteger(f.tS)).toBe(true);
    }
    expect(out.warnings.join('\n')).toMatch(/whole seconds/);
  });
});

describe('real Go http2debug=2 log of two concurrent connections', () => {
  it('four Framers: two client views and two server views, each with the whole exchange and its own headers', () => {
    const out = readLog('go-http2debug-2-concurrent.log');
    expect(out.unparsed.count).toBe(0);
    for (const kind of Object.keys(out.lineKinds)) expect(EXPECTED_KINDS.has(kind), kind).toBe(true);
    expect(out.views.map((v) => v.view).sort()).toEqual(['client', 'client', 'server', 'server']);
    expect(out.views.every((v) => v.peer === null)).toBe(true);
    expect(out.warnings[0]).toMatch(/2 client-side and 2 server-side connection views/);
    // Rarely, a header block's decoded lines are all taken by the other connection's block.
    for (const w of out.warnings.slice(1))
      expect(w).toMatch(/^1 header blocks had no encoding or decoding lines|frame times went back/);
    for (const frames of out.frames) {
      for (const [id, seq] of Object.entries(EXPECTED_STREAMS)) {
        if (Number(id) === 17) continue; // no /bye here
        expect(withoutLateCancel(streamSequence(frames, Number(id))), `stream ${id}`).toBe(seq);
      }
    }
    // Header lists: two connections encoding or decoding at the same moment interleave their lines
    // with nothing to tell them apart, so a few lists may land on the other connection's frame (seen
    // in about a third of regenerated logs). Most must be right.
    let right = 0;
    let total = 0;
    for (const frames of out.frames) {
      for (const f of frames) {
        if (f.typeId !== 1 || f.dir !== 'c2s') continue;
        total++;
        if (header(f, ':path') === EXPECTED_PATHS[f.streamId]) right++;
      }
    }
    expect(total).toBe(4 * 8);
    expect(right / total).toBeGreaterThanOrEqual(0.9);
  });
});

describe('real Go http2debug=1 log', () => {
  it('merges the server reads (c2s) and the client receipts (s2c) into one connection', () => {
    const out = readLog('go-http2debug-1.log');
    expect(out.format).toBe('go-http2debug');
    expect(out.unparsed.count).toBe(0);
    expect(out.views).toMatchObject([{ view: 'both' }]);
    const frames = out.frames[0];
    for (const [id, seq] of Object.entries(EXPECTED_STREAMS))
      expect(withoutLateCancel(streamSequence(frames, Number(id))), `stream ${id}`).toBe(seq);
    // Request header blocks are matched reliably (one block per request, read after being encoded).
    expect(
      header(
        frames.find((f) => f.streamId === 9 && f.typeId === 1),
        ':path',
      ),
    ).toBe('/echo.Echo/Say');
    expect(
      header(
        frames.find((f) => f.streamId === 11 && f.typeId === 1 && f.dir === 's2c'),
        'grpc-status',
      ),
    ).toBe('5');
    expect(out.warnings.join('\n')).toMatch(/best effort/);
  });
});

describe('Go frame summaries', () => {
  it('parses every frame type Go prints', () => {
    expect(
      parseSummary('PING len=8 ping="\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\a"', 1, 7)?.frame,
    ).toMatchObject({
      typeId: 6,
      flagsRaw: 0,
      streamId: 0,
      length: 8,
      tS: 1,
      line: 7,
      info: { pingPayload: '0001020304050607' },
    });
    expect(parseSummary('PING flags=ACK len=8 ping="abcdefgh"', 0, 1)?.frame.flagsRaw).toBe(1);
    expect(
      parseSummary('RST_STREAM stream=3 len=4 ErrCode=unknown error code 0x1f', 0, 1)?.frame.info,
    ).toEqual({
      errorCode: 0x1f,
      errorName: 'unknown error code 0x1f',
    });
    expect(
      parseSummary(
        'GOAWAY len=22 LastStreamID=5 ErrCode=ENHANCE_YOUR_CALM Debug="too many \\"pings\\""',
        0,
        1,
      )?.frame.info,
    ).toEqual({
      lastStreamId: 5,
      errorCode: 11,
      errorName: 'ENHANCE_YOUR_CALM',
      debugData: 'too many "pings"',
    });
    expect(parseSummary('WINDOW_UPDATE stream=5 len=4 incr=65535', 0, 1)?.frame).toMatchObject({
      streamId: 5,
      info: { increment: 65535 },
    });
    expect(parseSummary('CONTINUATION flags=END_HEADERS stream=1 len=100', 0, 1)?.frame).toMatchObject({
      typeId: 9,
      flagsRaw: 4,
    });
    expect(parseSummary('PUSH_PROMISE flags=END_HEADERS|PADDED stream=1 len=30', 0, 1)?.frame.flagsRaw).toBe(
      0xc,
    );
    expect(parseSummary('HEADERS flags=END_STREAM|0x40 stream=1 len=3', 0, 1)?.frame.flagsRaw).toBe(0x41);
    expect(parseSummary('UNKNOWN_FRAME_TYPE_42 stream=1 len=3', 0, 1)?.frame.typeId).toBe(42);
    expect(
      parseSummary('SETTINGS len=6, settings: UNKNOWN_SETTING_99=1', 0, 1)?.frame.info?.settings,
    ).toEqual([{ id: 99, name: 'UNKNOWN_SETTING_99', value: 1 }]);
    const big = parseSummary(`DATA stream=1 len=300 data="${'a'.repeat(256)}" (44 bytes omitted)`, 0, 1);
    expect(big?.frame.info?.dataLength).toBe(300);
    expect(parseSummary('DATA stream=1 len=2 data="é"', 0, 1)?.frame.info?.dataLength).toBe(2);
  });

  it('rejects what is not a summary', () => {
    expect(parseSummary('HEADERS flags=BOGUS stream=1 len=3', 0, 1)).toBeNull();
    expect(parseSummary('DATA stream=1 len=3 data="abc', 0, 1)).toBeNull();
    expect(parseSummary('WINDOW_UPDATE len=4 incr=x', 0, 1)).toBeNull();
    expect(parseSummary('NOPE len=1', 0, 1)).toBeNull();
  });
});

describe('Go parser line handling', () => {
  const T = '2026/11/23 10:00:00.000100 ';
  it('counts malformed and foreign lines with their line numbers and keeps going', () => {
    const p = new GoHttp2DebugParser();
    const lines = [
      `${T}http2: Framer 0xc000010000: wrote SETTINGS len=0`,
      `${T}http2: Framer 0xc000010000: wrote HEADERS flags=END_STREAM|NOPE stream=1 len=3`,
      'some unrelated output',
      `${T}http2: Transport encoding header ":method" = "GET`,
      `${T}http2: Framer 0xc000010000: read PING len=8 ping="12345678"`,
    ];
    lines.forEach((l, i) => p.line(l, i + 1));
    const out = p.finish();
    expect(out.unparsed.lines).toEqual([2, 3, 4]);
    expect(out.connections[0].frames.map((f) => f.typeId)).toEqual([4, 6]);
    expect(out.connections[0].frames[1].tS).toBe(0);
  });

  it('attaches headers split over CONTINUATION to the frame with END_HEADERS', () => {
    const p = new GoHttp2DebugParser();
    const lines = [
      `${T}http2: Transport encoding header ":method" = "GET"`,
      `${T}http2: Transport encoding header "x-big" = "v"`,
      `${T}http2: Framer 0xc000010000: wrote HEADERS flags=END_STREAM stream=1 len=16384`,
      `${T}http2: Framer 0xc000010000: wrote CONTINUATION flags=END_HEADERS stream=1 len=10`,
      `${T}http2: Framer 0xc000010000: read HEADERS stream=1 len=16384`,
      `${T}http2: decoded hpack field header field ":status" = "200"`,
      `${T}http2: Framer 0xc000010000: read CONTINUATION flags=END_HEADERS stream=1 len=5`,
      `${T}http2: decoded hpack field header field "x-secret" = "s" (sensitive)`,
      `${T}http2: Transport received HEADERS stream=1 len=16384`,
    ];
    lines.forEach((l, i) => p.line(l, i + 1));
    const out = p.finish();
    expect(out.unparsed.lines).toEqual([]);
    const [h, c, rh, rc] = out.connections[0].frames;
    expect(out.connections[0].view).toBe('client');
    expect(h.headers).toBeUndefined();
    expect(c.headers).toEqual([
      [':method', 'GET'],
      ['x-big', 'v'],
    ]);
    expect(rh.headers).toBeUndefined();
    expect(rc.headers).toEqual([
      [':status', '200'],
      ['x-secret', 's'],
    ]);
    expect([h.dir, rh.dir]).toEqual(['c2s', 's2c']);
  });

  it('reads lines without a time prefix (log.SetFlags(0)) and warns', () => {
    const p = new GoHttp2DebugParser();
    p.line('http2: Framer 0xc000010000: wrote SETTINGS len=0', 1);
    const out = p.finish();
    expect(out.unparsed.lines).toEqual([]);
    expect(out.startEpoch).toBeNull();
    expect(out.warnings.join('\n')).toMatch(/no time prefix/);
    expect(out.warnings.join('\n')).toMatch(/could not tell client from server/);
  });

  it('leaves header lists unknown (not empty) when the header lines are missing', () => {
    const p = new GoHttp2DebugParser();
    p.line(`${T}http2: Framer 0xc000010000: wrote HEADERS flags=END_HEADERS stream=1 len=20`, 1);
    p.line(`${T}http2: Framer 0xc000010000: read HEADERS flags=END_HEADERS stream=1 len=9`, 2);
    p.line(`${T}http2: Framer 0xc000010000: read HEADERS flags=END_STREAM|END_HEADERS stream=1 len=0`, 3);
    const out = p.finish();
    const [w, r, empty] = out.connections[0].frames;
    expect(w.headers).toBeUndefined();
    expect(r.headers).toBeUndefined();
    expect(empty.headers).toEqual([]);
    expect(out.warnings.join('\n')).toMatch(/2 header blocks had no encoding or decoding lines/);
  });

  it('tells connections apart by Framer, and a reused Framer address as a new connection', () => {
    const p = new GoHttp2DebugParser();
    const lines = [
      `${T}http2: Transport creating client conn 0xc000100000 to 127.0.0.1:8080`,
      `${T}http2: Framer 0xc000010000: wrote SETTINGS len=0`,
      `${T}http2: Transport creating client conn 0xc000100100 to 127.0.0.1:9090`,
      `${T}http2: Framer 0xc000020000: wrote SETTINGS len=0`,
      `${T}http2: Transport encoding header ":method" = "GET"`,
      `${T}http2: Framer 0xc000010000: wrote HEADERS flags=END_STREAM|END_HEADERS stream=1 len=1`,
      `${T}http2: Transport encoding header ":method" = "PUT"`,
      `${T}http2: Framer 0xc000020000: wrote HEADERS flags=END_STREAM|END_HEADERS stream=1 len=1`,
      `${T}http2: Transport creating client conn 0xc000100200 to 127.0.0.1:7070`,
      `${T}http2: Framer 0xc000010000: wrote SETTINGS len=0`,
      `${T}http2: Framer 0xc000010000: wrote SETTINGS flags=ACK len=0`,
    ];
    lines.forEach((l, i) => p.line(l, i + 1));
    const out = p.finish();
    expect(out.unparsed.lines).toEqual([]);
    expect(out.connections.map((c) => [c.key, c.view, c.serverAddr, c.frames.length])).toEqual([
      ['0xc000010000', 'client', '127.0.0.1:8080', 2],
      ['0xc000020000', 'client', '127.0.0.1:9090', 2],
      ['0xc000010000#2', 'client', '127.0.0.1:7070', 2],
    ]);
    expect(out.connections[0].frames[1].headers).toEqual([[':method', 'GET']]);
    expect(out.connections[1].frames[1].headers).toEqual([[':method', 'PUT']]);
  });

  it("a Framer's writes between its read HEADERS and the decoded lines do not cut the block (real server log order)", () => {
    const p = new GoHttp2DebugParser();
    const lines = [
      `${T}http2: Framer 0xc0001261c0: read HEADERS flags=END_STREAM|END_HEADERS stream=1 len=42`,
      `${T}http2: Framer 0xc0001261c0: wrote SETTINGS flags=ACK len=0`,
      `${T}http2: Framer 0xc0001261c0: wrote WINDOW_UPDATE len=4 (conn) incr=983041`,
      `${T}http2: decoded hpack field header field ":method" = "GET"`,
      `${T}http2: decoded hpack field header field ":path" = "/hello"`,
      `${T}http2: server read frame HEADERS flags=END_STREAM|END_HEADERS stream=1 len=42`,
    ];
    lines.forEach((l, i) => p.line(l, i + 1));
    const out = p.finish();
    expect(out.warnings).toEqual([]);
    expect(out.connections[0].view).toBe('server');
    expect(out.connections[0].frames[0].headers).toEqual([
      [':method', 'GET'],
      [':path', '/hello'],
    ]);
  });
});
