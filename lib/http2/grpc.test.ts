import { describe, expect, it } from 'vitest';
import type { Dir } from '../trace';
import { H2Session } from './session';
import { grpcStatusName, isGrpcContentType } from './grpc';
import { concatBytes, grpcMessage, hpackLiterals, testContext } from './test-helpers';

const GRPC_REQ = hpackLiterals([
  [':method', 'POST'],
  [':path', '/pkg.Svc/Method'],
  [':scheme', 'http'],
  [':authority', 'h'],
  ['content-type', 'application/grpc'],
  ['te', 'trailers'],
]);
const GRPC_RESP = hpackLiterals([
  [':status', '200'],
  ['content-type', 'application/grpc+proto'],
]);

function setup() {
  const ctx = testContext();
  const s = new H2Session(ctx, { via: 'preface' });
  let t = 0;
  const fr = (
    dir: Dir,
    typeId: number,
    flags: number,
    streamId: number,
    payload: Uint8Array | number[] = [],
  ) =>
    s.frame({
      dir,
      tS: (t += 0.01),
      typeId,
      flagsRaw: flags,
      streamId,
      length: payload.length,
      packets: [],
      payload: Uint8Array.from(payload),
    });
  return { ctx, s, fr };
}

describe('gRPC', () => {
  it('names and content types', () => {
    expect(grpcStatusName(4)).toBe('DEADLINE_EXCEEDED');
    expect(grpcStatusName(16)).toBe('UNAUTHENTICATED');
    expect(isGrpcContentType('application/grpc')).toBe(true);
    expect(isGrpcContentType('application/grpc+proto')).toBe(true);
    expect(isGrpcContentType('application/grpc-web')).toBe(false);
    expect(isGrpcContentType('application/json')).toBe(false);
  });

  it('counts messages straddling DATA frames and reads trailers', () => {
    const { ctx, fr } = setup();
    fr('c2s', 1, 0x4, 1, GRPC_REQ);
    const reqBytes = concatBytes([grpcMessage(10), grpcMessage(0), grpcMessage(300, true)]);
    // Cut at awkward places: inside the first prefix, inside a body.
    fr('c2s', 0, 0, 1, reqBytes.subarray(0, 3));
    fr('c2s', 0, 0, 1, reqBytes.subarray(3, 40));
    fr('c2s', 0, 0x1, 1, reqBytes.subarray(40));
    fr('s2c', 1, 0x4, 1, GRPC_RESP);
    const resp = grpcMessage(5);
    // Padded DATA: padding must not be scanned as message bytes.
    fr('s2c', 0, 0x8, 1, [3, ...resp, 9, 9, 9]);
    fr(
      's2c',
      1,
      0x5,
      1,
      hpackLiterals([
        ['grpc-status', '5'],
        ['grpc-message', 'not%20found'],
      ]),
    );
    const st = ctx.results.streams[0];
    expect(st.grpc).toMatchObject({
      contentType: 'application/grpc',
      messages: { c2s: 3, s2c: 1 },
      messageBytes: { c2s: 310, s2c: 5 },
      compressedMessages: { c2s: 1, s2c: 0 },
      grpcStatus: 5,
      grpcStatusName: 'NOT_FOUND',
      grpcMessage: 'not found',
      statusFrom: 'trailers',
    });
    expect(st.grpcStatus).toBe(5);
    expect(st.sequence).toBe('H D D D* H D H*');
    expect(ctx.warnings).toEqual([]);
  });

  it('Trailers-Only response', () => {
    const { ctx, fr } = setup();
    fr('c2s', 1, 0x4, 1, GRPC_REQ);
    fr('c2s', 0, 0x1, 1, grpcMessage(2));
    fr(
      's2c',
      1,
      0x5,
      1,
      hpackLiterals([
        [':status', '200'],
        ['content-type', 'application/grpc'],
        ['grpc-status', '12'],
      ]),
    );
    const st = ctx.results.streams[0];
    expect(st.grpc).toMatchObject({
      grpcStatus: 12,
      grpcStatusName: 'UNIMPLEMENTED',
      statusFrom: 'trailers-only',
    });
    expect(st.responseHeaders?.find(([n]) => n === 'grpc-status')?.[1]).toBe('12');
    expect(st.trailers).toBeNull();
    expect(st.state).toBe('closed');
  });

  it('empty DATA + END_STREAM instead of trailers: the facts a detector needs', () => {
    const { ctx, fr, s } = setup();
    fr('c2s', 1, 0x4, 1, GRPC_REQ);
    fr('c2s', 0, 0x1, 1, grpcMessage(2));
    fr('s2c', 1, 0x4, 1, GRPC_RESP);
    fr('s2c', 0, 0, 1, grpcMessage(4));
    fr('s2c', 0, 0x1, 1, []);
    s.finish(1, 'closed');
    const st = ctx.results.streams[0];
    expect(st.sequence).toBe('H D* H D D*');
    const last = st.frames[st.frames.length - 1];
    expect(last).toMatchObject({ type: 'DATA', dir: 's2c', length: 0, flags: ['END_STREAM'] });
    expect(last.info?.dataLength).toBe(0);
    expect(st.frames[2]).toMatchObject({ type: 'HEADERS', flags: ['END_HEADERS'] });
    expect(st.trailers).toBeNull();
    expect(st.grpcStatus).toBeNull();
    expect(st.grpc).toMatchObject({ grpcStatus: null, statusFrom: null, messages: { c2s: 1, s2c: 1 } });
    expect(st.endStream).toEqual({ c2s: true, s2c: true });
    expect(st.state).toBe('closed');
    expect(st.responseEndS).toBe(last.tS);
  });
});
