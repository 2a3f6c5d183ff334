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

function setup(opts: { midstream?: boolean; bytes?: boolean } = {}) {
  const ctx = testContext();
  const s = new H2Session(ctx, { via: 'preface', midstream: opts.midstream });
  let t = 0;
  // Stream offsets as the byte parser gives them (bytes: true), so TCP acknowledgments can match.
  const off: Record<Dir, number> = { c2s: 24, s2c: 0 };
  const fr = (
    dir: Dir,
    typeId: number,
    flags: number,
    streamId: number,
    payload: number[] | Uint8Array = [],
  ) => {
    off[dir] += 9 + payload.length;
    return s.frame({
      dir,
      tS: (t += 0.01),
      typeId,
      flagsRaw: flags,
      streamId,
      length: payload.length,
      packets: [],
      payload: Uint8Array.from(payload),
      ...(opts.bytes ? { endOffset: off[dir] } : {}),
    });
  };
  /** The other side's TCP acknowledges everything `dir` sent so far. */
  const ack = (dir: Dir) => s.acked(dir, off[dir], 99, (t += 0.0001));
  const wait = (d: number) => (t += d);
  const kinds = () => {
    s.settle();
    return s.info.violations.map((v) => v.kind);
  };
  // A handshake both ways, so SETTINGS pairing is clean.
  const handshake = () => {
    fr('c2s', 4, 0, 0);
    fr('s2c', 4, 0, 0);
    fr('c2s', 4, 1, 0);
    fr('s2c', 4, 1, 0);
  };
  return { ctx, s, fr, kinds, handshake, ack, wait, now: () => t };
}

describe('H2Session violations', () => {
  it('h2.frame-on-wrong-stream: RST_STREAM or DATA on stream 0, SETTINGS or PING on a stream', () => {
    const { fr, kinds, handshake } = setup();
    handshake();
    fr('c2s', 3, 0, 0, u32(0)); // RST_STREAM(NO_ERROR) on stream 0, as HAProxy 2.6 sent it
    expect(kinds()).toEqual(['h2.frame-on-wrong-stream']);
    fr('s2c', 6, 0, 3, [0, 0, 0, 0, 0, 0, 0, 1]); // PING on stream 3
    fr('c2s', 0, 0, 0, [1, 2]); // DATA on stream 0
    expect(kinds()).toEqual([
      'h2.frame-on-wrong-stream',
      'h2.frame-on-wrong-stream',
      'h2.frame-on-wrong-stream',
    ]);
  });

  it('connection-level frames on stream 0 and stream frames on streams are fine', () => {
    const { fr, kinds, handshake } = setup();
    handshake();
    fr('c2s', 6, 0, 0, [0, 0, 0, 0, 0, 0, 0, 1]);
    fr('s2c', 6, 1, 0, [0, 0, 0, 0, 0, 0, 0, 1]);
    fr('c2s', 1, 4 | 1, 1, REQ);
    fr('s2c', 1, 4 | 1, 1, RESP);
    expect(kinds()).toEqual([]);
  });

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

  it('h2.data-after-end-stream: DATA from a side that had ended the stream (closed both ways or not)', () => {
    const { fr, kinds, handshake } = setup();
    handshake();
    fr('c2s', 1, 0x5, 1, REQ);
    fr('s2c', 1, 0x5, 1, RESP);
    fr('s2c', 0, 0, 1, [1]);
    fr('s2c', 0, 0, 1, [1]); // one finding per stream and rule, not per frame
    expect(kinds()).toEqual(['h2.frame-on-closed-stream']);
    fr('c2s', 1, 0x5, 3, REQ);
    fr('c2s', 0, 0, 3, [1]);
    expect(kinds()).toEqual(['h2.frame-on-closed-stream', 'h2.frame-on-closed-stream']);
  });

  it('h2.frame-on-closed-stream: the resetter itself keeps sending (certain at once)', () => {
    const s = setup();
    s.handshake();
    s.fr('c2s', 1, 0x4, 1, REQ);
    s.fr('s2c', 3, 0, 1, u32(8));
    s.fr('s2c', 0, 0, 1, [1]);
    expect(s.kinds()).toEqual(['h2.frame-on-closed-stream']);
    expect(s.s.info.violations[0].details).toMatchObject({ reset: 'self' });
  });

  it('RST_STREAM CANCEL: frames the server sends, however late after its TCP ACK, are not violations until it provably read it', () => {
    const { fr, kinds, handshake, ack, wait, s } = setup({ bytes: true });
    handshake();
    fr('c2s', 1, 0x5, 1, REQ);
    fr('s2c', 1, 0x4, 1, RESP);
    fr('c2s', 3, 0, 1, u32(8)); // client cancels stream 1
    wait(0.07); // the server's DATA was on the wire: it arrives 70 ms later
    fr('s2c', 0, 0, 1, new Uint8Array(100));
    ack('c2s'); // the server's TCP has the RST_STREAM now...
    wait(0.5); // ...but its event loop lags: it writes what its timers produce before reading it
    fr('s2c', 0, 0, 1, new Uint8Array(100));
    fr('s2c', 0, 0, 1, new Uint8Array(100));
    expect(kinds()).toEqual([]);
    fr('c2s', 6, 0, 0, [7, 7, 7, 7, 7, 7, 7, 7]); // a PING after the RST_STREAM
    fr('s2c', 0, 0, 1, new Uint8Array(100)); // still before it read the PING: may be unread
    expect(kinds()).toEqual([]);
    fr('s2c', 6, 1, 0, [7, 7, 7, 7, 7, 7, 7, 7]); // its answer: it has read the RST_STREAM
    fr('s2c', 0, 0, 1, new Uint8Array(100));
    fr('s2c', 0, 0x1, 1, new Uint8Array(100)); // one finding per stream
    expect(kinds()).toEqual(['h2.frame-on-closed-stream']);
    const m = s.info.violations[0].message;
    expect(m).toMatch(/its PING ACK \(frame \d+\)/);
    expect(m).toMatch(/TCP had acknowledged the frame in packet 99/);
    expect(s.info.violations[0].details).toMatchObject({ reset: 'peer' });
  });

  it('a response on a stream opened after the RST_STREAM also proves the peer had read it', () => {
    const { fr, kinds, handshake } = setup(); // a debug log: no TCP at all
    handshake();
    fr('c2s', 1, 0x5, 1, REQ);
    fr('s2c', 1, 0x4, 1, RESP);
    fr('c2s', 3, 0, 1, u32(8));
    fr('s2c', 0, 0, 1, [1]);
    fr('c2s', 1, 0x5, 3, REQ); // a new request after the cancel
    fr('s2c', 0, 0, 1, [1]);
    expect(kinds()).toEqual([]);
    fr('s2c', 1, 0x4, 3, RESP); // the server read stream 3's HEADERS, so the RST_STREAM before it
    fr('s2c', 0, 0, 1, [1]);
    expect(kinds()).toEqual(['h2.frame-on-closed-stream']);
  });

  it('PRIORITY on a later id proves nothing (it may name streams nobody opened)', () => {
    const { fr, kinds, handshake } = setup();
    handshake();
    fr('c2s', 1, 0x5, 1, REQ);
    fr('c2s', 3, 0, 1, u32(8));
    fr('c2s', 1, 0x5, 3, REQ);
    fr('s2c', 2, 0, 3, [0, 0, 0, 0, 16]);
    fr('s2c', 1, 0x4, 1, RESP);
    expect(kinds()).toEqual([]);
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

  it('h2.settings-unacked when the peer keeps sending after it provably read it, not when the capture just ends', () => {
    const a = setup({ bytes: true });
    a.fr('c2s', 4, 0, 0);
    a.fr('s2c', 4, 0, 0);
    a.fr('c2s', 4, 1, 0);
    a.ack('c2s');
    a.wait(0.5);
    a.fr('s2c', 8, 0, 0, u32(100)); // long after its TCP had it, but it may not have read it yet
    a.fr('c2s', 1, 0x5, 1, REQ);
    a.fr('s2c', 1, 0x4, 1, RESP); // it read the request sent after the SETTINGS: so the SETTINGS
    a.fr('s2c', 0, 0x1, 1, [1]); // and it talks on without an ACK
    a.s.finish(1, 'capture-end');
    expect(a.kinds()).toEqual(['h2.settings-unacked']);
    expect(a.s.info.violations[0].message).toMatch(/although it sent 1 frame after it had it/);
    const b = setup();
    b.fr('c2s', 4, 0, 0);
    b.s.finish(1, 'capture-end');
    expect(b.kinds()).toEqual([]);
    // The peer closes right after (its queued frames and a GOAWAY): it was closing, not ignoring.
    const c = setup({ bytes: true });
    c.fr('s2c', 4, 0, 0);
    c.fr('c2s', 4, 0, 0);
    c.fr('c2s', 0, 0, 1, [1]);
    c.ack('s2c');
    c.fr('c2s', 0, 0, 1, [1]);
    c.fr('c2s', 7, 0, 0, [...u32(0), ...u32(2)]);
    c.s.finish(c.now() + 0.001, 'closed');
    expect(c.kinds()).toEqual([]);
  });

  it('h2.ping-unacked: PING without an ACK of the same payload', () => {
    const { fr, kinds, handshake, s } = setup();
    handshake();
    fr('c2s', 6, 0, 0, [1, 1, 1, 1, 1, 1, 1, 1]);
    fr('c2s', 6, 0, 0, [2, 2, 2, 2, 2, 2, 2, 2]);
    fr('s2c', 6, 1, 0, [2, 2, 2, 2, 2, 2, 2, 2]);
    s.finish(2, 'closed'); // open for another 2 s without an answer
    expect(kinds()).toEqual(['h2.ping-unacked']);
    // It answered the later PING, so it had read this one: a certain miss.
    expect(s.info.violations[0].message).toMatch(/although it sent 1 frame after it had it/);
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

  it('h2.goaway-then-new-stream: only streams opened after the client provably read the GOAWAY', () => {
    const { fr, kinds, handshake, ack, wait, s } = setup({ bytes: true });
    handshake();
    fr('c2s', 1, 0x5, 1, REQ);
    // grpc-go's graceful shutdown: GOAWAY, then a PING whose ACK shows the client has the GOAWAY.
    fr('s2c', 7, 0, 0, [...u32(1), ...u32(0)]);
    fr('s2c', 6, 0, 0, [9, 9, 9, 9, 9, 9, 9, 9]);
    ack('s2c');
    fr('c2s', 1, 0x5, 3, REQ); // crossed the GOAWAY (or was written before it was read): allowed
    wait(1);
    fr('c2s', 1, 0x5, 5, REQ); // a second later, still no proof: not reported
    expect(kinds()).toEqual([]);
    fr('c2s', 6, 1, 0, [9, 9, 9, 9, 9, 9, 9, 9]);
    fr('c2s', 1, 0x5, 7, REQ);
    expect(kinds()).toEqual(['h2.goaway-then-new-stream']);
    expect(s.info.violations[0].message).toMatch(/opened stream 7 .*PING ACK/);
  });

  it('h2.goaway-stream-answered: the GOAWAY sender answers a stream above its last-stream-id', () => {
    const { fr, kinds, handshake, s } = setup({ bytes: true });
    handshake();
    fr('c2s', 1, 0x5, 1, REQ);
    fr('c2s', 1, 0x5, 3, REQ);
    fr('s2c', 7, 0, 0, [...u32(0x7fffffff), ...u32(0)]); // graceful first phase: everything processed
    fr('s2c', 1, 0x4, 3, RESP);
    expect(kinds()).toEqual([]);
    fr('s2c', 7, 0, 0, [...u32(1), ...u32(0)]);
    fr('s2c', 1, 0x5, 1, RESP); // stream 1 is at or below last-stream-id: fine
    fr('s2c', 0, 0x1, 3, [1, 2, 3]); // stream 3 is above it
    fr('s2c', 0, 0x1, 3, [1]);
    expect(kinds()).toEqual(['h2.goaway-then-new-stream', 'h2.frame-on-closed-stream']);
    expect(s.info.violations[0].details).toMatchObject({ lastStreamId: 1 });
    // A stream the GOAWAY sender opened itself (push) is not the peer's to retry.
    const b = setup({ bytes: true });
    b.handshake();
    b.fr('c2s', 1, 0x5, 1, REQ);
    b.fr('s2c', 5, 0x4, 1, [...u32(2), ...REQ]);
    b.fr('s2c', 7, 0, 0, [...u32(1), ...u32(0)]);
    b.fr('s2c', 1, 0x4, 2, RESP);
    expect(b.kinds()).toEqual([]);
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

  it('SETTINGS_INITIAL_WINDOW_SIZE in force once the DATA sender acknowledged it; before, either value', () => {
    const { fr, kinds, s } = setup({ bytes: true });
    // The client's preface SETTINGS allows 1000 bytes per stream; its request crosses the ACK.
    fr('c2s', 4, 0, 0, settingsPayload([[4, 1000]]));
    fr('c2s', 1, 0x5, 1, REQ);
    fr('s2c', 4, 0, 0);
    fr('s2c', 1, 0x4, 1, RESP);
    fr('s2c', 0, 0, 1, new Uint8Array(5000)); // before its ACK the server may use 65535
    expect(kinds()).toEqual([]);
    fr('s2c', 4, 1, 0); // now it must obey 1000: stream 1 is at 1000-5000 = -4000
    fr('c2s', 4, 1, 0);
    fr('c2s', 1, 0x5, 3, REQ);
    fr('s2c', 1, 0x4, 3, RESP);
    fr('s2c', 0, 0, 3, new Uint8Array(1000));
    expect(kinds()).toEqual([]);
    fr('s2c', 0, 0x1, 3, new Uint8Array(16)); // a new stream starts at 1000: 16 over
    expect(kinds()).toEqual(['h2.flow-control-violation']);
    expect(s.info.violations[0].details).toMatchObject({ scope: 'stream', excess: 16, by: 's2c' });
    expect(s.info.violations[0].message).toMatch(/SETTINGS_INITIAL_WINDOW_SIZE in force: 1000/);
    fr('s2c', 0, 0x1, 1, [1]); // stream 1 is still negative after the shift
    expect(kinds()).toEqual(['h2.flow-control-violation', 'h2.flow-control-violation']);
  });

  it('flow control both ways; WINDOW_UPDATE overflow and SETTINGS raise overflow', () => {
    const { fr, kinds, handshake, s } = setup();
    handshake();
    fr('c2s', 1, 0x4, 1, REQ);
    fr('s2c', 1, 0x4, 1, RESP);
    for (let i = 0; i < 3; i++) fr('c2s', 0, 0, 1, new Uint8Array(16384));
    fr('s2c', 8, 0, 1, u32(16384)); // stream credit only: the connection window is still short
    fr('c2s', 0, 0, 1, new Uint8Array(16383)); // exactly the connection's 65535
    expect(kinds()).toEqual([]);
    fr('c2s', 0, 0, 1, [1]);
    expect(kinds()).toEqual(['h2.flow-control-violation']);
    expect(s.info.violations[0].details).toMatchObject({ scope: 'connection', by: 'c2s', excess: 1 });
    fr('c2s', 8, 0, 0, u32(0x7fffffff));
    expect(kinds()).toEqual(['h2.flow-control-violation', 'h2.flow-control-violation']);
    fr('c2s', 4, 0, 0, settingsPayload([[4, 0x7fffffff]])); // stream 1's server window: 65535 + (2^31-1 - 65535) fits
    fr('c2s', 8, 0, 1, u32(10)); // ...but not 10 more
    expect(kinds().length).toBe(3);
  });

  it('an overrun whose packet also reveals a receiver segment the capture lost is not reported', () => {
    // The server's packet carries DATA relying on a WINDOW_UPDATE the capture missed, and the ACK
    // that shows the client sent it: TCP reports the hole right after the DATA, at the same time.
    const ctx = testContext();
    const s = new H2Session(ctx, { via: 'preface' });
    const f = (dir: Dir, tS: number, typeId: number, flags: number, id: number, p: Uint8Array | number[]) =>
      s.frame({
        dir,
        tS,
        typeId,
        flagsRaw: flags,
        streamId: id,
        length: p.length,
        packets: [],
        payload: Uint8Array.from(p),
      });
    f('c2s', 0.01, 1, 0x5, 1, REQ);
    f('s2c', 0.02, 1, 0x4, 1, RESP);
    for (let i = 0; i < 4; i++) f('s2c', 0.03, 0, 0, 1, new Uint8Array(16383));
    f('s2c', 0.05, 0, 0, 1, new Uint8Array(100)); // 32 over: relies on the lost WINDOW_UPDATE
    s.noteGap('c2s', null);
    f('s2c', 0.06, 0, 0x1, 1, new Uint8Array(10));
    s.finish(0.1, 'closed');
    expect(s.info.violations).toEqual([]);
  });

  it('windows and frame sizes are not judged where the receiver SETTINGS/WINDOW_UPDATEs cannot all be seen', () => {
    // A capture that began mid-connection: earlier WINDOW_UPDATEs and SETTINGS are unknown.
    const m = setup({ midstream: true });
    m.fr('c2s', 1, 0x5, 1, REQ);
    for (let i = 0; i < 5; i++) m.fr('s2c', 0, 0, 1, new Uint8Array(20000));
    m.s.finish(1, 'capture-end');
    expect(m.kinds()).toEqual([]);
    // Only the client's direction was captured: the server's SETTINGS and credits are missing.
    const o = setup();
    o.fr('c2s', 4, 0, 0);
    o.fr('c2s', 1, 0x4, 1, REQ);
    for (let i = 0; i < 5; i++) o.fr('c2s', 0, 0, 1, new Uint8Array(16384));
    o.s.finish(1, 'capture-end');
    expect(o.kinds()).toEqual([]);
    // The same with the server seen: the client overran the default windows.
    const b = setup();
    b.fr('c2s', 4, 0, 0);
    b.fr('s2c', 4, 0, 0);
    b.fr('c2s', 1, 0x4, 1, REQ);
    for (let i = 0; i < 5; i++) b.fr('c2s', 0, 0, 1, new Uint8Array(16384));
    b.s.finish(1, 'capture-end');
    expect(b.kinds()).toEqual(['h2.flow-control-violation', 'h2.flow-control-violation']);
  });

  it('a capture gap in the receiver direction: its lost WINDOW_UPDATEs make windows unknown', () => {
    const { fr, kinds, handshake, s } = setup();
    handshake();
    fr('c2s', 1, 0x5, 1, REQ);
    fr('s2c', 1, 0x4, 1, RESP);
    s.noteGap('c2s', null);
    for (let i = 0; i < 6; i++) fr('s2c', 0, 0, 1, new Uint8Array(16384));
    s.finish(1, 'closed');
    expect(kinds()).toEqual([]);
    expect(s.stream(1)?.captureGap).toBe(true);
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
