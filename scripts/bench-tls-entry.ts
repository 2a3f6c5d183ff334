// Decryption throughput of the TLS record path (lib/tls/crypto.ts: key schedule + AEAD open per
// 16 KiB record, as lib/tls/session.ts does it), for scripts/bench-tls.mjs in Node and Chromium.
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { SUITES, aeadOpen, tls13Keys, xorNonce } from '../lib/tls/crypto';

export function benchTls(totalMB: number): Record<string, number> {
  const out: Record<string, number> = {};
  const record = 16384;
  const n = Math.max(1, Math.floor((totalMB * 1024 * 1024) / record));
  for (const [name, id] of [
    ['TLS_AES_128_GCM_SHA256', 0x1301],
    ['TLS_AES_256_GCM_SHA384', 0x1302],
    ['TLS_CHACHA20_POLY1305_SHA256', 0x1303],
  ] as const) {
    const s = SUITES[id];
    const k = tls13Keys(s, new Uint8Array(s.hash === 'sha384' ? 48 : 32).fill(7));
    const header = new Uint8Array([23, 3, 3, (record + 16) >> 8, (record + 16) & 0xff]);
    const plain = new Uint8Array(record).fill(1);
    const sealed: Uint8Array[] = [];
    for (let i = 0; i < 8; i++) {
      const nonce = xorNonce(k.iv, i);
      sealed.push(
        s.cipher === 'aes-gcm'
          ? gcm(k.key, nonce, header).encrypt(plain)
          : chacha20poly1305(k.key, nonce, header).encrypt(plain),
      );
    }
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const r = aeadOpen(s.cipher, k.key, xorNonce(k.iv, i % 8), header, sealed[i % 8]);
      if (!r) throw new Error('decrypt failed');
    }
    const dt = (performance.now() - t0) / 1000;
    out[name] = (n * record) / 1e6 / dt;
  }
  return out;
}
