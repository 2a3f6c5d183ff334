/**
 * Protocol detection per connection, from the bytes and never from the port: HTTP/2 by the client
 * connection preface, HTTP/2 by an HTTP/1.1 `Upgrade: h2c` (handed over by the HTTP/1 parser),
 * HTTP/1.x by a request or status line, TLS by its record header. Anything else stays 'unknown'.
 *
 * Until a decision is possible, early bytes of both directions are held (bounded) in arrival
 * order, then replayed into the chosen parser, so e.g. a server that sends its HTTP/2 SETTINGS
 * before the client's preface arrives loses nothing.
 */
import type { AppContext, AppParser, StreamEndReason } from './stream';
import type { Dir, Protocol } from './trace';
import { Http1Parser } from './http1/parser';
import { H2ByteParser } from './http2/parser';
import { TlsParser } from './tls/session';
import { looksLikeTlsRecord } from './tls/hello';
import { concatBytes, indexOfBytes } from './bytes';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const PREFACE_BYTES = Uint8Array.from(PREFACE, (c) => c.charCodeAt(0));
/** Longest request method token we accept as HTTP/1 (e.g. "PROPPATCH", "MKCALENDAR"). */
const MAX_METHOD = 16;
/** How much undecided data we hold per connection before giving up and calling it unknown. */
const HOLD_LIMIT = 64 * 1024;

type Decision = Protocol | 'undecided';

type Held =
  | { kind: 'data'; dir: Dir; bytes: Uint8Array; offset: number; packet: number; tS: number }
  | { kind: 'gap'; dir: Dir; offset: number; length: number; tS: number }
  | { kind: 'end'; dir: Dir; how: StreamEndReason; tS: number };

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  const n = Math.min(b.length, prefix.length);
  for (let i = 0; i < n; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

/** Classifies the first client bytes: enough bytes may not have arrived yet ('undecided'). */
export function classifyClientBytes(b: Uint8Array): Decision {
  if (b.length === 0) return 'undecided';
  if (startsWith(b, PREFACE_BYTES)) return b.length >= PREFACE_BYTES.length ? 'h2' : 'undecided';
  if (b.length >= 5 && looksLikeTlsRecord(b)) return 'tls';
  if (b[0] >= 20 && b[0] <= 23 && b.length < 5) return 'undecided';
  // HTTP/1 request line: an upper-case method token, a space, a request target, " HTTP/1.x" and
  // the line end. The target may be anything printable (CONNECT's is host:port), so the version is
  // what tells HTTP from other line protocols (SMTP's "EHLO x", ...).
  let i = 0;
  while (i < b.length && i <= MAX_METHOD && b[i] >= 0x41 && b[i] <= 0x5a) i++;
  if (i === b.length && i <= MAX_METHOD) return 'undecided';
  if (i > 0 && i <= MAX_METHOD && b[i] === 0x20) {
    const lineEnd = indexOfByte(b, 0x0a, i);
    if (lineEnd < 0) return b.length < REQUEST_LINE_LIMIT ? 'undecided' : 'unknown';
    const line = b.subarray(i + 1, lineEnd);
    if (indexOfBytes(line, HTTP1_VERSION) > 0) return 'http1';
  }
  return 'unknown';
}

const HTTP1_STATUS = Uint8Array.from('HTTP/1.', (c) => c.charCodeAt(0));
const HTTP1_VERSION = Uint8Array.from(' HTTP/1.', (c) => c.charCodeAt(0));
/** How long a request line may be before we stop waiting for its end. */
const REQUEST_LINE_LIMIT = 8192;

function indexOfByte(b: Uint8Array, v: number, from: number): number {
  for (let i = from; i < b.length; i++) if (b[i] === v) return i;
  return -1;
}

/** Classifies the first server bytes when the client said nothing (capture began mid-connection). */
export function classifyServerBytes(b: Uint8Array): Decision {
  if (b.length === 0) return 'undecided';
  if (startsWith(b, HTTP1_STATUS)) return b.length >= HTTP1_STATUS.length ? 'http1' : 'undecided';
  if (b.length >= 5 && looksLikeTlsRecord(b)) return 'tls';
  return 'unknown';
}

export class ProtocolDispatcher implements AppParser {
  private parser: AppParser | null = null;
  private held: Held[] = [];
  private heldBytes = 0;
  private first: Record<Dir, Uint8Array> = { c2s: new Uint8Array(0), s2c: new Uint8Array(0) };
  private decided = false;

  constructor(
    private readonly ctx: AppContext,
    /**
     * Set for bytes carried inside another protocol: 'tls' (decrypted plaintext: an unknown payload
     * keeps the connection 'tls'), 'tunnel' (an HTTP CONNECT tunnel: the connection stays 'http1').
     */
    private readonly nested: 'tls' | 'tunnel' | null = null,
  ) {}

  data(dir: Dir, bytes: Uint8Array, offset: number, packet: number, tS: number): void {
    if (this.decided) {
      this.parser?.data(dir, bytes, offset, packet, tS);
      return;
    }
    const copy = bytes.slice();
    this.held.push({ kind: 'data', dir, bytes: copy, offset, packet, tS });
    this.heldBytes += copy.length;
    if (this.first[dir].length < REQUEST_LINE_LIMIT)
      this.first[dir] = concatBytes([this.first[dir], copy.subarray(0, REQUEST_LINE_LIMIT)]);
    let d = classifyClientBytes(this.first.c2s);
    if (d === 'undecided' && this.first.c2s.length === 0) {
      const s = classifyServerBytes(this.first.s2c);
      // A server speaking first: only trust an HTTP/1 status line or TLS; otherwise wait for the client.
      if (s === 'http1' || s === 'tls') d = s;
    }
    if (d !== 'undecided') this.decide(d);
    else if (this.heldBytes > HOLD_LIMIT) this.decide('unknown');
  }

  gap(dir: Dir, offset: number, length: number, tS: number): void {
    if (this.decided) this.parser?.gap(dir, offset, length, tS);
    else this.held.push({ kind: 'gap', dir, offset, length, tS });
  }

  acked(dir: Dir, offset: number, packet: number, tS: number): void {
    // Before the decision there is nobody to tell; the early bytes it would cover are a handshake.
    if (this.decided) this.parser?.acked?.(dir, offset, packet, tS);
  }

  end(dir: Dir, how: StreamEndReason, tS: number): void {
    if (this.decided) {
      this.parser?.end(dir, how, tS);
      return;
    }
    this.held.push({ kind: 'end', dir, how, tS });
    if (how === 'capture-end' || (this.ctx.conn.fin.c2s > 0 && this.ctx.conn.fin.s2c > 0)) {
      // No more bytes will come: decide on what we have.
      const c = classifyClientBytes(this.first.c2s);
      const s = classifyServerBytes(this.first.s2c);
      this.decide(c !== 'undecided' && c !== 'unknown' ? c : s === 'undecided' ? 'unknown' : s);
    }
  }

  private decide(p: Decision): void {
    let protocol: Protocol = p === 'undecided' ? 'unknown' : p;
    if (this.nested === 'tls' && protocol === 'tls') protocol = 'unknown';
    this.decided = true;
    if (this.nested === null || (this.nested === 'tls' && protocol !== 'unknown'))
      this.ctx.conn.protocol = protocol;
    this.parser = this.createParser(protocol);
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const h of held) {
      if (!this.parser) break;
      if (h.kind === 'data') this.parser.data(h.dir, h.bytes, h.offset, h.packet, h.tS);
      else if (h.kind === 'gap') this.parser.gap(h.dir, h.offset, h.length, h.tS);
      else this.parser.end(h.dir, h.how, h.tS);
    }
  }

  private createParser(protocol: Protocol): AppParser | null {
    const ctx = this.ctx;
    switch (protocol) {
      case 'h2':
        return new H2ByteParser(ctx, { via: 'preface' });
      case 'http1':
        return new Http1Parser(ctx, {
          onUpgrade: (proto, atS) => {
            const p = proto.toLowerCase();
            ctx.conn.upgrade = { protocol: p, atS };
            if (p === 'h2c') {
              ctx.conn.protocol = 'h2';
              return new H2ByteParser(ctx, { via: 'upgrade' });
            }
            // A CONNECT tunnel carries another connection's bytes: detect them like any stream.
            if (p === 'connect') return new ProtocolDispatcher(ctx, 'tunnel');
            return null;
          },
        });
      case 'tls':
        // The decrypted bytes get their own detection: ALPN may be absent or lie (h2-16, ...).
        return new TlsParser(ctx, {
          keylog: ctx.keylog ?? null,
          createInner: () => new ProtocolDispatcher(ctx, 'tls'),
        });
      default:
        return null;
    }
  }
}
