/** HTTP/2 frame layout (RFC 9113 §4, §6): header parsing, names as tshark prints them, payload facts. */
import type { H2FrameInfo } from '../trace';

export const FRAME_HEADER_LENGTH = 9;
export const DEFAULT_MAX_FRAME_SIZE = 16384;
export const MAX_FRAME_SIZE_LIMIT = 16777215;

export const T = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

const TYPE_NAMES: Record<number, string> = {
  0x0: 'DATA',
  0x1: 'HEADERS',
  0x2: 'PRIORITY',
  0x3: 'RST_STREAM',
  0x4: 'SETTINGS',
  0x5: 'PUSH_PROMISE',
  0x6: 'PING',
  0x7: 'GOAWAY',
  0x8: 'WINDOW_UPDATE',
  0x9: 'CONTINUATION',
  0xa: 'ALTSVC',
  0xc: 'ORIGIN',
  0x10: 'PRIORITY_UPDATE',
};

export function frameTypeName(typeId: number): string {
  return TYPE_NAMES[typeId] ?? `UNKNOWN(0x${typeId.toString(16).padStart(2, '0')})`;
}

export const F = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

const flagNameCache = new Map<number, readonly string[]>();

/**
 * Flag names in bit order, as tshark lists them; only flags defined for the type are named. The
 * array is shared by all frames with the same type and flags (one allocation per combination, not
 * per frame): treat it as read-only.
 */
export function frameFlagNames(typeId: number, flags: number): string[] {
  const key = typeId * 256 + flags;
  let names = flagNameCache.get(key);
  if (!names) {
    names = Object.freeze(computeFlagNames(typeId, flags));
    flagNameCache.set(key, names);
  }
  return names as string[];
}

function computeFlagNames(typeId: number, flags: number): string[] {
  const out: string[] = [];
  switch (typeId) {
    case T.DATA:
      if (flags & 0x1) out.push('END_STREAM');
      if (flags & 0x8) out.push('PADDED');
      break;
    case T.HEADERS:
      if (flags & 0x1) out.push('END_STREAM');
      if (flags & 0x4) out.push('END_HEADERS');
      if (flags & 0x8) out.push('PADDED');
      if (flags & 0x20) out.push('PRIORITY');
      break;
    case T.PUSH_PROMISE:
      if (flags & 0x4) out.push('END_HEADERS');
      if (flags & 0x8) out.push('PADDED');
      break;
    case T.CONTINUATION:
      if (flags & 0x4) out.push('END_HEADERS');
      break;
    case T.SETTINGS:
    case T.PING:
      if (flags & 0x1) out.push('ACK');
      break;
  }
  return out;
}

export const ERROR_NAMES: readonly string[] = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

/** Unknown codes are shown as hex, never rejected (RFC 9113 §7). */
export function errorCodeName(code: number): string {
  return ERROR_NAMES[code] ?? `0x${code.toString(16)}`;
}

export const SETTING_NAMES: Record<number, string> = {
  1: 'HEADER_TABLE_SIZE',
  2: 'ENABLE_PUSH',
  3: 'MAX_CONCURRENT_STREAMS',
  4: 'INITIAL_WINDOW_SIZE',
  5: 'MAX_FRAME_SIZE',
  6: 'MAX_HEADER_LIST_SIZE',
  8: 'ENABLE_CONNECT_PROTOCOL',
  9: 'NO_RFC7540_PRIORITIES',
};

export function settingName(id: number): string {
  return SETTING_NAMES[id] ?? `UNKNOWN(0x${id.toString(16)})`;
}

export interface FrameHeader {
  length: number;
  typeId: number;
  flags: number;
  streamId: number;
}

/** Reads the 9-byte frame header at b[at]. The reserved bit of the stream id is ignored (§4.1). */
export function parseFrameHeader(b: Uint8Array, at: number): FrameHeader {
  return {
    length: (b[at] << 16) | (b[at + 1] << 8) | b[at + 2],
    typeId: b[at + 3],
    flags: b[at + 4],
    streamId: ((b[at + 5] & 0x7f) << 24) | (b[at + 6] << 16) | (b[at + 7] << 8) | b[at + 8],
  };
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
}

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

export interface DecodedPayload {
  info: H2FrameInfo;
  /** For HEADERS/PUSH_PROMISE/CONTINUATION: the header block fragment (padding and priority removed). */
  fragment?: Uint8Array;
}

/**
 * What a DATA frame's payload says, from its length and first byte alone (the pad length when
 * PADDED): the byte parser skips the body of DATA frames nobody reads, without copying it.
 */
/**
 * The facts of unpadded DATA frames, one shared frozen object per length: DATA is most frames, and
 * an object each was a large share of what an HTTP/2 capture's frames keep.
 */
const dataInfoByLength: H2FrameInfo[] = [];
const SHARED_DATA_INFO_MAX = 1 << 16;

export function dataFrameInfo(flags: number, length: number, firstByte: number): H2FrameInfo {
  if (!(flags & F.PADDED)) {
    if (length > SHARED_DATA_INFO_MAX) return { dataLength: length };
    return (dataInfoByLength[length] ??= Object.freeze({ dataLength: length }));
  }
  if (length < 1) return { error: 'PADDED frame without pad length' };
  const end = length - firstByte;
  if (end < 1) return { padLength: firstByte, error: `padding (${firstByte}) exceeds payload` };
  return { padLength: firstByte, dataLength: end - 1 };
}

/**
 * Decodes a frame's payload into facts. Problems (wrong fixed length, padding longer than the
 * payload) go into info.error; the frame is still reported.
 */
export function decodePayload(typeId: number, flags: number, p: Uint8Array): DecodedPayload {
  const info: H2FrameInfo = {};
  const len = p.length;
  switch (typeId) {
    case T.DATA:
      return { info: dataFrameInfo(flags, len, len > 0 ? p[0] : 0) };
    case T.HEADERS:
    case T.PUSH_PROMISE: {
      let start = 0;
      let end = len;
      if (flags & F.PADDED) {
        if (len < 1) {
          info.error = 'PADDED frame without pad length';
          return { info };
        }
        info.padLength = p[0];
        start = 1;
        end = len - p[0];
      }
      if (typeId === T.HEADERS && flags & F.PRIORITY) {
        if (start + 5 > end) {
          info.error = 'PRIORITY flag but payload too short';
          return { info };
        }
        const dep = u32(p, start);
        info.priority = {
          dependsOn: dep & 0x7fffffff,
          weight: p[start + 4] + 1,
          exclusive: dep >= 0x80000000,
        };
        start += 5;
      }
      if (typeId === T.PUSH_PROMISE) {
        if (start + 4 > end) {
          info.error = 'PUSH_PROMISE payload too short';
          return { info };
        }
        info.promisedStreamId = u32(p, start) & 0x7fffffff;
        start += 4;
      }
      if (end < start) {
        info.error = `padding (${info.padLength}) exceeds payload`;
        return { info };
      }
      return { info, fragment: p.subarray(start, end) };
    }
    case T.CONTINUATION:
      return { info, fragment: p };
    case T.PRIORITY:
      if (len !== 5) info.error = `PRIORITY length ${len} (must be 5)`;
      else {
        const dep = u32(p, 0);
        info.priority = { dependsOn: dep & 0x7fffffff, weight: p[4] + 1, exclusive: dep >= 0x80000000 };
      }
      break;
    case T.RST_STREAM:
      if (len !== 4) info.error = `RST_STREAM length ${len} (must be 4)`;
      else {
        info.errorCode = u32(p, 0);
        info.errorName = errorCodeName(info.errorCode);
      }
      break;
    case T.SETTINGS:
      if (len % 6 !== 0) info.error = `SETTINGS length ${len} not a multiple of 6`;
      else if (!(flags & F.ACK) || len > 0) {
        info.settings = [];
        for (let i = 0; i + 6 <= len; i += 6) {
          const id = (p[i] << 8) | p[i + 1];
          info.settings.push({ id, name: settingName(id), value: u32(p, i + 2) });
        }
        if (flags & F.ACK && len > 0) info.error = 'SETTINGS ACK with a payload';
      }
      break;
    case T.PING:
      if (len !== 8) info.error = `PING length ${len} (must be 8)`;
      info.pingPayload = hex(p.subarray(0, 8));
      break;
    case T.GOAWAY:
      if (len < 8) info.error = `GOAWAY length ${len} (at least 8)`;
      else {
        info.lastStreamId = u32(p, 0) & 0x7fffffff;
        info.errorCode = u32(p, 4);
        info.errorName = errorCodeName(info.errorCode);
        if (len > 8) {
          let s = '';
          for (let i = 8; i < len && i < 8 + 1024; i++) s += String.fromCharCode(p[i]);
          info.debugData = s;
        }
      }
      break;
    case T.WINDOW_UPDATE:
      if (len !== 4) info.error = `WINDOW_UPDATE length ${len} (must be 4)`;
      else info.increment = u32(p, 0) & 0x7fffffff;
      break;
  }
  return { info };
}

/** Flags defined per frame type (§6); a frame header with others set is not a resync point. */
const DEFINED_FLAGS: readonly number[] = [
  0x09, // DATA: END_STREAM, PADDED
  0x2d, // HEADERS: END_STREAM, END_HEADERS, PADDED, PRIORITY
  0x00, // PRIORITY
  0x00, // RST_STREAM
  0x01, // SETTINGS: ACK
  0x0c, // PUSH_PROMISE: END_HEADERS, PADDED
  0x01, // PING: ACK
  0x00, // GOAWAY
  0x00, // WINDOW_UPDATE
  0x04, // CONTINUATION: END_HEADERS
];

export interface PlausibleLimits {
  /** Largest length the receiver allows (its SETTINGS_MAX_FRAME_SIZE as far as seen). */
  maxFrameSize: number;
  /** Largest stream id that can have been opened by now. */
  maxStreamId: number;
  /** Who sent the bytes: client frames open odd streams and never carry PUSH_PROMISE. */
  fromClient: boolean;
}

/**
 * Whether the 9 bytes at `at` could be a frame header the sender really wrote: a type of RFC 9113
 * (extension types are not trusted as resync points), only that type's flags, the reserved bit
 * clear, a length within the receiver's limit and the type's fixed size, a stream id on the side
 * the type requires. Used to find the next frame boundary after bytes were lost from the capture;
 * random bytes pass all of it rarely, and two chained headers almost never.
 */
export function plausibleFrameHeader(b: Uint8Array, at: number, lim: PlausibleLimits): boolean {
  const length = (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
  const type = b[at + 3];
  const flags = b[at + 4];
  if (type > T.CONTINUATION || (flags & ~DEFINED_FLAGS[type]) !== 0) return false;
  if (b[at + 5] & 0x80) return false;
  const id = ((b[at + 5] & 0x7f) << 24) | (b[at + 6] << 16) | (b[at + 7] << 8) | b[at + 8];
  if (length > lim.maxFrameSize || id > lim.maxStreamId) return false;
  switch (type) {
    case T.DATA:
      return id !== 0 && (!(flags & F.PADDED) || length >= 1);
    case T.HEADERS:
    case T.CONTINUATION:
      if (id === 0 || (lim.fromClient && id % 2 === 0)) return false;
      return type === T.CONTINUATION || length >= (flags & F.PADDED ? 1 : 0) + (flags & F.PRIORITY ? 5 : 0);
    case T.PRIORITY:
      return id !== 0 && length === 5;
    case T.RST_STREAM:
      return id !== 0 && length === 4;
    case T.SETTINGS:
      return id === 0 && (flags & F.ACK ? length === 0 : length % 6 === 0);
    case T.PUSH_PROMISE:
      return !lim.fromClient && id % 2 === 1 && length >= 4;
    case T.PING:
      return id === 0 && length === 8;
    case T.GOAWAY:
      return id === 0 && length >= 8;
    case T.WINDOW_UPDATE:
      return length === 4;
  }
  return false;
}
