// The HTTP/2 walker on hand-made streams: header values that straddle CONTINUATION frames and TCP
// segments, indexed references to a redacted dynamic-table entry, padded DATA and gRPC framing.
import { describe, expect, it } from 'vitest';
import { HpackDecoder } from '../http2/hpack';
import { huffmanEncode } from '../http2/huffman';
import { frameBytes, PREFACE_BYTES } from '../http2/test-helpers';
import type { Dir } from '../trace';
import { emptyStats, type WalkContext } from './context';
import { EditList } from './edits';
import { H2Walker } from './http2';

const enc = (s: string) => new TextEncoder().encode(s);

function int(out: number[], v: number, prefix: number, first: number): void {
  const max = (1 << prefix) - 1;
  if (v < max) {
    out.push(first | v);
    return;
  }
  out.push(first | max);
  let r = v - max;
  while (r >= 128) {
    out.push((r & 127) | 128);
    r >>= 7;
  }
  out.push(r);
}

/** Literal with incremental indexing, static name index, Huffman value. */
function indexedNameHuffman(nameIndex: number, value: string): number[] {
  const out: number[] = [];
  int(out, nameIndex, 6, 0x40);
  const h = huffmanEncode(enc(value));
  int(out, h.length, 7, 0x80);
  out.push(...h);
  return out;
}

function context(): WalkContext {
  const edits: Record<Dir, EditList> = { c2s: new EditList(), s2c: new EditList() };
  return {
    edits,
    sensitive: new Set(['authorization', 'cookie']),
    mapped: new Set(),
    mapValue: (b) => b,
    valueSeed: (b) => b,
    keepPayload: false,
    mapName: null,
    stats: emptyStats(),
    midStream: () => false,
    cut: (dir, offset, length) => edits[dir].zero(offset, length),
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('H2Walker', () => {
  const token = 'Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.sig';
  const block1 = Uint8Array.from([
    0x82, // :method GET
    0x84, // :path /
    ...indexedNameHuffman(23, token), // authorization, added to the dynamic table
    ...indexedNameHuffman(31, 'content-type-not-really'), // content-type (name 31), kept
  ]);
  const block2 = Uint8Array.from([0x82, 0x84, 0x80 | 63]); // index 63: the authorization entry
  const grpcHeaders = Uint8Array.from([0x83, 0x84, ...indexedNameHuffman(31, 'application/grpc')]);
  const cut = 7; // the authorization value straddles HEADERS and CONTINUATION
  const msg = (s: string) => {
    const b = enc(s);
    return Uint8Array.from([0, 0, 0, 0, b.length, ...b]);
  };
  const stream = concat([
    PREFACE_BYTES,
    frameBytes(0x1, 0x0, 1, block1.subarray(0, cut)),
    frameBytes(0x9, 0x0, 1, block1.subarray(cut, cut + 20)),
    frameBytes(0x9, 0x4, 1, block1.subarray(cut + 20)),
    frameBytes(0x1, 0x5, 3, block2),
    frameBytes(0x1, 0x4, 5, grpcHeaders),
    // PADDED DATA: pad length 3, gRPC messages split across two frames.
    frameBytes(0x0, 0x8, 5, [3, ...msg('first-secret'), ...msg('second-secret').subarray(0, 6), 0, 0, 0]),
    frameBytes(0x0, 0x1, 5, msg('second-secret').subarray(6)),
  ]);

  for (const seg of [1, 3, 7, 64, stream.length]) {
    it(`redacts in place, fed in segments of ${seg} bytes`, () => {
      const ctx = context();
      const w = new H2Walker(ctx, true);
      for (let o = 0; o < stream.length; o += seg) w.data('c2s', stream.subarray(o, o + seg), o);
      const out = stream.slice();
      ctx.edits.c2s.apply(out, 0, 0, out.length);
      expect(out.length).toBe(stream.length);
      // Decode the redacted stream's header blocks as a receiver would.
      const d = new HpackDecoder();
      const blockOf = (frames: [number, number][]) =>
        concat(frames.map(([at, len]) => out.subarray(at, at + len)));
      let p = PREFACE_BYTES.length;
      const frames: { type: number; at: number; len: number; flags: number }[] = [];
      while (p < out.length) {
        const len = (out[p] << 16) | (out[p + 1] << 8) | out[p + 2];
        frames.push({ type: out[p + 3], flags: out[p + 4], at: p + 9, len });
        p += 9 + len;
      }
      const h1 = d.decode(blockOf(frames.slice(0, 3).map((f) => [f.at, f.len])));
      const auth = h1.find(([k]) => k === 'authorization')?.[1] ?? '';
      expect(auth.length).toBe(token.length);
      expect(auth).not.toContain('eyJ');
      expect(h1.find(([k]) => k === 'content-type')?.[1]).toBe('content-type-not-really');
      const h2 = d.decode(blockOf([[frames[3].at, frames[3].len]]));
      expect(h2.find(([k]) => k === 'authorization')?.[1]).toBe(auth);
      expect(d.decode(blockOf([[frames[4].at, frames[4].len]]))).toContainEqual([
        'content-type',
        'application/grpc',
      ]);
      // DATA: pad length and gRPC prefixes kept, message bytes zeroed.
      const data = concat(frames.slice(5).map((f) => out.subarray(f.at, f.at + f.len)));
      expect([...data.subarray(0, 6)]).toEqual([3, 0, 0, 0, 0, 12]);
      expect(data.subarray(6, 18).every((b) => b === 0)).toBe(true);
      expect([...data.subarray(18, 23)]).toEqual([0, 0, 0, 0, 13]);
      expect(Buffer.from(out).includes('secret')).toBe(false);
      expect(ctx.stats.headersReplaced).toBe(1);
    });
  }
});
