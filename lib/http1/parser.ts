/**
 * Streaming HTTP/1.x message parser for one direction of a connection (RFC 9112). Fed in-order
 * bytes at arbitrary split points; keeps only the unfinished header section (bounded) and, for
 * JSON responses, the first 64 KiB of the body. Bodies are otherwise only counted.
 */
export type Http1Role = 'request' | 'response';

export interface Http1Head {
  /** Request: method/target; response: null. */
  method: string | null;
  target: string | null;
  version: string;
  status: number | null;
  reason: string | null;
  headers: [string, string][];
}

/** How the parser reports what it finds; offsets are stream offsets of this direction. */
export interface Http1MessageSink {
  /** First byte of a message (start line). */
  start(offset: number, packet: number, tS: number): void;
  /** The header section is complete; returns nothing. Called before body bytes. */
  head(head: Http1Head, chunked: boolean): void;
  /** Body bytes (payload only, chunk framing excluded). `bytes` valid during the call. */
  body(bytes: Uint8Array, packet: number, tS: number): void;
  /** Last byte of the message was at `endOffset - 1`. */
  end(endOffset: number, packet: number, tS: number): void;
  /** The message could not be parsed; the direction stops. */
  malformed(reason: string, offset: number): void;
  /**
   * `length` bytes of the current message's body were never captured, but its framing
   * (Content-Length, chunk size, close-delimited) still says where it ends: counted, not parsed.
   */
  lost?(length: number): void;
  /**
   * A response with no body framing of its own that ends the HTTP/1 stream: 101 upgrade or a 2xx
   * to CONNECT. `restOffset` is the first byte that is no longer HTTP/1.
   */
  switched(kind: 'upgrade' | 'tunnel', restOffset: number): void;
}

export const MAX_HEADER_BYTES = 64 * 1024;

const CR = 13;
const LF = 10;
const latin1 = new TextDecoder('latin1');
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

type State =
  | 'head' // collecting start line + headers
  | 'length' // counting Content-Length body bytes
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-data-end' // CRLF after chunk data
  | 'trailers'
  | 'close' // body until end of stream
  | 'await' // request that may switch protocols: wait for the response to decide
  | 'resync' // bytes were lost where framing cannot bridge them: look for the next start line
  | 'stopped'; // not HTTP any more (malformed, switched)

/** What a gap did to the parser. */
export type Http1GapEffect =
  /** Inside a body whose framing bridges it (or the direction no longer parses): only counted. */
  | 'counted'
  /** The parser lost its place and looks for the next start line. */
  | 'lost';

/**
 * Start lines accepted when resynchronising after a gap: stricter than ordinary parsing (upper-case
 * method, HTTP/1.0 or 1.1, a real status code), because body text can look like HTTP.
 */
const RESYNC_REQUEST = /^[A-Z][A-Z_-]{0,19} [\x21-\x7e]+ HTTP\/1\.[01]\r?$/;
const RESYNC_STATUS = /^HTTP\/1\.[01] [1-5]\d\d(?: [^\r\n]*)?\r?$/;
/** A tentative start line longer than this is not one (request targets beyond 8 KiB are refused by most servers). */
const RESYNC_LINE_MAX = 8192;
const HTTP1_PREFIX = Uint8Array.from('HTTP/1.', (c) => c.charCodeAt(0));
/** A prefix of "HTTP/1.x NNN " (the chunk ended before the status line did). */
const PARTIAL_STATUS = /^(?:H(?:T(?:T(?:P(?:\/(?:1(?:\.(?:[01](?: (?:[1-5](?:\d\d?)?)?)?)?)?)?)?)?)?)?)?$/;
/** A prefix of "HTTP/1.x\r". */
const PARTIAL_VERSION = /^(?:H(?:T(?:T(?:P(?:\/(?:1(?:\.(?:[01]\r?)?)?)?)?)?)?)?)?$/;
/** Methods whose start line is looked for anywhere while resynchronising (others at line starts). */
const COMMON_METHODS = ['GET ', 'POST ', 'PUT ', 'DELETE ', 'HEAD ', 'OPTIONS ', 'PATCH ', 'CONNECT '].map(
  (m) => Uint8Array.from(m, (c) => c.charCodeAt(0)),
);
const METHOD_FIRST = new Uint8Array(256);
for (const m of COMMON_METHODS) METHOD_FIRST[m[0]] = 1;
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;

export interface Http1DirOptions {
  /** Response parser: method of the request the next final response answers (null: none known). */
  requestMethod?: () => string | null;
}

export class Http1DirParser {
  private state: State = 'head';
  private headBuf = new Uint8Array(1024);
  private headLen = 0;
  /** Where the head started in the stream. */
  private headOffset = 0;
  private scanFrom = 0;
  private remaining = 0;
  private lineBuf = '';
  private inMessage = false;
  private trailerBytes = 0;
  stopped = false;
  /**
   * Resynchronising: the head being collected starts at a candidate start line found after a gap;
   * it becomes a message (sink.start) only once the whole header section parses.
   */
  private tentative = false;
  private tentStart = { packet: 0, tS: 0 };
  /** While resynchronising: the byte before the next one fed was a line end (or a gap). */
  private lineStart = false;
  /** Bytes of an abandoned tentative head to scan again, followed by the rest of the chunk. */
  private rescan: { bytes: Uint8Array; offset: number } | null = null;

  constructor(
    readonly role: Http1Role,
    private readonly sink: Http1MessageSink,
    private readonly opts: Http1DirOptions = {},
  ) {}

  get idle(): boolean {
    return !this.inMessage && this.state === 'head';
  }
  get awaiting(): boolean {
    return this.state === 'await';
  }
  get closeDelimited(): boolean {
    return this.state === 'close';
  }
  get inProgress(): boolean {
    return this.inMessage;
  }
  /** Looking for the next start line after a gap. */
  get lost(): boolean {
    return this.state === 'resync' || this.tentative;
  }
  /** Resynchronising, with a candidate start line being collected (not yet confirmed). */
  get tentativeHead(): boolean {
    return this.tentative && this.headLen > 0;
  }

  /** The server declined the switch the request asked for: parse the next request. */
  resume(): void {
    if (this.state === 'await') this.state = 'head';
  }
  stop(): void {
    this.state = 'stopped';
    this.stopped = true;
  }

  /**
   * Feed bytes; returns how many were consumed as HTTP/1. Less than bytes.length means the parser
   * stopped or is awaiting a protocol decision at `offset + returned`.
   */
  feed(bytes: Uint8Array, offset: number, packet: number, tS: number): number {
    const offset0 = offset;
    let i = 0;
    let n = bytes.length;
    // A segment's first byte is where a sender's write often began: a candidate start line.
    if (this.state === 'resync') this.lineStart = true;
    while (i < n) {
      switch (this.state) {
        case 'stopped':
        case 'await':
          return offset + i - offset0;
        case 'resync': {
          const at = this.findCandidate(bytes, i);
          if (at < 0) {
            this.lineStart = bytes[n - 1] === LF;
            i = n;
            break;
          }
          this.tentative = true;
          this.tentStart = { packet, tS };
          this.state = 'head';
          this.headLen = 0;
          i = at;
          break;
        }
        case 'head': {
          i = this.feedHead(bytes, i, offset, packet, tS);
          const r = this.rescan;
          if (r && r.offset >= offset) {
            // A tentative head (all from this chunk) turned out not to be one: scan on from there.
            this.rescan = null;
            i = r.offset - offset;
          } else if (r) {
            // The same, for a head that began in an earlier chunk: scan its bytes again, then the rest.
            this.rescan = null;
            const rest = bytes.subarray(i);
            const joined = new Uint8Array(r.bytes.length + rest.length);
            joined.set(r.bytes, 0);
            joined.set(rest, r.bytes.length);
            bytes = joined;
            offset = r.offset;
            i = 0;
            n = bytes.length;
          }
          break;
        }
        case 'length': {
          const take = Math.min(this.remaining, n - i);
          this.sink.body(bytes.subarray(i, i + take), packet, tS);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.finish(offset + i, packet, tS);
          break;
        }
        case 'close': {
          this.sink.body(bytes.subarray(i), packet, tS);
          i = n;
          break;
        }
        case 'chunk-size':
        case 'chunk-data-end':
        case 'trailers': {
          const lf = bytes.indexOf(LF, i);
          const stop = lf < 0 ? n : lf;
          if (this.lineBuf.length + (stop - i) > 4096 || this.trailerBytes + (stop - i) > MAX_HEADER_BYTES) {
            this.fail('chunk line too long', offset + i);
            return offset + i - offset0;
          }
          this.lineBuf += latin1.decode(bytes.subarray(i, stop));
          if (this.state === 'trailers') this.trailerBytes += stop - i;
          if (lf < 0) return offset + n - offset0;
          i = lf + 1;
          const line = this.lineBuf.endsWith('\r') ? this.lineBuf.slice(0, -1) : this.lineBuf;
          this.lineBuf = '';
          if (this.state === 'chunk-data-end') {
            if (line !== '') {
              this.fail('chunk data not followed by CRLF', offset + i - 1);
              return offset + i - offset0;
            }
            this.state = 'chunk-size';
          } else if (this.state === 'chunk-size') {
            // chunk-ext after ';' is ignored; BWS tolerated.
            const hex = line.split(';', 1)[0].trim();
            if (!/^[0-9A-Fa-f]{1,15}$/.test(hex)) {
              this.fail(`bad chunk size "${hex.slice(0, 40)}"`, offset + i - 1);
              return offset + i - offset0;
            }
            const size = parseInt(hex, 16);
            if (size === 0) {
              this.state = 'trailers';
              this.trailerBytes = 0;
            } else {
              this.remaining = size;
              this.state = 'chunk-data';
            }
          } else if (line === '') {
            this.finish(offset + i, packet, tS);
          }
          break;
        }
        case 'chunk-data': {
          const take = Math.min(this.remaining, n - i);
          this.sink.body(bytes.subarray(i, i + take), packet, tS);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = 'chunk-data-end';
          break;
        }
      }
    }
    return offset + i - offset0;
  }

  /** The stream ended (FIN/RST/capture end): a close-delimited body ends here. */
  endOfStream(offset: number, packet: number, tS: number): void {
    if (this.state === 'close') this.finish(offset, packet, tS);
  }

  /**
   * Bytes [offset, offset + length) were never captured. Where the framing still says where the
   * current message ends (a Content-Length or chunk body, a close-delimited body) the gap is only
   * counted; a message that ends inside the gap is finished there. Anywhere else (a start line or
   * header section, chunk framing, between messages: whole messages may be in the gap) the parser
   * is lost and looks for the next start line.
   */
  gap(offset: number, length: number, tS: number): Http1GapEffect {
    switch (this.state) {
      case 'stopped':
        return 'counted';
      case 'await':
        // A protocol switch undecided across a gap: nothing after it can be trusted as HTTP/1.
        this.stop();
        return 'counted';
      case 'close':
        this.sink.lost?.(length);
        return 'counted';
      case 'length':
      case 'chunk-data': {
        if (length < this.remaining || (length === this.remaining && this.state === 'chunk-data')) {
          this.remaining -= length;
          this.sink.lost?.(length);
          if (this.remaining === 0) this.state = 'chunk-data-end';
          return 'counted';
        }
        if (this.state === 'length') {
          // The message ends inside (or right at the end of) the gap, where its length says.
          const rest = this.remaining;
          this.remaining = 0;
          this.sink.lost?.(rest);
          this.finish(offset + rest, 0, tS);
          if (length === rest) return 'counted';
          if ((this.state as State) === 'await') {
            this.stop();
            return 'counted';
          }
          return this.loseTrack();
        }
        return this.loseTrack();
      }
      default:
        return this.loseTrack();
    }
  }

  /**
   * The capture began in the middle of this connection: the first bytes may be the middle of a
   * message, so parsing starts at the first start line found (as after a gap).
   */
  startLost(): void {
    if (this.state === 'head' && !this.inMessage && this.headLen === 0) this.loseTrack();
  }

  private loseTrack(): Http1GapEffect {
    this.inMessage = false;
    this.tentative = false;
    this.headLen = 0;
    this.lineBuf = '';
    this.pendingAwait = false;
    this.state = 'resync';
    // The first byte after a gap may well begin a message (gaps often end on a segment boundary).
    this.lineStart = true;
    return 'lost';
  }

  /**
   * First position from `i` where a start line may begin: a status line anywhere ("HTTP/1." is
   * distinctive, and a body need not end with a line end); a request line at a line or segment
   * start, or anywhere for the common methods.
   */
  private findCandidate(b: Uint8Array, i: number): number {
    if (this.lineStart && this.looksLikeStart(b, i)) return i;
    if (this.role === 'response') {
      for (let p = b.indexOf(0x48, i); p >= 0; p = b.indexOf(0x48, p + 1))
        if (this.looksLikeStart(b, p)) return p;
      return -1;
    }
    for (let p = i + 1; p < b.length; p++) {
      const c = b[p];
      if (c === 0x0a) {
        if (p + 1 < b.length && this.looksLikeStart(b, p + 1)) return p + 1;
      } else if (METHOD_FIRST[c] && !isUpper(b[p - 1]) && this.knownMethodAt(b, p)) return p;
    }
    return -1;
  }

  private knownMethodAt(b: Uint8Array, p: number): boolean {
    for (const m of COMMON_METHODS) {
      const k = Math.min(m.length, b.length - p);
      let ok = true;
      for (let j = 0; j < k && ok; j++) ok = b[p + j] === m[j];
      if (ok) return true;
    }
    return false;
  }

  /** Whether the bytes at `p` can begin a start line (true when the chunk ends before deciding). */
  private looksLikeStart(b: Uint8Array, p: number): boolean {
    if (this.role === 'response') {
      const m = Math.min(HTTP1_PREFIX.length, b.length - p);
      for (let k = 0; k < m; k++) if (b[p + k] !== HTTP1_PREFIX[k]) return false;
      return true;
    }
    let k = p;
    while (k < b.length && k - p <= 20 && ((b[k] >= 0x41 && b[k] <= 0x5a) || b[k] === 0x2d || b[k] === 0x5f))
      k++;
    if (k === p) return false;
    return k === b.length || (b[k] === 0x20 && k - p <= 20);
  }

  /** The tentative head is not a message: scan again from its second byte. */
  private abandon(): void {
    this.rescan = { bytes: this.headBuf.slice(1, this.headLen), offset: this.headOffset + 1 };
    this.headLen = 0;
    this.tentative = false;
    this.state = 'resync';
    this.lineStart = false;
  }

  /** While tentative: whether the head collected so far can still be a start line. */
  private tentativeOk(): boolean {
    const b = this.headBuf.subarray(0, this.headLen);
    const lf = b.indexOf(LF);
    if (lf < 0) return this.headLen <= RESYNC_LINE_MAX && this.looksLikeStartBuf(b);
    const line = latin1.decode(b.subarray(0, lf));
    return (this.role === 'response' ? RESYNC_STATUS : RESYNC_REQUEST).test(line);
  }

  private looksLikeStartBuf(b: Uint8Array): boolean {
    if (b.length === 0 || !this.looksLikeStart(b, 0)) return false;
    // As far as it goes, the line must match the strict form (fails fast on body text).
    if (this.role === 'response') {
      const head = latin1.decode(b.subarray(0, Math.min(b.length, 13)));
      return /^HTTP\/1\.[01] [1-5]\d\d ?$/.test(head) || PARTIAL_STATUS.test(head);
    }
    const parts = latin1.decode(b).split(' ');
    if (parts.length > 3 || !/^[A-Z][A-Z_-]{0,19}$/.test(parts[0])) return false;
    if (parts.length === 3) return parts[1] !== '' && PARTIAL_VERSION.test(parts[2]);
    return parts.length < 2 || /^[\x21-\x7e]*$/.test(parts[1]);
  }

  private feedHead(bytes: Uint8Array, i: number, offset: number, packet: number, tS: number): number {
    const n = bytes.length;
    if (this.headLen === 0) {
      // Empty lines before a start line are tolerated (RFC 9112 §2.2).
      if (!this.tentative) while (i < n && (bytes[i] === CR || bytes[i] === LF)) i++;
      if (i === n) return n;
      this.headOffset = offset + i;
      this.scanFrom = 0;
      if (!this.tentative) {
        this.inMessage = true;
        this.sink.start(offset + i, packet, tS);
      }
    }
    // Append to head buffer up to the blank line.
    // Copy at most 4 KiB per step: a small head in a big packet must not copy the body behind it.
    const room = Math.min(MAX_HEADER_BYTES + 4 - this.headLen, 4096);
    const chunk = bytes.subarray(i, Math.min(n, i + room));
    this.ensure(this.headLen + chunk.length);
    this.headBuf.set(chunk, this.headLen);
    this.headLen += chunk.length;
    if (this.tentative && !this.tentativeOk()) {
      this.abandon();
      return i + chunk.length;
    }
    const end = this.findHeadEnd();
    if (end < 0) {
      if (this.tentative && this.headLen > MAX_HEADER_BYTES) {
        this.abandon();
        return i + chunk.length;
      }
      if (this.headLen > MAX_HEADER_BYTES) {
        this.fail('header section larger than 64 KiB', this.headOffset);
        return n;
      }
      // Check the start line as early as possible so non-HTTP bytes are not buffered to 64 KiB.
      if (!this.plausibleStart()) {
        this.fail('not an HTTP start line', this.headOffset);
        return n;
      }
      return i + chunk.length;
    }
    const consumedHere = end - (this.headLen - chunk.length);
    const headBytes = this.headBuf.subarray(0, end);
    if (this.tentative) {
      const parsed = this.parseHead(headBytes);
      if (typeof parsed === 'string') {
        this.abandon();
        return i + chunk.length;
      }
      // A whole, well-formed header section: back in step. The message began where it began.
      this.tentative = false;
      this.headLen = 0;
      this.inMessage = true;
      this.sink.start(this.headOffset, this.tentStart.packet, this.tentStart.tS);
      i += consumedHere;
      this.decideBody(parsed.head, offset + i, packet, tS);
      return i;
    }
    this.headLen = 0;
    i += consumedHere;
    this.processHead(headBytes, offset + i, packet, tS);
    return i;
  }

  private ensure(size: number): void {
    if (size <= this.headBuf.length) return;
    const next = new Uint8Array(Math.max(size, this.headBuf.length * 2));
    next.set(this.headBuf.subarray(0, this.headLen));
    this.headBuf = next;
  }

  /** Index just past the blank line ending the header section, or -1. */
  private findHeadEnd(): number {
    const b = this.headBuf;
    let p = Math.max(0, this.scanFrom);
    for (;;) {
      const lf = b.subarray(0, this.headLen).indexOf(LF, p);
      if (lf < 0) {
        this.scanFrom = this.headLen;
        return -1;
      }
      // Blank line: LF LF or LF CR LF.
      if (lf + 1 < this.headLen && b[lf + 1] === LF) return lf + 2;
      if (lf + 2 < this.headLen && b[lf + 1] === CR && b[lf + 2] === LF) return lf + 3;
      if (lf + 2 >= this.headLen) {
        // Undecided yet: rescan from this LF next time.
        this.scanFrom = lf;
        return -1;
      }
      p = lf + 1;
    }
  }

  private plausibleStart(): boolean {
    const len = Math.min(this.headLen, 16);
    const s = latin1.decode(this.headBuf.subarray(0, len));
    if (this.role === 'response') return 'HTTP/1.'.startsWith(s.slice(0, 7)) || s.startsWith('HTTP/1.');
    const sp = s.indexOf(' ');
    const tok = sp < 0 ? s.replace(/[\r\n].*$/s, '') : s.slice(0, sp);
    return tok === '' ? true : TOKEN.test(tok) && (sp >= 0 || len < 16);
  }

  private processHead(raw: Uint8Array, restOffset: number, packet: number, tS: number): void {
    const parsed = this.parseHead(raw);
    if (typeof parsed === 'string') return this.fail(parsed, this.headOffset + this.failAt);
    this.decideBody(parsed.head, restOffset, packet, tS);
  }

  /** Offset within the head of the line parseHead rejected. */
  private failAt = 0;

  /** The head, or why it is not one (failAt says where). Content-Length is checked here too. */
  private parseHead(raw: Uint8Array): { head: Http1Head } | string {
    const lines = latin1.decode(raw).split('\n');
    const clean = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    while (clean.length && clean[clean.length - 1] === '') clean.pop();
    const startLine = clean[0] ?? '';
    const head: Http1Head = {
      method: null,
      target: null,
      version: '',
      status: null,
      reason: null,
      headers: [],
    };
    let lineOffset = 0;
    this.failAt = 0;
    if (this.role === 'request') {
      // Lenient on the target: a space inside it (seen from real proxies' clients) is kept, not fatal.
      const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) +(\S.*?) +(HTTP\/\d\.\d) *$/.exec(startLine);
      if (!m) return `bad request line "${startLine.slice(0, 60)}"`;
      head.method = m[1];
      head.target = m[2];
      head.version = m[3];
    } else {
      const m = /^(HTTP\/\d\.\d) +(\d{3})(?: (.*))?$/.exec(startLine);
      if (!m) return `bad status line "${startLine.slice(0, 60)}"`;
      head.version = m[1];
      head.status = Number(m[2]);
      head.reason = m[3] ?? '';
    }
    lineOffset += lines[0].length + 1;
    for (let k = 1; k < clean.length; k++) {
      const line = clean[k];
      if ((line[0] === ' ' || line[0] === '\t') && head.headers.length > 0) {
        // obs-fold: continuation of the previous field value (RFC 9112 §5.2).
        const last = head.headers[head.headers.length - 1];
        last[1] = `${last[1]} ${line.trim()}`.trim();
      } else {
        const colon = line.indexOf(':');
        if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) {
          this.failAt = lineOffset;
          return colon <= 0 ? 'no colon in header line' : 'bad header name';
        }
        head.headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
      }
      lineOffset += lines[k].length + 1;
    }
    const cls = contentLengths(head.headers);
    if (cls.length > 0 && !isChunked(head.headers)) {
      if (!cls.every((c) => /^\d+$/.test(c)) || new Set(cls).size > 1) {
        this.failAt = 0;
        return `bad or conflicting Content-Length "${cls.join(', ')}"`;
      }
    }
    return { head };
  }

  private decideBody(head: Http1Head, restOffset: number, packet: number, tS: number): void {
    const chunked = isChunked(head.headers);
    const cls = contentLengths(head.headers);
    // parseHead has checked that the values agree.
    const length: number | null = cls.length > 0 && !chunked ? Number(cls[0]) : null;
    if (this.role === 'request') {
      this.sink.head(head, chunked);
      const wantsSwitch = head.method === 'CONNECT' || values(head.headers, 'upgrade').length > 0;
      if (chunked) return this.beginChunked();
      if (length !== null && length > 0) {
        this.remaining = length;
        this.state = 'length';
        this.pendingAwait = wantsSwitch;
        return;
      }
      this.finish(restOffset, packet, tS);
      if (wantsSwitch) this.state = 'await';
      return;
    }
    const status = head.status ?? 0;
    const method = this.opts.requestMethod?.() ?? null;
    this.sink.head(head, chunked);
    if (status === 101) {
      this.finish(restOffset, packet, tS);
      this.stop();
      this.sink.switched('upgrade', restOffset);
      return;
    }
    if (status >= 100 && status < 200) return this.finish(restOffset, packet, tS);
    if (method === 'CONNECT' && status >= 200 && status < 300) {
      this.finish(restOffset, packet, tS);
      this.stop();
      this.sink.switched('tunnel', restOffset);
      return;
    }
    if (method === 'HEAD' || status === 204 || status === 304) return this.finish(restOffset, packet, tS);
    if (chunked) return this.beginChunked();
    if (length !== null) {
      if (length === 0) return this.finish(restOffset, packet, tS);
      this.remaining = length;
      this.state = 'length';
      return;
    }
    this.state = 'close';
  }

  private pendingAwait = false;

  private beginChunked(): void {
    this.state = 'chunk-size';
    this.lineBuf = '';
  }

  private finish(endOffset: number, packet: number, tS: number): void {
    this.inMessage = false;
    this.state = this.pendingAwait ? 'await' : 'head';
    this.pendingAwait = false;
    this.sink.end(endOffset, packet, tS);
  }

  private fail(reason: string, offset: number): void {
    this.inMessage = false;
    this.stop();
    this.sink.malformed(reason, offset);
  }
}

function isChunked(headers: [string, string][]): boolean {
  const te = values(headers, 'transfer-encoding').join(',').toLowerCase();
  return (
    te !== '' &&
    te
      .split(',')
      .map((s) => s.trim())
      .pop() === 'chunked'
  );
}

function contentLengths(headers: [string, string][]): string[] {
  return values(headers, 'content-length').flatMap((v) => v.split(',').map((s) => s.trim()));
}

/** Values of a header (case-insensitive name), in order. */
export function values(headers: [string, string][], name: string): string[] {
  const out: string[] = [];
  for (const [k, v] of headers) if (k.toLowerCase() === name) out.push(v);
  return out;
}

/** Top-level keys of a JSON object text (possibly cut at 64 KiB), or null when it is not an object. */
export function topLevelJsonKeys(text: string): string[] | null {
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.keys(v);
    return null;
  } catch {
    // A body cut at the keep limit (or by the capture) still shows the keys that fit.
    return scanTopLevelKeys(text);
  }
}

/** Keys at depth 1 of a possibly truncated JSON object, by a shallow scan; null if not an object. */
function scanTopLevelKeys(text: string): string[] | null {
  let i = 0;
  while (i < text.length && /\s/.test(text[i])) i++;
  if (text[i] !== '{') return null;
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) break;
      if (depth === 1 && expectKey) {
        try {
          keys.push(JSON.parse(text.slice(i, j + 1)) as string);
        } catch {
          return keys.length ? keys : null;
        }
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) break;
    } else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

export { Http1Parser } from './exchanges';
export type { Http1ParserOptions } from './exchanges';
