/**
 * What capture readers emit. Readers are push parsers: feed them Uint8Array chunks of any size in
 * file order, they call the sink once per packet. `data` is a view into the caller's chunk (or a
 * small copy when a record straddles two chunks) and is valid only during the callback: consumers
 * copy what they keep.
 */

export interface CapturedPacket {
  /** 1-based packet number, as Wireshark numbers them. */
  number: number;
  /** Timestamp: whole seconds since the Unix epoch and the nanoseconds within that second. */
  tsSec: number;
  tsNsec: number;
  /** LINKTYPE_* of the interface the packet came from. */
  linkType: number;
  interfaceId: number;
  /** Captured length (bytes present) and original length on the wire. */
  caplen: number;
  origLen: number;
  /** Byte offset of the packet data (not the record header) in the (decompressed) file. */
  fileOffset: number;
  data: Uint8Array;
}

export interface CaptureInterface {
  linkType: number;
  snaplen: number;
  name?: string;
  /** Ticks per second of timestamps on this interface (1e6 for microseconds). */
  tsResolution: number;
  /** if_tsoffset: seconds added to every timestamp. */
  tsOffset: number;
}

/** A pcapng Decryption Secrets Block (e.g. TLS key log), kept for lib/tls. */
export interface DecryptionSecrets {
  /** secrets type, e.g. 0x544c534b ("TLSK") for an NSS key log. */
  type: number;
  data: Uint8Array;
  fileOffset: number;
}

export interface CaptureSink {
  packet(p: CapturedPacket): void;
  /** Optional: secrets found in the file (pcapng DSB). */
  secrets?(s: DecryptionSecrets): void;
}

/** A reader's fatal complaint about the bytes, with where it happened. */
export class CaptureFormatError extends Error {
  constructor(
    message: string,
    /** Byte offset in the (decompressed) file where the problem is. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'CaptureFormatError';
  }
}

export type CaptureFileFormat = 'pcap' | 'pcapng';

/** Facts a reader learns about the file; filled in as the header/blocks are read. */
export interface CaptureFileInfo {
  format: CaptureFileFormat | null;
  compression: 'gzip' | null;
  /** pcap: 'le' / 'be'; pcapng: of the current section. */
  byteOrder: 'le' | 'be' | null;
  /** pcap: 'us' | 'ns'. */
  precision: 'us' | 'ns' | null;
  interfaces: CaptureInterface[];
  sections: number;
  warnings: string[];
  /** Packets emitted so far. */
  packets: number;
  /** Bytes consumed so far (decompressed). */
  bytesRead: number;
  /** Packets whose captured length is shorter than their original length (added by lib/capture). */
  truncatedPackets?: number;
}

/** Common shape of a streaming reader (pcap, pcapng, or the sniffing/gzip front end). */
export interface CaptureReader {
  readonly info: CaptureFileInfo;
  /** Feed the next chunk. Throws CaptureFormatError on bytes that cannot be read further. */
  push(chunk: Uint8Array): void;
  /** End of input: throws CaptureFormatError if a record was cut short (after emitting all whole ones). */
  end(): void;
}

/**
 * Network-layer view of one packet, from lib/capture/link.ts `decodeNetwork(linkType, data)`.
 * Offsets index into the packet's `data`; nothing is copied.
 */
export interface NetPacket {
  ipVersion: 4 | 6;
  src: string; // dotted IPv4 or RFC 5952 IPv6 text
  dst: string;
  /** Upper-layer protocol (after IPv6 extension headers): 6 TCP, 17 UDP, ... */
  protocol: number;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  /** IPv4 identification; null for IPv6. */
  ipId: number | null;
  /**
   * 802.1Q / 802.1ad VLAN ids, outermost first, of the innermost Ethernet frame: a tunnel's outer
   * frame belongs to the underlay (see lib/capture/link.ts descend).
   */
  vlan: number[];
  /** Where the L4 header starts in `data`, and the L4 length the IP header claims. */
  l4Offset: number;
  l4Length: number;
  /** True for a fragment (MF set or non-zero offset); only the first fragment carries the L4 header. */
  fragment: boolean;
  firstFragment: boolean;
  /** Set on a fragment: what reassembly needs (lib/capture/ip-fragments.ts). */
  frag?: FragmentInfo;
  /**
   * The overlay network of a tunnelled packet ("vxlan 42"), keyed like VLAN ids: the same inner
   * 4-tuple in two overlays is two connections. Absent when not tunnelled, or when the tunnel does
   * not name a network (GRE, MPLS, PPPoE: see lib/capture/link.ts descend).
   */
  tunnel?: string;
  /**
   * Set by lib/capture/network.ts when this packet completed an IP datagram from fragments: the
   * reassembled bytes, which l4Offset/l4Length index instead of the packet's own data. Held only
   * for the call that hands the packet on (consumers copy what they keep).
   */
  reassembled?: Uint8Array;
}

/** An IP fragment: identification, where its data sits in the datagram and in the packet. */
export interface FragmentInfo {
  /** IPv4 identification (16 bits) or IPv6 Fragment header identification (32 bits). */
  id: number;
  /** Byte offset of this fragment's data in the reassembled payload. */
  offset: number;
  /** More-fragments flag: false on the last fragment, which fixes the datagram's length. */
  more: boolean;
  /** Where this fragment's data starts in the packet, and its length as the IP header claims. */
  dataOffset: number;
  dataLength: number;
  /** Protocol of the reassembled payload (IPv4 protocol; IPv6 Fragment header's next header). */
  next: number;
}

/** Why a packet has no NetPacket: not IP (ARP, ...), unsupported link type, or broken headers. */
export interface NetDecodeFailure {
  reason: 'not-ip' | 'unsupported-link' | 'malformed';
  detail: string;
}
