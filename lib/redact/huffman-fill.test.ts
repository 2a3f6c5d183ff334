import { describe, expect, it } from 'vitest';
import { huffmanDecodeInto, huffmanEncode } from '../http2/huffman';
import { huffmanFill } from './huffman-fill';

function decode(b: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(b.length * 2 + 8);
  const r = huffmanDecodeInto(b, 0, b.length, out);
  return r.ok ? out.slice(0, r.length) : null;
}

describe('huffmanFill', () => {
  it('stands in for any Huffman literal with the same encoded and decoded lengths', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    const alphabets = [
      'abcdefghijklmnopqrstuvwxyz0123456789',
      'ABCDEFGHIJKLMNOPQRSTUVWXYZ=+/',
      '!"#$%&()*<>?@[]^`{|}~',
    ];
    for (let n = 0; n < 3000; n++) {
      const len = Math.floor(rnd() * 60);
      const bytes = new Uint8Array(len);
      const mode = n % 4;
      for (let i = 0; i < len; i++) {
        if (mode === 3) bytes[i] = Math.floor(rnd() * 256);
        else {
          const a = alphabets[mode];
          bytes[i] = a.charCodeAt(Math.floor(rnd() * a.length));
        }
      }
      const enc = huffmanEncode(bytes);
      const fill = huffmanFill(enc.length, len);
      expect(fill, `fill for ${enc.length} bytes / ${len} octets`).not.toBeNull();
      expect((fill as Uint8Array).length).toBe(enc.length);
      const back = decode(fill as Uint8Array);
      expect(back?.length).toBe(len);
      // Nothing of the original survives.
      if (len >= 4) expect(Buffer.from(back as Uint8Array).equals(Buffer.from(bytes))).toBe(false);
    }
  });

  it('writes readable filler for ordinary values', () => {
    const v = new TextEncoder().encode('session=3f9a81c2d4e5; theme=dark');
    const fill = huffmanFill(huffmanEncode(v).length, v.length) as Uint8Array;
    expect(new TextDecoder().decode(decode(fill) as Uint8Array)).toMatch(/^[xX0a_]+$/);
  });
});
