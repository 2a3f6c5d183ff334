/**
 * Reader for Go's HTTP/2 debug log (`GODEBUG=http2debug=2` or `=1`), from net/http's bundled
 * http2 package or golang.org/x/net/http2. Verified against real logs from samples/logs/go.
 *
 * Line kinds (after the optional `2026/11/23 10:00:00[.123456] ` log prefix):
 * - `http2: Framer 0xPTR: wrote|read SUMMARY` (=2 only): one frame. SUMMARY is Go's frame summary:
 *   `TYPE[ flags=A|B][ stream=N] len=N` then per type ` data="..."[ (N bytes omitted)]`,
 *   `, settings: ID=V, ...`, ` [(conn) ]incr=N`, ` ping="..."`,
 *   ` LastStreamID=N ErrCode=NAME Debug="..."`, ` ErrCode=NAME`.
 * - `http2: server read frame SUMMARY` / `http2: Transport received SUMMARY`: the server's / the
 *   client's read loop echoing a frame it read. With =2 they repeat a Framer `read` line and tell
 *   which side that Framer is on; with =1 they are the only frame lines there are.
 * - `http2: Transport|server encoding header "k" = "v"`: logged BEFORE the `wrote HEADERS` line of
 *   the header block they encode.
 * - `http2: decoded hpack field header field "k" = "v"` (=2 only): logged AFTER the `read HEADERS`
 *   (or CONTINUATION) line whose fragment they decode, by the same reading goroutine; lines of
 *   other goroutines, the same Framer's writes included, may come in between.
 * - `http2: Transport creating client conn 0xCC to HOST:PORT`, `http2: server connection from
 *   HOST:PORT on 0xSS`: connection announcements, used for addresses.
 * - Other diagnostics of the http2 package (listed in DIAGNOSTICS) are known and skipped.
 *
 * Connections: one per Framer pointer (each side of a TCP connection has its own Framer). A log
 * with both sides in one process therefore yields two connections for one TCP connection, the
 * client's view and the server's view: the log carries no address pair that would match them
 * reliably (the client side prints only the server address, the server side only the client's),
 * so they are kept apart rather than merged by guess. A =1 log has no Framer lines; there the
 * server's reads (c2s) and the client's receipts (s2c) are merged into one connection when the log
 * announces at most one connection per side, else kept as two one-direction views.
 *
 * Side of a Framer (decides direction: the client's `wrote` is c2s, the server's `wrote` is s2c),
 * by votes, strongest first: an echo line (`server read frame` / `Transport received`) repeating
 * one of its reads; the prefix of the encoding lines its written HEADERS carried (`Transport` /
 * `server`); which side opened its first stream (wrote HEADERS before reading any on that stream
 * = client); PUSH_PROMISE written = server; decoded `:method` = server, decoded `:status` =
 * client. A Framer with no evidence is taken as a client, with a warning.
 *
 * Header lists of concurrent connections: encoding and decoding lines carry no Framer pointer, and
 * when two connections encode or decode at the same moment their lines alternate. A field joins
 * the oldest open block that can take it (see onDecoded); on real logs of two identical concurrent
 * exchanges this put over 90% of lists right, the rest on the other connection's frame. Frames,
 * flags, lengths and directions are never affected.
 *
 * Times: Go's default log prefix has whole seconds; frames in the same second then share a time
 * and only line order tells them apart (a warning says so). Times are read as UTC (Go prints
 * local time without a zone).
 */
import type { H2FrameInput } from '../stream';
import { elapsedS } from '../trace';
import {
  LineNumbers,
  type LogConnectionDraft,
  type LogLineParser,
  type LogParseOutput,
  bytesToText,
  ERROR_CODES,
  FLAG_BITS,
  FRAME_TYPES,
  logFrame,
  readGoQuoted,
  SETTING_IDS,
  toHex,
} from './common';

const PREFIX = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? (.*)$/;
const FRAMER = /^http2: Framer (0x[0-9a-fA-F]+): (wrote|read) (.*)$/;
const SUMMARY_HEAD =
  /^([A-Z_]+|UNKNOWN_FRAME_TYPE_\d+)(?: flags=([A-Za-z0-9_|]+))?(?: stream=(\d+))? len=(\d+)/;
const ENCODE = /^http2: (Transport|server) encoding header (".*)$/;
const DECODE = /^http2: decoded hpack field header field (".*)$/;
const ECHO = /^http2: (server read frame|Transport received) (.*)$/;
const CLIENT_CONN = /^http2: Transport creating client conn (0x[0-9a-fA-F]+) to (\S+)$/;
const SERVER_CONN = /^http2: server connection from (\S+) on (0x[0-9a-fA-F]+)$/;

/** Known lines that carry nothing a frame needs (Go's other http2 diagnostics, std log lines). */
const DIAGNOSTICS: [string, RegExp][] = [
  [
    'diag.transport',
    /^http2: Transport (failed to get client conn|closing idle conn|readFrame error|conn 0x|health check|sending health check|received unsolicited)/,
  ],
  ['diag.server', /^http2: server(:| processing setting| ignoring| closing| rejecting| connection error)/],
  ['diag.goaway', /^(http2: received GOAWAY|transport got GOAWAY|GOAWAY close timer fired)/],
  ['diag.roundtrip', /^RoundTrip (failure|retrying)/],
  [
    'diag.other',
    /^(http2: (invalid header|invalid pseudo headers|panic serving|too many control frames)|Unhandled Setting|connection is idle|ignoring invalid trailer|protocol error:|timeout waiting for SETTINGS|Transport: unhandled response frame)/,
  ],
];

type Side = 'client' | 'server';

interface ParsedSummary {
  typeName: string;
  frame: H2FrameInput;
}

interface FramerState {
  ptr: string;
  firstLine: number;
  lastLine: number;
  frames: H2FrameInput[];
  /** Frame inputs tagged with how they were logged (wrote/read), parallel to frames. */
  ops: ('wrote' | 'read')[];
  votes: { client: number; server: number; basis: string[] };
  /** Streams on which this Framer has already written / read a HEADERS frame. */
  wroteHeaders: Set<number>;
  readHeaders: Set<number>;
  /** Reads not yet repeated by the read loop's echo line, oldest first (Go echoes each in order). */
  echoQueue: { summary: string; line: number }[];
  /** Line of the read HEADERS/PUSH_PROMISE whose block is being decoded. */
  decodeLine: number;
  /** The block being decoded is a trailer block (a second HEADERS on its stream). */
  decodeTrailers: boolean;
  /** Decoded fields of the header block being read, waiting for the frame that ends it. */
  decodeBlock: [string, string][] | null;
  decodeFrame: H2FrameInput | null;
  /** Written header block waiting for its END_HEADERS frame. */
  writeBlock: [string, string][] | null;
  /** Connection announcements not yet claimed when this Framer first appeared. */
  announcedBefore: number;
}

interface Announcement {
  side: Side;
  addr: string;
  line: number;
  claimed: boolean;
}

interface EchoFrame {
  side: Side;
  summary: string;
  frame: H2FrameInput;
}

export class GoHttp2DebugParser implements LogLineParser {
  private framers = new Map<string, FramerState>();
  private framerOrder: FramerState[] = [];
  private unparsed = new LineNumbers();
  private warnings: string[] = [];
  private lineKinds: Record<string, number> = {};
  /** Times as [unix seconds, nanoseconds]: a double of milliseconds would lose the microseconds. */
  private startEpoch: [number, number] | null = null;
  private lastEpoch: [number, number] | null = null;
  private sawSubSecond = false;
  private sawWholeSecondOnly = false;
  private sawUntimed = false;
  /**
   * Encoded header blocks not yet claimed by a written HEADERS, per side, oldest first. Several
   * connections may encode at once; a block is taken to be a contiguous run of lines (a new one
   * starts at a pseudo-header after regular fields), claimed in order by that side's writes.
   */
  private pendingEncode: Record<Side, { fields: [string, string][]; lastLine: number }[]> = {
    client: [],
    server: [],
  };
  /** Framers whose read header block may still receive decoded lines, most recent last. */
  private openDecodes: FramerState[] = [];
  private stickyDecode: FramerState | null = null;
  private echoes: EchoFrame[] = [];
  /** =1 logs: encoded blocks per side in order, for the other side's echo HEADERS to claim. */
  private encodedBlocks: Record<Side, [string, string][][]> = { client: [], server: [] };
  private announcements: Announcement[] = [];
  /** Framer pointers that have written a (non-ACK) SETTINGS frame. */
  private wroteSettings = new Set<string>();
  /** Header blocks with no encoding (written) or decoding (read) lines. */
  private headersUnknown = 0;

  line(raw: string, lineNo: number): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') {
      this.count('blank');
      return;
    }
    let body = text;
    let tS = 0;
    const m = PREFIX.exec(text);
    if (m) {
      const frac = m[7] ?? '';
      const sec = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
      const ns = frac ? Number(frac.padEnd(9, '0')) : 0;
      if (frac) this.sawSubSecond = true;
      else this.sawWholeSecondOnly = true;
      if (this.startEpoch === null) this.startEpoch = [sec, ns];
      this.lastEpoch = [sec, ns];
      body = m[8];
    } else if (text.startsWith('http2: ')) {
      // log.SetFlags(0): no time at all; keep the last time seen.
      this.sawUntimed = true;
    } else {
      this.unparsed.add(lineNo);
      return;
    }
    if (this.lastEpoch && this.startEpoch) {
      tS = elapsedS(this.startEpoch[0], this.startEpoch[1], this.lastEpoch[0], this.lastEpoch[1]);
    }
    if (!this.dispatch(body, tS, lineNo)) this.unparsed.add(lineNo);
  }

  private count(kind: string): void {
    this.lineKinds[kind] = (this.lineKinds[kind] ?? 0) + 1;
  }

  private dispatch(body: string, tS: number, lineNo: number): boolean {
    let m = FRAMER.exec(body);
    if (m) {
      const parsed = parseSummary(m[3], tS, lineNo);
      if (!parsed) return false;
      this.count(`frame.${m[2]}`);
      this.onFramerFrame(m[1].toLowerCase(), m[2] as 'wrote' | 'read', m[3], parsed, lineNo);
      return true;
    }
    m = DECODE.exec(body);
    if (m) {
      const field = parseQuotedPair(m[1], true);
      if (!field) return false;
      this.count('header.decoded');
      this.onDecoded(field);
      return true;
    }
    m = ENCODE.exec(body);
    if (m) {
      const field = parseQuotedPair(m[2], false);
      if (!field) return false;
      this.count('header.encoded');
      const side: Side = m[1] === 'Transport' ? 'client' : 'server';
      const blocks = this.pendingEncode[side];
      // Concurrent encoders alternate line by line: the field joins the oldest block that lacks it.
      const block = blocks.find((b) => canExtend(b.fields, field));
      if (block) {
        block.fields.push(field);
        block.lastLine = lineNo;
      } else blocks.push({ fields: [field], lastLine: lineNo });
      this.noteEncodedForEcho(side, field);
      return true;
    }
    m = ECHO.exec(body);
    if (m) {
      const parsed = parseSummary(m[2], tS, lineNo);
      if (!parsed) return false;
      this.count('frame.echo');
      this.onEcho(m[1] === 'server read frame' ? 'server' : 'client', m[2], parsed);
      return true;
    }
    m = CLIENT_CONN.exec(body);
    if (m) {
      this.count('conn.client');
      this.announcements.push({ side: 'client', addr: m[2], line: lineNo, claimed: false });
      return true;
    }
    m = SERVER_CONN.exec(body);
    if (m) {
      this.count('conn.server');
      this.announcements.push({ side: 'server', addr: m[1], line: lineNo, claimed: false });
      return true;
    }
    for (const [kind, re] of DIAGNOSTICS) {
      if (re.test(body)) {
        this.count(kind);
        return true;
      }
    }
    return false;
  }

  private framer(ptr: string, lineNo: number, startsConnection: boolean): FramerState {
    let f = this.framers.get(ptr);
    if (f && startsConnection && f.frames.length) {
      // Go frees a Framer with its connection, and a later connection's Framer may get the same
      // address: a second initial SETTINGS written by a known pointer starts a new connection.
      const generation =
        this.framerOrder.filter((o) => o.ptr === ptr || o.ptr.startsWith(`${ptr}#`)).length + 1;
      this.framers.delete(ptr);
      this.closeDecode(f);
      f = undefined;
      ptr = `${ptr}#${generation}`;
    }
    if (!f) {
      f = {
        ptr,
        firstLine: lineNo,
        lastLine: lineNo,
        frames: [],
        ops: [],
        votes: { client: 0, server: 0, basis: [] },
        wroteHeaders: new Set(),
        readHeaders: new Set(),
        echoQueue: [],
        decodeLine: 0,
        decodeTrailers: false,
        decodeBlock: null,
        decodeFrame: null,
        writeBlock: null,
        announcedBefore: this.announcements.length,
      };
      this.framers.set(ptr.replace(/#\d+$/, ''), f);
      this.framerOrder.push(f);
    }
    f.lastLine = lineNo;
    return f;
  }

  private vote(f: FramerState, side: Side, weight: number, basis: string): void {
    f.votes[side] += weight;
    if (!f.votes.basis.includes(basis)) f.votes.basis.push(basis);
  }

  private onFramerFrame(
    ptr: string,
    op: 'wrote' | 'read',
    summary: string,
    parsed: ParsedSummary,
    lineNo: number,
  ): void {
    const frame = parsed.frame;
    const initialSettings = op === 'wrote' && frame.typeId === FRAME_TYPES.SETTINGS && !(frame.flagsRaw & 1);
    const f = this.framer(ptr, lineNo, initialSettings && this.wroteSettings.has(ptr));
    if (initialSettings) this.wroteSettings.add(ptr);
    // The next read of this Framer ends the header block it was decoding, unless it continues it.
    // Its writes do not: they come from another goroutine and can land between a `read HEADERS`
    // and its decoded lines (seen in real server logs).
    if (f.decodeFrame && op === 'read' && frame.typeId !== FRAME_TYPES.CONTINUATION) this.closeDecode(f);
    f.frames.push(frame);
    f.ops.push(op);
    const isHeaderBlock = frame.typeId === FRAME_TYPES.HEADERS || frame.typeId === FRAME_TYPES.PUSH_PROMISE;
    const endHeaders = (frame.flagsRaw & 0x4) !== 0;
    const readBefore = op === 'read' && f.readHeaders.has(frame.streamId);
    if (frame.typeId === FRAME_TYPES.HEADERS) {
      const [mine, theirs] =
        op === 'wrote' ? [f.wroteHeaders, f.readHeaders] : [f.readHeaders, f.wroteHeaders];
      if (frame.streamId % 2 === 1 && !mine.has(frame.streamId) && !theirs.has(frame.streamId)) {
        // The first HEADERS on an odd stream comes from the client that opened it.
        this.vote(f, op === 'wrote' ? 'client' : 'server', 1, 'opened-streams');
      }
      mine.add(frame.streamId);
    }
    if (frame.typeId === FRAME_TYPES.PUSH_PROMISE && op === 'wrote')
      this.vote(f, 'server', 2, 'push-promise');

    if (op === 'wrote') {
      if (isHeaderBlock || frame.typeId === FRAME_TYPES.CONTINUATION) {
        if (isHeaderBlock) f.writeBlock = this.takeEncoded(f);
        if (endHeaders) {
          // No encoding lines (a logger that filters them): the header list is unknown, not empty.
          if (f.writeBlock) frame.headers = f.writeBlock;
          else this.headersUnknown++;
          f.writeBlock = null;
        }
      }
    } else {
      // The read loop echoes what ReadFrame returned: CONTINUATIONs are folded into their HEADERS.
      if (frame.typeId !== FRAME_TYPES.CONTINUATION) {
        f.echoQueue.push({ summary, line: lineNo });
        if (f.echoQueue.length > 64) f.echoQueue.shift();
      }
      if (isHeaderBlock) {
        f.decodeBlock = [];
        f.decodeFrame = frame;
        f.decodeLine = lineNo;
        f.decodeTrailers = frame.typeId === FRAME_TYPES.HEADERS && readBefore;
        this.openDecodes = this.openDecodes.filter((o) => o !== f);
        this.openDecodes.push(f);
        this.stickyDecode = f;
      } else if (frame.typeId === FRAME_TYPES.CONTINUATION && f.decodeBlock) {
        f.decodeFrame = frame;
      }
    }
  }

  /** The encoded fields a written header block carried: those of the Framer's side, else the most recent. */
  private takeEncoded(f: FramerState): [string, string][] | null {
    const client = this.pendingEncode.client[0];
    const server = this.pendingEncode.server[0];
    const known = sideOf(f);
    let side: Side | null = null;
    if (known === 'client' && client) side = 'client';
    else if (known === 'server' && server) side = 'server';
    else if (client && server) side = client.lastLine >= server.lastLine ? 'client' : 'server';
    else if (client) side = 'client';
    else if (server) side = 'server';
    if (!side) return null;
    const block = this.pendingEncode[side].shift()!;
    this.vote(f, side, 2, 'encoding-lines');
    return block.fields;
  }

  /**
   * Which open header block a decoded line belongs to. Several read loops may decode at once and
   * their lines then alternate (seen in real logs of concurrent connections), so the field joins
   * the oldest open block that can take it: an empty block starts with a pseudo-header of its
   * side (`:status` is read by clients, the others by servers) or, for a trailer block, with a
   * regular field; a started block takes a field it does not have yet (pseudo-headers only before
   * regular fields). Identical concurrent exchanges can still swap fields between blocks.
   */
  private onDecoded(field: [string, string]): void {
    const pseudo = field[0].startsWith(':');
    const canTake = (o: FramerState): boolean => {
      const block = o.decodeBlock;
      if (!block) return false;
      const side = sideOf(o);
      const sideFits = field[0] === ':status' ? side !== 'server' : side !== 'client';
      if (block.length === 0) return o.decodeTrailers ? !pseudo : pseudo && sideFits;
      return canExtend(block, field) && (!pseudo || sideFits);
    };
    const sticky = this.stickyDecode?.decodeBlock ? this.stickyDecode : null;
    const target = this.openDecodes.find(canTake) ?? sticky;
    if (!target || !target.decodeBlock) {
      this.count('header.decoded-orphan');
      return;
    }
    if (field[0] === ':status') this.vote(target, 'client', 1, 'decoded-pseudo-headers');
    else if (field[0] === ':method') this.vote(target, 'server', 1, 'decoded-pseudo-headers');
    target.decodeBlock.push(field);
    this.stickyDecode = target;
  }

  private closeDecode(f: FramerState): void {
    if (f.decodeFrame && f.decodeBlock) {
      // Headers belong on the frame that completed the block (END_HEADERS), per the H2FrameInput contract.
      if (f.decodeFrame.flagsRaw & 0x4) {
        // No decoded lines for a non-empty block: the list is unknown (lines lost), not empty.
        if (f.decodeBlock.length || f.decodeFrame.length === 0) f.decodeFrame.headers = f.decodeBlock;
        else this.headersUnknown++;
      }
    }
    f.decodeBlock = null;
    f.decodeFrame = null;
    this.openDecodes = this.openDecodes.filter((o) => o !== f);
    if (this.stickyDecode === f) this.stickyDecode = null;
  }

  private onEcho(side: Side, summary: string, parsed: ParsedSummary): void {
    // Each read loop echoes its Framer's reads in order: the echo belongs to a Framer whose oldest
    // un-echoed read has this summary. Among several (identical exchanges on two connections),
    // prefer one already known to be on `side`, then the one that read it first.
    let best: FramerState | null = null;
    let candidates = 0;
    for (const f of this.framers.values()) {
      const head = f.echoQueue[0];
      if (!head || head.summary !== summary) continue;
      const s = sideOf(f);
      if (s !== null && s !== side) continue;
      candidates++;
      if (
        !best ||
        (sideOf(best) === null && s !== null) ||
        ((sideOf(best) === null) === (s === null) && head.line < best.echoQueue[0].line)
      )
        best = f;
    }
    if (!best) {
      // A lost echo or read: look deeper in the queues and drop what was skipped.
      for (const f of this.framers.values()) {
        const k = f.echoQueue.findIndex((r) => r.summary === summary);
        if (k > 0 && (sideOf(f) === null || sideOf(f) === side)) {
          f.echoQueue.splice(0, k);
          best = f;
          break;
        }
      }
    }
    if (best) {
      const read = best.echoQueue.shift()!;
      this.vote(best, side, 3, 'echo-lines');
      // The read loop logs the echo after decoding: that header block is complete. When two
      // Framers had the same read pending, the echo may be the other's: the block then stays open
      // until its Framer's next read (a complete block takes no more fields anyway).
      if (candidates <= 1 && best.decodeFrame && best.decodeLine === read.line) this.closeDecode(best);
    }
    const frame = parsed.frame;
    if (frame.typeId === FRAME_TYPES.HEADERS || frame.typeId === FRAME_TYPES.PUSH_PROMISE) {
      // =1 logs: the block the other side encoded earliest and nobody claimed yet.
      frame.headers = this.encodedBlocks[side === 'server' ? 'client' : 'server'].shift() ?? [];
    }
    this.echoes.push({ side, summary, frame });
  }

  /** =1 logs: group encoded fields into blocks so the peer's echoed HEADERS can claim them. */
  private noteEncodedForEcho(side: Side, field: [string, string]): void {
    const blocks = this.encodedBlocks[side];
    const last = blocks[blocks.length - 1];
    // A pseudo-header after regular fields (or repeated) starts the next block. A block claimed by
    // the peer's echo has left the queue, so trailers encoded after it start their own.
    const startsNew =
      !last || (field[0].startsWith(':') && last.some(([k]) => !k.startsWith(':') || k === field[0]));
    if (startsNew) blocks.push([field]);
    else last.push(field);
  }

  finish(): LogParseOutput {
    for (const f of this.framerOrder) if (f.decodeFrame) this.closeDecode(f);
    const warnings = [...this.warnings];
    if (this.sawWholeSecondOnly && !this.sawSubSecond) {
      warnings.push(
        'log times have whole seconds only (Go log default): frames within a second share a time; their order is the line order',
      );
    }
    if (this.sawUntimed)
      warnings.push('some lines have no time prefix: they take the time of the line before');
    const connections = this.framerOrder.length
      ? this.framerConnections(warnings)
      : this.echoConnections(warnings);
    const leftover = [...this.pendingEncode.client, ...this.pendingEncode.server].reduce(
      (n, b) => n + b.fields.length,
      0,
    );
    if (leftover && this.framerOrder.length)
      warnings.push(`${leftover} encoded header lines were not followed by a written HEADERS frame`);
    if (this.headersUnknown)
      warnings.push(
        `${this.headersUnknown} header blocks had no encoding or decoding lines: their header lists are unknown`,
      );
    if (this.lineKinds['header.decoded-orphan']) {
      warnings.push(
        `${this.lineKinds['header.decoded-orphan']} decoded header lines followed no read HEADERS frame`,
      );
    }
    return {
      connections,
      warnings,
      unparsed: this.unparsed,
      startEpoch: this.startEpoch,
      lineKinds: this.lineKinds,
    };
  }

  private framerConnections(warnings: string[]): LogConnectionDraft[] {
    const out: LogConnectionDraft[] = [];
    for (const f of this.framerOrder) {
      let side: Side;
      let basis: string;
      if (f.votes.client === f.votes.server) {
        side = 'client';
        basis = 'no evidence: assumed client';
        warnings.push(`Framer ${f.ptr}: could not tell client from server; taken as the client's view`);
      } else {
        side = f.votes.client > f.votes.server ? 'client' : 'server';
        basis = f.votes.basis.join(', ');
      }
      // Addresses: the earliest unclaimed announcement of this side made before the Framer appeared.
      let addr: string | null = null;
      for (let i = 0; i < f.announcedBefore; i++) {
        const a = this.announcements[i];
        if (!a.claimed && a.side === side) {
          a.claimed = true;
          addr = a.addr;
          break;
        }
      }
      f.frames.forEach((frame, i) => {
        const wrote = f.ops[i] === 'wrote';
        frame.dir = (side === 'client') === wrote ? 'c2s' : 's2c';
      });
      out.push({
        key: f.ptr,
        view: side,
        viewBasis: basis,
        clientAddr: side === 'server' ? addr : null,
        serverAddr: side === 'client' ? addr : null,
        frames: f.frames,
        firstLine: f.firstLine,
        lastLine: f.lastLine,
      });
    }
    this.pairViews(out, warnings);
    return out;
  }

  /**
   * Both sides in one log: with exactly one client view and one server view they are the two ends
   * of one connection. Each then gets the address the other printed (the client side prints only
   * the server's address, the server side only the client's), so both carry the full endpoint pair.
   * With more connections the log gives nothing reliable to pair them by, and they stay unpaired.
   */
  private pairViews(drafts: LogConnectionDraft[], warnings: string[]): void {
    const clients = drafts.filter((d) => d.view === 'client');
    const servers = drafts.filter((d) => d.view === 'server');
    if (!clients.length || !servers.length) return;
    if (clients.length === 1 && servers.length === 1) {
      const [c, s] = [clients[0], servers[0]];
      c.peerKey = s.key;
      s.peerKey = c.key;
      c.clientAddr ??= s.clientAddr;
      s.serverAddr ??= c.serverAddr;
      warnings.push(
        `the log has both ends of one connection: Framer ${c.key} (client's view) and Framer ${s.key} (server's view) show the same frames`,
      );
    } else {
      warnings.push(
        `the log has ${clients.length} client-side and ${servers.length} server-side connection views; each side's frames appear twice, unpaired`,
      );
    }
  }

  /** =1 logs: frames only from the read loops' echo lines. */
  private echoConnections(warnings: string[]): LogConnectionDraft[] {
    if (!this.echoes.length) return [];
    for (const e of this.echoes) e.frame.dir = e.side === 'server' ? 'c2s' : 's2c';
    warnings.push(
      'http2debug=1 log: only frames read by each side are logged; header lists are matched to frames by order (best effort)',
    );
    const clientAnn = this.announcements.filter((a) => a.side === 'client');
    const serverAnn = this.announcements.filter((a) => a.side === 'server');
    const sides = new Set(this.echoes.map((e) => e.side));
    const draft = (
      key: string,
      view: LogConnectionDraft['view'],
      frames: H2FrameInput[],
    ): LogConnectionDraft => ({
      key,
      view,
      viewBasis: 'echo-lines',
      clientAddr: serverAnn.length === 1 ? serverAnn[0].addr : null,
      serverAddr: clientAnn.length === 1 ? clientAnn[0].addr : null,
      frames,
      firstLine: frames[0]?.line ?? 0,
      lastLine: frames[frames.length - 1]?.line ?? 0,
    });
    if (sides.size === 2 && clientAnn.length <= 1 && serverAnn.length <= 1) {
      return [
        draft(
          'http2debug=1',
          'both',
          this.echoes.map((e) => e.frame),
        ),
      ];
    }
    if (sides.size === 2)
      warnings.push('http2debug=1 log with several connections: reads cannot be told apart by connection');
    const out: LogConnectionDraft[] = [];
    for (const side of ['client', 'server'] as const) {
      const frames = this.echoes.filter((e) => e.side === side).map((e) => e.frame);
      if (frames.length)
        out.push(draft(side === 'client' ? 'transport-reads' : 'server-reads', side, frames));
    }
    return out;
  }
}

/** Whether `field` can join `block`: a name it lacks, and pseudo-headers only before regular fields. */
function canExtend(block: [string, string][], field: [string, string]): boolean {
  if (block.some(([k]) => k === field[0])) return false;
  return !field[0].startsWith(':') || block.every(([k]) => k.startsWith(':'));
}

/** Whether a header field cannot continue `block`: a pseudo-header after regular or repeated fields. */
function startsNewBlock(block: [string, string][], field: [string, string]): boolean {
  if (!field[0].startsWith(':')) return false;
  return block.some(([k]) => !k.startsWith(':') || k === field[0]);
}

function sideOf(f: FramerState): Side | null {
  if (f.votes.client === f.votes.server) return null;
  return f.votes.client > f.votes.server ? 'client' : 'server';
}

/** `"k" = "v"` (optionally followed by ` (sensitive)` for decoded fields). */
function parseQuotedPair(text: string, allowSensitive: boolean): [string, string] | null {
  const k = readGoQuoted(text, 0);
  if (!k || text.slice(k.end, k.end + 3) !== ' = ') return null;
  const v = readGoQuoted(text, k.end + 3);
  if (!v) return null;
  const rest = text.slice(v.end);
  if (rest !== '' && !(allowSensitive && rest === ' (sensitive)')) return null;
  return [bytesToText(k.bytes), bytesToText(v.bytes)];
}

/** Parses Go's one-line frame summary; null when it is not one. */
export function parseSummary(summary: string, tS: number, lineNo: number): ParsedSummary | null {
  const head = SUMMARY_HEAD.exec(summary);
  if (!head) return null;
  const typeName = head[1];
  const typeId = typeName.startsWith('UNKNOWN_FRAME_TYPE_')
    ? Number(typeName.slice('UNKNOWN_FRAME_TYPE_'.length))
    : FRAME_TYPES[typeName];
  if (typeId === undefined || typeId > 255) return null;
  let flags = 0;
  if (head[2]) {
    for (const name of head[2].split('|')) {
      if (/^0x[0-9a-f]+$/.test(name)) flags |= parseInt(name, 16);
      else {
        const bit = FLAG_BITS[typeId]?.[name];
        if (bit === undefined) return null;
        flags |= bit;
      }
    }
  }
  const streamId = head[3] ? Number(head[3]) : 0;
  const length = Number(head[4]);
  const frame = logFrame(typeId, flags, streamId, length, tS, lineNo);
  const rest = summary.slice(head[0].length);
  if (!parseSummaryTail(typeId, rest, frame)) return null;
  return { typeName, frame };
}

function parseSummaryTail(typeId: number, rest: string, frame: H2FrameInput): boolean {
  switch (typeId) {
    case FRAME_TYPES.DATA: {
      if (!rest.startsWith(' data=')) return false;
      const q = readGoQuoted(rest, 6);
      if (!q) return false;
      const tail = rest.slice(q.end);
      const omitted = /^ \((\d+) bytes omitted\)$/.exec(tail);
      if (tail !== '' && !omitted) return false;
      // Padding is not in the summary: without PADDED the data length is the frame length.
      const dataLength = q.bytes.length + (omitted ? Number(omitted[1]) : 0);
      frame.info = { dataLength };
      return true;
    }
    case FRAME_TYPES.SETTINGS: {
      if (rest === '') {
        frame.info = { settings: [] };
        return true;
      }
      if (!rest.startsWith(', settings: ')) return false;
      const settings: { id: number; name: string; value: number }[] = [];
      for (const part of rest.slice(', settings: '.length).split(', ')) {
        const m = /^([A-Z_0-9]+)=(\d+)$/.exec(part);
        if (!m) return false;
        const id = m[1].startsWith('UNKNOWN_SETTING_') ? Number(m[1].slice(16)) : SETTING_IDS[m[1]];
        if (id === undefined) return false;
        settings.push({ id, name: m[1], value: Number(m[2]) });
      }
      frame.info = { settings };
      return true;
    }
    case FRAME_TYPES.WINDOW_UPDATE: {
      const m = /^(?: \(conn\))? incr=(\d+)$/.exec(rest);
      if (!m) return false;
      frame.info = { increment: Number(m[1]) };
      return true;
    }
    case FRAME_TYPES.PING: {
      if (!rest.startsWith(' ping=')) return false;
      const q = readGoQuoted(rest, 6);
      if (!q || q.end !== rest.length) return false;
      frame.info = { pingPayload: toHex(q.bytes) };
      return true;
    }
    case FRAME_TYPES.GOAWAY: {
      const m = /^ LastStreamID=(\d+) ErrCode=(.+?) Debug=(".*)$/.exec(rest);
      if (!m) return false;
      const code = errorCode(m[2]);
      const q = readGoQuoted(m[3], 0);
      if (code === null || !q || q.end !== m[3].length) return false;
      frame.info = {
        lastStreamId: Number(m[1]),
        errorCode: code,
        errorName: m[2],
        debugData: bytesToText(q.bytes),
      };
      return true;
    }
    case FRAME_TYPES.RST_STREAM: {
      const m = /^ ErrCode=(.+)$/.exec(rest);
      const code = m ? errorCode(m[1]) : null;
      if (code === null || !m) return false;
      frame.info = { errorCode: code, errorName: m[1] };
      return true;
    }
    default:
      // HEADERS, PRIORITY, PUSH_PROMISE, CONTINUATION and unknown types: Go prints only the header.
      return rest === '';
  }
}

/** Go prints known codes by name and others as "unknown error code 0x1f". */
function errorCode(text: string): number | null {
  if (text in ERROR_CODES) return ERROR_CODES[text];
  const m = /^unknown error code 0x([0-9a-f]+)$/.exec(text);
  return m ? parseInt(m[1], 16) : null;
}
