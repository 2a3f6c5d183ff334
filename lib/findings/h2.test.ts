import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../trace';
import { detector } from './h2';
import {
  buildTrace,
  checkFinding,
  frame,
  gracefulClose,
  grpcInfo,
  h2conn,
  handshake,
  resetFrames,
  stream,
} from './testing';

const opts = DEFAULT_OPTIONS;
beforeEach(() => resetFrames());

const conn = { packets: handshake(0), protocol: 'h2' as const, server: '127.0.0.1:7600' };

function grpcReq() {
  return frame({ type: 'HEADERS', dir: 'c2s', tS: 0.1, flags: ['END_HEADERS'] });
}

describe('h2.empty-data-end-stream + grpc.trailers-missing', () => {
  it('HEADERS without END_STREAM then empty DATA END_STREAM on a gRPC stream: both findings', () => {
    const fr = [
      grpcReq(),
      frame({ type: 'DATA', dir: 'c2s', tS: 0.101, flags: ['END_STREAM'] }),
      frame({ type: 'HEADERS', dir: 's2c', tS: 0.2, flags: ['END_HEADERS'], length: 72 }),
      frame({ type: 'DATA', dir: 's2c', tS: 0.201, flags: ['END_STREAM'], length: 0 }),
    ];
    const s = stream({ frames: fr, grpc: grpcInfo(null, null) });
    const f = detector.detect(buildTrace({ connections: [conn], streams: [s] }), opts);
    expect(f.map((x) => x.kind).sort()).toEqual(['grpc.trailers-missing', 'h2.empty-data-end-stream']);
    const e = f.find((x) => x.kind === 'h2.empty-data-end-stream')!;
    expect(e.severity).toBe('warning');
    expect(e.stream).toBe(1);
    expect(e.explanation).toMatch(/server closed the stream without sending trailers/);
    expect(e.explanation).toMatch(/ReverseProxy/);
    expect(e.evidence.map((x) => x.frame)).toEqual([fr[2].number, fr[3].number]);
    const t = f.find((x) => x.kind === 'grpc.trailers-missing')!;
    expect(t.severity).toBe('error');
    for (const x of f) expect(checkFinding(x)).toEqual([]);
  });

  it('healthy gRPC with trailers, and Trailers-Only, are quiet', () => {
    const healthy = stream({
      frames: [
        grpcReq(),
        frame({ type: 'DATA', dir: 'c2s', tS: 0.101, flags: ['END_STREAM'] }),
        frame({ type: 'HEADERS', dir: 's2c', tS: 0.2, flags: ['END_HEADERS'] }),
        frame({ type: 'DATA', dir: 's2c', tS: 0.201, length: 10 }),
        frame({ type: 'HEADERS', dir: 's2c', tS: 0.202, flags: ['END_HEADERS', 'END_STREAM'] }),
      ],
      grpc: grpcInfo(0, 'trailers'),
      grpcStatus: 0,
    });
    const only = stream({
      id: 3,
      frames: [
        grpcReq(),
        frame({ type: 'HEADERS', dir: 's2c', tS: 0.3, flags: ['END_HEADERS', 'END_STREAM'], stream: 3 }),
      ],
      grpc: grpcInfo(5, 'trailers-only'),
      grpcStatus: 5,
    });
    expect(detector.detect(buildTrace({ connections: [conn], streams: [healthy, only] }), opts)).toEqual([]);
  });

  it('plain HTTP/2 response ending with an empty DATA END_STREAM is legal and quiet', () => {
    const s = stream({
      method: 'GET',
      path: '/',
      frames: [
        frame({ type: 'HEADERS', dir: 'c2s', tS: 0.1, flags: ['END_HEADERS', 'END_STREAM'] }),
        frame({ type: 'HEADERS', dir: 's2c', tS: 0.2, flags: ['END_HEADERS'] }),
        frame({ type: 'DATA', dir: 's2c', tS: 0.21, length: 100 }),
        frame({ type: 'DATA', dir: 's2c', tS: 0.22, length: 0, flags: ['END_STREAM'] }),
      ],
    });
    expect(detector.detect(buildTrace({ connections: [conn], streams: [s] }), opts)).toEqual([]);
  });

  it('gRPC stream reset by the server without status: trailers missing; cancelled by the client: only rst-stream info', () => {
    const r1 = frame({
      type: 'RST_STREAM',
      dir: 's2c',
      tS: 0.3,
      info: { errorCode: 2, errorName: 'INTERNAL_ERROR' },
    });
    const s1 = stream({
      frames: [grpcReq(), r1],
      grpc: grpcInfo(null, null),
      reset: { by: 's2c', errorCode: 2, errorName: 'INTERNAL_ERROR', frame: r1.number },
    });
    const r3 = frame({
      type: 'RST_STREAM',
      dir: 'c2s',
      tS: 0.4,
      stream: 3,
      info: { errorCode: 8, errorName: 'CANCEL' },
    });
    const s3 = stream({
      id: 3,
      frames: [grpcReq(), r3],
      grpc: grpcInfo(null, null),
      reset: { by: 'c2s', errorCode: 8, errorName: 'CANCEL', frame: r3.number },
    });
    const f = detector.detect(buildTrace({ connections: [conn], streams: [s1, s3] }), opts);
    expect(f.filter((x) => x.kind === 'grpc.trailers-missing').map((x) => x.stream)).toEqual([1]);
    const rs = f.filter((x) => x.kind === 'h2.rst-stream');
    expect(rs).toHaveLength(2);
    const cancel = rs.find((x) => x.stream === 3)!;
    expect(cancel.severity).toBe('info');
    expect(cancel.details.errorCode).toBe('CANCEL');
    expect(cancel.details.by).toBe('client');
    expect(cancel.explanation).toMatch(/deadline|gave up/);
    expect(checkFinding(cancel)).toEqual([]);
  });

  it('a gRPC stream across a capture gap is not judged: its trailers may be among the lost frames', () => {
    const fr = [
      grpcReq(),
      frame({ type: 'HEADERS', dir: 's2c', tS: 0.2, flags: ['END_HEADERS'], length: 72 }),
      frame({ type: 'DATA', dir: 's2c', tS: 0.201, flags: ['END_STREAM'], length: 0 }),
    ];
    const judged = stream({ frames: fr, grpc: grpcInfo(null, null) });
    const gap = stream({ id: 3, frames: fr, grpc: grpcInfo(null, null), captureGap: true });
    const f = detector.detect(buildTrace({ connections: [conn], streams: [judged, gap] }), opts);
    expect(f.map((x) => `${x.kind}@${x.stream}`).sort()).toEqual([
      'grpc.trailers-missing@1',
      'h2.empty-data-end-stream@1',
    ]);
  });

  it('gRPC streams the server declared unprocessed (above its GOAWAY last-stream-id, REFUSED_STREAM) are not missing trailers', () => {
    const closed = { ...conn, end: 'closed' as const };
    const g = frame({
      type: 'GOAWAY',
      dir: 's2c',
      tS: 0.2,
      stream: 0,
      info: { lastStreamId: 1, errorCode: 0 },
    });
    const h = h2conn({
      frames: [g],
      goaway: [{ by: 's2c', lastStreamId: 1, errorCode: 0, errorName: 'NO_ERROR', frame: g.number, tS: 0.2 }],
    });
    const above = stream({
      id: 3,
      frames: [frame({ type: 'HEADERS', dir: 'c2s', tS: 0.21, stream: 3 })],
      grpc: grpcInfo(null, null),
    });
    const refusedRst = frame({ type: 'RST_STREAM', dir: 's2c', tS: 0.3, stream: 5, info: { errorCode: 7 } });
    const refused = stream({
      id: 5,
      frames: [frame({ type: 'HEADERS', dir: 'c2s', tS: 0.25, stream: 5 }), refusedRst],
      grpc: grpcInfo(null, null),
      reset: { by: 's2c', errorCode: 7, errorName: 'REFUSED_STREAM', frame: refusedRst.number },
    });
    const below = stream({
      id: 1,
      frames: [
        grpcReq(),
        frame({ type: 'HEADERS', dir: 's2c', tS: 0.3, flags: ['END_HEADERS'] }),
        frame({ type: 'DATA', dir: 's2c', tS: 0.31, flags: ['END_STREAM'], length: 5 }),
      ],
      grpc: grpcInfo(null, null),
    });
    const f = detector.detect(
      buildTrace({ connections: [closed], streams: [below, above, refused], h2: [h] }),
      opts,
    );
    expect(f.filter((x) => x.kind === 'grpc.trailers-missing').map((x) => x.stream)).toEqual([1]);
  });

  it('a gRPC call whose client side closed the connection first was abandoned, not left without trailers', () => {
    const open = () =>
      stream({
        frames: [grpcReq(), frame({ type: 'HEADERS', dir: 's2c', tS: 0.2, flags: ['END_HEADERS'] })],
        grpc: grpcInfo(null, null),
      });
    const byClient = detector.detect(
      buildTrace({
        connections: [{ ...conn, packets: [...handshake(0), ...gracefulClose(0.5, 'c2s')] }],
        streams: [open()],
      }),
      opts,
    );
    expect(byClient.filter((x) => x.kind === 'grpc.trailers-missing')).toEqual([]);
    resetFrames();
    const byServer = detector.detect(
      buildTrace({
        connections: [{ ...conn, packets: [...handshake(0), ...gracefulClose(0.5, 's2c')] }],
        streams: [open()],
      }),
      opts,
    );
    expect(byServer.filter((x) => x.kind === 'grpc.trailers-missing').map((x) => x.details.endedBy)).toEqual([
      'connection-close',
    ]);
  });

  it('REFUSED_STREAM is explained as safe to retry', () => {
    const r = frame({ type: 'RST_STREAM', dir: 's2c', tS: 0.3, info: { errorCode: 7 } });
    const s = stream({
      method: 'GET',
      path: '/x',
      frames: [frame({ type: 'HEADERS', dir: 'c2s', tS: 0.1, flags: ['END_STREAM'] }), r],
      reset: { by: 's2c', errorCode: 7, errorName: 'REFUSED_STREAM', frame: r.number },
    });
    const f = detector.detect(buildTrace({ connections: [conn], streams: [s] }), opts);
    expect(f).toHaveLength(1);
    expect(f[0].details.errorCode).toBe('REFUSED_STREAM');
    expect(f[0].explanation).toMatch(/safe to retry/);
  });
});

describe('violations and GOAWAY', () => {
  it('one finding per violation, severities per contract', () => {
    const settings = frame({ type: 'SETTINGS', dir: 'c2s', tS: 0.01, stream: 0 });
    const data = frame({ type: 'DATA', dir: 's2c', tS: 0.5, length: 4000 });
    const h = h2conn({
      frames: [settings],
      violations: [
        {
          kind: 'h2.settings-unacked',
          stream: null,
          frames: [settings.number],
          tS: 0.01,
          message: 'SETTINGS from the client never acknowledged',
        },
        {
          kind: 'h2.flow-control-violation',
          stream: 1,
          frames: [data.number],
          tS: 0.5,
          message: 'DATA of 4000 bytes with 1024 bytes of window',
          details: { windowBytes: 1024 },
        },
      ],
    });
    const s = stream({
      frames: [frame({ type: 'HEADERS', dir: 'c2s', tS: 0.1, flags: ['END_STREAM'] }), data],
      method: 'GET',
      path: '/',
    });
    const f = detector.detect(buildTrace({ connections: [conn], streams: [s], h2: [h] }), opts);
    const su = f.find((x) => x.kind === 'h2.settings-unacked')!;
    const fc = f.find((x) => x.kind === 'h2.flow-control-violation')!;
    expect(su.severity).toBe('warning');
    expect(fc.severity).toBe('error');
    expect(fc.stream).toBe(1);
    expect(fc.explanation).toMatch(/§6\.9\.1/);
    expect(fc.details.windowBytes).toBe(1024);
    expect(fc.evidence[0].frame).toBe(data.number);
    for (const x of [su, fc]) expect(checkFinding(x)).toEqual([]);
  });

  it('each stream rule has its own kind, title and rule text', () => {
    const end = frame({ type: 'HEADERS', dir: 's2c', tS: 0.2, flags: ['END_STREAM'] });
    const data = frame({ type: 'DATA', dir: 's2c', tS: 0.3, length: 10 });
    const g = frame({
      type: 'GOAWAY',
      dir: 's2c',
      tS: 0.4,
      stream: 0,
      info: { lastStreamId: 1, errorCode: 0 },
    });
    const ans = frame({ type: 'HEADERS', dir: 's2c', tS: 0.5, stream: 3 });
    const h = h2conn({
      frames: [g],
      goaway: [{ by: 's2c', lastStreamId: 1, errorCode: 0, errorName: 'NO_ERROR', frame: g.number, tS: 0.4 }],
      violations: [
        {
          kind: 'h2.frame-on-closed-stream',
          stream: 1,
          frames: [end.number, data.number],
          tS: 0.3,
          message: 'DATA from the server on stream 1 after it had itself ended the stream',
          details: { rule: 'data-after-end-stream' },
        },
        {
          kind: 'h2.goaway-then-new-stream',
          stream: 3,
          frames: [g.number, ans.number],
          tS: 0.5,
          message: 'the server sent HEADERS on stream 3 after its own GOAWAY announced last-stream-id 1',
          details: { rule: 'answered-above-last-stream-id' },
        },
      ],
    });
    const s1 = stream({
      frames: [frame({ type: 'HEADERS', dir: 'c2s', tS: 0.1, flags: ['END_STREAM'] }), end, data],
    });
    const s3 = stream({
      id: 3,
      frames: [frame({ type: 'HEADERS', dir: 'c2s', tS: 0.15, stream: 3, flags: ['END_STREAM'] }), ans],
    });
    const f = detector.detect(buildTrace({ connections: [conn], streams: [s1, s3], h2: [h] }), opts);
    const d = f.find((x) => x.kind === 'h2.frame-on-closed-stream')!;
    const a = f.find((x) => x.kind === 'h2.goaway-then-new-stream')!;
    expect(d.severity).toBe('error');
    expect(d.title).toMatch(/^DATA after the sender ended the stream \(stream 1/);
    expect(d.explanation).toMatch(/§5\.1/);
    expect(a.severity).toBe('error');
    expect(a.title).toMatch(/^Stream answered above the GOAWAY last-stream-id \(stream 3/);
    expect(a.explanation).toMatch(/processed twice/);
    expect(a.evidence.map((e) => e.frame)).toEqual([g.number, ans.number]);
    expect(f.filter((x) => x.kind === 'h2.goaway-error')).toEqual([]);
    for (const x of [d, a]) expect(checkFinding(x)).toEqual([]);
  });

  it('GOAWAY ENHANCE_YOUR_CALM too_many_pings is explained; NO_ERROR is quiet', () => {
    const g = frame({
      type: 'GOAWAY',
      dir: 's2c',
      tS: 300,
      stream: 0,
      info: { errorCode: 11, lastStreamId: 5, debugData: 'too_many_pings' },
    });
    const g0 = frame({
      type: 'GOAWAY',
      dir: 's2c',
      tS: 301,
      stream: 0,
      info: { errorCode: 0, lastStreamId: 5 },
    });
    const h = h2conn({
      frames: [g, g0],
      goaway: [
        {
          by: 's2c',
          lastStreamId: 5,
          errorCode: 11,
          errorName: 'ENHANCE_YOUR_CALM',
          frame: g.number,
          tS: 300,
        },
        { by: 's2c', lastStreamId: 5, errorCode: 0, errorName: 'NO_ERROR', frame: g0.number, tS: 301 },
      ],
    });
    const f = detector.detect(buildTrace({ connections: [conn], h2: [h] }), opts);
    expect(f).toHaveLength(1);
    expect(f[0].kind).toBe('h2.goaway-error');
    expect(f[0].severity).toBe('warning');
    expect(f[0].explanation).toMatch(/too_many_pings/);
    expect(f[0].explanation).toMatch(/keepalive/);
    expect(checkFinding(f[0])).toEqual([]);
  });

  it('works on debug-log traces, with log lines in the evidence', () => {
    const r = frame({ type: 'RST_STREAM', dir: 'c2s', tS: 0.3, line: 42, info: { errorCode: 8 } });
    const s = stream({
      frames: [frame({ type: 'HEADERS', dir: 'c2s', tS: 0.1, line: 40 }), r],
      reset: { by: 'c2s', errorCode: 8, errorName: 'CANCEL', frame: r.number },
    });
    const f = detector.detect(buildTrace({ connections: [{ packets: [] }], streams: [s], log: true }), opts);
    expect(f).toHaveLength(1);
    expect(f[0].evidence[0]).toMatchObject({ frame: r.number, line: 42 });
  });
});

describe('GOAWAY caused by a reported violation', () => {
  it('is folded into the violation finding, not reported twice', () => {
    resetFrames();
    const h1 = frame({ type: 'HEADERS', dir: 's2c', tS: 0.2, flags: ['END_HEADERS', 'END_STREAM'] });
    const h2f = frame({ type: 'HEADERS', dir: 's2c', tS: 0.2001, flags: ['END_HEADERS', 'END_STREAM'] });
    const g = frame({
      type: 'GOAWAY',
      dir: 'c2s',
      tS: 0.201,
      stream: 0,
      info: { errorCode: 1, lastStreamId: 0 },
    });
    const h = h2conn({
      frames: [g],
      violations: [
        {
          kind: 'h2.headers-after-end-stream',
          stream: 1,
          frames: [h1.number, h2f.number],
          tS: 0.2001,
          message: 'second HEADERS from the server after its END_STREAM',
        },
      ],
      goaway: [
        { by: 'c2s', lastStreamId: 0, errorCode: 1, errorName: 'PROTOCOL_ERROR', frame: g.number, tS: 0.201 },
      ],
    });
    const s = stream({
      method: 'POST',
      path: '/',
      frames: [frame({ type: 'HEADERS', dir: 'c2s', tS: 0.1 }), h1, h2f],
    });
    const f = detector.detect(buildTrace({ connections: [conn], streams: [s], h2: [h] }), opts);
    expect(f.map((x) => x.kind)).toEqual(['h2.headers-after-end-stream']);
    expect(f[0].explanation).toMatch(/answered with GOAWAY PROTOCOL_ERROR/);
    expect(f[0].evidence.map((e) => e.frame)).toEqual([h1.number, h2f.number, g.number]);
  });
});

describe('grpc-status copied into non-final response headers', () => {
  it('does not count as a status: trailers still missing, and said so', () => {
    resetFrames();
    const fr = [
      grpcReq(),
      frame({ type: 'DATA', dir: 'c2s', tS: 0.101, flags: ['END_STREAM'] }),
      frame({ type: 'HEADERS', dir: 's2c', tS: 0.2, flags: ['END_HEADERS'], length: 72 }),
      frame({ type: 'DATA', dir: 's2c', tS: 0.201, flags: ['END_STREAM'], length: 0 }),
    ];
    const s = stream({
      frames: fr,
      grpc: grpcInfo(null, null),
      responseHeaders: [
        [':status', '200'],
        ['content-type', 'application/grpc'],
        ['grpc-status', '5'],
        ['grpc-message', 'user not found'],
      ],
    });
    const f = detector.detect(buildTrace({ connections: [conn], streams: [s] }), opts);
    const t = f.find((x) => x.kind === 'grpc.trailers-missing')!;
    expect(t).toBeDefined();
    expect(t.explanation).toMatch(/grpc-status 5 does appear in the response headers/);
  });
});
