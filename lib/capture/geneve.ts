/**
 * Geneve (RFC 8926, UDP 6081): an 8-byte header, variable-length options, then the payload its
 * protocol type names — an Ethernet frame (0x6558), or an IP packet (AWS Gateway Load Balancer
 * hands appliances the original IP packet this way, its flow facts in the options).
 */

export const GENEVE_PORT = 6081;

export type GeneveInner =
  { vni: number; type: number; offset: number } | { vni: -1; detail: string; malformed: boolean };

export function geneveInner(data: Uint8Array, off: number, end = data.length): GeneveInner {
  if (off + 8 > Math.min(end, data.length))
    return { vni: -1, detail: 'Geneve header cut short', malformed: true };
  const version = data[off] >> 6;
  if (version !== 0) return { vni: -1, detail: `Geneve version ${version}`, malformed: true };
  const optionsLen = (data[off] & 0x3f) * 4;
  // O flag: a control message (OAM), not a tenant's packet.
  if (data[off + 1] & 0x80) return { vni: -1, detail: 'Geneve control (OAM) packet', malformed: false };
  const type = (data[off + 2] << 8) | data[off + 3];
  const vni = (data[off + 4] << 16) | (data[off + 5] << 8) | data[off + 6];
  const p = off + 8 + optionsLen;
  if (p > Math.min(end, data.length)) return { vni: -1, detail: 'Geneve options cut short', malformed: true };
  return { vni, type, offset: p };
}
