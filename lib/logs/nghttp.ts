/**
 * Reader for `nghttp -v` output (nghttp2's client). Verified against samples/logs/nghttp-verbose.log.
 *
 *   [  0.003] send HEADERS frame <length=39, flags=0x25, stream_id=13>
 *             ; END_STREAM | END_HEADERS | PRIORITY
 *             (padlen=0, dep_stream_id=11, weight=16, exclusive=0)
 *             ; Open new stream
 *             :method: GET                        <- sent header fields follow the frame line
 *   [  0.004] recv (stream_id=13) :status: 200   <- received fields come BEFORE their frame line
 *   [  0.004] recv HEADERS frame <length=92, flags=0x04, stream_id=13>
 *
 * Indented lines after a frame line are its details: `; FLAGS` and `; Open new stream` comments,
 * `(...)` field lists (padlen, dep_stream_id, weight, exclusive, promised_stream_id, niv,
 * last_stream_id, error_code=NAME(0xNN), opaque_data, window_size_increment), `[SETTINGS_X(0xNN):V]`
 * and header fields. Flags are taken from the hex value, not the comment.
 *
 * Connections: nghttp's client is one connection per run; each `Connected` line starts a new one
 * (several runs appended to one file). `send` is c2s. Times are the bracketed seconds since the
 * run started, so the log has no absolute time.
 */
import type { H2FrameInput } from '../stream';
import {
  LineNumbers,
  type LogConnectionDraft,
  type LogLineParser,
  type LogParseOutput,
  FRAME_TYPES,
  logFrame,
  settingName,
} from './common';

const TIMED = /^\[\s*(\d+(?:\.\d+)?)\] (.*)$/;
const FRAME_LINE =
  /^(send|recv) ([A-Z_]+|UNKNOWN) frame <length=(\d+), flags=0x([0-9a-fA-F]{1,2}), stream_id=(\d+)>$/;
const RECV_HEADER = /^recv \(stream_id=(\d+)\) (:?[^:]*): (.*)$/;
const RECV_HEADER_EMPTY = /^recv \(stream_id=(\d+)\) (:?[^:]*):$/;
/** Timed lines that are events, not frames: connection, TLS/ALPN, upgrade, timing reports. */
const EVENTS: [string, RegExp][] = [
  ['event.connected', /^Connected$/],
  ['event.tls', /^(\[ALPN\]|\[NPN\]|SSL\/TLS handshake completed|The negotiated protocol|TLS)/],
  ['event.upgrade', /^(HTTP Upgrade|Upgrade)/],
];
const UNTIMED_KNOWN: [string, RegExp][] = [
  ['note.not-processed', /^Some requests were not processed/],
  ['note.error', /^\[(ERROR|WARNING)\]/], // e.g. "[WARNING] Certificate verification failed: ..."
  ['note.tls', /^The negotiated protocol: /],
];

interface Conn {
  index: number;
  frames: H2FrameInput[];
  firstLine: number;
  lastLine: number;
}

export class NghttpVerboseParser implements LogLineParser {
  private conns: Conn[] = [];
  private current: Conn | null = null;
  /** The frame whose detail lines are being read. */
  private open: { frame: H2FrameInput; send: boolean; typeName: string; headers: [string, string][] } | null =
    null;
  /** Received header fields per stream, waiting for their HEADERS / PUSH_PROMISE frame line. */
  private recvHeaders = new Map<number, [string, string][]>();
  private unparsed = new LineNumbers();
  private warnings: string[] = [];
  private lineKinds: Record<string, number> = {};
  /** Between "HTTP Upgrade request|response" and the next timed line: HTTP/1.1 text. */
  private inUpgradeText = false;

  private count(kind: string): void {
    this.lineKinds[kind] = (this.lineKinds[kind] ?? 0) + 1;
  }

  line(raw: string, lineNo: number): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') {
      this.count('blank');
      return;
    }
    if (/^\s/.test(text)) {
      if (this.open && this.detail(text.trim())) {
        this.count('detail');
        if (this.current) this.current.lastLine = lineNo;
      } else this.unparsed.add(lineNo);
      return;
    }
    this.closeFrame();
    const timed = TIMED.exec(text);
    if (!timed && this.inUpgradeText) {
      // The HTTP/1.1 request or response of an h2c upgrade (`nghttp -u`), printed as is.
      this.count('upgrade.http1');
      return;
    }
    if (!timed) {
      for (const [kind, re] of UNTIMED_KNOWN) {
        if (re.test(text)) {
          this.count(kind);
          return;
        }
      }
      this.unparsed.add(lineNo);
      return;
    }
    this.inUpgradeText = false;
    const tS = Number(timed[1]);
    const body = timed[2];
    const fm = FRAME_LINE.exec(body);
    if (fm) {
      const typeId = fm[2] === 'UNKNOWN' ? -1 : FRAME_TYPES[fm[2]];
      if (typeId === undefined || typeId < 0) {
        this.unparsed.add(lineNo);
        return;
      }
      this.count(`frame.${fm[1]}`);
      const conn = this.connection(lineNo);
      const frame = logFrame(typeId, parseInt(fm[4], 16), Number(fm[5]), Number(fm[3]), tS, lineNo);
      frame.dir = fm[1] === 'send' ? 'c2s' : 's2c';
      conn.frames.push(frame);
      conn.lastLine = lineNo;
      this.open = { frame, send: fm[1] === 'send', typeName: fm[2], headers: [] };
      return;
    }
    const hm = RECV_HEADER.exec(body) ?? RECV_HEADER_EMPTY.exec(body);
    if (hm) {
      this.count('header.recv');
      const id = Number(hm[1]);
      const list = this.recvHeaders.get(id) ?? [];
      list.push([hm[2], hm[3] ?? '']);
      this.recvHeaders.set(id, list);
      return;
    }
    for (const [kind, re] of EVENTS) {
      if (re.test(body)) {
        this.count(kind);
        if (kind === 'event.connected') this.startConnection(lineNo);
        if (/^HTTP Upgrade (request|response)$/.test(body)) this.inUpgradeText = true;
        return;
      }
    }
    this.unparsed.add(lineNo);
  }

  private startConnection(lineNo: number): Conn {
    if (this.recvHeaders.size) this.recvHeaders.clear();
    const conn: Conn = { index: this.conns.length + 1, frames: [], firstLine: lineNo, lastLine: lineNo };
    this.conns.push(conn);
    this.current = conn;
    return conn;
  }

  private connection(lineNo: number): Conn {
    if (this.current) return this.current;
    this.warnings.push(
      `line ${lineNo}: frames before any "Connected" line; a connection was started for them`,
    );
    return this.startConnection(lineNo);
  }

  /** One indented detail line of the open frame; false when it is not one nghttp prints. */
  private detail(text: string): boolean {
    const open = this.open;
    if (!open) return false;
    const f = open.frame;
    if (text.startsWith('; ')) return true; // flag names, "Open new stream", "First response header", ...
    const setting = /^\[([A-Z_0-9]+)\(0x([0-9a-fA-F]+)\):(\d+)\]$/.exec(text);
    if (setting && f.typeId === FRAME_TYPES.SETTINGS) {
      const id = parseInt(setting[2], 16);
      const name = setting[1].replace(/^SETTINGS_/, '');
      const settings = f.info?.settings ?? [];
      settings.push({
        id,
        name: name.startsWith('UNKNOWN') ? settingName(id) : name,
        value: Number(setting[3]),
      });
      f.info = { ...f.info, settings };
      return true;
    }
    if (text.startsWith('(') && text.endsWith(')')) return this.fieldList(text.slice(1, -1));
    if (
      open.send &&
      (f.typeId === FRAME_TYPES.HEADERS ||
        f.typeId === FRAME_TYPES.PUSH_PROMISE ||
        f.typeId === FRAME_TYPES.CONTINUATION)
    ) {
      const h = /^(:?[^:]*): ?(.*)$/.exec(text);
      if (h) {
        open.headers.push([h[1], h[2]]);
        return true;
      }
    }
    return false;
  }

  /** `(a=1, b=NAME(0x08), opaque_data(0)=[])` */
  private fieldList(inner: string): boolean {
    const f = this.open!.frame;
    const info = { ...f.info };
    const fields = new Map<string, string>();
    for (const part of inner.split(', ')) {
      const m = /^([a-z_]+)(?:\(\d+\))?=(.*)$/.exec(part);
      if (!m) return false;
      fields.set(m[1], m[2]);
    }
    const num = (k: string): number | undefined => (fields.has(k) ? Number(fields.get(k)) : undefined);
    if (fields.has('padlen') && (f.flagsRaw & 0x8) !== 0) info.padLength = num('padlen');
    if (fields.has('dep_stream_id')) {
      info.priority = {
        dependsOn: num('dep_stream_id') ?? 0,
        weight: num('weight') ?? 16,
        exclusive: num('exclusive') === 1,
      };
    }
    if (fields.has('promised_stream_id')) info.promisedStreamId = num('promised_stream_id');
    if (fields.has('last_stream_id')) info.lastStreamId = num('last_stream_id');
    if (fields.has('error_code')) {
      const m = /^([A-Z_0-9]+)\(0x([0-9a-fA-F]+)\)$/.exec(fields.get('error_code')!);
      if (!m) return false;
      info.errorCode = parseInt(m[2], 16);
      info.errorName = m[1];
    }
    if (fields.has('window_size_increment')) info.increment = num('window_size_increment');
    if (fields.has('opaque_data')) {
      const v = fields.get('opaque_data')!;
      if (f.typeId === FRAME_TYPES.PING) info.pingPayload = v.toLowerCase();
      else if (f.typeId === FRAME_TYPES.GOAWAY) {
        const m = /^\[(.*)\]$/.exec(v);
        info.debugData = m ? m[1] : v;
      }
    }
    if (f.typeId === FRAME_TYPES.SETTINGS && fields.has('niv') && !info.settings) info.settings = [];
    for (const [k, v] of fields)
      if (v !== '' && !/^-?\d+$/.test(v) && !['error_code', 'opaque_data'].includes(k)) return false;
    f.info = info;
    return true;
  }

  private closeFrame(): void {
    const open = this.open;
    if (!open) return;
    this.open = null;
    const f = open.frame;
    if (f.typeId === FRAME_TYPES.DATA) {
      const pad = f.info?.padLength;
      f.info = { ...f.info, dataLength: pad !== undefined ? Math.max(0, f.length - pad - 1) : f.length };
    }
    const isBlock = f.typeId === FRAME_TYPES.HEADERS || f.typeId === FRAME_TYPES.PUSH_PROMISE;
    if (!isBlock && f.typeId !== FRAME_TYPES.CONTINUATION) return;
    // nghttp prints a whole header block once, with the frame that starts it.
    if (open.send) {
      if (isBlock) f.headers = open.headers;
    } else {
      // Received fields are printed (before the frame line) under the frame's own stream id; for a
      // PUSH_PROMISE that is the associated stream, as nghttp prints frame->hd.stream_id (not verified
      // on a real push: nghttpd pushes only with -p).
      if (isBlock) {
        f.headers = this.recvHeaders.get(f.streamId) ?? [];
        this.recvHeaders.delete(f.streamId);
      }
    }
  }

  finish(): LogParseOutput {
    this.closeFrame();
    if (this.recvHeaders.size) {
      this.warnings.push(
        `received header fields for streams ${[...this.recvHeaders.keys()].join(', ')} had no HEADERS frame line`,
      );
    }
    const warnings = [...this.warnings];
    if (this.conns.length)
      warnings.push('nghttp -v times are seconds since the run started: no absolute time');
    const connections: LogConnectionDraft[] = this.conns.map((c) => ({
      key: `nghttp#${c.index}`,
      view: 'client',
      viewBasis: 'nghttp is the client: send = c2s',
      clientAddr: null,
      serverAddr: null,
      frames: c.frames,
      firstLine: c.firstLine,
      lastLine: c.lastLine,
    }));
    return { connections, warnings, unparsed: this.unparsed, startEpoch: null, lineKinds: this.lineKinds };
  }
}
