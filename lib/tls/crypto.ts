/**
 * The TLS key schedule and record ciphers tracelens needs to read (never to write) a session:
 * TLS 1.3 HKDF-Expand-Label and traffic keys, the TLS 1.2 PRF and key block, and AEAD / CBC
 * record opening. The primitives come from @noble/ciphers and @noble/hashes: audited, pure
 * JavaScript, synchronous — the same code runs in a Web Worker, in Node and in the CLI.
 */
import { gcm, cbc } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hmac } from '@noble/hashes/hmac.js';
import { expand } from '@noble/hashes/hkdf.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import type { CHash } from '@noble/hashes/utils.js';
import { concatBytes } from '../bytes';

export type HashName = 'sha256' | 'sha384';
type Hash = CHash;
const HASHES: Record<HashName, Hash> = { sha256, sha384 };
export const hashLength = (h: HashName): number => (h === 'sha256' ? 32 : 48);

export type CipherKind = 'aes-gcm' | 'chacha20-poly1305' | 'aes-cbc';

export interface SuiteParams {
  cipher: CipherKind;
  keyLength: number;
  /** PRF / HKDF hash. */
  hash: HashName;
  /** TLS 1.2 only: fixed IV length from the key block (4 for GCM, 12 for ChaCha20, 0 for CBC). */
  fixedIvLength: number;
  /** TLS 1.2 CBC only: MAC hash and length. */
  mac?: 'sha1' | 'sha256' | 'sha384';
  macLength?: number;
  tls13: boolean;
}

const S = (
  cipher: CipherKind,
  keyLength: number,
  hash: HashName,
  fixedIvLength: number,
  tls13 = false,
): SuiteParams => ({
  cipher,
  keyLength,
  hash,
  fixedIvLength,
  tls13,
});
const CBC = (keyLength: number, mac: 'sha1' | 'sha256' | 'sha384'): SuiteParams => ({
  cipher: 'aes-cbc',
  keyLength,
  hash: mac === 'sha384' ? 'sha384' : 'sha256',
  fixedIvLength: 0,
  mac,
  macLength: mac === 'sha1' ? 20 : mac === 'sha256' ? 32 : 48,
  tls13: false,
});

/** Cipher suites we can decrypt, by IANA id. */
export const SUITES: Record<number, SuiteParams> = {
  0x1301: S('aes-gcm', 16, 'sha256', 12, true),
  0x1302: S('aes-gcm', 32, 'sha384', 12, true),
  0x1303: S('chacha20-poly1305', 32, 'sha256', 12, true),
  0x009c: S('aes-gcm', 16, 'sha256', 4),
  0x009d: S('aes-gcm', 32, 'sha384', 4),
  0x009e: S('aes-gcm', 16, 'sha256', 4),
  0x009f: S('aes-gcm', 32, 'sha384', 4),
  0xc02b: S('aes-gcm', 16, 'sha256', 4),
  0xc02c: S('aes-gcm', 32, 'sha384', 4),
  0xc02f: S('aes-gcm', 16, 'sha256', 4),
  0xc030: S('aes-gcm', 32, 'sha384', 4),
  0xcca8: S('chacha20-poly1305', 32, 'sha256', 12),
  0xcca9: S('chacha20-poly1305', 32, 'sha256', 12),
  0xccaa: S('chacha20-poly1305', 32, 'sha256', 12),
  0x002f: CBC(16, 'sha1'),
  0x0035: CBC(32, 'sha1'),
  0xc009: CBC(16, 'sha1'),
  0xc00a: CBC(32, 'sha1'),
  0xc013: CBC(16, 'sha1'),
  0xc014: CBC(32, 'sha1'),
  0x003c: CBC(16, 'sha256'),
  0x003d: CBC(32, 'sha256'),
  0xc023: CBC(16, 'sha256'),
  0xc024: CBC(32, 'sha384'),
  0xc027: CBC(16, 'sha256'),
  0xc028: CBC(32, 'sha384'),
};

const enc = new TextEncoder();

/** The parts one after the other, always a fresh array. */
const concatAll = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

/** RFC 8446 §7.1 HKDF-Expand-Label(secret, label, context, length). */
export function hkdfExpandLabel(
  hash: HashName,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const full = enc.encode('tls13 ' + label);
  const info = concatAll(
    new Uint8Array([length >> 8, length & 0xff, full.length]),
    full,
    new Uint8Array([context.length]),
    context,
  );
  return expand(HASHES[hash], secret, info, length);
}

export interface TrafficKeys {
  key: Uint8Array;
  iv: Uint8Array;
}

/** TLS 1.3 record keys from a traffic secret (RFC 8446 §7.3). */
export function tls13Keys(s: SuiteParams, secret: Uint8Array): TrafficKeys {
  return {
    key: hkdfExpandLabel(s.hash, secret, 'key', new Uint8Array(0), s.keyLength),
    iv: hkdfExpandLabel(s.hash, secret, 'iv', new Uint8Array(0), 12),
  };
}

/** TLS 1.3 KeyUpdate: the next application traffic secret (RFC 8446 §7.2). */
export function tls13NextSecret(s: SuiteParams, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(s.hash, secret, 'traffic upd', new Uint8Array(0), hashLength(s.hash));
}

/** TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, label + seed). */
export function prf12(
  hash: HashName,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  const h = HASHES[hash];
  const labelSeed = concatAll(enc.encode(label), seed);
  const out = new Uint8Array(length);
  let a = labelSeed;
  let o = 0;
  while (o < length) {
    a = hmac(h, secret, a);
    const block = hmac(h, secret, concatAll(a, labelSeed));
    out.set(block.subarray(0, Math.min(block.length, length - o)), o);
    o += block.length;
  }
  return out;
}

export interface Tls12Keys {
  client: { key: Uint8Array; iv: Uint8Array; macKey: Uint8Array };
  server: { key: Uint8Array; iv: Uint8Array; macKey: Uint8Array };
}

/** TLS 1.2 key block (RFC 5246 §6.3) from the master secret and both randoms. */
export function tls12Keys(
  s: SuiteParams,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Tls12Keys {
  const macLen = s.macLength ?? 0;
  const total = 2 * macLen + 2 * s.keyLength + 2 * s.fixedIvLength;
  const kb = prf12(s.hash, master, 'key expansion', concatAll(serverRandom, clientRandom), total);
  let o = 0;
  const take = (n: number) => kb.slice(o, (o += n));
  const cMac = take(macLen);
  const sMac = take(macLen);
  const cKey = take(s.keyLength);
  const sKey = take(s.keyLength);
  const cIv = take(s.fixedIvLength);
  const sIv = take(s.fixedIvLength);
  return { client: { key: cKey, iv: cIv, macKey: cMac }, server: { key: sKey, iv: sIv, macKey: sMac } };
}

/** The per-record nonce: the IV XOR the 64-bit sequence number, right-aligned (TLS 1.3, ChaCha20 in 1.2). */
export function xorNonce(iv: Uint8Array, seq: number): Uint8Array {
  const n = iv.slice();
  // seq stays far below 2^53; split into two 32-bit halves.
  const hi = Math.floor(seq / 0x100000000);
  const lo = seq >>> 0;
  const L = n.length;
  n[L - 8] ^= (hi >>> 24) & 0xff;
  n[L - 7] ^= (hi >>> 16) & 0xff;
  n[L - 6] ^= (hi >>> 8) & 0xff;
  n[L - 5] ^= hi & 0xff;
  n[L - 4] ^= (lo >>> 24) & 0xff;
  n[L - 3] ^= (lo >>> 16) & 0xff;
  n[L - 2] ^= (lo >>> 8) & 0xff;
  n[L - 1] ^= lo & 0xff;
  return n;
}

export function seqBytes(seq: number): Uint8Array {
  const b = new Uint8Array(8);
  const hi = Math.floor(seq / 0x100000000);
  const lo = seq >>> 0;
  b[0] = hi >>> 24;
  b[1] = (hi >>> 16) & 0xff;
  b[2] = (hi >>> 8) & 0xff;
  b[3] = hi & 0xff;
  b[4] = lo >>> 24;
  b[5] = (lo >>> 16) & 0xff;
  b[6] = (lo >>> 8) & 0xff;
  b[7] = lo & 0xff;
  return b;
}

/** AEAD open; null when the tag does not verify (wrong key, or not this record's key). */
export function aeadOpen(
  cipher: CipherKind,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  sealed: Uint8Array,
): Uint8Array | null {
  try {
    if (cipher === 'aes-gcm') return gcm(key, nonce, aad).decrypt(sealed);
    if (cipher === 'chacha20-poly1305') return chacha20poly1305(key, nonce, aad).decrypt(sealed);
    return null;
  } catch {
    return null;
  }
}

/**
 * TLS 1.1/1.2 CBC record open (MAC-then-encrypt): explicit IV, padding check, MAC check.
 * Returns the plaintext, or null when padding or MAC do not verify.
 */
export function cbcOpen(
  s: SuiteParams,
  key: Uint8Array,
  macKey: Uint8Array,
  seq: number,
  type: number,
  version: number,
  fragment: Uint8Array,
  encryptThenMac = false,
): Uint8Array | null {
  const macLen = s.macLength ?? 0;
  const h = s.mac === 'sha1' ? sha1 : s.mac === 'sha384' ? sha384 : sha256;
  if (encryptThenMac) {
    // RFC 7366: the MAC covers IV + ciphertext and follows them; padding is inside the ciphertext.
    const body = fragment.subarray(0, fragment.length - macLen);
    if (body.length < 32 || body.length % 16 !== 0) return null;
    const header = concatAll(
      seqBytes(seq),
      new Uint8Array([type, version >> 8, version & 0xff, body.length >> 8, body.length & 0xff]),
    );
    const expected = hmac(h, macKey, concatAll(header, body));
    const mac = fragment.subarray(body.length);
    for (let i = 0; i < macLen; i++) if (expected[i] !== mac[i]) return null;
    let plain: Uint8Array;
    try {
      plain = cbc(key, body.subarray(0, 16), { disablePadding: true }).decrypt(body.subarray(16));
    } catch {
      return null;
    }
    const pad = plain[plain.length - 1];
    if (pad + 1 > plain.length) return null;
    return plain.subarray(0, plain.length - 1 - pad);
  }
  if (fragment.length < 32 || fragment.length % 16 !== 0) return null;
  let plain: Uint8Array;
  try {
    plain = cbc(key, fragment.subarray(0, 16), { disablePadding: true }).decrypt(fragment.subarray(16));
  } catch {
    return null;
  }
  const pad = plain[plain.length - 1];
  if (pad + 1 + macLen > plain.length) return null;
  for (let i = plain.length - 1 - pad; i < plain.length; i++) if (plain[i] !== pad) return null;
  const contentLen = plain.length - 1 - pad - macLen;
  const content = plain.subarray(0, contentLen);
  const mac = plain.subarray(contentLen, contentLen + macLen);
  const header = concatAll(
    seqBytes(seq),
    new Uint8Array([type, version >> 8, version & 0xff, contentLen >> 8, contentLen & 0xff]),
  );
  const expected = hmac(h, macKey, concatAll(header, content));
  for (let i = 0; i < macLen; i++) if (expected[i] !== mac[i]) return null;
  return content;
}
