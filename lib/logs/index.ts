/**
 * HTTP/2 debug logs as trace input: format sniffing and a push-based reader that turns a log into
 * connections and frame inputs for the HTTP/2 session model (lib/http2/session.ts), so the same
 * stream reconstruction and detectors run on logs as on captures.
 */
import type { AppContext, H2Frame, H2FrameInput } from '../stream';
import { AppResults } from '../stream';
import type { Connection, InputFormat } from '../trace';
import { newConnection } from '../trace';
import { type LogConnectionDraft, type LogLineParser, type LogParseOutput, LineNumbers } from './common';
import { H2Session } from '../http2/session';
import { GoHttp2DebugParser } from './go-http2debug';
import { NghttpVerboseParser } from './nghttp';

export type LogFormat = Extract<InputFormat, 'go-http2debug' | 'nghttp-verbose'>;
export type { LogConnectionDraft } from './common';

/** Longest line kept; longer ones are reported as unparsed and their rest skipped (bounded memory). */
export const MAX_LINE_CHARS = 1 << 20;
/** Text held while looking for the format, at most (the sniffer then looks at its first 64 KiB). */
const SNIFF_LIMIT = 64 * 1024;
/** Line numbers listed in `unparsed.lines` (all are counted). */
export const MAX_UNPARSED_LISTED = 100;

const GO_PREFIX =
  /^(\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d(\.\d+)? )?http2: (Framer 0x[0-9a-fA-F]+: (wrote|read) |Transport |server |decoded hpack field )/m;
const NGHTTP_LINE =
  /^\[\s*\d+\.\d{3}\] (Connected|(send|recv) [A-Z_]+ frame <length=\d+, flags=0x[0-9a-fA-F]+, stream_id=\d+>)/m;

/** Which debug-log format a text is, from its content (the start of the file is enough). */
export function sniffLog(firstText: string): LogFormat | null {
  const text = firstText.slice(0, 64 * 1024);
  if (NGHTTP_LINE.test(text)) return 'nghttp-verbose';
  if (GO_PREFIX.test(text)) return 'go-http2debug';
  return null;
}

/** What the HTTP/2 session model must offer the log reader (lib/http2/session.ts's H2Session). */
export interface LogFrameSink {
  frame(input: H2FrameInput): H2Frame;
  /** Called once after the last frame; `tS` is the connection's last time. */
  finish?(tS: number): void;
}
export type LogSessionFactory = (ctx: AppContext) => LogFrameSink;

export interface LogReaderOptions {
  /**
   * Builds one session per log connection. Default: the HTTP/2 session model (H2Session, via
   * 'log'); null: no session, only the frame inputs are returned.
   */
  session?: LogSessionFactory | null;
  /** Overrides sniffing (e.g. when the caller already knows). */
  format?: LogFormat;
  /**
   * A log with both ends of one connection (client and server in one Go process) has each frame
   * twice, once per side's view. 'both' (default) keeps the two views as two connections, paired in
   * `views[].peer`; 'client' or 'server' keeps only that side's view of a paired connection, so
   * detectors see each frame once. Unpaired views are always kept.
   */
  pairedViews?: 'both' | 'client' | 'server';
}

export interface LogReadResult {
  format: LogFormat | null;
  connections: Connection[];
  /** Frame inputs per connection (same order as `connections`), as handed to the sessions. */
  frames: H2FrameInput[][];
  /** How each connection's view was decided (log heuristics). */
  views: {
    connection: string;
    key: string;
    view: LogConnectionDraft['view'];
    basis: string;
    /** The connection holding the other side's view of the same TCP connection, if paired. */
    peer: string | null;
  }[];
  results: AppResults;
  lines: number;
  unparsed: { count: number; lines: number[] };
  warnings: string[];
  /** Recognised line kinds and their counts. */
  lineKinds: Record<string, number>;
  /** Exact time of the first line when the log has absolute times: [seconds, nanoseconds]. */
  startEpoch: [number, number] | null;
  start: string | null;
  durationS: number;
}

/**
 * Reads a debug log pushed as byte chunks. Lines may straddle chunks (UTF-8 decoded in stream
 * mode); only the unfinished last line is kept. The format is sniffed from the first lines (4 KiB,
 * growing up to 64 KiB when the log starts with other output), unless given.
 */
export class LogReader {
  private decoder = new TextDecoder('utf-8', { fatal: false });
  private partial = '';
  /** The current line grew past MAX_LINE_CHARS: its rest is skipped up to the next line break. */
  private skippingLongLine = false;
  private lineNo = 0;
  private parser: LogLineParser | null = null;
  private format: LogFormat | null;
  /** Lines held until the format is known. */
  private held: string[] = [];
  private heldFirstLine = 0;
  private heldChars = 0;
  private nextSniffAt = 4096;
  private readerWarnings: string[] = [];
  private readerUnparsed = new LineNumbers();
  private finished = false;

  constructor(private readonly options: LogReaderOptions = {}) {
    this.format = options.format ?? null;
    if (this.format) this.parser = makeParser(this.format);
  }

  push(chunk: Uint8Array): void {
    if (this.finished) throw new Error('LogReader: push after finish');
    this.text(this.decoder.decode(chunk, { stream: true }));
  }

  private text(s: string): void {
    let start = 0;
    for (;;) {
      const nl = s.indexOf('\n', start);
      if (nl < 0) break;
      this.endLine(s.slice(start, nl));
      start = nl + 1;
    }
    this.append(s.slice(start));
  }

  private append(piece: string): void {
    if (this.skippingLongLine || piece === '') return;
    if (this.partial.length + piece.length > MAX_LINE_CHARS) {
      this.partial = '';
      this.skippingLongLine = true;
      return;
    }
    this.partial += piece;
  }

  private endLine(tail: string): void {
    this.append(tail);
    this.lineNo++;
    if (this.skippingLongLine) {
      this.skippingLongLine = false;
      this.partial = '';
      this.readerUnparsed.add(this.lineNo);
      this.readerWarnings.push(`line ${this.lineNo}: longer than ${MAX_LINE_CHARS} characters, skipped`);
      return;
    }
    const line = this.partial;
    this.partial = '';
    this.feed(line, this.lineNo);
  }

  private feed(line: string, lineNo: number): void {
    if (this.parser) {
      this.parser.line(line, lineNo);
      return;
    }
    if (!this.held.length) this.heldFirstLine = lineNo;
    this.held.push(line);
    this.heldChars += line.length + 1;
    // Sniff at every 4 KiB held; a log may start with other output of the program, so give up only
    // after SNIFF_LIMIT (or at the end).
    if (this.heldChars >= this.nextSniffAt) {
      this.nextSniffAt += 4096;
      if (sniffLog(this.held.join('\n')) || this.heldChars >= SNIFF_LIMIT) this.decide();
    }
  }

  private decide(): void {
    if (!this.parser) {
      this.format = sniffLog(this.held.join('\n'));
      if (this.format) this.parser = makeParser(this.format);
    }
    const held = this.held;
    this.held = [];
    const firstLine = this.heldFirstLine;
    if (this.parser) held.forEach((l, i) => this.parser!.line(l, firstLine + i));
    else held.forEach((_, i) => this.readerUnparsed.add(firstLine + i));
  }

  finish(): LogReadResult {
    if (this.finished) throw new Error('LogReader: finish called twice');
    this.finished = true;
    const rest = this.decoder.decode();
    if (rest) this.append(rest);
    // A last line without its line break: cut short (a log still being written, a truncated copy).
    let halfLine: number | null = null;
    if (this.partial !== '' || this.skippingLongLine) {
      this.lineNo++;
      halfLine = this.lineNo;
      this.readerWarnings.push(
        `line ${halfLine}: ${this.skippingLongLine ? `longer than ${MAX_LINE_CHARS} characters and ` : ''}not ended by a line break (input cut short?); not parsed`,
      );
      this.partial = '';
      this.skippingLongLine = false;
    }
    this.decide();
    if (halfLine !== null) this.readerUnparsed.add(halfLine);
    const out: LogParseOutput = this.parser
      ? this.parser.finish()
      : { connections: [], warnings: [], unparsed: new LineNumbers(), startEpoch: null, lineKinds: {} };
    if (!this.parser && this.lineNo > 0) this.readerWarnings.push('not a known HTTP/2 debug log format');
    return this.build(out);
  }

  private build(out: LogParseOutput): LogReadResult {
    // Each list holds its first numbers, so the first of the merge are right too.
    const unparsedCount = this.readerUnparsed.count + out.unparsed.count;
    const unparsedLines = [...this.readerUnparsed.lines, ...out.unparsed.lines]
      .sort((a, b) => a - b)
      .slice(0, MAX_UNPARSED_LISTED);
    const warnings = [...this.readerWarnings, ...out.warnings];
    if (unparsedCount) {
      const listed = unparsedLines.slice(0, 10).join(', ');
      warnings.push(
        `${unparsedCount} log lines did not parse (lines ${listed}${unparsedCount > 10 ? ', ...' : ''})`,
      );
    }
    const results = new AppResults();
    const connections: Connection[] = [];
    const frames: H2FrameInput[][] = [];
    const views: LogReadResult['views'] = [];
    let endS = 0;
    const keep = this.options.pairedViews ?? 'both';
    const drafts = out.connections.filter((d) => keep === 'both' || !d.peerKey || d.view === keep);
    if (drafts.length < out.connections.length) {
      warnings.push(
        `kept only the ${keep}'s view of ${out.connections.length - drafts.length} connection(s) the log shows from both ends`,
      );
    }
    for (const draft of drafts) {
      const fix = makeMonotonic(draft.frames);
      if (fix.count) {
        warnings.push(
          `${draft.key}: ${fix.count} frame times went back (up to ${Math.round(fix.maxBackS * 1e6)} µs) and were raised to the frame before: a logger may stamp a line before it gets to write it`,
        );
      }
    }
    drafts.forEach((draft, i) => {
      const id = `c${i + 1}`;
      const conn = logConnection(id, draft);
      connections.push(conn);
      frames.push(draft.frames);
      views.push({ connection: id, key: draft.key, view: draft.view, basis: draft.viewBasis, peer: null });
      endS = Math.max(endS, conn.endS);
      const factory = this.options.session === undefined ? defaultSession : this.options.session;
      if (factory) {
        const ctx: AppContext = { conn, results, warn: (m) => conn.warnings.push(m) };
        const session = factory(ctx);
        for (const f of draft.frames) session.frame(f);
        session.finish?.(conn.endS);
      }
    });
    for (const v of views) {
      const peerKey = drafts.find((d) => d.key === v.key)?.peerKey;
      v.peer = views.find((o) => o.key === peerKey)?.connection ?? null;
    }
    const startEpoch = out.startEpoch;
    let start: string | null = null;
    if (startEpoch) {
      // ISO with the log's full precision (Date alone keeps milliseconds).
      const whole = new Date(startEpoch[0] * 1000).toISOString().slice(0, 19);
      start = `${whole}.${
        String(startEpoch[1])
          .padStart(9, '0')
          .replace(/0{1,6}$/, '') || '0'
      }Z`;
    }
    return {
      format: this.format,
      connections,
      frames,
      views,
      results,
      lines: this.lineNo,
      unparsed: { count: unparsedCount, lines: unparsedLines },
      warnings,
      lineKinds: out.lineKinds,
      startEpoch,
      start,
      durationS: endS,
    };
  }
}

/**
 * Frames in log order with times that never go back. Go's logger takes the time before the lock
 * that orders the lines, so concurrent goroutines' lines can be a few µs out of time order.
 */
function makeMonotonic(frames: H2FrameInput[]): { count: number; maxBackS: number } {
  let last = -Infinity;
  let count = 0;
  let maxBackS = 0;
  for (const f of frames) {
    if (f.tS < last) {
      count++;
      maxBackS = Math.max(maxBackS, last - f.tS);
      f.tS = last;
    } else last = f.tS;
  }
  return { count, maxBackS };
}

/** The same HTTP/2 session model the capture path feeds, told its frames come from a log. */
function defaultSession(ctx: AppContext): LogFrameSink {
  const session = new H2Session(ctx, { via: 'log' });
  // A log may stop before the connection ends: unanswered SETTINGS/PING are judged as at a capture's end.
  return { frame: (input) => session.frame(input), finish: (tS) => session.finish(tS, 'capture-end') };
}

function makeParser(format: LogFormat): LogLineParser {
  return format === 'go-http2debug' ? new GoHttp2DebugParser() : new NghttpVerboseParser();
}

function splitAddr(addr: string | null): { ip: string; port: number } {
  if (!addr) return { ip: '', port: 0 };
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr);
  return m ? { ip: m[1], port: Number(m[2]) } : { ip: addr, port: 0 };
}

/** A trace Connection for a log connection: TCP facts a log does not have are zero. */
function logConnection(id: string, draft: LogConnectionDraft): Connection {
  const c = splitAddr(draft.clientAddr);
  const s = splitAddr(draft.serverAddr);
  const placeholder = `log:${draft.key}`;
  const first = draft.frames[0];
  const last = draft.frames[draft.frames.length - 1];
  const count = (dir: 'c2s' | 's2c') => draft.frames.filter((f) => f.dir === dir).length;
  const bytes = (dir: 'c2s' | 's2c') =>
    draft.frames.filter((f) => f.dir === dir).reduce((n, f) => n + 9 + f.length, 0);
  const conn = newConnection({
    index: 0,
    clientIp: c.ip,
    clientPort: c.port,
    serverIp: s.ip,
    serverPort: s.port,
    directionBasis: 'log',
    startS: first?.tS ?? 0,
    firstPacket: draft.firstLine,
    protocol: 'h2',
  });
  conn.id = id;
  conn.client = draft.clientAddr ?? (draft.view === 'server' ? `${placeholder}:client` : placeholder);
  conn.server = draft.serverAddr ?? (draft.view === 'client' ? `${placeholder}:server` : placeholder);
  conn.endS = last?.tS ?? 0;
  conn.lastPacket = draft.lastLine;
  conn.packets = { c2s: count('c2s'), s2c: count('s2c') };
  conn.bytes = { c2s: bytes('c2s'), s2c: bytes('s2c') };
  conn.warnings.push(
    `${draft.view === 'both' ? "both sides' view" : `${draft.view}'s view`} from a debug log (${draft.viewBasis})`,
  );
  return conn;
}
