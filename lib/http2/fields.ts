/**
 * Display-filter fields of HTTP/2 (http2.*) and gRPC (grpc.*), with Wireshark's names. A frame
 * belongs to the packet that carried its last byte, where tshark dissects it once reassembled; a
 * packet that carries several frames has each field once per frame (several `http2.type`).
 *
 * tshark 4.x has no gRPC status or path field (they are HTTP/2 headers there): `grpc.status`,
 * `grpc.path` and `grpc.message` are tracelens' own, on the packet of the HEADERS frame that
 * carries grpc-status (trailers) or the request's :path on a gRPC stream.
 */
import { def, headersOf } from '../capture/fields';
import type { FieldContext, FieldLayer, FieldValue } from '../filter/types';
import type { H2Frame, H2Stream } from '../trace';
import { ERROR_NAMES, F, SETTING_NAMES, T } from './frames';
import { isGrpcContentType } from './grpc';

export const HTTP2_TYPE_NAMES: Record<number, string> = {
  0: 'DATA',
  1: 'HEADERS',
  2: 'PRIORITY',
  3: 'RST_STREAM',
  4: 'SETTINGS',
  5: 'PUSH_PROMISE',
  6: 'PING',
  7: 'GOAWAY',
  8: 'WINDOW_UPDATE',
  9: 'CONTINUATION',
  10: 'ALTSVC',
  12: 'ORIGIN',
  16: 'PRIORITY_UPDATE',
};

const ERROR_VALUE_NAMES: Record<number, string> = Object.fromEntries(ERROR_NAMES.map((n, i) => [i, n]));

/** One frame in a packet, with the stream it belongs to (null for stream 0 or an unknown one). */
export interface H2Occurrence {
  frame: H2Frame;
  stream: H2Stream | null;
}

/** Packet row -> the HTTP/2 frames that end in it, in frame order; built once per trace. */
export function h2FramesByRow(ctx: FieldContext): Map<number, H2Occurrence[]> {
  const key = 'http2.byRow';
  let m = ctx.cache.get(key) as Map<number, H2Occurrence[]> | undefined;
  if (m) return m;
  const map = new Map<number, H2Occurrence[]>();
  const add = (frame: H2Frame, stream: H2Stream | null): void => {
    const last = frame.packets.length > 0 ? frame.packets[frame.packets.length - 1] : 0;
    if (last <= 0) return; // a frame from a debug log has no packet
    const list = map.get(last - 1);
    if (list) list.push({ frame, stream });
    else map.set(last - 1, [{ frame, stream }]);
  };
  for (const s of ctx.trace.streams) for (const f of s.frames) add(f, s);
  for (const c of ctx.trace.h2) for (const f of c.frames) add(f, null);
  for (const list of map.values()) list.sort((a, b) => a.frame.number - b.frame.number);
  ctx.cache.set(key, map);
  m = map;
  return m;
}

/**
 * Packets that carried the client connection preface of a cleartext HTTP/2 connection that began
 * with it (prior knowledge) or switched to it (h2c upgrade): the client packet whose payload starts
 * with it (without the bytes: the first client packet with payload, prior knowledge only). Behind
 * TLS the preface is in the first decrypted record, whose packet the trace does not keep. tshark
 * shows `http2` there even when no frame completes in it.
 */
export function prefaceRows(ctx: FieldContext): Set<number> {
  const key = 'http2.preface';
  let rows = ctx.cache.get(key) as Set<number> | undefined;
  if (rows) return rows;
  rows = new Set();
  const want = new Map<number, boolean>();
  const byId = new Map(ctx.trace.connections.map((c, i) => [c.id, i]));
  for (const h of ctx.trace.h2) {
    const i = byId.get(h.connection);
    if (i !== undefined && h.via === 'preface' && h.prefaceSeen && !ctx.trace.connections[i].tls)
      want.set(i, true);
  }
  const p = ctx.packets;
  const tries = new Map<number, number>();
  for (let row = 0; row < p.length && want.size > 0; row++) {
    const c = p.conn[row];
    if (c < 0 || p.dir[row] !== 0 || p.payloadLen[row] === 0 || !want.has(c)) continue;
    // The client packet whose payload starts with the preface; without the bytes, its first one.
    const starts = startsWithPreface(ctx, row);
    const n = (tries.get(c) ?? 0) + 1;
    tries.set(c, n);
    if (starts === true || (starts === null && n === 1 && want.get(c))) {
      rows.add(row);
      want.delete(c);
    } else if (n >= 16) want.delete(c);
  }
  ctx.cache.set(key, rows);
  return rows;
}

const PREFACE = 'PRI * HTTP/2.0';

function startsWithPreface(ctx: FieldContext, row: number): boolean | null {
  const h = headersOf(ctx, row);
  if (!h || h.tcp < 0) return null;
  const at = h.tcp + (h.bytes[h.tcp + 12] >> 4) * 4;
  if (at + PREFACE.length > h.bytes.length) return false;
  for (let i = 0; i < PREFACE.length; i++) if (h.bytes[at + i] !== PREFACE.charCodeAt(i)) return false;
  return true;
}

type Pick = (o: H2Occurrence, out: FieldValue[]) => void;

function h2(pick: Pick) {
  return (ctx: FieldContext, row: number, out: FieldValue[]): void => {
    const list = h2FramesByRow(ctx).get(row);
    if (list) for (const o of list) pick(o, out);
  };
}

/** A flag bit shown on frames of the given types only, as Wireshark's per-type flag fields. */
function flagOf(bit: number, types: number[]): Pick {
  return (o, out) => {
    if (types.includes(o.frame.typeId)) out.push((o.frame.flagsRaw & bit) !== 0);
  };
}

function setting(id: number): Pick {
  return (o, out) => {
    if (o.frame.typeId !== T.SETTINGS) return;
    for (const s of o.frame.info?.settings ?? []) if (s.id === id) out.push(s.value);
  };
}

/** A header of the frame's decoded header block, every occurrence. */
function headerOf(name: string, asNumber = false): Pick {
  return (o, out) => {
    for (const [n, v] of o.frame.headers ?? []) {
      if (n !== name) continue;
      if (!asNumber) out.push(v);
      else if (/^\d+$/.test(v)) out.push(Number(v));
    }
  };
}

const isGrpcStream = (s: H2Stream | null): boolean => s !== null && s.grpc !== null;

export const HTTP2_LAYER: FieldLayer = {
  protocol: 'http2',
  fields: [
    def('http2', 'none', 'HyperText Transfer Protocol 2', (c, row, out) => {
      if (h2FramesByRow(c).has(row) || prefaceRows(c).has(row)) out.push(true);
    }),
    def('http2.magic', 'none', 'Magic (the client connection preface)', (c, row, out) => {
      if (prefaceRows(c).has(row)) out.push(true);
    }),
    def(
      'http2.type',
      'uint',
      'Type',
      h2((o, out) => void out.push(o.frame.typeId)),
      HTTP2_TYPE_NAMES,
    ),
    def(
      'http2.streamid',
      'uint',
      'Stream Identifier',
      h2((o, out) => void out.push(o.frame.stream)),
    ),
    def(
      'http2.length',
      'uint',
      'Length',
      h2((o, out) => void out.push(o.frame.length)),
    ),
    def(
      'http2.flags',
      'uint',
      'Flags',
      h2((o, out) => void out.push(o.frame.flagsRaw)),
    ),
    def('http2.flags.end_stream', 'bool', 'End Stream', h2(flagOf(F.END_STREAM, [T.DATA, T.HEADERS]))),
    def(
      'http2.flags.eh',
      'bool',
      'End Headers',
      h2(flagOf(F.END_HEADERS, [T.HEADERS, T.PUSH_PROMISE, T.CONTINUATION])),
    ),
    // The name the issue asked for; tshark's is http2.flags.eh.
    def(
      'http2.flags.end_headers',
      'bool',
      'End Headers (tracelens alias of http2.flags.eh)',
      h2(flagOf(F.END_HEADERS, [T.HEADERS, T.PUSH_PROMISE, T.CONTINUATION])),
    ),
    def(
      'http2.flags.padded',
      'bool',
      'Padded',
      h2(flagOf(F.PADDED, [T.DATA, T.HEADERS, T.PUSH_PROMISE, T.CONTINUATION])),
    ),
    def('http2.flags.priority', 'bool', 'Priority', h2(flagOf(F.PRIORITY, [T.HEADERS]))),
    def('http2.flags.ack.settings', 'bool', 'ACK', h2(flagOf(F.ACK, [T.SETTINGS]))),
    def('http2.flags.ack.ping', 'bool', 'ACK', h2(flagOf(F.ACK, [T.PING]))),
    def(
      'http2.header.name',
      'string',
      'Name',
      h2((o, out) => {
        for (const [n] of o.frame.headers ?? []) out.push(n);
      }),
    ),
    def(
      'http2.header.value',
      'string',
      'Value',
      h2((o, out) => {
        for (const [, v] of o.frame.headers ?? []) out.push(v);
      }),
    ),
    def('http2.headers.method', 'string', ':method', h2(headerOf(':method'))),
    def('http2.headers.path', 'string', ':path', h2(headerOf(':path'))),
    def('http2.headers.authority', 'string', ':authority', h2(headerOf(':authority'))),
    def('http2.headers.scheme', 'string', ':scheme', h2(headerOf(':scheme'))),
    def('http2.headers.status', 'uint', ':status', h2(headerOf(':status', true))),
    def('http2.headers.content_type', 'string', 'content-type', h2(headerOf('content-type'))),
    def('http2.headers.user_agent', 'string', 'user-agent', h2(headerOf('user-agent'))),
    def('http2.headers.server', 'string', 'server', h2(headerOf('server'))),
    def(
      'http2.rst_stream.error',
      'uint',
      'Error',
      h2((o, out) => {
        if (o.frame.typeId === T.RST_STREAM && o.frame.info?.errorCode !== undefined)
          out.push(o.frame.info.errorCode);
      }),
      ERROR_VALUE_NAMES,
    ),
    def(
      'http2.goaway.error',
      'uint',
      'Error',
      h2((o, out) => {
        if (o.frame.typeId === T.GOAWAY && o.frame.info?.errorCode !== undefined)
          out.push(o.frame.info.errorCode);
      }),
      ERROR_VALUE_NAMES,
    ),
    def(
      'http2.goaway.last_stream_id',
      'uint',
      'Last-Stream-ID',
      h2((o, out) => {
        if (o.frame.typeId === T.GOAWAY && o.frame.info?.lastStreamId !== undefined)
          out.push(o.frame.info.lastStreamId);
      }),
    ),
    def(
      'http2.settings.id',
      'uint',
      'Settings Identifier',
      h2((o, out) => {
        if (o.frame.typeId === T.SETTINGS) for (const s of o.frame.info?.settings ?? []) out.push(s.id);
      }),
      SETTING_NAMES,
    ),
    def('http2.settings.header_table_size', 'uint', 'Header table size', h2(setting(1))),
    def('http2.settings.enable_push', 'uint', 'Enable PUSH', h2(setting(2))),
    def('http2.settings.max_concurrent_streams', 'uint', 'Max concurrent streams', h2(setting(3))),
    def('http2.settings.initial_window_size', 'uint', 'Initial Windows Size', h2(setting(4))),
    def('http2.settings.max_frame_size', 'uint', 'Max frame size', h2(setting(5))),
    def('http2.settings.max_header_list_size', 'uint', 'Max header list size', h2(setting(6))),
    def(
      'http2.window_update.window_size_increment',
      'uint',
      'Window Size Increment',
      h2((o, out) => {
        if (o.frame.typeId === T.WINDOW_UPDATE && o.frame.info?.increment !== undefined)
          out.push(o.frame.info.increment);
      }),
    ),
  ],
};

export const GRPC_LAYER: FieldLayer = {
  protocol: 'grpc',
  fields: [
    // tshark dissects gRPC in the DATA frames of a gRPC stream (its length-prefixed messages).
    def('grpc', 'none', 'gRPC Message', (c, row, out) => {
      const list = h2FramesByRow(c).get(row);
      if (list?.some((o) => o.frame.typeId === T.DATA && o.frame.length > 0 && isGrpcStream(o.stream)))
        out.push(true);
    }),
    def(
      'grpc.status',
      'uint',
      'grpc-status (tracelens; tshark has no such field)',
      h2((o, out) => {
        if (!isGrpcStream(o.stream)) return;
        headerOf('grpc-status', true)(o, out);
      }),
    ),
    def(
      'grpc.message',
      'string',
      'grpc-message (tracelens; tshark has no such field)',
      h2((o, out) => {
        if (isGrpcStream(o.stream)) headerOf('grpc-message')(o, out);
      }),
    ),
    def(
      'grpc.path',
      'string',
      'Request :path of a gRPC call (tracelens; tshark has no such field)',
      h2((o, out) => {
        if (isGrpcStream(o.stream) && o.frame.dir === 'c2s') headerOf(':path')(o, out);
      }),
    ),
    def(
      'grpc.content_type',
      'string',
      'content-type of a gRPC call (tracelens)',
      h2((o, out) => {
        const ct = o.frame.headers?.find(([n]) => n === 'content-type')?.[1];
        if (ct !== undefined && isGrpcContentType(ct)) out.push(ct);
      }),
    ),
  ],
};
