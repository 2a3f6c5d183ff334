/** Builders for HTTP/2 tests: frames, a literal-only HPACK encoder, a context. Test use only. */
import { AppResults, type AppContext } from '../stream';
import type { Connection } from '../trace';

export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function encodeInt(out: number[], first: number, prefixBits: number, v: number): void {
  const max = (1 << prefixBits) - 1;
  if (v < max) {
    out.push(first | v);
    return;
  }
  out.push(first | max);
  v -= max;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function encodeString(out: number[], s: string): void {
  const b = new TextEncoder().encode(s);
  encodeInt(out, 0, 7, b.length);
  for (const x of b) out.push(x);
}

/** HPACK block of literals without indexing (new names), so it never touches the dynamic table. */
export function hpackLiterals(headers: [string, string][]): Uint8Array {
  const out: number[] = [];
  for (const [n, v] of headers) {
    out.push(0x00);
    encodeString(out, n);
    encodeString(out, v);
  }
  return Uint8Array.from(out);
}

export function frameBytes(
  typeId: number,
  flags: number,
  streamId: number,
  payload: Uint8Array | number[] = [],
): Uint8Array {
  const p = payload instanceof Uint8Array ? payload : Uint8Array.from(payload);
  const out = new Uint8Array(9 + p.length);
  out[0] = (p.length >> 16) & 0xff;
  out[1] = (p.length >> 8) & 0xff;
  out[2] = p.length & 0xff;
  out[3] = typeId;
  out[4] = flags;
  out[5] = (streamId >>> 24) & 0x7f;
  out[6] = (streamId >> 16) & 0xff;
  out[7] = (streamId >> 8) & 0xff;
  out[8] = streamId & 0xff;
  out.set(p, 9);
  return out;
}

export function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}

export function settingsPayload(values: [number, number][]): number[] {
  const out: number[] = [];
  for (const [id, v] of values) out.push((id >> 8) & 0xff, id & 0xff, ...u32(v));
  return out;
}

export { concatBytes } from '../bytes';

export const PREFACE_BYTES = Uint8Array.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', (c) => c.charCodeAt(0));

export function testContext(id = 'c1'): AppContext & { warnings: string[] } {
  const warnings: string[] = [];
  const conn = { id, warnings } as unknown as Connection;
  return { conn, results: new AppResults(), warn: (m: string) => warnings.push(m), warnings };
}

/** gRPC length-prefixed message. */
export function grpcMessage(len: number, compressed = false): Uint8Array {
  const out = new Uint8Array(5 + len);
  out[0] = compressed ? 1 : 0;
  out.set(u32(len), 1);
  for (let i = 0; i < len; i++) out[5 + i] = i & 0xff;
  return out;
}
