// Byte-array helpers that several layers need (isomorphic: no Node Buffer).

/**
 * The parts one after the other. One part is returned as it is (no copy). `total`, when the caller
 * knows it, is the parts' summed length.
 */
export function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = total;
  if (n === undefined) {
    n = 0;
    for (const p of parts) n += p.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Where `seq` first occurs in `b` at or after `from`; -1 when it does not. */
export function indexOfBytes(b: Uint8Array, seq: Uint8Array, from = 0): number {
  outer: for (let i = Math.max(0, from); i + seq.length <= b.length; i++) {
    for (let j = 0; j < seq.length; j++) if (b[i + j] !== seq[j]) continue outer;
    return i;
  }
  return -1;
}
