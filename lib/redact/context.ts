/** What the first-pass walkers share: where edits go, what to redact, and what was done. */
import type { Dir } from '../trace';
import type { EditList } from './edits';

export interface RedactOptions {
  /** Map TCP/UDP ports >= 1024 to pseudonyms too (default false). */
  mapPorts?: boolean;
  /** Header names (any case) whose values are replaced, besides the defaults. */
  redactHeaders?: string[];
  /** Keep payloads (bodies, DATA, TLS application data); headers and addresses are still redacted. */
  keepPayload?: boolean;
  /** Replace TLS ClientHello server names with same-length pseudonyms (default true). */
  mapSni?: boolean;
  /** Key for the address/port/name pseudonyms; random when absent. */
  key?: Uint8Array;
}

export const DEFAULT_REDACT_HEADERS = ['authorization', 'cookie', 'set-cookie', 'proxy-authorization'];
/**
 * Headers that name the server (often by the very address the packets had): their values get
 * consistent same-length pseudonyms rather than filler, so streams to one host still group.
 */
export const MAPPED_HEADERS = ['host', ':authority'];

export interface RedactStats {
  packets: number;
  /** Distinct IP addresses (v4 + v6) given pseudonyms. */
  addressesMapped: number;
  macsMapped: number;
  portsMapped: number;
  /** Header fields whose values were replaced (HTTP/1 lines, HPACK literals). */
  headersReplaced: number;
  /** Payload bytes (bodies, DATA, TLS application data, unparsed TCP/UDP payload) zeroed, per stream. */
  payloadBytesCut: number;
  sniMapped: number;
  /** Host / :authority header values given pseudonyms. */
  hostsMapped: number;
  /** pcapng comments, interface names/descriptions and SHB hardware/OS/application options removed. */
  commentsRemoved: number;
  optionsRemoved: number;
  /** Decryption Secrets Blocks (key logs) and other blocks removed (name resolution, custom). */
  secretsBlocksRemoved: number;
  blocksRemoved: number;
  /** Packets of link types we cannot parse: their data after the captured headers is zeroed. */
  packetsZeroed: number;
  /** Connections whose parsing stopped early (unparseable bytes zeroed from there on). */
  warnings: string[];
}

export function emptyStats(): RedactStats {
  return {
    packets: 0,
    addressesMapped: 0,
    macsMapped: 0,
    portsMapped: 0,
    headersReplaced: 0,
    payloadBytesCut: 0,
    sniMapped: 0,
    hostsMapped: 0,
    commentsRemoved: 0,
    optionsRemoved: 0,
    secretsBlocksRemoved: 0,
    blocksRemoved: 0,
    packetsZeroed: 0,
    warnings: [],
  };
}

export interface WalkContext {
  edits: Record<Dir, EditList>;
  sensitive: ReadonlySet<string>;
  /** Header names whose values get pseudonyms (MAPPED_HEADERS). */
  mapped: ReadonlySet<string>;
  /** Same-length pseudonym of a raw header value (letters stay letters, digits digits). */
  mapValue(raw: Uint8Array): Uint8Array;
  /** Keyed bytes derived from a header value, for a Huffman-coded pseudonym. */
  valueSeed(value: Uint8Array): Uint8Array;
  keepPayload: boolean;
  /** Same-length pseudonym for a TLS server name, or null to keep names. */
  mapName: ((name: string) => string) | null;
  stats: RedactStats;
  /**
   * The capture began after the connection did (no handshake seen): the first bytes of each
   * direction may be the middle of a message (as lib/http1/exchanges.ts reads it).
   */
  midStream(): boolean;
  /** Zero stream bytes (payload), unless payloads are kept. */
  cut(dir: Dir, offset: number, length: number): void;
}
