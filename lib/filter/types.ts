/**
 * The display-filter field model, shared by the filter language (lib/filter/), the layers that
 * register fields (lib/capture/fields.ts, lib/tcp/fields.ts, lib/http1/fields.ts,
 * lib/http2/fields.ts, lib/tls/fields.ts, lib/findings/fields.ts: each layer registers the fields
 * it produces, as Wireshark dissectors register their `hf` fields) and the views that show them.
 *
 * A field is read for one packet row at a time (row i = packet number i + 1). A field may occur
 * several times in one packet (`ip.addr`, `tcp.port`, `http2.type` in a packet carrying several
 * frames): `read` pushes every occurrence; none = the field is absent from that packet.
 */
import type { PacketTable } from '../packets';
import type { Trace } from '../trace';

/** Value kinds, as Wireshark's FT_* types are grouped for comparison and literal parsing. */
export type FieldType =
  | 'none' // a protocol or a flag-less marker: existence only (`tcp`, `http2`, `tcp.analysis.retransmission`)
  | 'bool' // 0/1; `tcp.flags.syn == 1`, `== true`
  | 'uint' // unsigned integers (numbers; 64-bit values beyond 2^53 are not expected here)
  | 'int'
  | 'float' // frame.time_relative, tracelens.idle_gap
  | 'string'
  | 'bytes' // byte strings: `tcp.payload`, `frame`; literals aa:bb:cc, "..."
  | 'ipv4' // value: number (32-bit, unsigned)
  | 'ipv6' // value: Uint8Array(16)
  | 'ether'; // value: Uint8Array(6)

export type FieldValue = number | string | Uint8Array | boolean;

/**
 * What a field reads from. `bytes(row)` returns the captured bytes of a packet (read back from the
 * capture through fileOffset/caplen; a Node file, or a Blob through FileReaderSync in a Worker);
 * null when the bytes are not at hand, and then byte-level fields are absent.
 */
export interface FieldContext {
  trace: Trace;
  packets: PacketTable;
  bytes(row: number): Uint8Array | null;
  /**
   * Per-trace caches that layers build lazily on first use (a packet -> HTTP/2 frames index, ...),
   * keyed by the layer's own name so that two layers never collide.
   */
  cache: Map<string, unknown>;
}

export interface FieldDef {
  /** Wireshark's name: "tcp.srcport", "http2.header.name", "tracelens.finding". */
  name: string;
  type: FieldType;
  /** One line, as Wireshark's field reference gives it ("Source Port"). */
  title: string;
  /**
   * Pushes the field's occurrences in packet `row` onto `out` (nothing when absent). For `none`
   * fields push `true` once when present.
   */
  read(ctx: FieldContext, row: number, out: FieldValue[]): void;
  /** For integer fields shown by name (http2.type, tls.handshake.type): value -> name. */
  valueNames?: Record<number, string>;
}

/** A layer's contribution: its fields. The registry (lib/filter/registry.ts) lists every layer. */
export interface FieldLayer {
  /** Protocol name as the filter language knows it ("tcp", "http2"); also a `none` field itself. */
  protocol: string;
  fields: FieldDef[];
}
