/**
 * One HTTP/1 exchange followed: its request and response read again from the connection's bytes
 * (the analysis keeps where each message starts, `streamOffset`, not its bytes), through the same
 * HTTP/1 parser the analysis uses, which undoes chunked framing. The body is kept up to a cap and
 * then decoded (lib/follow/body.ts).
 */
import { Http1DirParser, type Http1Head, type Http1MessageSink, type Http1Role } from '../http1/parser';
import type { AppParser, StreamEndReason } from '../stream';
import type { Dir, Http1Exchange } from '../trace';
import { decodeBody, type DecodedBody } from './body';
import { concatBytes } from '../bytes';

export const MAX_BODY_KEPT = 16 * 1024 * 1024;

export interface FollowedMessage {
  head: Http1Head | null;
  chunked: boolean;
  /** Body bytes as sent (chunk framing removed, Content-Encoding not undone), up to the cap. */
  body: Uint8Array;
  bodyBytes: number;
  /** The message ended where its framing said; false when the stream ended (or a gap) first. */
  complete: boolean;
  missingBytes: number;
  notes: string[];
}

/** Collects one message of one direction, starting at a stream offset. */
export class Http1MessageExtractor implements AppParser {
  readonly msg: FollowedMessage = {
    head: null,
    chunked: false,
    body: new Uint8Array(0),
    bodyBytes: 0,
    complete: false,
    missingBytes: 0,
    notes: [],
  };
  private readonly parser: Http1DirParser;
  private parts: Uint8Array[] = [];
  private kept = 0;
  private started = false;
  private done = false;

  constructor(
    readonly dir: Dir,
    private readonly startOffset: number,
    role: Http1Role,
    requestMethod: string | null,
    private readonly cap = MAX_BODY_KEPT,
  ) {
    const sink: Http1MessageSink = {
      start: () => {
        // A second message began: this one is over (it had no body framing left).
        if (this.started) this.finishBody();
        this.started = true;
      },
      head: (head, chunked) => {
        if (this.done) return;
        this.msg.head = head;
        this.msg.chunked = chunked;
      },
      body: (bytes) => this.body(bytes),
      end: () => {
        this.msg.complete = true;
        this.finishBody();
      },
      malformed: (reason) => {
        this.msg.notes.push(`not parsed as HTTP/1: ${reason}`);
        this.finishBody();
      },
      switched: () => {
        this.msg.complete = true;
        this.finishBody();
      },
    };
    this.parser = new Http1DirParser(role, sink, { requestMethod: () => requestMethod });
  }

  data(dir: Dir, bytes: Uint8Array, offset: number, packet: number, tS: number): void {
    if (dir !== this.dir || this.done) return;
    const end = offset + bytes.length;
    if (end <= this.startOffset) return;
    const skip = Math.max(0, this.startOffset - offset);
    this.parser.feed(bytes.subarray(skip), offset + skip, packet, tS);
    if (this.parser.awaiting) {
      // A request that asked to switch protocols: its own bytes are complete here.
      this.finishBody();
    }
  }

  gap(dir: Dir, offset: number, length: number, tS: number): void {
    if (dir !== this.dir || this.done || offset + length <= this.startOffset) return;
    this.msg.missingBytes += length;
    this.msg.notes.push(`${length.toLocaleString('en-US')} bytes of this message were not captured`);
    if (this.parser.gap(offset, length, tS) === 'lost') this.finishBody();
  }

  end(dir: Dir, _how: StreamEndReason, tS: number): void {
    if (dir !== this.dir || this.done) return;
    this.parser.endOfStream(Number.MAX_SAFE_INTEGER, 0, tS);
    if (!this.done) {
      this.msg.notes.push(this.started ? 'the connection ended before the message did' : 'message not found');
      this.finishBody();
    }
  }

  private body(bytes: Uint8Array): void {
    if (this.done) return;
    this.msg.bodyBytes += bytes.length;
    const room = this.cap - this.kept;
    if (room <= 0) return;
    const take = bytes.subarray(0, room);
    this.parts.push(take.slice());
    this.kept += take.length;
  }

  private finishBody(): void {
    if (this.done) return;
    this.done = true;
    this.parser.stop();
    // The parts are copies (not views of the parser's buffer): one can be the body itself.
    this.msg.body = concatBytes(this.parts, this.kept);
    this.parts = [];
    if (this.msg.bodyBytes > this.kept)
      this.msg.notes.push(
        `body cut at ${this.cap.toLocaleString('en-US')} bytes of ${this.msg.bodyBytes.toLocaleString('en-US')}`,
      );
  }
}

/** Feeds several sinks from one follower pass. */
export class Tee implements AppParser {
  constructor(private readonly sinks: AppParser[]) {}
  data(dir: Dir, bytes: Uint8Array, offset: number, packet: number, tS: number): void {
    for (const s of this.sinks) s.data(dir, bytes, offset, packet, tS);
  }
  gap(dir: Dir, offset: number, length: number, tS: number): void {
    for (const s of this.sinks) s.gap(dir, offset, length, tS);
  }
  end(dir: Dir, how: StreamEndReason, tS: number): void {
    for (const s of this.sinks) s.end(dir, how, tS);
  }
}

export interface ShownMessage {
  /** Start line and header lines, as sent. */
  headText: string;
  body: DecodedBody;
  bodyBytes: number;
  complete: boolean;
  notes: string[];
}

export function header(h: [string, string][] | undefined | null, name: string): string | null {
  if (!h) return null;
  const vals = h.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
  return vals.length ? vals.join(', ') : null;
}

/** A followed message as shown: head text, decoded body. */
export function showMessage(m: FollowedMessage): ShownMessage {
  const h = m.head;
  const start = h
    ? h.method !== null
      ? `${h.method} ${h.target ?? ''} ${h.version}`
      : `${h.version} ${h.status ?? ''} ${h.reason ?? ''}`.trimEnd()
    : '';
  const headText = h ? [start, ...h.headers.map(([k, v]) => `${k}: ${v}`)].join('\n') : '';
  const body = decodeBody(m.body, header(h?.headers, 'content-encoding'), header(h?.headers, 'content-type'));
  return { headText, body, bodyBytes: m.bodyBytes, complete: m.complete, notes: [...m.notes, ...body.notes] };
}

/** Extractors for both messages of an exchange (feed `sink` from a TcpFollower over its connection). */
export function exchangeExtractors(x: Http1Exchange): {
  sink: AppParser;
  request: Http1MessageExtractor | null;
  response: Http1MessageExtractor | null;
} {
  const request = x.request
    ? new Http1MessageExtractor('c2s', x.request.streamOffset, 'request', null)
    : null;
  const response = x.response
    ? new Http1MessageExtractor('s2c', x.response.streamOffset, 'response', x.method)
    : null;
  const sinks = [request, response].filter((s): s is Http1MessageExtractor => s !== null);
  return { sink: new Tee(sinks), request, response };
}
