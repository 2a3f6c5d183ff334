// The packet detail tree (Wireshark's middle pane): frame, link, network and transport layers
// decoded from a packet's captured bytes, each field with its byte range (for the hex pane) and,
// where a display-filter field says the same, the filter that selects it ("Apply as filter").
// Isomorphic (runs in the analysis worker); reads only the bytes it is given, never past them.

import { ETHER_TYPE_NAMES, IP_PROTOCOL_NAMES } from '@/lib/capture/fields';
import { ipv6Text } from '@/lib/capture/link';
import { TCP_FLAGS } from '@/lib/tcp/fields';

export interface DetailNode {
  label: string;
  /** Byte range of the field in the packet's captured bytes (absent: not from the bytes). */
  start?: number;
  length?: number;
  /** A display filter that selects packets with this field's value (`tcp.srcport == 443`). */
  filter?: string;
  children?: DetailNode[];
}

export interface FrameFacts {
  number: number;
  timeS: number;
  /** Absolute time as text (UTC), when the capture has it. */
  absolute: string | null;
  deltaS: number | null;
  caplen: number;
  origLen: number;
  iface: number;
  linkType: number;
}

const hex2 = (b: number) => b.toString(16).padStart(2, '0');
const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u32 = (b: Uint8Array, o: number) =>
  ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const mac = (b: Uint8Array, o: number) => Array.from(b.subarray(o, o + 6), hex2).join(':');
const ipv4 = (b: Uint8Array, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
const LINK_NAMES: Record<number, string> = {
  0: 'BSD loopback',
  1: 'Ethernet',
  101: 'Raw IP',
  108: 'OpenBSD loopback',
  113: 'Linux cooked capture v1',
  228: 'Raw IPv4',
  229: 'Raw IPv6',
  276: 'Linux cooked capture v2',
};

function leaf(label: string, start: number, length: number, filter?: string): DetailNode {
  return { label, start, length, filter };
}

/** The tree of one packet: frame, then as many layers as the bytes hold. */
export function dissect(bytes: Uint8Array | null, f: FrameFacts): DetailNode[] {
  const caplen = bytes ? bytes.length : f.caplen;
  const frame: DetailNode = {
    label: `Frame ${f.number}: ${f.origLen} bytes on wire, ${f.caplen} bytes captured, interface ${f.iface}`,
    start: 0,
    length: caplen,
    filter: `frame.number == ${f.number}`,
    children: [
      ...(f.absolute ? [{ label: `Arrival Time: ${f.absolute}` }] : []),
      { label: `Time since first frame: ${f.timeS.toFixed(9)} seconds` },
      ...(f.deltaS !== null
        ? [{ label: `Time delta from previous captured frame: ${f.deltaS.toFixed(9)} seconds` }]
        : []),
      { label: `Frame Number: ${f.number}`, filter: `frame.number == ${f.number}` },
      { label: `Frame Length: ${f.origLen} bytes`, filter: `frame.len == ${f.origLen}` },
      { label: `Capture Length: ${f.caplen} bytes`, filter: `frame.cap_len == ${f.caplen}` },
      { label: `Encapsulation: ${LINK_NAMES[f.linkType] ?? `link type ${f.linkType}`}` },
    ],
  };
  const out: DetailNode[] = [frame];
  if (!bytes) return out;
  const b = bytes;
  let o = 0;
  let etype = -1;
  switch (f.linkType) {
    case 1: {
      if (b.length < 14) return out;
      const eth: DetailNode = {
        label: `Ethernet II, Src: ${mac(b, 6)}, Dst: ${mac(b, 0)}`,
        start: 0,
        length: 14,
        children: [
          leaf(`Destination: ${mac(b, 0)}`, 0, 6, `eth.dst == ${mac(b, 0)}`),
          leaf(`Source: ${mac(b, 6)}`, 6, 6, `eth.src == ${mac(b, 6)}`),
          leaf(
            `Type: ${ETHER_TYPE_NAMES[u16(b, 12)] ?? ''} (0x${u16(b, 12).toString(16).padStart(4, '0')})`,
            12,
            2,
            `eth.type == 0x${u16(b, 12).toString(16).padStart(4, '0')}`,
          ),
        ],
      };
      out.push(eth);
      etype = u16(b, 12);
      o = 14;
      while ((etype === 0x8100 || etype === 0x88a8) && o + 4 <= b.length) {
        const tci = u16(b, o);
        out.push({
          label: `802.1Q Virtual LAN, PRI: ${tci >> 13}, ID: ${tci & 0xfff}`,
          start: o,
          length: 4,
          children: [
            leaf(`ID: ${tci & 0xfff}`, o, 2, `vlan.id == ${tci & 0xfff}`),
            leaf(
              `Type: ${ETHER_TYPE_NAMES[u16(b, o + 2)] ?? ''} (0x${u16(b, o + 2)
                .toString(16)
                .padStart(4, '0')})`,
              o + 2,
              2,
            ),
          ],
        });
        etype = u16(b, o + 2);
        o += 4;
      }
      break;
    }
    case 113:
      if (b.length < 16) return out;
      etype = u16(b, 14);
      out.push({
        label: 'Linux cooked capture v1',
        start: 0,
        length: 16,
        children: [
          leaf(
            `Protocol: ${ETHER_TYPE_NAMES[etype] ?? ''} (0x${etype.toString(16).padStart(4, '0')})`,
            14,
            2,
          ),
        ],
      });
      o = 16;
      break;
    case 276:
      if (b.length < 20) return out;
      etype = u16(b, 0);
      out.push({
        label: 'Linux cooked capture v2',
        start: 0,
        length: 20,
        children: [
          leaf(`Protocol: ${ETHER_TYPE_NAMES[etype] ?? ''} (0x${etype.toString(16).padStart(4, '0')})`, 0, 2),
          leaf(`Interface index: ${u32(b, 4)}`, 4, 4),
        ],
      });
      o = 20;
      break;
    case 0:
    case 108:
      if (b.length < 4) return out;
      out.push({ label: 'Null/Loopback', start: 0, length: 4 });
      o = 4;
      etype = b[4] >> 4 === 6 ? 0x86dd : 0x0800;
      break;
    case 101:
    case 12:
    case 14:
    case 228:
    case 229:
      etype = b[0] >> 4 === 6 ? 0x86dd : 0x0800;
      break;
    default:
      return out;
  }
  let l4 = -1;
  let l4Off = 0;
  let l4End = b.length;
  if (etype === 0x0800 && o + 20 <= b.length) {
    const ihl = (b[o] & 0x0f) * 4;
    const total = u16(b, o + 2);
    const ff = u16(b, o + 6);
    const src = ipv4(b, o + 12);
    const dst = ipv4(b, o + 16);
    l4 = b[o + 9];
    out.push({
      label: `Internet Protocol Version 4, Src: ${src}, Dst: ${dst}`,
      start: o,
      length: ihl,
      children: [
        leaf(`Header Length: ${ihl} bytes`, o, 1, `ip.hdr_len == ${ihl}`),
        leaf(`Differentiated Services: 0x${hex2(b[o + 1])}`, o + 1, 1),
        leaf(`Total Length: ${total}`, o + 2, 2, `ip.len == ${total}`),
        leaf(
          `Identification: 0x${u16(b, o + 4)
            .toString(16)
            .padStart(4, '0')} (${u16(b, o + 4)})`,
          o + 4,
          2,
          `ip.id == 0x${u16(b, o + 4)
            .toString(16)
            .padStart(4, '0')}`,
        ),
        leaf(
          `Flags: 0x${hex2(ff >> 13)}${ff & 0x4000 ? ", Don't fragment" : ''}${ff & 0x2000 ? ', More fragments' : ''}`,
          o + 6,
          1,
          `ip.flags.df == ${ff & 0x4000 ? 1 : 0}`,
        ),
        leaf(`Fragment Offset: ${(ff & 0x1fff) * 8}`, o + 6, 2),
        leaf(`Time to Live: ${b[o + 8]}`, o + 8, 1, `ip.ttl == ${b[o + 8]}`),
        leaf(`Protocol: ${IP_PROTOCOL_NAMES[l4] ?? ''} (${l4})`, o + 9, 1, `ip.proto == ${l4}`),
        leaf(
          `Header Checksum: 0x${u16(b, o + 10)
            .toString(16)
            .padStart(4, '0')}`,
          o + 10,
          2,
        ),
        leaf(`Source Address: ${src}`, o + 12, 4, `ip.src == ${src}`),
        leaf(`Destination Address: ${dst}`, o + 16, 4, `ip.dst == ${dst}`),
      ],
    });
    l4Off = o + ihl;
    if (total >= ihl) l4End = Math.min(b.length, o + total);
    if (ff & 0x1fff) l4 = -1; // a later fragment: no transport header here
  } else if (etype === 0x86dd && o + 40 <= b.length) {
    const plen = u16(b, o + 4);
    const src = ipv6Text(b, o + 8);
    const dst = ipv6Text(b, o + 24);
    l4 = b[o + 6];
    out.push({
      label: `Internet Protocol Version 6, Src: ${src}, Dst: ${dst}`,
      start: o,
      length: 40,
      children: [
        leaf(`Payload Length: ${plen}`, o + 4, 2, `ipv6.plen == ${plen}`),
        leaf(`Next Header: ${IP_PROTOCOL_NAMES[l4] ?? ''} (${l4})`, o + 6, 1, `ipv6.nxt == ${l4}`),
        leaf(`Hop Limit: ${b[o + 7]}`, o + 7, 1, `ipv6.hlim == ${b[o + 7]}`),
        leaf(`Source Address: ${src}`, o + 8, 16, `ipv6.src == ${src}`),
        leaf(`Destination Address: ${dst}`, o + 24, 16, `ipv6.dst == ${dst}`),
      ],
    });
    l4Off = o + 40;
    l4End = Math.min(b.length, l4Off + plen);
  }
  if (l4 === 6 && l4Off + 20 <= b.length) out.push(tcp(b, l4Off, l4End));
  else if (l4 === 17 && l4Off + 8 <= b.length) {
    const sp = u16(b, l4Off);
    const dp = u16(b, l4Off + 2);
    out.push({
      label: `User Datagram Protocol, Src Port: ${sp}, Dst Port: ${dp}`,
      start: l4Off,
      length: 8,
      children: [
        leaf(`Source Port: ${sp}`, l4Off, 2, `udp.srcport == ${sp}`),
        leaf(`Destination Port: ${dp}`, l4Off + 2, 2, `udp.dstport == ${dp}`),
        leaf(`Length: ${u16(b, l4Off + 4)}`, l4Off + 4, 2, `udp.length == ${u16(b, l4Off + 4)}`),
      ],
    });
  }
  return out;
}

/** Where the TCP payload starts in the bytes, for the application layer's ranges. */
export function tcpPayloadRange(tree: DetailNode[]): { start: number; length: number } | null {
  const t = tree.find((n) => n.label.startsWith('Transmission Control Protocol'));
  const p = t?.children?.find((c) => c.label.startsWith('TCP payload'));
  return p && p.start !== undefined && p.length !== undefined ? { start: p.start, length: p.length } : null;
}

function tcp(b: Uint8Array, o: number, end: number): DetailNode {
  const sp = u16(b, o);
  const dp = u16(b, o + 2);
  const seq = u32(b, o + 4);
  const ack = u32(b, o + 8);
  const hl = (b[o + 12] >> 4) * 4;
  const flags = b[o + 13] | ((b[o + 12] & 1) << 8);
  const win = u16(b, o + 14);
  // Highest bit first, as Wireshark's tree lists them.
  const names = [...TCP_FLAGS].reverse();
  const set = names.filter((f) => flags & f.bit).map((f) => f.name);
  const payload = Math.max(0, end - o - hl);
  const children: DetailNode[] = [
    leaf(`Source Port: ${sp}`, o, 2, `tcp.srcport == ${sp}`),
    leaf(`Destination Port: ${dp}`, o + 2, 2, `tcp.dstport == ${dp}`),
    leaf(`Sequence Number (raw): ${seq}`, o + 4, 4, `tcp.seq_raw == ${seq}`),
    leaf(`Acknowledgment Number (raw): ${ack}`, o + 8, 4, `tcp.ack_raw == ${ack}`),
    leaf(`Header Length: ${hl} bytes`, o + 12, 1, `tcp.hdr_len == ${hl}`),
    {
      label: `Flags: 0x${flags.toString(16).padStart(3, '0')} (${set.join(', ')})`,
      start: o + 12,
      length: 2,
      filter: `tcp.flags == 0x${flags.toString(16).padStart(3, '0')}`,
      children: names.map((f) =>
        leaf(
          `${f.name}: ${flags & f.bit ? 'Set' : 'Not set'}`,
          o + 13,
          1,
          `${f.field} == ${flags & f.bit ? 1 : 0}`,
        ),
      ),
    },
    leaf(`Window: ${win}`, o + 14, 2, `tcp.window_size_value == ${win}`),
    leaf(
      `Checksum: 0x${u16(b, o + 16)
        .toString(16)
        .padStart(4, '0')}`,
      o + 16,
      2,
    ),
    leaf(`Urgent Pointer: ${u16(b, o + 18)}`, o + 18, 2),
  ];
  if (hl > 20 && o + hl <= b.length)
    children.push({
      label: `Options: (${hl - 20} bytes)`,
      start: o + 20,
      length: hl - 20,
      children: tcpOptions(b, o + 20, o + hl),
    });
  if (payload > 0)
    children.push(leaf(`TCP payload (${payload} bytes)`, o + hl, payload, `tcp.len == ${payload}`));
  return {
    label: `Transmission Control Protocol, Src Port: ${sp}, Dst Port: ${dp}, Len: ${payload}`,
    start: o,
    length: Math.min(hl, b.length - o),
    children,
  };
}

function tcpOptions(b: Uint8Array, o: number, end: number): DetailNode[] {
  const out: DetailNode[] = [];
  while (o < end) {
    const kind = b[o];
    if (kind === 0) {
      out.push(leaf('End of Option List (EOL)', o, 1));
      break;
    }
    if (kind === 1) {
      out.push(leaf('No-Operation (NOP)', o, 1));
      o++;
      continue;
    }
    const len = b[o + 1];
    if (!len || len < 2 || o + len > end) {
      out.push(leaf(`Malformed option (kind ${kind})`, o, end - o));
      break;
    }
    const name =
      kind === 2 && len === 4
        ? `Maximum segment size: ${u16(b, o + 2)} bytes`
        : kind === 3 && len === 3
          ? `Window scale: ${b[o + 2]} (multiply by ${1 << b[o + 2]})`
          : kind === 4
            ? 'SACK permitted'
            : kind === 5
              ? `SACK: ${(len - 2) / 8} block(s)`
              : kind === 8 && len === 10
                ? `Timestamps: TSval ${u32(b, o + 2)}, TSecr ${u32(b, o + 6)}`
                : kind === 34
                  ? 'TCP Fast Open Cookie'
                  : `Option kind ${kind}, length ${len}`;
    out.push(leaf(name, o, len));
    o += len;
  }
  return out;
}
