/**
 * MPLS label stacks (RFC 3032; Ethernet types 0x8847 unicast, 0x8848 multicast, and GRE protocol
 * 0x8847): pops labels to the bottom of the stack, then tells what the payload is the way
 * Wireshark's default does — IPv4/IPv6 by the first nibble, else an Ethernet pseudowire (RFC 4448)
 * with or without its 4-byte control word, judged by whether an Ethernet header that leads to a
 * known type sits there.
 */

export type MplsInner =
  | { kind: 'ipv4' | 'ipv6' | 'ether'; offset: number; labels: number[] }
  | { kind: 'none'; detail: string; malformed: boolean };

/** Ethernet types that make "an Ethernet frame starts here" believable after a label stack. */
const PLAUSIBLE_ETHER = new Set([
  0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8, 0x9100, 0x8847, 0x8848, 0x8864, 0x8863,
]);

/** Most labels read before the stack is taken as damaged (real stacks hold a handful). */
const MAX_LABELS = 16;

export function looksLikeEthernet(data: Uint8Array, off: number): boolean {
  if (off + 14 > data.length) return false;
  // Multicast/broadcast bit of the source MAC is never set on a real frame.
  if (data[off + 6] & 1) return false;
  return PLAUSIBLE_ETHER.has((data[off + 12] << 8) | data[off + 13]);
}

export function mplsInner(data: Uint8Array, off: number): MplsInner {
  const labels: number[] = [];
  let p = off;
  for (;;) {
    if (p + 4 > data.length) return { kind: 'none', detail: 'MPLS label stack cut short', malformed: true };
    labels.push((data[p] << 12) | (data[p + 1] << 4) | (data[p + 2] >> 4));
    const bottom = (data[p + 2] & 1) !== 0;
    p += 4;
    if (bottom) break;
    if (labels.length >= MAX_LABELS)
      return { kind: 'none', detail: `MPLS label stack deeper than ${MAX_LABELS}`, malformed: true };
  }
  if (p >= data.length) return { kind: 'none', detail: 'MPLS payload empty', malformed: true };
  const nibble = data[p] >> 4;
  // A label below 16 is reserved; 0 (IPv4 explicit null) and 2 (IPv6 explicit null) name the payload.
  const last = labels[labels.length - 1];
  if (last === 0 || nibble === 4) return { kind: 'ipv4', offset: p, labels };
  if (last === 2 || nibble === 6) return { kind: 'ipv6', offset: p, labels };
  if (looksLikeEthernet(data, p)) return { kind: 'ether', offset: p, labels };
  if (nibble === 0 && looksLikeEthernet(data, p + 4)) return { kind: 'ether', offset: p + 4, labels };
  return {
    kind: 'none',
    detail:
      nibble === 1 ? 'MPLS pseudowire associated channel' : `MPLS payload starting 0x${data[p].toString(16)}`,
    malformed: false,
  };
}
