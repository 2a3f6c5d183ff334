// Wireshark's default colouring rules (its `colorfilters` file, Wireshark 4.x): row background and
// text colour by rule name. Which rule a packet matches is decided by lib/packet-list.ts
// (coloringRule); this is only how each rule looks, in Wireshark's own colours (16-bit RGB in the
// file, written here as 8-bit hex) so that a Wireshark user reads the list at a glance.
const DARK_TEXT = '#12272e';

export const COLOR_RULES: Record<string, { bg: string; fg: string }> = {
  'Bad TCP': { bg: '#12272e', fg: '#f78787' },
  'HSRP State Change': { bg: '#12272e', fg: '#fff600' },
  'Spanning Tree Topology  Change': { bg: '#12272e', fg: '#fff600' },
  'OSPF State Change': { bg: '#12272e', fg: '#fff600' },
  'ICMP errors': { bg: '#12272e', fg: '#b7f774' },
  ARP: { bg: '#faf0d7', fg: DARK_TEXT },
  ICMP: { bg: '#fce0ff', fg: DARK_TEXT },
  'TCP RST': { bg: '#a40000', fg: '#fffc9c' },
  'SCTP ABORT': { bg: '#a40000', fg: '#fffc9c' },
  'TTL low or unexpected': { bg: '#a40000', fg: '#fffcfc' },
  'Checksum Errors': { bg: '#12272e', fg: '#f78787' },
  SMB: { bg: '#feffd0', fg: DARK_TEXT },
  HTTP: { bg: '#e4ffc7', fg: DARK_TEXT },
  DCERPC: { bg: '#c797ff', fg: DARK_TEXT },
  Routing: { bg: '#fff3d6', fg: DARK_TEXT },
  'TCP SYN/FIN': { bg: '#a0a0a0', fg: DARK_TEXT },
  TCP: { bg: '#e7e6ff', fg: DARK_TEXT },
  UDP: { bg: '#daeeff', fg: DARK_TEXT },
  Broadcast: { bg: '#ffffff', fg: '#babdb6' },
  'System Event': { bg: '#e6e6e6', fg: '#2d6f9a' },
};

/** Inline style of a row coloured by `rule` (none for an unknown or absent rule). */
export function ruleStyle(rule: string | null): { background: string; color: string } | undefined {
  const c = rule ? COLOR_RULES[rule] : undefined;
  return c ? { background: c.bg, color: c.fg } : undefined;
}
