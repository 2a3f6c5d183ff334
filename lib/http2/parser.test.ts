import { describe, expect, it } from 'vitest';
import type { Dir, H2Frame } from '../trace';
import { H2ByteParser } from './parser';
import {
  PREFACE_BYTES,
  concatBytes,
  frameBytes,
  hpackLiterals,
  settingsPayload,
  testContext,
  u32,
} from './test-helpers';

type Chunk = { dir: Dir; bytes: Uint8Array };

/** Feeds each chunk, split into pieces of `split` bytes (0 = whole), one packet per piece. */
function feed(
  chunks: Chunk[],
  split = 0,
  via: 'preface' | 'upgrade' | 'midstream' = 'preface',
  upgradeRequest?: [string, string][],
) {
  const ctx = testContext();
  const p = new H2ByteParser(ctx, { via, upgradeRequest });
  const off: Record<Dir, number> = { c2s: 0, s2c: 0 };
  let packet = 0;
  let t = 0;
  for (const c of chunks) {
    const step = split || c.bytes.length;
    for (let i = 0; i < c.bytes.length; i += step) {
      const piece = c.bytes.slice(i, i + step);
      p.data(c.dir, piece, off[c.dir], ++packet, (t += 0.001));
      off[c.dir] += piece.length;
    }
  }
  p.end('c2s', 'fin', t);
  p.end('s2c', 'fin', t);
  return { ctx, parser: p, session: p.session };
}

function allFrames(ctx: ReturnType<typeof testContext>): H2Frame[] {
  const fs = [...ctx.results.h2.flatMap((h) => h.frames), ...ctx.results.streams.flatMap((s) => s.frames)];
  return fs.sort((a, b) => a.number - b.number);
}

const REQ = hpackLiterals([
  [':method', 'GET'],
  [':path', '/x'],
  [':scheme', 'http'],
  [':authority', 'example'],
]);
const RESP = hpackLiterals([
  [':status', '200'],
  ['content-type', 'text/plain'],
]);

function cleanExchange(): Chunk[] {
  return [
    { dir: 'c2s', bytes: concatBytes([PREFACE_BYTES, frameBytes(4, 0, 0, settingsPayload([[3, 100]]))]) },
    {
      dir: 's2c',
      bytes: concatBytes([frameBytes(4, 0, 0, settingsPayload([[4, 1 << 20]])), frameBytes(4, 1, 0)]),
    },
    {
      dir: 'c2s',
      bytes: concatBytes([
        frameBytes(4, 1, 0),
        frameBytes(1, 0x5, 1, REQ),
        frameBytes(6, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]),
      ]),
    },
    {
      dir: 's2c',
      bytes: concatBytes([
        frameBytes(6, 1, 0, [1, 2, 3, 4, 5, 6, 7, 8]),
        frameBytes(1, 0x4, 1, RESP),
        frameBytes(0, 0, 1, new Uint8Array(100)),
        frameBytes(0, 0x9, 1, Uint8Array.from([4, 1, 2, 3, 0, 0, 0, 0])),
      ]),
    },
  ];
}

describe('H2ByteParser', () => {
  it('parses a clean exchange with no violations', () => {
    const { ctx, session } = feed(cleanExchange());
    expect(session.info.prefaceSeen).toBe(true);
    expect(session.info.violations).toEqual([]);
    const s = ctx.results.streams[0];
    expect(s).toMatchObject({
      id: 1,
      method: 'GET',
      path: '/x',
      authority: 'example',
      status: 200,
      state: 'closed',
      sequence: 'H* H D D*',
    });
    expect(s.dataBytes).toEqual({ c2s: 0, s2c: 103 });
    expect(s.endStream).toEqual({ c2s: true, s2c: true });
    expect(s.frames[3].info).toMatchObject({ padLength: 4, dataLength: 3 });
    expect(session.info.settings.s2c).toEqual({ INITIAL_WINDOW_SIZE: 1 << 20 });
    expect(ctx.warnings).toEqual([]);
  });

  it('gives the same frames split 1 byte at a time as whole, with first/last packets', () => {
    const whole = allFrames(feed(cleanExchange()).ctx);
    const { ctx } = feed(cleanExchange(), 1);
    const bytewise = allFrames(ctx);
    const strip = (f: H2Frame) => ({ ...f, packets: undefined, tS: undefined });
    expect(bytewise.map(strip)).toEqual(whole.map(strip));
    // A 100-byte DATA frame sent 1 byte per packet spans 109 packets: first and last are kept.
    const data = bytewise.find((f) => f.type === 'DATA' && f.length === 100);
    expect(data?.packets.length).toBe(2);
    expect((data?.packets[1] ?? 0) - (data?.packets[0] ?? 0)).toBe(108);
    expect(whole.find((f) => f.type === 'DATA')?.packets.length).toBe(1);
  });

  it('skipped DATA bodies (split across packets) give the same facts as whole ones, bad padding too', () => {
    const chunks = cleanExchange();
    // Pad length 200 in a 6-byte padded DATA frame: padding exceeds the payload.
    chunks.push({ dir: 's2c', bytes: frameBytes(0, 0x8, 1, Uint8Array.from([200, 1, 2, 3, 4, 5])) });
    const whole = feed(chunks);
    const split = feed(chunks, 3);
    const facts = (r: ReturnType<typeof feed>) =>
      allFrames(r.ctx)
        .filter((f) => f.type === 'DATA')
        .map((f) => ({ length: f.length, info: f.info }));
    expect(facts(split)).toEqual(facts(whole));
    expect(facts(whole).at(-1)?.info).toEqual({ padLength: 200, error: 'padding (200) exceeds payload' });
    expect(split.ctx.results.streams[0].dataBytes).toEqual(whole.ctx.results.streams[0].dataBytes);
  });

  it('assembles HEADERS + CONTINUATION and attaches headers to the completing frame', () => {
    const block = REQ;
    const chunks: Chunk[] = [
      {
        dir: 'c2s',
        bytes: concatBytes([
          PREFACE_BYTES,
          frameBytes(4, 0, 0),
          frameBytes(1, 0x1, 1, block.subarray(0, 5)),
          frameBytes(9, 0, 1, block.subarray(5, 12)),
          frameBytes(9, 0x4, 1, block.subarray(12)),
        ]),
      },
    ];
    for (const split of [0, 1, 7]) {
      const { ctx, session } = feed(chunks, split);
      const s = ctx.results.streams[0];
      expect(s.frames.map((f) => f.type)).toEqual(['HEADERS', 'CONTINUATION', 'CONTINUATION']);
      expect(s.frames[0].headers).toBeUndefined();
      expect(s.frames[2].headers?.[1]).toEqual([':path', '/x']);
      expect(s.method).toBe('GET');
      expect(s.endStream.c2s).toBe(true);
      expect(s.sequence).toBe('H* C C');
      // The server never answered at all, and the connection closed milliseconds later: its
      // missing SETTINGS ACK proves nothing (it may not have read the SETTINGS yet).
      expect(session.info.violations.map((v) => v.kind)).toEqual([]);
    }
  });

  it('reports a truncated HPACK block and an index beyond the table, then marks the decoder broken', () => {
    const { ctx, session } = feed([
      {
        dir: 'c2s',
        bytes: concatBytes([
          PREFACE_BYTES,
          frameBytes(4, 0, 0),
          frameBytes(1, 0x5, 1, REQ.subarray(0, REQ.length - 3)),
          frameBytes(1, 0x5, 3, REQ),
        ]),
      },
      { dir: 's2c', bytes: frameBytes(1, 0x5, 1, Uint8Array.from([0x88, 0xc0])) },
    ]);
    const [s1, s3] = ctx.results.streams;
    expect(s1.frames[0].info?.error).toMatch(/HPACK: truncated string/);
    expect(s3.frames[0].info?.error).toMatch(/state lost/);
    expect(s3.method).toBeNull();
    expect(s1.frames[1].info?.error).toMatch(/index 64 beyond table/);
    expect(ctx.warnings.length).toBe(3);
    // Closed milliseconds after the client's SETTINGS: an unanswered SETTINGS is not certain.
    expect(session.info.violations.map((v) => v.kind)).toEqual([]);
  });

  it('records frame-size errors and keeps parsing by length', () => {
    const { ctx, session } = feed([
      {
        dir: 'c2s',
        bytes: concatBytes([
          PREFACE_BYTES,
          frameBytes(4, 0, 0),
          frameBytes(6, 0, 0, [1, 2, 3]),
          frameBytes(0, 0, 1, new Uint8Array(20000)),
          frameBytes(4, 1, 0),
        ]),
      },
      // The server's SETTINGS (no MAX_FRAME_SIZE): without any server frame the limit would be
      // unknown (a one-direction capture) and the oversized DATA not judged.
      { dir: 's2c', bytes: concatBytes([frameBytes(4, 0, 0), frameBytes(4, 1, 0)]) },
    ]);
    const kinds = session.info.violations.map((v) => v.kind);
    expect(kinds).toContain('h2.frame-size-error');
    expect(kinds.filter((k) => k === 'h2.frame-size-error').length).toBe(2);
    expect(allFrames(ctx).map((f) => `${f.dir} ${f.type}`)).toEqual([
      'c2s SETTINGS',
      'c2s PING',
      'c2s DATA',
      'c2s SETTINGS',
      's2c SETTINGS',
      's2c SETTINGS',
    ]);
  });

  it('stops a direction at an implausible frame header', () => {
    const ctx = testContext();
    const p = new H2ByteParser(ctx, { via: 'preface' });
    p.data('c2s', concatBytes([PREFACE_BYTES, frameBytes(4, 0, 0)]), 0, 1, 0);
    p.data('s2c', Uint8Array.from([0xff, 0xff, 0xff, 0xee, 0, 0, 0, 0, 0]), 0, 3, 0.3);
    p.data('s2c', frameBytes(4, 0, 0), 9, 4, 0.4);
    expect(allFrames(ctx).length).toBe(1);
    expect(ctx.warnings.join('\n')).toMatch(/implausible/);
  });

  it('a gap inside a DATA payload keeps the frame boundary: the frame is kept, HPACK stays in sync', () => {
    const ctx = testContext();
    const p = new H2ByteParser(ctx, { via: 'preface' });
    // Literal with incremental indexing: the server's table gets an entry a later block refers to.
    const indexed = Uint8Array.from([0x88, 0x40, 1, 0x78, 1, 0x79]); // :status 200, x: y (indexed)
    const c2s = concatBytes([
      PREFACE_BYTES,
      frameBytes(4, 0, 0),
      frameBytes(4, 1, 0),
      frameBytes(1, 0x5, 1, REQ),
      frameBytes(1, 0x5, 3, REQ),
    ]);
    p.data('c2s', c2s, 0, 1, 0.001);
    const s2c = concatBytes([
      frameBytes(4, 0, 0),
      frameBytes(4, 1, 0),
      frameBytes(1, 0x4, 1, indexed),
      frameBytes(0, 0x1, 1, new Uint8Array(1000)),
      frameBytes(1, 0x4, 3, Uint8Array.from([0x88, 0xbe])), // :status 200, dynamic index 62 = x: y
    ]);
    const dataAt = 9 + 9 + 9 + indexed.length + 9; // first DATA payload byte
    p.data('s2c', s2c.subarray(0, dataAt + 100), 0, 2, 0.002);
    p.gap('s2c', dataAt + 100, 500, 0.003);
    p.data('s2c', s2c.subarray(dataAt + 600), dataAt + 600, 3, 0.004);
    p.end('c2s', 'capture-end', 0.005);
    p.end('s2c', 'capture-end', 0.005);
    const s1 = p.session.stream(1);
    const s3 = p.session.stream(3);
    expect(s1?.endStream.s2c).toBe(true);
    expect(s1?.dataBytes.s2c).toBe(1000);
    expect(s1?.captureGap).toBe(true);
    expect(s3?.responseHeaders).toEqual([
      [':status', '200'],
      ['x', 'y'],
    ]);
    expect(s3?.captureGap).toBeUndefined();
    expect(p.session.info.violations.map((v) => v.message)).toEqual([]);
  });

  it('a gap across frame boundaries: parsing resumes at the next header chain that validates', () => {
    const ctx = testContext();
    const p = new H2ByteParser(ctx, { via: 'preface' });
    const c2s = concatBytes([
      PREFACE_BYTES,
      frameBytes(4, 0, 0),
      frameBytes(4, 1, 0),
      frameBytes(1, 0x5, 1, REQ),
      frameBytes(1, 0x5, 3, REQ),
      frameBytes(1, 0x5, 5, REQ),
    ]);
    p.data('c2s', c2s, 0, 1, 0.001);
    // Server: SETTINGS, stream 1 answered, [lost: stream 3's HEADERS and half a DATA],
    // then bytes that look like a header once (a gRPC-ish prefix) but not twice, then real frames.
    const head = concatBytes([frameBytes(4, 0, 0), frameBytes(4, 1, 0), frameBytes(1, 0x5, 1, RESP)]);
    const lost = concatBytes([frameBytes(1, 0x4, 3, RESP), frameBytes(0, 0, 3, new Uint8Array(40))]);
    const tailOfData = Uint8Array.from([0, 0, 4, 8, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff]); // 12 bytes of DATA body
    const after = concatBytes([
      frameBytes(0, 0x1, 3, new Uint8Array(20)),
      frameBytes(6, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]),
      // :status 200 (static), then dynamic index 62: an entry inserted before the gap, now unknown.
      frameBytes(1, 0x5, 5, Uint8Array.from([0x88, 0xbe])),
    ]);
    p.data('s2c', head, 0, 2, 0.002);
    p.gap('s2c', head.length, lost.length - 12, 0.003);
    p.data(
      's2c',
      concatBytes([lost.subarray(lost.length - 12), after]).subarray(0),
      head.length + lost.length - 12,
      3,
      0.004,
    );
    p.end('c2s', 'capture-end', 0.005);
    p.end('s2c', 'capture-end', 0.005);
    expect(tailOfData.length).toBe(12);
    expect(ctx.warnings.join('\n')).toMatch(/parsing resumed at offset/);
    const s3 = p.session.stream(3);
    expect(s3?.captureGap).toBe(true);
    expect(s3?.endStream.s2c).toBe(true);
    expect(s3?.dataBytes.s2c).toBe(20);
    // The PING after the gap was parsed (its ACK is not required: the capture ended).
    expect(p.session.info.frames.some((f) => f.type === 'PING' && f.dir === 's2c')).toBe(true);
    // Stream 5's HEADERS came after the gap: the static field decodes, the one that refers to an
    // entry from before the gap is unknown and said so (not an HPACK error of the peer).
    const h5 = p.session.stream(5)?.frames.find((f) => f.dir === 's2c');
    expect(h5?.info?.error).toMatch(/1 header field\(s\) unknown: HPACK table entries lost in a capture gap/);
    expect(p.session.stream(5)?.status).toBe(200);
    expect(p.session.stream(5)?.captureGap).toBe(true);
    expect(ctx.warnings.join('\n')).not.toMatch(/HPACK/);
    expect(p.session.info.violations.map((v) => v.message)).toEqual([]);
  });

  it('after a gap, 1 MiB of random bytes in 1448-byte packets is scanned and the real frames found', () => {
    const ctx = testContext();
    const p = new H2ByteParser(ctx, { via: 'preface' });
    p.data('c2s', concatBytes([PREFACE_BYTES, frameBytes(4, 0, 0), frameBytes(1, 0x5, 1, REQ)]), 0, 1, 0);
    p.data('s2c', frameBytes(4, 0, 0), 0, 2, 0.001);
    p.gap('s2c', 9, 100, 0.002);
    let x = 12345;
    const noise = new Uint8Array(1 << 20).map(() => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24) & 0xff);
    const tail = concatBytes([
      frameBytes(1, 0x4, 1, Uint8Array.from([0x88])),
      frameBytes(0, 0x1, 1, [1, 2, 3]),
    ]);
    const all = concatBytes([noise, tail]);
    const t0 = performance.now();
    let packet = 3;
    for (let o = 0; o < all.length; o += 1448)
      p.data('s2c', all.subarray(o, o + 1448), 109 + o, packet++, 0.003);
    p.end('c2s', 'capture-end', 0.004);
    p.end('s2c', 'capture-end', 0.004);
    expect(performance.now() - t0).toBeLessThan(2000);
    const s1 = p.session.stream(1);
    expect(s1?.status).toBe(200);
    expect(s1?.dataBytes.s2c).toBe(3);
    expect(s1?.endStream.s2c).toBe(true);
  });

  it('after a gap, bytes that never form a valid header chain are not parsed as frames', () => {
    const ctx = testContext();
    const p = new H2ByteParser(ctx, { via: 'preface' });
    p.data('c2s', concatBytes([PREFACE_BYTES, frameBytes(4, 0, 0)]), 0, 1, 0);
    p.data('s2c', frameBytes(4, 0, 0), 0, 2, 0.001);
    p.gap('s2c', 9, 100, 0.002);
    // A plausible PING header followed by garbage, then the end.
    const junk = concatBytes([
      frameBytes(6, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]),
      Uint8Array.from([0xff, 0xee, 0xdd]),
    ]);
    p.data('s2c', junk, 109, 3, 0.003);
    p.end('c2s', 'fin', 0.004);
    p.end('s2c', 'fin', 0.004);
    expect(allFrames(ctx).filter((f) => f.dir === 's2c').length).toBe(1);
    expect(ctx.warnings.join('\n')).toMatch(/no frame boundary found/);
  });

  it('rejects a connection whose client does not start with the preface', () => {
    const ctx = testContext();
    const p = new H2ByteParser(ctx, { via: 'preface' });
    p.data(
      'c2s',
      Uint8Array.from('GET / HTTP/1.1\r\n', (c) => c.charCodeAt(0)),
      0,
      1,
      0,
    );
    expect(ctx.warnings[0]).toMatch(/preface expected/);
  });

  it('h2c upgrade: stream 1 is the upgraded request, half-closed by the client', () => {
    const { ctx, session } = feed(
      [
        {
          dir: 's2c',
          bytes: concatBytes([frameBytes(4, 0, 0), frameBytes(1, 0x4, 1, RESP), frameBytes(0, 1, 1, [1, 2])]),
        },
        { dir: 'c2s', bytes: concatBytes([PREFACE_BYTES, frameBytes(4, 0, 0), frameBytes(4, 1, 0)]) },
        { dir: 's2c', bytes: frameBytes(4, 1, 0) },
      ],
      0,
      'upgrade',
      [
        [':method', 'GET'],
        [':path', '/up'],
        [':authority', 'h'],
      ],
    );
    expect(session.info.via).toBe('upgrade');
    const s = ctx.results.streams[0];
    expect(s).toMatchObject({
      id: 1,
      method: 'GET',
      path: '/up',
      status: 200,
      state: 'closed',
      endStream: { c2s: true, s2c: true },
    });
    expect(session.info.violations).toEqual([]);
  });

  it('midstream mode parses frames from the first byte and does not flag unseen streams', () => {
    const { ctx, session } = feed(
      [{ dir: 's2c', bytes: concatBytes([frameBytes(0, 0, 7, [1, 2, 3]), frameBytes(0, 1, 5, [1])]) }],
      0,
      'midstream',
    );
    expect(ctx.results.streams.map((s) => s.id)).toEqual([7, 5]);
    expect(session.info.violations).toEqual([]);
  });
});

export { feed, allFrames, REQ, RESP };
export const WINDOW = u32;
