/**
 * Follow, as one entry point: what to follow (a TCP connection, an HTTP/1 exchange, an HTTP/2
 * stream), the sink that keeps what that view needs, and the finished result. The caller reads
 * the connection's packets back from the capture (in capture order) and pushes them into
 * `follower`; lib/ never touches a file.
 *
 *   const job = startFollow(target, { exchange | stream, keylog });
 *   for (const p of packetsOfTheConnection) job.follower.packet(p.number, p.tS, p.linkType, p.bytes);
 *   const result = job.finish();
 */
import type { KeyLog } from '../tls/keylog';
import type { Dir, H2Stream, Http1Exchange } from '../trace';
import { decodeBody, type DecodedBody } from './body';
import { grpcMessages, type GrpcMessage } from './grpc';
import { H2StreamExtractor } from './h2';
import { exchangeExtractors, header, showMessage, type ShownMessage } from './http1';
import {
  DEFAULT_FOLLOW_CAP,
  StreamCollector,
  TcpFollower,
  type FollowInfo,
  type FollowedStream,
} from './tcp';

export type FollowTarget =
  | { kind: 'tcp'; conn: number; only?: Dir | null }
  | { kind: 'http1'; conn: number; exchange: Http1Exchange }
  | { kind: 'h2'; conn: number; stream: H2Stream };

export interface FollowOptions {
  /** Follow the TLS plaintext with these secrets (the connection must be TLS). */
  keylog?: KeyLog | null;
  /** Bytes kept of a TCP conversation. */
  cap?: number;
}

export interface H2Side {
  headers: [string, string][] | null;
  body: DecodedBody;
  dataBytes: number;
  grpc: GrpcMessage[] | null;
}

export type FollowResult =
  | { kind: 'tcp'; info: FollowInfo; stream: FollowedStream; decrypted: boolean }
  | {
      kind: 'http1';
      info: FollowInfo;
      request: ShownMessage | null;
      response: ShownMessage | null;
    }
  | {
      kind: 'h2';
      info: FollowInfo;
      streamId: number;
      request: H2Side;
      response: H2Side;
      trailers: [string, string][] | null;
      notes: string[];
    };

export interface FollowJob {
  follower: TcpFollower;
  finish(): FollowResult;
}

export function startFollow(target: FollowTarget, opts: FollowOptions = {}): FollowJob {
  const tls = opts.keylog ? { tls: opts.keylog } : {};
  switch (target.kind) {
    case 'tcp': {
      const c = new StreamCollector(opts.cap ?? DEFAULT_FOLLOW_CAP, target.only ?? null);
      const follower = new TcpFollower(c, tls);
      return {
        follower,
        finish: () => ({
          kind: 'tcp',
          info: follower.finish(),
          stream: c.finish(),
          decrypted: Boolean(opts.keylog),
        }),
      };
    }
    case 'http1': {
      const x = exchangeExtractors(target.exchange);
      const follower = new TcpFollower(x.sink, tls);
      return {
        follower,
        finish: () => {
          const info = follower.finish();
          return {
            kind: 'http1',
            info,
            request: x.request ? showMessage(x.request.msg) : null,
            response: x.response ? showMessage(x.response.msg) : null,
          };
        },
      };
    }
    case 'h2': {
      const s = target.stream;
      const ex = new H2StreamExtractor(s.id);
      const follower = new TcpFollower(ex, tls);
      return {
        follower,
        finish: () => {
          const info = follower.finish();
          const r = ex.finish();
          const grpc = s.grpc !== null;
          const side = (dir: Dir, headers: [string, string][] | null): H2Side => ({
            headers,
            body: grpc
              ? decodeBody(new Uint8Array(0), null, null)
              : decodeBody(r.data[dir], header(headers, 'content-encoding'), header(headers, 'content-type')),
            dataBytes: r.dataBytes[dir],
            grpc: grpc
              ? grpcMessages(
                  r.data[dir],
                  header(headers, 'grpc-encoding'),
                  r.dataBytes[dir] === r.data[dir].length,
                )
              : null,
          });
          return {
            kind: 'h2',
            info,
            streamId: s.id,
            request: side('c2s', s.requestHeaders),
            response: side('s2c', s.responseHeaders),
            trailers: s.trailers,
            notes: r.notes,
          };
        },
      };
    }
  }
}
