import { describe, expect, it } from 'vitest';
import { concatBytes, indexOfBytes } from './bytes';

const b = (...xs: number[]) => Uint8Array.from(xs);

describe('concatBytes', () => {
  it('joins parts in order, with or without their total', () => {
    expect(concatBytes([b(1, 2), b(), b(3)])).toEqual(b(1, 2, 3));
    expect(concatBytes([b(1), b(2, 3)], 3)).toEqual(b(1, 2, 3));
    expect(concatBytes([])).toEqual(b());
  });

  it('returns a single part itself, and copies when there are several', () => {
    const one = b(9, 8);
    expect(concatBytes([one])).toBe(one);
    const two = [b(1), b(2)];
    const joined = concatBytes(two);
    joined[0] = 7;
    expect(two[0][0]).toBe(1);
  });
});

describe('indexOfBytes', () => {
  const hay = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: a\r\n\r\nbody');
  const crlf2 = new TextEncoder().encode('\r\n\r\n');
  it('finds the first occurrence, from an offset', () => {
    expect(indexOfBytes(hay, crlf2)).toBe(23);
    expect(indexOfBytes(hay, b(13, 10))).toBe(14);
    expect(indexOfBytes(hay, b(13, 10), 15)).toBe(23);
    expect(indexOfBytes(hay, b(0x62, 0x6f, 0x64, 0x79))).toBe(hay.length - 4);
  });

  it('answers -1 when absent or longer than the rest', () => {
    expect(indexOfBytes(hay, b(0))).toBe(-1);
    expect(indexOfBytes(b(1, 2), b(1, 2, 3))).toBe(-1);
    expect(indexOfBytes(hay, crlf2, 24)).toBe(-1);
  });
});
