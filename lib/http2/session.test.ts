import { describe, expect, it } from 'vitest';
import type { Dir } from '../trace';
import { H2Session } from './session';
import { hpackLiterals, settingsPayload, testContext, u32 } from './test-helpers';

const REQ = hpackLiterals([
  [':method', 'POST'],
  [':path', '/p'],
  [':scheme', 'http'],
  [':authority', 'h'],
]);
const RESP = hpackLiterals([[':status', '200']]);

function setup(opts: { midstream?: boolean } = {}) {
  const ctx = testContext();
  const s = new H2Session(ctx, { via: 'preface', ...opts });
  let t = 0;
  const fr = (
    dir: Dir,
    typeId: number,
    flags: number,
    streamId: number,
    payload: number[] | Uint8Array = [],
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
  const kinds = () => s.info.violations.map((v) => v.kind);
  // A handshake both ways, so SETTINGS pairing is clean.
  const handshake = () => {
    fr('c2s', 4, 0, 0);
    fr('s2c', 4, 0, 0);
    fr('c2s', 4, 1, 0);
    fr('s2c', 4, 1, 0);
  };
  return { ctx, s, fr, kinds, handshake, now: () => t };
}

describe('H2Session violations', () => {
  it('a clean exchange has none', () => {
    const { fr, kinds, handshake, s } = setup();
    handshake();
    fr('c2s', 1, 0x4, 1, REQ);
    fr('c2s', 0, 0x1, 1, [1, 2, 3]);
    fr('s2c', 1, 0x4, 1, RESP);
    fr('s2c', 0, 0x1, 1, [1]);
    fr('c2s', 1, 0x5, 3, REQ);
    fr('s2c', 3, 0, 3, u32(8));
    fr('c2s', 7, 0, 0, [...u32(3), ...u32(0)]);
    s.finish(1, 'closed');
    expect(kinds()).toEqual([]);
  });

  it('h2.frame-on-closed-stream: DATA after both sides ended, and after RST beyond the grace', () => {
    const { fr, kinds, handshake, now } = setup();
    handshake();
    fr('c2s', 1, 0x5, 1, REQ);
    fr('s2c', 1, 0x5, 1, RESP);
    fr('s2c', 0, 0, 1, [1]);
    expect(kinds()).toEqual(['h2.frame-on-closed-stream']);
    fr('c2s', 1, 0x4, 3, REQ);
    fr('s2c', 3, 0, 3, u32(8));
    fr('c2s', 0, 0, 3, [1]); // in flight: within the grace after the server's RST
    expect(kinds()).toEqual(['h2.frame-on-closed-stream']);
    const s = setup();
    s.handshake();
    s.fr('c2s', 1, 0x4, 1, REQ);
    s.fr('s2c', 3, 0, 1, u32(8));
    s.fr('s2c', 0, 0, 1, [1]); // the resetter itself keeps sending
    expect(s.kinds()).toEqual(['h2.frame-on-closed-stream']);
    expect(now()).toBeGreaterThan(0);
  });

  it('h2.headers-after-end-stream: a second HEADERS after END_STREAM from the same side', () => {
    const { fr, kinds, handshake } = setup();
    handshake();
    fr('c2s', 1, 0x5, 1, REQ);
    fr('c2s', 1, 0x4, 1, hpackLiterals([['x', 'y']]));
    expect(kinds()).toEqual(['h2.headers-after-end-stream']);
  });

  it('h2.stream-id-regression: lower id and even id from the client', () => {
    const { fr, kinds, handshake } = setup();
    handshake();
    fr('c2s', 1, 0x5, 5, REQ);
    fr('c2s', 1, 0x5, 3, REQ);
    fr('c2s', 1, 0x5, 4, REQ);
    expect(kinds()).toEqual(['h2.stream-id-regression', 'h2.stream-id-regression']);
  });

  it('h2.settings-unacked when the peer keeps sending, not when the capture just ends', () => {
    const a = setup();
    a.fr('c2s', 4, 0, 0);
    a.fr('s2c', 4, 0, 0);
    a.fr('c2s', 4, 1, 0);
    a.fr('s2c', 8, 0, 0, u32(100)); // the server talks but never ACKs
    a.s.finish(1, 'capture-end');
    expect(a.kinds()).toEqual(['h2.settings-unacked']);
    const b = setup();
    b.fr('c2s', 4, 0, 0);
    b.s.finish(1, 'capture-end');
    expect(b.kinds()).toEqual([]);
  });

  it('h2.ping-unacked: PING without an ACK of the same payload', () => {
    const { fr, kinds, handshake, s } = setup();
    handshake();
    fr('c2s', 6, 0, 0, [1, 1, 1, 1, 1, 1, 1, 1]);
    fr('c2s', 6, 0, 0, [2, 2, 2, 2, 2, 2, 2, 2]);
    fr('s2c', 6, 1, 0, [2, 2, 2, 2, 2, 2, 2, 2]);
    s.finish(1, 'closed');
    expect(kinds()).toEqual(['h2.ping-unacked']);
    expect(s.info.violations[0].details?.payload).toBe('0101010101010101');
  });

  it('h2.flow-control-violation: beyond the stream window, honouring SETTINGS and WINDOW_UPDATE', () => {
    const { fr, kinds, handshake, s } = setup();
    fr('c2s', 4, 0, 0, settingsPayload([[4, 10]])); // client allows 10 bytes per stream
    handshake();
    fr('c2s', 1, 0x5, 1, REQ);
    fr('s2c', 1, 0x4, 1, RESP);
    fr('s2c', 0, 0, 1, new Array(10).fill(0));
    expect(kinds()).toEqual([]);
    fr('c2s', 8, 0, 1, u32(5));
    fr('s2c', 0, 0, 1, new Array(5).fill(0));
    expect(kinds()).toEqual([]);
    fr('s2c', 0, 0x9, 1, [0, 7]); // 2 bytes (padding counts) over a 0 window
    expect(kinds()).toEqual(['h2.flow-control-violation']);
    expect(s.info.violations[0].details).toMatchObject({ scope: 'stream', excess: 2 });
    fr('c2s', 8, 0, 0, u32(0));
    expect(kinds()).toEqual(['h2.flow-control-violation', 'h2.flow-control-violation']);
  });

  it('h2.flow-control-violation on the connection window (65535 regardless of SETTINGS)', () => {
    const { fr, kinds } = setup();
    fr('c2s', 4, 0, 0, settingsPayload([[4, 1 << 20]]));
    fr('s2c', 4, 1, 0);
    fr('c2s', 1, 0x5, 1, REQ);
    fr('s2c', 1, 0x4, 1, RESP);
    for (let i = 0; i < 4; i++) fr('s2c', 0, 0, 1, new Uint8Array(16384));
    expect(kinds()).toEqual(['h2.flow-control-violation']);
  });

  it('h2.goaway-then-new-stream', () => {
    const { fr, kinds, handshake } = setup();
    handshake();
    fr('c2s', 1, 0x5, 1, REQ);
    fr('s2c', 7, 0, 0, [...u32(1), ...u32(0)]);
    fr('c2s', 1, 0x5, 3, REQ);
    expect(kinds()).toEqual(['h2.goaway-then-new-stream']);
  });

  it('h2.continuation-interleaved: another frame from the same side inside a header block', () => {
    const { fr, kinds, handshake } = setup();
    handshake();
    fr('c2s', 1, 0x0, 1, REQ.subarray(0, 4));
    fr('s2c', 8, 0, 0, u32(1)); // the other direction may interleave
    fr('c2s', 0, 0, 1, [1]);
    expect(kinds()).toEqual(['h2.continuation-interleaved']);
    fr('c2s', 9, 0x4, 3, [0x82]);
    expect(kinds()).toEqual(['h2.continuation-interleaved', 'h2.continuation-interleaved']);
  });

  it('decreasing SETTINGS_INITIAL_WINDOW_SIZE applies to open streams once acknowledged', () => {
    const { fr, kinds, handshake } = setup();
    handshake();
    fr('c2s', 1, 0x5, 1, REQ);
    fr('s2c', 1, 0x4, 1, RESP);
    fr('s2c', 0, 0, 1, new Uint8Array(100));
    fr('c2s', 4, 0, 0, settingsPayload([[4, 50]]));
    fr('s2c', 4, 1, 0);
    // window was 65535-100; now 50-100 = -50: any DATA is over.
    fr('s2c', 0, 0, 1, [1]);
    expect(kinds()).toEqual(['h2.flow-control-violation']);
  });
});

describe('H2Session stream model', () => {
  it('log input: headers given, no payloads', () => {
    const ctx = testContext();
    const s = new H2Session(ctx, { via: 'log' });
    s.frame({
      dir: 'c2s',
      tS: 1,
      typeId: 1,
      flagsRaw: 5,
      streamId: 1,
      length: 20,
      packets: [],
      line: 3,
      headers: [
        [':method', 'GET'],
        [':path', '/a'],
      ],
    });
    s.frame({
      dir: 's2c',
      tS: 2,
      typeId: 1,
      flagsRaw: 4,
      streamId: 1,
      length: 10,
      packets: [],
      line: 4,
      headers: [[':status', '404']],
    });
    s.frame({ dir: 's2c', tS: 3, typeId: 0, flagsRaw: 1, streamId: 1, length: 7, packets: [], line: 5 });
    s.frame({
      dir: 's2c',
      tS: 4,
      typeId: 3,
      flagsRaw: 0,
      streamId: 1,
      length: 4,
      packets: [],
      info: { errorCode: 8, errorName: 'CANCEL' },
    });
    const st = ctx.results.streams[0];
    expect(st).toMatchObject({
      method: 'GET',
      path: '/a',
      status: 404,
      responseS: 2,
      responseEndS: 3,
      sequence: 'H* H D* R',
      dataBytes: { c2s: 0, s2c: 7 },
    });
    expect(st.reset).toEqual({ by: 's2c', errorCode: 8, errorName: 'CANCEL', frame: 4 });
    expect(st.frames[0].line).toBe(3);
  });

  it('1xx then final response, trailers', () => {
    const { fr, handshake, ctx } = setup();
    handshake();
    fr('c2s', 1, 0x5, 1, REQ);
    fr('s2c', 1, 0x4, 1, hpackLiterals([[':status', '100']]));
    fr('s2c', 1, 0x4, 1, RESP);
    fr('s2c', 1, 0x5, 1, hpackLiterals([['x-trailer', 'v']]));
    const st = ctx.results.streams[0];
    expect(st.status).toBe(200);
    expect(st.trailers).toEqual([['x-trailer', 'v']]);
  });

  it('PUSH_PROMISE reserves the promised stream with the promised request', () => {
    const { fr, handshake, ctx, kinds } = setup();
    handshake();
    fr('c2s', 1, 0x5, 1, REQ);
    fr('s2c', 5, 0x4, 1, [
      ...u32(2),
      ...hpackLiterals([
        [':method', 'GET'],
        [':path', '/style.css'],
      ]),
    ]);
    const p = ctx.results.streams.find((s) => s.id === 2);
    expect(p).toMatchObject({ state: 'reserved', path: '/style.css' });
    fr('s2c', 1, 0x4, 2, RESP);
    fr('s2c', 0, 0x1, 2, [1]);
    expect(p?.state).toBe('closed');
    expect(kinds()).toEqual([]);
  });
});
