/**
 * HPACK Huffman decoding (RFC 7541 §5.2, Appendix B). The code in Appendix B is canonical (codes of
 * one length are consecutive, ordered by symbol), so the code lengths alone define it; the codes are
 * rebuilt from them at module init and checked against the RFC by tests. Decoding walks a 4-bit
 * nibble state machine (no code is shorter than 5 bits, so a nibble yields at most one symbol).
 */

/** Code length in bits of symbols 0..256 (256 = EOS), typed in from RFC 7541 Appendix B. */
// prettier-ignore
export const HUFFMAN_CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0-15
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 16-31
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, // 32-47 ' '..'/'
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, // 48-63 '0'..'?'
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // 64-79 '@'..'O'
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, // 80-95 'P'..'_'
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, // 96-111 '`'..'o'
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, // 112-127 'p'..DEL
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128-143
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144-159
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160-175
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176-191
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192-207
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208-223
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224-239
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240-255
  30, // 256 EOS
];

const EOS = 256;

/** Canonical codes (right-aligned) for symbols 0..256. */
export const HUFFMAN_CODES: Uint32Array = (() => {
  const order = HUFFMAN_CODE_LENGTHS.map((len, sym) => ({ len, sym })).sort(
    (a, b) => a.len - b.len || a.sym - b.sym,
  );
  const codes = new Uint32Array(257);
  let code = 0;
  let prevLen = order[0].len;
  for (let i = 0; i < order.length; i++) {
    const { len, sym } = order[i];
    if (i > 0) code = (code + 1) * 2 ** (len - prevLen);
    codes[sym] = code;
    prevLen = len;
  }
  return codes;
})();

// Decoding machine. States are the tree's internal nodes (0 = root). TRANS[state * 16 + nibble]:
// bits 0-8 symbol (when bit 9 set), bit 9 "emits a symbol", bit 10 "fail" (EOS or no such code),
// bits 11+ next state.
const SYM_FLAG = 1 << 9;
const FAIL_FLAG = 1 << 10;
// Built on the first decode, not at load: a run that meets no HPACK Huffman string (HTTP/1, TLS,
// plain TCP) does not pay the ~8 ms the build takes before the JIT warms up.
let TRANS: Uint32Array | undefined;
/** 1 where ending in this state is valid padding: a prefix of EOS (all ones) of at most 7 bits. */
let ACCEPT: Uint8Array;

function buildMachine(): Uint32Array {
  // Binary tree: child0/child1 per node; leaf symbol stored as -(sym + 1).
  const child0: number[] = [0];
  const child1: number[] = [0];
  const depth: number[] = [0];
  const allOnes: boolean[] = [true];
  let nodes = 1;
  for (let sym = 0; sym <= EOS; sym++) {
    const len = HUFFMAN_CODE_LENGTHS[sym];
    const code = HUFFMAN_CODES[sym];
    let node = 0;
    for (let b = len - 1; b >= 0; b--) {
      const bit = Math.floor(code / 2 ** b) & 1;
      const arr = bit ? child1 : child0;
      if (b === 0) {
        arr[node] = -(sym + 1);
      } else {
        if (arr[node] === 0) {
          arr[node] = nodes;
          child0.push(0);
          child1.push(0);
          depth.push(depth[node] + 1);
          allOnes.push(allOnes[node] && bit === 1);
          nodes++;
        }
        node = arr[node];
      }
    }
  }
  const trans = new Uint32Array(nodes * 16);
  ACCEPT = new Uint8Array(nodes);
  for (let s = 0; s < nodes; s++) {
    ACCEPT[s] = allOnes[s] && depth[s] <= 7 ? 1 : 0;
    for (let nib = 0; nib < 16; nib++) {
      let node = s;
      let out = 0;
      for (let b = 3; b >= 0; b--) {
        const bit = (nib >> b) & 1;
        const next = bit ? child1[node] : child0[node];
        if (next < 0) {
          const sym = -next - 1;
          if (sym === EOS) {
            out = FAIL_FLAG;
            break;
          }
          out = SYM_FLAG | sym;
          node = 0;
        } else if (next === 0) {
          out = FAIL_FLAG;
          break;
        } else {
          node = next;
        }
      }
      trans[s * 16 + nib] = (out & FAIL_FLAG ? 0 : node * 2048) | out;
    }
  }
  TRANS = trans;
  return trans;
}

export type HuffmanResult = { ok: true; length: number } | { ok: false; reason: 'eos' | 'padding' };

/**
 * Decodes src[start, end) into out (which must hold at least (end - start) * 8 / 5 bytes).
 * Returns the decoded length, or why the string is invalid.
 */
export function huffmanDecodeInto(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
): HuffmanResult {
  const trans = TRANS ?? buildMachine();
  let state = 0;
  let n = 0;
  for (let i = start; i < end; i++) {
    const byte = src[i];
    let t = trans[state * 16 + (byte >> 4)];
    if (t & FAIL_FLAG) return { ok: false, reason: 'eos' };
    if (t & SYM_FLAG) out[n++] = t & 0xff;
    state = t >>> 11;
    t = trans[state * 16 + (byte & 15)];
    if (t & FAIL_FLAG) return { ok: false, reason: 'eos' };
    if (t & SYM_FLAG) out[n++] = t & 0xff;
    state = t >>> 11;
  }
  if (!ACCEPT[state]) return { ok: false, reason: 'padding' };
  return { ok: true, length: n };
}

/** Huffman-encodes bytes (for tests and tools; the analyzer only decodes). */
export function huffmanEncode(bytes: Uint8Array): Uint8Array {
  let bits = 0;
  for (const b of bytes) bits += HUFFMAN_CODE_LENGTHS[b];
  const out = new Uint8Array(Math.ceil(bits / 8)).fill(0xff);
  let pos = 0;
  for (const b of bytes) {
    const len = HUFFMAN_CODE_LENGTHS[b];
    const code = HUFFMAN_CODES[b];
    for (let k = len - 1; k >= 0; k--) {
      const bit = Math.floor(code / 2 ** k) & 1;
      const byteIdx = pos >> 3;
      const mask = 0x80 >> (pos & 7);
      if (bit) out[byteIdx] |= mask;
      else out[byteIdx] &= ~mask;
      pos++;
    }
  }
  return out;
}
