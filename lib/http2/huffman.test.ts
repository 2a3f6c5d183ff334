import { describe, expect, it } from 'vitest';
import { HUFFMAN_CODES, HUFFMAN_CODE_LENGTHS, huffmanDecodeInto, huffmanEncode } from './huffman';

function decode(b: Uint8Array): string | null {
  const out = new Uint8Array(b.length * 2 + 8);
  const r = huffmanDecodeInto(b, 0, b.length, out);
  return r.ok ? new TextDecoder('latin1').decode(out.subarray(0, r.length)) : null;
}

describe('Huffman (RFC 7541 Appendix B)', () => {
  it('rebuilds the codes of Appendix B from the lengths', () => {
    // Spot checks against the printed table (hex, right-aligned).
    expect(HUFFMAN_CODES[0]).toBe(0x1ff8);
    expect(HUFFMAN_CODES[32]).toBe(0x14);
    expect(HUFFMAN_CODES[48]).toBe(0x0);
    expect(HUFFMAN_CODES[97]).toBe(0x3);
    expect(HUFFMAN_CODES[92]).toBe(0x7fff0);
    expect(HUFFMAN_CODES[127]).toBe(0xffffffc);
    expect(HUFFMAN_CODES[211]).toBe(0x7ffffe0);
    expect(HUFFMAN_CODES[255]).toBe(0x3ffffee);
    expect(HUFFMAN_CODES[256]).toBe(0x3fffffff);
    expect(HUFFMAN_CODE_LENGTHS.length).toBe(257);
  });

  it('decodes RFC strings', () => {
    expect(
      decode(Uint8Array.from([0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff])),
    ).toBe('www.example.com');
    expect(decode(Uint8Array.from([0xa8, 0xeb, 0x10, 0x64, 0x9c, 0xbf]))).toBe('no-cache');
  });

  it('round-trips every byte value and mixed strings', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    expect(Array.from(huffmanDecodeAll(huffmanEncode(all)))).toEqual(Array.from(all));
    for (const s of ['', 'a', 'application/grpc', 'Mon, 21 Oct 2013 20:13:21 GMT', '~|{}\\^']) {
      const b = Uint8Array.from(s, (c) => c.charCodeAt(0));
      expect(decode(huffmanEncode(b))).toBe(s);
    }
  });

  it('rejects padding longer than 7 bits, non-EOS padding, and EOS', () => {
    // 'a' = 00011, then 8 bits of 1 padding => 2 bytes where 1 suffices.
    expect(decode(Uint8Array.from([0x1f, 0xff]))).toBeNull();
    // 'a' followed by 000 padding (not a prefix of EOS).
    expect(decode(Uint8Array.from([0x18]))).toBeNull();
    // EOS itself (30 ones) in the string.
    expect(decode(Uint8Array.from([0xff, 0xff, 0xff, 0xff]))).toBeNull();
  });
});

function huffmanDecodeAll(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length * 2);
  const r = huffmanDecodeInto(b, 0, b.length, out);
  if (!r.ok) throw new Error(r.reason);
  return out.subarray(0, r.length);
}
