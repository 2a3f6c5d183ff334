/**
 * Every layer's display-filter fields, in protocol order (as Wireshark registers them, one
 * dissector at a time), and the context fields read from. Adding a field is a row in its layer's
 * file (lib/capture/fields.ts, lib/tcp/fields.ts, lib/http1/fields.ts, lib/http2/fields.ts,
 * lib/tls/fields.ts, lib/findings/fields.ts); adding a layer is one line here.
 */
import { CAPTURE_LAYERS } from '../capture/fields';
import { FINDINGS_LAYER } from '../findings/fields';
import { HTTP_LAYER } from '../http1/fields';
import { GRPC_LAYER, HTTP2_LAYER } from '../http2/fields';
import { PacketTable } from '../packets';
import { TCP_LAYER } from '../tcp/fields';
import { TLS_LAYER } from '../tls/fields';
import type { Trace } from '../trace';
import type { FieldContext, FieldDef, FieldLayer, FieldValue } from './types';

export const FIELD_LAYERS: FieldLayer[] = [
  ...CAPTURE_LAYERS,
  TCP_LAYER,
  TLS_LAYER,
  HTTP_LAYER,
  HTTP2_LAYER,
  GRPC_LAYER,
  FINDINGS_LAYER,
];

/** Every field by name (the protocol's own `none` field included). */
export function fieldIndex(layers: FieldLayer[] = FIELD_LAYERS): Map<string, FieldDef> {
  const m = new Map<string, FieldDef>();
  for (const l of layers) for (const f of l.fields) if (!m.has(f.name)) m.set(f.name, f);
  return m;
}

/**
 * The context fields read from. `bytes(row)` reads a packet's captured bytes back (null when they
 * are not at hand: then byte-level fields are absent). A trace without packets (a debug log) gets
 * an empty table: no packet matches.
 */
export function fieldContext(trace: Trace, bytes?: (row: number) => Uint8Array | null): FieldContext {
  return {
    trace,
    packets: trace.packets ?? new PacketTable(),
    bytes: bytes ?? (() => null),
    cache: new Map(),
  };
}

/** All occurrences of field `name` in packet `row` (convenience for views and tests). */
export function readField(ctx: FieldContext, field: FieldDef, row: number): FieldValue[] {
  const out: FieldValue[] = [];
  field.read(ctx, row, out);
  return out;
}
