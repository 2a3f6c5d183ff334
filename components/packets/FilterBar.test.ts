import { describe, expect, it } from 'vitest';
import { wordAt } from './FilterBar';

describe('wordAt (the field name completion works on)', () => {
  it('takes the name ending at the caret, dots and underscores included', () => {
    expect(wordAt('tcp.src', 7)).toEqual({ start: 0, word: 'tcp.src' });
    expect(wordAt('ip.addr == 1.2.3.4 && tcp.analysis.re', 37)).toEqual({
      start: 22,
      word: 'tcp.analysis.re',
    });
    expect(wordAt('(http2.head', 11)).toEqual({ start: 1, word: 'http2.head' });
  });
  it('offers nothing inside a number, an address or a byte string, or after a space', () => {
    expect(wordAt('tcp.port == 44', 14).word).toBe('');
    expect(wordAt('ip.src == 10.0.0.1', 18).word).toBe('');
    expect(wordAt('eth.src == aa:bb', 16).word).toBe('');
    expect(wordAt('tcp ', 4).word).toBe('');
  });
});
