/**
 * GRE (IP protocol 47): RFC 2784 with the key and sequence number of RFC 2890, PPTP's enhanced GRE
 * (RFC 2637, version 1, carrying PPP), and ERSPAN (Cisco's port mirroring over GRE: type I without
 * a header, type II 0x88BE with the sequence flag, type III 0x22EB).
 *
 * Returns the protocol type (an Ethernet type) and where its payload starts; ERSPAN answers with
 * 0x6558 (an Ethernet frame follows) once its own header is skipped.
 */

export const GRE_TEB = 0x6558; // transparent Ethernet bridging (gretap)
export const GRE_PPP = 0x880b;
export const GRE_ERSPAN_2 = 0x88be;
export const GRE_ERSPAN_3 = 0x22eb;

export type GreInner =
  | { type: number; offset: number; key: number | null; erspanSession?: number }
  | { type: -1; detail: string; malformed: boolean };

export function greInner(data: Uint8Array, off: number, end = data.length): GreInner {
  if (off + 4 > end) return { type: -1, detail: 'GRE header cut short', malformed: true };
  const flags = (data[off] << 8) | data[off + 1];
  const version = flags & 0x7;
  let type = (data[off + 2] << 8) | data[off + 3];
  const C = (flags & 0x8000) !== 0;
  const R = (flags & 0x4000) !== 0;
  const K = (flags & 0x2000) !== 0;
  const S = (flags & 0x1000) !== 0;
  let p = off + 4;
  let key: number | null = null;
  if (version === 1) {
    // Enhanced GRE (PPTP): key = payload length + call id, then sequence and acknowledgment numbers.
    if (type !== GRE_PPP || !K) return { type: -1, detail: 'enhanced GRE that is not PPTP', malformed: true };
    const A = (flags & 0x0080) !== 0;
    p += 4 + (S ? 4 : 0) + (A ? 4 : 0);
    key = ((data[off + 6] << 8) | data[off + 7]) >>> 0;
  } else if (version === 0) {
    if (R) return { type: -1, detail: 'GRE source routing (RFC 1701) is not decoded', malformed: false };
    if (C) p += 4; // checksum + reserved
    if (K) {
      if (p + 4 > end) return { type: -1, detail: 'GRE key cut short', malformed: true };
      key = ((data[p] << 24) | (data[p + 1] << 16) | (data[p + 2] << 8) | data[p + 3]) >>> 0;
      p += 4;
    }
    if (S) p += 4;
  } else return { type: -1, detail: `GRE version ${version}`, malformed: true };
  if (p > end) return { type: -1, detail: 'GRE header cut short', malformed: true };
  let erspanSession: number | undefined;
  if (type === GRE_ERSPAN_2 && !S) {
    type = GRE_TEB; // ERSPAN type I: the mirrored frame follows the GRE header directly
  } else if (type === GRE_ERSPAN_2) {
    if (p + 8 > end) return { type: -1, detail: 'ERSPAN II header cut short', malformed: true };
    erspanSession = ((data[p + 2] & 0x03) << 8) | data[p + 3];
    type = GRE_TEB;
    p += 8;
  } else if (type === GRE_ERSPAN_3) {
    if (p + 12 > end) return { type: -1, detail: 'ERSPAN III header cut short', malformed: true };
    erspanSession = ((data[p + 2] & 0x03) << 8) | data[p + 3];
    const frameType = (data[p + 10] >> 2) & 0x1f; // FT: 0 Ethernet, 2 IP
    const optional = (data[p + 11] & 1) !== 0; // O: an 8-byte platform-specific subheader follows
    p += 12 + (optional ? 8 : 0);
    if (p > end) return { type: -1, detail: 'ERSPAN III header cut short', malformed: true };
    if (frameType !== 0) return { type: -1, detail: `ERSPAN III frame type ${frameType}`, malformed: false };
    type = GRE_TEB;
  }
  return { type, offset: p, key, erspanSession };
}
