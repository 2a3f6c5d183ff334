/**
 * The seam between TCP reassembly (lib/tcp) and the application-layer parsers (lib/http1,
 * lib/http2, lib/tls). TCP delivers each direction's bytes in order, exactly once, with the packet
 * they arrived in; parsers consume them incrementally and keep only what they still need (a partial
 * header block, an unfinished frame), never the whole stream.
 */
import type { KeyLog } from './tls/keylog';
import type {
  Connection,
  Dir,
  H2ConnectionInfo,
  H2Frame,
  H2FrameInfo,
  H2Stream,
  Http1Exchange,
} from './trace';

export type StreamEndReason = 'fin' | 'rst' | 'capture-end';

export interface AppParser {
  /**
   * In-order bytes of one direction. `offset` is the stream offset of bytes[0] (0 = first byte
   * after the SYN). `bytes` is valid only during the call.
   */
  data(dir: Dir, bytes: Uint8Array, offset: number, packet: number, tS: number): void;
  /** Bytes [offset, offset + length) of this direction were never captured. */
  gap(dir: Dir, offset: number, length: number, tS: number): void;
  /** The direction ended: FIN (after all its bytes), RST, or the capture ended. */
  end(dir: Dir, how: StreamEndReason, tS: number): void;
  /**
   * Optional: the peer's TCP acknowledged this direction's bytes before stream offset `offset`
   * (packet `packet`, time tS); called when that offset advances. HTTP/2 uses it to tell frames
   * sent before the peer had received an RST_STREAM or GOAWAY (in flight) from frames sent after.
   */
  acked?(dir: Dir, offset: number, packet: number, tS: number): void;
}

/**
 * Where application parsers put what they reconstruct. One per analysis run; shared by all
 * connections so frame numbers are unique across the trace.
 */
export class AppResults {
  streams: H2Stream[] = [];
  exchanges: Http1Exchange[] = [];
  h2: H2ConnectionInfo[] = [];
  private frameCounter = 0;

  /** Next 1-based frame number in the whole trace. */
  nextFrameNumber(): number {
    return ++this.frameCounter;
  }
  get frameCount(): number {
    return this.frameCounter;
  }
}

/** What a parser knows about the connection it parses. */
export interface AppContext {
  conn: Connection;
  results: AppResults;
  /** Record a problem on this connection (malformed message, HPACK error, ...), with its byte offset. */
  warn(message: string): void;
  /** TLS secrets (key log file and pcapng Decryption Secrets Blocks), when any were given. */
  keylog?: KeyLog | null;
}

/**
 * One HTTP/2 frame as an input to the HTTP/2 session model (lib/http2/session.ts), from either
 * source: bytes off the wire (payload present, headers decoded by the session's HPACK decoders), or
 * a debug log line (payload absent; headers and info already decoded by the log reader).
 */
export interface H2FrameInput {
  dir: Dir;
  tS: number;
  typeId: number;
  flagsRaw: number;
  streamId: number;
  length: number;
  /** Packets the frame's bytes came from, or [] for logs. */
  packets: number[];
  /** Stream offset just past the frame's last byte in its direction (byte input only). */
  endOffset?: number;
  /** Log line number, for frames read from a debug log. */
  line?: number;
  /** Raw frame payload (without the 9-byte header), valid only during the call. */
  payload?: Uint8Array;
  /** A DATA frame off the wire whose body the byte parser skipped (`info` has its facts). */
  bodySkipped?: boolean;
  /** Header list already decoded (logs). For HEADERS/PUSH_PROMISE with END_HEADERS, or on the CONTINUATION that completes it. */
  headers?: [string, string][];
  /** Frame facts already decoded (logs): settings, increment, error code, ... */
  info?: H2FrameInfo;
}

export type { H2Frame };
