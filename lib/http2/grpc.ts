/**
 * gRPC over HTTP/2 (grpc/PROTOCOL-HTTP2.md): length-prefixed messages (1-byte compressed flag,
 * 4-byte big-endian length) in each direction's DATA, which may straddle frames; grpc-status and
 * grpc-message from trailers or a Trailers-Only response.
 */
import type { Dir, GrpcInfo } from '../trace';

// prettier-ignore
export const GRPC_STATUS_NAMES: readonly string[] = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

export function grpcStatusName(code: number): string {
  return GRPC_STATUS_NAMES[code] ?? `CODE_${code}`;
}

export function isGrpcContentType(ct: string | null | undefined): boolean {
  return !!ct && /^application\/grpc([+;]|$)/i.test(ct.trim());
}

export function newGrpcInfo(contentType: string): GrpcInfo {
  return {
    contentType,
    messages: { c2s: 0, s2c: 0 },
    messageBytes: { c2s: 0, s2c: 0 },
    compressedMessages: { c2s: 0, s2c: 0 },
    grpcStatus: null,
    grpcStatusName: null,
    grpcMessage: null,
    statusFrom: null,
  };
}

/** Where one direction is inside the message stream. */
interface DirState {
  /** Prefix bytes seen of the current message (0..5); 5 = inside the body. */
  prefixHave: number;
  flag: number;
  length: number;
  /** Body bytes still to come. */
  remaining: number;
}

export class GrpcMessageScanner {
  private st: Record<Dir, DirState> = {
    c2s: { prefixHave: 0, flag: 0, length: 0, remaining: 0 },
    s2c: { prefixHave: 0, flag: 0, length: 0, remaining: 0 },
  };
  constructor(readonly info: GrpcInfo) {}

  /** Scans DATA payload bytes (padding excluded); message bodies are skipped, not read. */
  feed(dir: Dir, b: Uint8Array): void {
    const s = this.st[dir];
    let i = 0;
    while (i < b.length) {
      if (s.prefixHave < 5) {
        const c = b[i++];
        if (s.prefixHave === 0) {
          s.flag = c;
          s.length = 0;
        } else s.length = s.length * 256 + c;
        s.prefixHave++;
        if (s.prefixHave === 5) {
          this.info.messages[dir]++;
          this.info.messageBytes[dir] += s.length;
          if (s.flag & 1) this.info.compressedMessages[dir]++;
          s.remaining = s.length;
          if (s.remaining === 0) s.prefixHave = 0;
        }
      } else {
        const take = Math.min(s.remaining, b.length - i);
        i += take;
        s.remaining -= take;
        if (s.remaining === 0) s.prefixHave = 0;
      }
    }
  }

  /** True when the direction stopped inside a message (truncated message). */
  midMessage(dir: Dir): boolean {
    return this.st[dir].prefixHave > 0;
  }
}

/** Applies grpc-status / grpc-message from a header list; returns true if grpc-status was present. */
export function applyGrpcStatus(
  info: GrpcInfo,
  headers: [string, string][],
  from: 'trailers' | 'trailers-only',
): boolean {
  let found = false;
  for (const [n, v] of headers) {
    if (n === 'grpc-status') {
      const code = Number.parseInt(v, 10);
      info.grpcStatus = Number.isFinite(code) ? code : null;
      info.grpcStatusName = info.grpcStatus === null ? null : grpcStatusName(info.grpcStatus);
      info.statusFrom = from;
      found = true;
    } else if (n === 'grpc-message') {
      info.grpcMessage = decodePercent(v);
    }
  }
  return found;
}

/** grpc-message is percent-encoded UTF-8. */
function decodePercent(v: string): string {
  if (!v.includes('%')) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
