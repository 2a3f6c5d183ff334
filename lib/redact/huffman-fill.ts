/**
 * A stand-in for a Huffman-coded HPACK string literal (RFC 7541 §5.2) that has exactly the same
 * encoded length (so the header block, the frame and the TCP stream keep every offset) and decodes
 * to exactly as many octets as the original (so the dynamic table's size accounting, and with it
 * every later index, stays the same for a decoder of the redacted file).
 *
 * Symbols have codes of 5 to 30 bits and the string ends with at most 7 padding bits (a prefix of
 * EOS: all ones). For `octets` symbols in `bytes` bytes we need code lengths summing to within
 * [8·bytes − 7, 8·bytes]; the original string proves such a choice exists. We pick lengths one by
 * one, as close to 7 bits ('x') as the remaining symbols still allow.
 */
import { HUFFMAN_CODE_LENGTHS, HUFFMAN_CODES } from '../http2/huffman';

/** For each code length, the symbol we write for it (printable when one exists), or -1. */
const SYMBOL_OF_LENGTH: number[] = (() => {
  const pick = new Array<number>(31).fill(-1);
  const prefer = 'xX0a_*+#$^`&,>!|@'.split('').map((c) => c.charCodeAt(0));
  for (const s of prefer) if (pick[HUFFMAN_CODE_LENGTHS[s]] === -1) pick[HUFFMAN_CODE_LENGTHS[s]] = s;
  for (let s = 0; s < 256; s++) if (pick[HUFFMAN_CODE_LENGTHS[s]] === -1) pick[HUFFMAN_CODE_LENGTHS[s]] = s;
  return pick;
})();
/** Per code length, the host-name characters ([a-z0-9.-]) with codes of that length. */
const HOSTISH_OF_LENGTH: number[][] = (() => {
  const by: number[][] = Array.from({ length: 31 }, () => []);
  for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789')
    by[HUFFMAN_CODE_LENGTHS[c.charCodeAt(0)]].push(c.charCodeAt(0));
  return by;
})();
const LENGTHS = SYMBOL_OF_LENGTH.map((s, len) => (s >= 0 ? len : -1)).filter((l) => l > 0);
const MIN_LEN = LENGTHS[0];
const MAX_LEN = LENGTHS[LENGTHS.length - 1];

/**
 * `bytes` bytes of Huffman code for `octets` symbols, or null if no such string exists (never for
 * lengths taken from a valid literal). With `seed` (keyed bytes derived from the original value),
 * symbols are drawn from the host-name characters of each code length, so equal values get equal
 * pseudonyms and different values, almost surely, different ones.
 */
export function huffmanFill(bytes: number, octets: number, seed?: Uint8Array): Uint8Array | null {
  const hi = 8 * bytes;
  const lo = Math.max(0, hi - 7);
  const lens: number[] = [];
  let total = 0;
  for (let i = 0; i < octets; i++) {
    const rest = octets - i - 1;
    let best = -1;
    for (const l of LENGTHS) {
      const t = total + l;
      // The remaining symbols must still be able to land the total in [lo, hi].
      if (t + rest * MIN_LEN > hi || t + rest * MAX_LEN < lo) continue;
      if (rest === 0 && t < lo) continue;
      if (best === -1 || Math.abs(l - 7) < Math.abs(best - 7)) best = l;
    }
    if (best === -1) return null;
    lens.push(best);
    total += best;
  }
  if (total < lo || total > hi) return null;
  const out = new Uint8Array(bytes).fill(0xff); // padding: the most significant bits of EOS
  let pos = 0;
  for (let i = 0; i < lens.length; i++) {
    const len = lens[i];
    const choices = HOSTISH_OF_LENGTH[len];
    const sym =
      seed && seed.length && choices.length
        ? choices[seed[i % seed.length] % choices.length]
        : SYMBOL_OF_LENGTH[len];
    const code = HUFFMAN_CODES[sym];
    for (let k = len - 1; k >= 0; k--) {
      const mask = 0x80 >> (pos & 7);
      if (Math.floor(code / 2 ** k) & 1) out[pos >> 3] |= mask;
      else out[pos >> 3] &= ~mask;
      pos++;
    }
  }
  return out;
}
