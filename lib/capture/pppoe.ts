/**
 * PPPoE session stage (RFC 2516, Ethernet type 0x8864) and the PPP protocol field under it (and
 * under PPTP's enhanced GRE). Only IPv4 (PPP 0x0021) and IPv6 (0x0057) lead on to TCP; the
 * discovery stage (0x8863), LCP, IPCP and the rest are not IP.
 */

export const ETH_PPPOE_DISCOVERY = 0x8863;
export const ETH_PPPOE_SESSION = 0x8864;

const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/** What follows a PPP header: an IP version and where it starts, or why not. */
export type PppInner =
  | { ip: 4 | 6; offset: number; /** End of the PPP payload (PPPoE's length field bounds it). */ end: number }
  | { ip: 0; detail: string; malformed: boolean };

/**
 * The PPP protocol field at `off` (RFC 1661 §2), with the HDLC-like address/control bytes 0xff 0x03
 * skipped when present (PPTP sends them; PPPoE must not, RFC 2516 §7) and protocol-field
 * compression honoured: a first byte with its low bit set is a one-byte protocol.
 */
export function pppInner(data: Uint8Array, off: number, end = data.length): PppInner {
  let p = off;
  const have = Math.min(end, data.length);
  if (p + 2 <= have && data[p] === 0xff && data[p + 1] === 0x03) p += 2;
  if (p >= have) return { ip: 0, detail: 'PPP header cut short', malformed: true };
  let proto: number;
  if (data[p] & 1) {
    proto = data[p];
    p += 1;
  } else {
    if (p + 2 > have) return { ip: 0, detail: 'PPP header cut short', malformed: true };
    proto = (data[p] << 8) | data[p + 1];
    p += 2;
  }
  if (proto === PPP_IPV4) return { ip: 4, offset: p, end };
  if (proto === PPP_IPV6) return { ip: 6, offset: p, end };
  return { ip: 0, detail: `PPP protocol 0x${proto.toString(16).padStart(4, '0')}`, malformed: false };
}

/**
 * A PPPoE session header (version 1, type 1, code 0) at `off`: the PPP payload runs for the
 * header's length field (Ethernet padding after it is not PPP), and so does the IP packet in it
 * whatever its own length field claims, as Wireshark bounds it.
 */
export function pppoeSession(data: Uint8Array, off: number): PppInner {
  if (off + 6 > data.length) return { ip: 0, detail: 'PPPoE header cut short', malformed: true };
  if (data[off] !== 0x11)
    return { ip: 0, detail: `PPPoE version/type 0x${data[off].toString(16)}`, malformed: true };
  if (data[off + 1] !== 0)
    return {
      ip: 0,
      detail: `PPPoE code 0x${data[off + 1].toString(16)} in a session packet`,
      malformed: true,
    };
  const len = (data[off + 4] << 8) | data[off + 5];
  return pppInner(data, off + 6, off + 6 + len);
}
