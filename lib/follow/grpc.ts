/**
 * gRPC messages of one direction of a call: the DATA bytes split into length-prefixed messages
 * (1 byte compressed flag, 4 bytes big-endian length, the message), compressed ones inflated with
 * the call's grpc-encoding (gzip, deflate), each decoded as Protocol Buffers without a schema.
 */
import { MAX_DECODED_BODY, undoEncoding } from './body';
import { decodeProtobuf, formatProtobuf, type PbField } from './protobuf';

export interface GrpcMessage {
  /** 0-based index in its direction, and the byte offset of its prefix in the DATA bytes. */
  index: number;
  offset: number;
  compressed: boolean;
  /** Length on the wire (after the prefix), and after inflating. */
  length: number;
  bytes: Uint8Array;
  /** Decoded fields, or null when the bytes are not a protobuf message. */
  fields: PbField[] | null;
  /** The message as text: decoded fields, or a note with a hex start. */
  text: string;
  /** Problems: truncated, compressed with an unknown encoding, inflate failed. */
  note?: string;
}

/** Splits and decodes; `encoding` is the grpc-encoding header of that direction (null = identity). */
export function grpcMessages(data: Uint8Array, encoding: string | null, complete = true): GrpcMessage[] {
  const out: GrpcMessage[] = [];
  let p = 0;
  while (p < data.length) {
    const offset = p;
    if (data.length - p < 5) {
      out.push(
        truncated(out.length, offset, data.subarray(p), `${data.length - p} bytes of a message prefix`),
      );
      break;
    }
    const flag = data[p];
    const length = ((data[p + 1] << 24) >>> 0) + (data[p + 2] << 16) + (data[p + 3] << 8) + data[p + 4];
    p += 5;
    if (p + length > data.length) {
      const have = data.length - p;
      out.push(
        truncated(
          out.length,
          offset,
          data.subarray(p),
          `${length.toLocaleString('en-US')}-byte message, ${have.toLocaleString('en-US')} bytes ${complete ? 'sent' : 'captured'}`,
        ),
      );
      break;
    }
    const wire = data.subarray(p, p + length);
    p += length;
    const compressed = (flag & 1) === 1;
    let bytes = wire;
    let note: string | undefined;
    if (compressed) {
      const enc = (encoding ?? 'identity').toLowerCase();
      try {
        if (enc === 'identity') throw new Error('compressed flag set but grpc-encoding is identity');
        bytes = undoEncoding(enc, wire, MAX_DECODED_BODY);
      } catch (e) {
        note = `compressed (${enc}): ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    const fields = note ? null : decodeProtobuf(bytes);
    out.push({
      index: out.length,
      offset,
      compressed,
      length,
      bytes,
      fields,
      text: fields ? formatProtobuf(fields) || '(empty message)' : hexStart(bytes),
      ...(note ? { note } : fields === null ? { note: 'not a protobuf message' } : {}),
    });
  }
  return out;
}

function truncated(index: number, offset: number, rest: Uint8Array, what: string): GrpcMessage {
  return {
    index,
    offset,
    compressed: rest.length > 0 && (rest[0] & 1) === 1,
    length: rest.length,
    bytes: rest,
    fields: null,
    text: hexStart(rest),
    note: `truncated: ${what}`,
  };
}

function hexStart(b: Uint8Array): string {
  const hex = Array.from(b.subarray(0, 256), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return b.length > 256 ? `${hex} … (${b.length.toLocaleString('en-US')} bytes)` : hex;
}
