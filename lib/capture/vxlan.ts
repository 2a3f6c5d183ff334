/**
 * VXLAN (RFC 7348): an 8-byte header after UDP, then the inner Ethernet frame. AWS VPC Traffic
 * Mirroring and Azure virtual network TAP deliver mirrored packets this way.
 *
 * UDP port 4789 is VXLAN's (IANA), as in Wireshark; Linux's older default 8472 is accepted too,
 * but only when the header is exactly a VXLAN header (I flag alone, reserved bits zero), so other
 * traffic on that port is not misread.
 */

export const VXLAN_PORT = 4789;
export const VXLAN_LINUX_PORT = 8472;

export type VxlanInner = { vni: number; offset: number } | { vni: -1; detail: string; malformed: boolean };

/** The VXLAN header at `off` (the UDP payload) given the UDP destination port. */
export function vxlanInner(data: Uint8Array, off: number, dstPort: number): VxlanInner {
  if (off + 8 > data.length) return { vni: -1, detail: 'VXLAN header cut short', malformed: true };
  const flags = data[off];
  const strict =
    flags === 0x08 &&
    data[off + 1] === 0 &&
    data[off + 2] === 0 &&
    data[off + 3] === 0 &&
    data[off + 7] === 0;
  // RFC 7348 §5: the I flag must be set for a valid VNI; other bits are reserved (GBP/GPE use some).
  if (dstPort === VXLAN_LINUX_PORT ? !strict : (flags & 0x08) === 0)
    return {
      vni: -1,
      detail: `VXLAN flags 0x${flags.toString(16)} without a valid VNI`,
      malformed: dstPort === VXLAN_PORT,
    };
  return { vni: (data[off + 4] << 16) | (data[off + 5] << 8) | data[off + 6], offset: off + 8 };
}
