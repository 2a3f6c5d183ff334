/**
 * HTTP/1.x exchanges of one connection: a request parser (c2s) and a response parser (s2c), paired
 * in order (pipelining), with timings, outcomes, interim statuses and JSON top-level keys. After a
 * 101 or a 2xx to CONNECT the rest of both directions is handed to the parser onUpgrade returns.
 *
 * Capture gaps. A gap inside a body whose framing bridges it is only counted. Otherwise the
 * direction's parser resynchronises at the next start line, and pairing picks up again from the
 * evidence around the gap, because a gap may have swallowed whole requests or responses:
 * - a response found by resynchronising, on a connection that has not pipelined, answers the last
 *   outstanding request sent before it began (a client that waits for each response sends the next
 *   request only after the previous response ended); the requests before it had their responses in
 *   the gap. On a pipelining connection, responses stay in order (the one cut by the gap is dropped).
 * - after a client-side gap, a response that began before the oldest outstanding request was sent
 *   answers a request the capture lost: it gets a placeholder exchange (no method). Such a hole is
 *   reported only when the server ACKs past it — in the first packet of that very response, after
 *   its bytes were parsed — so the response first taken for an orphan (or, while the server side
 *   was resynchronising, for the answer to an older request) is moved to the placeholder then.
 * - pipelining is known from packet order: a request sent before the previous response began or
 *   ended (held-back bytes keep their packet numbers, so a late-reported hole does not fake it).
 * - a capture that began mid-connection (no handshake seen) is parsed like one after a gap: from
 *   the first start line on each side; a response before the first request is a placeholder.
 * Every exchange a gap touched has outcome 'capture-gap' and `captureGap` (never 'unanswered').
 */
import type { AppContext, AppParser, StreamEndReason } from '../stream';
import type { Dir, Http1Exchange, Http1Message } from '../trace';
import { Http1DirParser, topLevelJsonKeys, values } from './parser';
import type { Http1Head } from './parser';

export interface Http1ParserOptions {
  /**
   * Called when the connection leaves HTTP/1 (101 Switching Protocols: the Upgrade token; 2xx to
   * CONNECT: "CONNECT"). Return the parser for the rest of both directions, or null to ignore it.
   */
  onUpgrade?: (
    protocol: string,
    atS: number,
    rest: { c2sOffset: number; s2cOffset: number },
  ) => AppParser | null;
}

/** Only this much of a JSON response body is kept, to read its top-level keys. */
export const JSON_KEEP_BYTES = 64 * 1024;
/** c2s bytes held while a protocol switch is undecided (h2c preface sent before the 101). */
const MAX_HELD_BYTES = 1024 * 1024;

type Held = { bytes: Uint8Array; offset: number; packet: number; tS: number };

export class Http1Parser implements AppParser {
  private readonly req: Http1DirParser;
  private readonly resp: Http1DirParser;
  /** Exchanges whose request has started and whose final response has not ended, in order. */
  private outstanding: Http1Exchange[] = [];
  private reqEx: Http1Exchange | null = null;
  private respEx: Http1Exchange | null = null;
  private respMsg: Http1Message | null = null;
  private respFinal = false;
  private json: Uint8Array | null = null;
  private jsonLen = 0;
  private index = 0;
  private held: Held[] = [];
  private heldBytes = 0;
  /** 'http': parsing; 'switched': forwarding to next (or dropping when null). */
  private mode: 'http' | 'switched' = 'http';
  private next: AppParser | null = null;
  private switchAt: { c2s: number; s2c: number } = { c2s: 0, s2c: 0 };
  private lastTs = 0;
  /** c2s offset just past the last complete request: where a protocol switch starts. */
  private c2sEnd = 0;
  /** The exchange whose final response ended last (the one a 101 / CONNECT 2xx belongs to). */
  private lastAnswered: Http1Exchange | null = null;
  /** Seen a request sent before the previous response had ended (pipelining). */
  private pipelined = false;
  /** The client's stream lost its place at some gap: requests may be missing. */
  private c2sGapSeen = false;
  /** The server's stream lost its place: the next response pairs by the evidence (see above). */
  private s2cResync = false;
  /** Packet of the last client bytes parsed (what came before a client-side gap). */
  private lastC2sPacket = 0;
  /** Packet (and time) of the last server bytes parsed: the one whose ACK may reveal a client-side hole. */
  private lastS2cPacket = 0;
  private lastS2cTs = Number.NaN;
  /** The capture began after this connection did (no handshake seen): its first bytes may be mid-message. */
  private readonly midStream: boolean;
  /** A request has begun on this connection (in the capture). */
  private sawRequest = false;
  /** Orphan responses since the last request began (a client-side hole found later may explain them). */
  private orphans: Http1Exchange[] = [];
  /** The exchange the last response was paired with by resyncPairing (null: paired by order). */
  private resyncPaired: Http1Exchange | null = null;
  /** A client-side hole between messages came after this packet: whole requests may be in it. */
  private c2sHoleAfter = -1;

  constructor(
    private readonly ctx: AppContext,
    private readonly opts: Http1ParserOptions = {},
  ) {
    this.req = new Http1DirParser('request', {
      start: (offset, packet, tS) => {
        this.sawRequest = true;
        const ex = this.newExchange();
        ex.requestS = tS;
        ex.request = message(offset, packet, tS);
        settle(ex);
        this.reqEx = ex;
        this.outstanding.push(ex);
        this.orphans = [];
        this.ctx.results.exchanges.push(ex);
      },
      head: (head, chunked) => {
        const ex = this.reqEx;
        if (!ex?.request) return;
        ex.method = head.method;
        ex.path = head.target;
        ex.version = head.version;
        ex.request.headers = head.headers;
        ex.request.chunked = chunked;
      },
      body: (bytes, packet) => {
        const m = this.reqEx?.request;
        if (!m) return;
        m.bodyBytes += bytes.length;
        m.packets[1] = packet;
      },
      end: (endOffset, packet, tS) => {
        this.c2sEnd = endOffset;
        const ex = this.reqEx;
        if (!ex?.request) return;
        ex.request.endS = tS;
        // Packet 0: the request ended inside a gap, where its length said.
        if (packet) ex.request.packets[1] = packet;
        ex.requestEndS = tS;
        settle(ex);
        this.reqEx = null;
      },
      malformed: (reason, offset) => this.malformed('request', 'c2s', reason, offset, this.reqEx),
      switched: () => {},
      lost: (length) => {
        if (this.reqEx) markGap(this.reqEx, 'c2s', length);
      },
    });
    this.resp = new Http1DirParser(
      'response',
      {
        start: (offset, packet, tS) => {
          this.respMsg = message(offset, packet, tS);
          this.respFinal = false;
          const resynced = this.s2cResync;
          if (resynced) this.resyncPairing(packet);
          // The next request was sent before this response began: the client pipelines.
          else if (
            this.outstanding.length > 1 &&
            (this.outstanding[1].request?.packets[0] ?? packet) < packet
          )
            this.pipelined = true;
          let ex: Http1Exchange | null = this.outstanding[0] ?? null;
          // After a client-side gap, a response that began before this request was sent cannot be
          // its answer: it answers a request the capture lost.
          if (ex && this.c2sGapSeen && ex.request && ex.request.packets[0] > packet) ex = null;
          if (!ex) {
            ex = this.newExchange();
            // Before the first request of a capture that began mid-connection, a response answers a
            // request sent before the capture started.
            if (this.c2sGapSeen || (this.midStream && !this.sawRequest)) markGap(ex, 'c2s', -1);
            this.ctx.results.exchanges.push(ex);
            this.outstanding.unshift(ex);
            if (!this.c2sGapSeen) this.orphans.push(ex);
          }
          this.respEx = ex;
          this.resyncPaired = resynced && ex.request ? ex : null;
        },
        head: (head, chunked) => this.responseHead(head, chunked),
        body: (bytes, packet) => {
          const m = this.respMsg;
          if (!m) return;
          m.bodyBytes += bytes.length;
          m.packets[1] = packet;
          if (this.json && this.jsonLen < JSON_KEEP_BYTES) {
            const take = Math.min(bytes.length, JSON_KEEP_BYTES - this.jsonLen);
            this.json.set(bytes.subarray(0, take), this.jsonLen);
            this.jsonLen += take;
          }
        },
        end: (_endOffset, packet, tS) => this.responseEnd(packet, tS),
        malformed: (reason, offset) => this.malformed('response', 's2c', reason, offset, this.respEx),
        switched: (kind, restOffset) => this.switched(kind, restOffset),
        lost: (length) => {
          if (this.respEx) markGap(this.respEx, 's2c', length);
        },
      },
      { requestMethod: () => this.outstanding[0]?.method ?? null },
    );
    const basis = ctx.conn.directionBasis;
    this.midStream = basis !== 'syn' && basis !== 'syn-ack' && basis !== 'log';
    if (this.midStream) {
      // Parse from the first start line on each side; the first response pairs by the evidence.
      this.req.startLost();
      this.resp.startLost();
      this.s2cResync = true;
    }
  }

  data(dir: Dir, bytes: Uint8Array, offset: number, packet: number, tS: number): void {
    this.lastTs = tS;
    if (this.mode === 'switched') return this.forward(dir, bytes, offset, packet, tS);
    if (dir === 'c2s') {
      this.lastC2sPacket = packet;
      if (this.req.awaiting) return this.hold(bytes, offset, packet, tS);
      const used = this.req.feed(bytes, offset, packet, tS);
      if (used < bytes.length && this.req.awaiting)
        this.hold(bytes.subarray(used), offset + used, packet, tS);
      return;
    }
    this.lastS2cPacket = packet;
    this.lastS2cTs = tS;
    const used = this.resp.feed(bytes, offset, packet, tS);
    // A switch happened inside this chunk: the rest belongs to the next protocol.
    if (this.isSwitched() && used < bytes.length)
      this.forward('s2c', bytes.subarray(used), offset + used, packet, tS);
  }

  gap(dir: Dir, offset: number, length: number, tS: number): void {
    if (this.mode === 'switched') return this.next?.gap(dir, offset, length, tS);
    const p = dir === 'c2s' ? this.req : this.resp;
    if (p.stopped) return;
    const wasLost = p.lost;
    const candidate = p.tentativeHead;
    const current = (): Http1Exchange | null => (dir === 'c2s' ? this.reqEx : this.respEx);
    const before = p.inProgress ? current() : null;
    const effect = p.gap(offset, length, tS);
    // The message in progress is cut when it has not ended (where its length said) inside the gap.
    const cut = before !== null && current() === before ? before : null;
    if (effect !== 'lost') {
      if (p.stopped) {
        if (cut) markGap(cut, dir, -1);
        if (dir === 'c2s') this.reqEx = null;
        else this.respEx = null;
      }
      return;
    }
    if (!wasLost)
      this.ctx.warn(
        `HTTP/1 ${dir === 'c2s' ? 'requests' : 'responses'}: ${length} bytes at ${dir} byte ${offset} never captured; ` +
          `parsing resumes at the next ${dir === 'c2s' ? 'request' : 'status'} line`,
      );
    if (cut) markGap(cut, dir, -1);
    if (dir === 'c2s') {
      this.c2sGapSeen = true;
      this.reqEx = null;
      if (!cut) this.c2sHoleAfter = this.lastC2sPacket;
      // A client-side hole is known only once the server ACKs past it, which the first packet of
      // the response to a lost request does, after its bytes were parsed: that response, taken
      // for an orphan, answers a request the capture lost.
      for (const ex of this.orphans) {
        if (ex.captureGap) continue;
        // (Its head may still be arriving: then only the message in progress knows where it began.)
        const m = ex.response ?? (ex === this.respEx ? this.respMsg : null);
        if (m && m.packets[0] > this.lastC2sPacket) markGap(ex, 'c2s', -1);
      }
      // The same response, when the server's side was itself resynchronising, was paired with an
      // older request whose own response the capture lost: without pipelining it answers the lost one.
      // (Reported at that packet's time: the hole was found by its ACK, not by a later one.)
      if (!cut && !this.pipelined && tS === this.lastS2cTs) this.unpairLatest();
      return;
    }
    this.s2cResync = true;
    this.respMsg = null;
    this.json = null;
    this.respEx = null;
    // Pipelining: a response that began in the gap, or whose unconfirmed start line the gap cut,
    // answered the oldest outstanding request.
    const lostStart =
      cut ?? (this.pipelined && (!wasLost || candidate) ? (this.outstanding[0] ?? null) : null);
    // The cut response, or (pipelining, the parser between messages) the one that began in the
    // gap: its end is in the gap or beyond, it will not be seen.
    if (lostStart) {
      const at = this.outstanding.indexOf(lostStart);
      if (at >= 0) this.outstanding.splice(at, 1);
      markGap(lostStart, 's2c', -1);
    }
  }

  /**
   * The response that began in the server packet just parsed was taken as the answer to a request
   * sent before a client-side hole now found; it answers a request lost in that hole. Move it to a
   * placeholder exchange; the request keeps a lost response (its answer was in a server-side hole).
   */
  private unpairLatest(): void {
    // Only a pairing the server side's resynchronisation guessed: one made by order stands (a
    // pipelining client's first request may be ACKed with the next one, lost, in one packet).
    const ex = this.resyncPaired;
    const m = ex?.response ?? (ex && this.respEx === ex ? this.respMsg : null);
    if (!ex?.request || !m || m.packets[0] !== this.lastS2cPacket) return;
    if (ex.request.packets[0] > this.lastC2sPacket || m.packets[0] <= this.lastC2sPacket) return;
    this.resyncPaired = null;
    const ph = this.newExchange();
    ph.version = ex.version;
    ph.status = ex.status;
    ph.reason = ex.reason;
    ph.response = ex.response;
    ph.responseS = ex.responseS;
    ph.responseEndS = ex.responseEndS;
    ph.interim = ex.interim;
    ph.contentType = ex.contentType;
    ph.jsonKeys = ex.jsonKeys;
    ex.status = null;
    ex.reason = null;
    ex.response = null;
    ex.responseS = null;
    ex.responseEndS = null;
    ex.interim = [];
    ex.contentType = null;
    ex.jsonKeys = null;
    this.ctx.results.exchanges.push(ph);
    markGap(ph, 'c2s', -1);
    markGap(ex, 's2c', -1);
    const at = this.outstanding.indexOf(ex);
    if (at >= 0) this.outstanding.splice(at, 1, ph);
    if (this.respEx === ex) this.respEx = ph;
    if (this.lastAnswered === ex) this.lastAnswered = ph;
  }

  /**
   * The first response after the server's stream lost its place: which outstanding request does it
   * answer? Without pipelining, the last one sent before it began; the ones before had their
   * responses in the gap. With pipelining, order is all there is: the oldest.
   */
  private resyncPairing(packet: number): void {
    this.s2cResync = false;
    if (this.pipelined) return;
    let k = -1;
    for (let j = 0; j < this.outstanding.length; j++) {
      const r = this.outstanding[j].request;
      if (r && r.packets[0] < packet) k = j;
    }
    // A client-side hole after that request and before this response may hold a later request,
    // the one this response answers (response start packets then place it as a lost request's).
    const r = k >= 0 ? this.outstanding[k].request : null;
    if (r && this.c2sHoleAfter >= r.packets[0] && this.c2sHoleAfter < packet) k++;
    for (const ex of this.outstanding.splice(0, Math.max(0, k))) markGap(ex, 's2c', -1);
  }

  end(dir: Dir, how: StreamEndReason, tS: number): void {
    if (this.mode === 'switched') return this.next?.end(dir, how, tS);
    if (dir === 's2c' && (this.s2cResync || this.resp.lost)) {
      // The server's stream ended while lost: any outstanding request's answer may have been in the gap.
      for (const ex of this.outstanding) if (ex.request && !ex.response) markGap(ex, 's2c', -1);
    }
    if (dir === 's2c') this.resp.endOfStream(Number.NaN, this.respMsg?.packets[1] ?? 0, tS);
    if (dir === 'c2s' && this.req.awaiting) {
      // The server never answered the switch: nothing more to parse.
      this.held = [];
    }
  }

  /** A method, not a field read, because feed() may switch the mode behind the compiler's back. */
  private isSwitched(): boolean {
    return this.mode === 'switched';
  }

  private newExchange(): Http1Exchange {
    return {
      connection: this.ctx.conn.id,
      index: ++this.index,
      method: null,
      path: null,
      version: null,
      status: null,
      reason: null,
      requestS: null,
      requestEndS: null,
      responseS: null,
      responseEndS: null,
      request: null,
      response: null,
      interim: [],
      outcome: 'orphan-response',
      contentType: null,
      jsonKeys: null,
    };
  }

  private responseHead(head: Http1Head, chunked: boolean): void {
    const ex = this.respEx;
    const m = this.respMsg;
    if (!ex || !m) return;
    m.headers = head.headers;
    m.chunked = chunked;
    const status = head.status ?? 0;
    if (status >= 100 && status < 200 && status !== 101) {
      ex.interim.push(status);
      return;
    }
    this.respFinal = true;
    ex.status = status;
    ex.reason = head.reason;
    if (ex.version === null) ex.version = head.version;
    ex.response = m;
    ex.responseS = m.startS;
    const ct = values(head.headers, 'content-type')[0] ?? null;
    ex.contentType = ct;
    this.json = ct !== null && /\bjson\b|\+json/i.test(ct) ? new Uint8Array(JSON_KEEP_BYTES) : null;
    this.jsonLen = 0;
    settle(ex);
  }

  private responseEnd(packet: number, tS: number): void {
    const ex = this.respEx;
    const m = this.respMsg;
    this.respMsg = null;
    if (!ex || !m || !this.respFinal) return;
    m.endS = tS;
    if (packet) m.packets[1] = packet;
    ex.responseEndS = tS;
    if (this.json) {
      ex.jsonKeys = topLevelJsonKeys(new TextDecoder('utf-8').decode(this.json.subarray(0, this.jsonLen)));
      this.json = null;
    }
    settle(ex);
    const at = this.outstanding.indexOf(ex);
    if (at >= 0) this.outstanding.splice(at, 1);
    // The next request was sent before this response ended: the client pipelines.
    const next = this.outstanding[0]?.request;
    if (next && m.packets[1] && next.packets[0] < m.packets[1]) this.pipelined = true;
    this.respEx = null;
    this.lastAnswered = ex;
    const status = ex.status ?? 0;
    const switching = status === 101 || (ex.method === 'CONNECT' && status >= 200 && status < 300);
    // The server answered an Upgrade/CONNECT request without switching: the client goes on in HTTP/1.
    if (!switching && this.req.awaiting && this.outstanding.every((e) => e.response !== null)) {
      this.req.resume();
      const held = this.held;
      this.held = [];
      this.heldBytes = 0;
      for (const h of held) this.data('c2s', h.bytes, h.offset, h.packet, h.tS);
    }
  }

  private switched(kind: 'upgrade' | 'tunnel', s2cOffset: number): void {
    const ex = this.lastAnswered;
    const c2sOffset = this.held[0]?.offset ?? this.c2sEnd;
    const upgrade = ex?.response ? values(ex.response.headers, 'upgrade')[0] : undefined;
    const protocol = kind === 'tunnel' ? 'CONNECT' : (upgrade ?? 'unknown').split(',')[0].trim();
    this.req.stop();
    this.mode = 'switched';
    this.switchAt = { c2s: c2sOffset, s2c: s2cOffset };
    this.next = this.opts.onUpgrade?.(protocol, this.lastTs, { c2sOffset, s2cOffset }) ?? null;
    const held = this.held;
    this.held = [];
    for (const h of held) this.forward('c2s', h.bytes, h.offset, h.packet, h.tS);
  }

  private forward(dir: Dir, bytes: Uint8Array, offset: number, packet: number, tS: number): void {
    const next = this.next;
    if (!next) return;
    const cut = this.switchAt[dir] - offset;
    if (cut >= bytes.length) return;
    if (cut > 0) next.data(dir, bytes.subarray(cut), offset + cut, packet, tS);
    else next.data(dir, bytes, offset, packet, tS);
  }

  private hold(bytes: Uint8Array, offset: number, packet: number, tS: number): void {
    if (this.heldBytes + bytes.length > MAX_HELD_BYTES) return;
    this.held.push({ bytes: bytes.slice(), offset, packet, tS });
    this.heldBytes += bytes.length;
  }

  private malformed(kind: string, dir: Dir, reason: string, offset: number, ex: Http1Exchange | null): void {
    this.ctx.warn(`malformed HTTP/1 ${kind} at ${dir} byte ${offset}: ${reason}`);
    // A response that started but never parsed still counts as the (incomplete) answer.
    if (ex && dir === 's2c' && ex.response === null && this.respMsg && ex.request !== null) {
      ex.response = this.respMsg;
      ex.responseS = this.respMsg.startS;
    }
    if (ex) settle(ex);
    if (dir === 'c2s') this.reqEx = null;
    else this.respEx = null;
  }
}

function message(offset: number, packet: number, tS: number): Http1Message {
  return {
    startS: tS,
    endS: null,
    headers: [],
    bodyBytes: 0,
    chunked: false,
    streamOffset: offset,
    packets: [packet, packet],
  };
}

/** Bytes of `dir` missing in this exchange (-1: a whole message or its start line). */
function markGap(ex: Http1Exchange, dir: Dir, bytes: number): void {
  const g = (ex.captureGap ??= { c2s: 0, s2c: 0 });
  g[dir] = bytes < 0 || g[dir] < 0 ? -1 : g[dir] + bytes;
  settle(ex);
}

/** Outcome from what has been seen so far; recomputed on every change so end() needs no pass. */
function settle(ex: Http1Exchange): void {
  if (ex.captureGap) ex.outcome = 'capture-gap';
  else if (ex.request === null) ex.outcome = 'orphan-response';
  else if (ex.requestEndS === null) ex.outcome = 'incomplete-request';
  else if (ex.response === null) ex.outcome = 'unanswered';
  else if (ex.responseEndS === null) ex.outcome = 'incomplete-response';
  else ex.outcome = 'complete';
}
