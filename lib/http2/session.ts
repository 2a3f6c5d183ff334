/**
 * The HTTP/2 connection model (RFC 9113), fed one frame at a time from either source: the byte
 * parser (lib/http2/parser.ts, payloads present) or a debug-log reader (lib/logs, headers and
 * facts already decoded). It numbers frames, assembles header blocks, keeps per-stream records and
 * state machines, flow-control windows and SETTINGS/PING pairing, and records protocol violations
 * for the detectors (lib/findings/h2.ts).
 *
 * Conventions:
 * - Stream states follow §5.1 as seen from the client: "half-closed-local" = the client sent
 *   END_STREAM, "half-closed-remote" = the server did. (An observer has no single local side.)
 * - H2Stream.sequence: one token per frame on the stream, in order: H = HEADERS, C = CONTINUATION,
 *   D = DATA, R = RST_STREAM, P = PUSH_PROMISE (on the parent stream), "*" after END_STREAM.
 *   WINDOW_UPDATE and PRIORITY are left out (flow-control noise). Long sequences are cut after
 *   SEQUENCE_MAX tokens with " …".
 *
 * What makes a violation certain wherever the capture was taken (client side, server side or in
 * between):
 * - What a side did itself is in its own byte stream, in order: frames after its own END_STREAM,
 *   RST_STREAM, GOAWAY or SETTINGS ACK are judged against them at once.
 * - What the peer did (RST_STREAM, GOAWAY, SETTINGS, PING) counts only once the side has
 *   provably read it: it answered, earlier in its own byte stream, something the peer sent at or
 *   after it (a PING ACK, a SETTINGS ACK, its first frame on a stream the peer opened later) —
 *   HTTP/2 frames are read in order, so it had read the frame by then (readProof). Before that,
 *   frames crossed it or were already written (§5.1 "sent or enqueued", §6.8 races: allowed, not
 *   reported). Timing cannot prove it: the peer's TCP acknowledges at once while a lagging event
 *   loop still writes; the TCP ACK (AppParser.acked) is only quoted as context.
 * - Credits (WINDOW_UPDATE, raising SETTINGS) count when seen: on one path a credit the sender
 *   used passes the capture point before the DATA that used it. Reductions count once the DATA
 *   sender acknowledged them. Every window is a FlowWindow (window.ts).
 * - Capture gaps (noteGap): frames of that direction may be lost, so what they could explain
 *   (the other side's windows and frame size, unanswered SETTINGS/PING, streams open at the gap,
 *   HPACK entries) is no longer judged; streams across the gap get H2Stream.captureGap.
 */
import type { AppContext, H2FrameInput } from '../stream';
import { concatBytes } from '../bytes';
import {
  H2FrameRecord,
  type Dir,
  type H2ConnectionInfo,
  type H2Frame,
  type H2FrameInfo,
  type H2Stream,
  type H2Violation,
  type PerDir,
} from '../trace';
import {
  DEFAULT_MAX_FRAME_SIZE,
  F,
  T,
  decodePayload,
  errorCodeName,
  frameFlagNames,
  frameTypeName,
  settingName,
} from './frames';
import { HpackDecoder, HpackError, type HeaderList } from './hpack';
import { GrpcMessageScanner, applyGrpcStatus, isGrpcContentType, newGrpcInfo } from './grpc';
import { K, type FindingKind } from '../findings/kinds';
import { DEFAULT_WINDOW as INITIAL_WINDOW, FlowWindow, MAX_WINDOW, type WindowVerdict } from './window';

const SEQUENCE_MAX = 200;
/** A SETTINGS or PING still unanswered when the connection closed this long after it was sent. */
const UNANSWERED_CLOSE_S = 1;

/** An RST_STREAM, GOAWAY, SETTINGS or PING, and what shows its receiver has it. */
interface Receipt {
  /** Who sent the frame. */
  by: Dir;
  /** Its place in its sender's frames (H2Session.framesSent at the time). */
  seq: number;
  frame: number;
  tS: number;
  /** Stream offset past the frame in its direction (byte input), to match the peer's TCP ACK. */
  endOffset: number | undefined;
  receivedS: number | null;
  receivedPacket: number;
}

export type H2Via = 'preface' | 'upgrade' | 'log';

export interface H2SessionOptions {
  via: H2Via;
  /**
   * The capture began inside the connection: streams first seen mid-life are not violations, and
   * HPACK tables are unknown (header blocks that reference them fail and are reported undecodable).
   */
  midstream?: boolean;
}

const other = (d: Dir): Dir => (d === 'c2s' ? 's2c' : 'c2s');

interface StreamRec {
  s: H2Stream;
  /** What each sender may still send (DATA) on this stream. */
  window: Record<Dir, FlowWindow>;
  opened: PerDir<boolean>;
  /** Header blocks completed per sender (1st = headers, 2nd+ = trailers). */
  blocks: PerDir;
  rst: Receipt | null;
  grpc: GrpcMessageScanner | null;
  tokens: number;
  /** One report per stream for rules that would otherwise fire on every following frame. */
  reported: Set<FindingKind> | null;
  /** The opener's frame count when it opened the stream (0: unknown), and whether the peer has sent on it. */
  openSeq: number;
  peerSent: boolean;
}

interface PendingBlock {
  streamId: number;
  typeId: number;
  /** Fragments copied out of the caller's buffers (payloads are valid only during a call). */
  chunks: Uint8Array[];
  size: number;
  endStream: boolean;
  promisedId: number;
  firstFrame: H2Frame;
}

interface PendingSettings {
  frame: H2Frame;
  values: { id: number; value: number }[];
  receipt: Receipt;
  /** Frames the peer sent after it had provably read the SETTINGS (see readProof). */
  after: number;
}

interface PendingPing {
  frame: H2Frame;
  payload: string;
  receipt: Receipt;
  after: number;
}

export class H2Session {
  readonly info: H2ConnectionInfo;
  private readonly streams = new Map<number, StreamRec>();
  /** Decoder for header blocks sent by each direction. */
  private readonly hpack: Record<Dir, HpackDecoder> = { c2s: new HpackDecoder(), s2c: new HpackDecoder() };
  private readonly pendingBlock: Record<Dir, PendingBlock | null> = { c2s: null, s2c: null };
  /** What each sender may still send (DATA) on the connection: 65535, changed only by WINDOW_UPDATE. */
  private readonly connWindow: Record<Dir, FlowWindow> = { c2s: new FlowWindow(), s2c: new FlowWindow() };
  /** Initial stream window for DATA sent by each direction (the peer's SETTINGS_INITIAL_WINDOW_SIZE). */
  private readonly initialWindow: PerDir = { c2s: INITIAL_WINDOW, s2c: INITIAL_WINDOW };
  /** Largest frame each direction may send (the peer's SETTINGS_MAX_FRAME_SIZE). */
  private readonly maxFrameSize: PerDir = { c2s: DEFAULT_MAX_FRAME_SIZE, s2c: DEFAULT_MAX_FRAME_SIZE };
  private readonly maxOpened: PerDir = { c2s: 0, s2c: 0 };
  private readonly framesSent: PerDir = { c2s: 0, s2c: 0 };
  private readonly pendingSettings: Record<Dir, PendingSettings[]> = { c2s: [], s2c: [] };
  private readonly pendingPings: Record<Dir, PendingPing[]> = { c2s: [], s2c: [] };
  /**
   * GOAWAY sent by each direction: the first one (its receipt ends the peer's right to open
   * streams) and the lowest last-stream-id announced so far (later GOAWAYs may only lower it).
   */
  private readonly goawayBy: Record<Dir, (Receipt & { lastStreamId: number; lowFrame: number }) | null> = {
    c2s: null,
    s2c: null,
  };
  /** RST_STREAM/GOAWAY frames per direction still waiting for the peer's TCP acknowledgment. */
  private readonly awaitingAck: Record<Dir, Receipt[]> = { c2s: [], s2c: [] };
  /**
   * The latest frame of each direction its peer has provably read (its `framesSent` number), and
   * the peer's frame that proves it: frames are read in order, so everything before it was read too.
   */
  private readonly readUpTo: Record<Dir, ReadProof> = {
    c2s: { seq: 0, by: null, how: 'first-frame' },
    s2c: { seq: 0, by: null, how: 'first-frame' },
  };
  /**
   * Bytes of this direction were lost from the capture (between frames, or inside a frame whose
   * end could not be found): its frames may be missing, so nothing that a lost frame of it
   * (WINDOW_UPDATE, SETTINGS, ACK, END_STREAM) could explain is judged any more.
   */
  private readonly framesLost: PerDir<boolean> = { c2s: false, s2c: false };
  private finished = false;
  private maxId = 0;
  /** A SETTINGS (not ACK) of this direction was seen. */
  private readonly settingsSeen: PerDir<boolean> = { c2s: false, s2c: false };
  private pendingOverruns: { receiver: Dir; v: H2Violation }[] = [];
  private lastS = 0;
  constructor(
    private readonly ctx: AppContext,
    private readonly opts: H2SessionOptions,
  ) {
    this.info = {
      connection: ctx.conn.id,
      frames: [],
      settings: { c2s: {}, s2c: {} },
      goaway: [],
      violations: [],
      prefaceSeen: false,
      via: opts.via,
    };
    ctx.results.h2.push(this.info);
    // Mid-connection: the windows' history (earlier WINDOW_UPDATEs, SETTINGS) is unknown.
    if (opts.midstream) {
      this.connWindow.c2s.forget();
      this.connWindow.s2c.forget();
    }
  }

  /** All streams of this connection, in order of first appearance. */
  get streamList(): H2Stream[] {
    return [...this.streams.values()].map((r) => r.s);
  }

  stream(id: number): H2Stream | undefined {
    return this.streams.get(id)?.s;
  }

  /** The highest stream id seen so far (either side). */
  get highestStreamId(): number {
    return this.maxId;
  }

  /** Largest frame the direction may send (the peer's SETTINGS_MAX_FRAME_SIZE, as far as seen). */
  maxFrameSizeFor(dir: Dir): number {
    return this.maxFrameSize[dir];
  }

  /**
   * Bytes of `dir` were missing from the capture. `stream` set: they lay inside a DATA frame of
   * that stream whose end is known (only its body is incomplete). Otherwise whole frames of `dir`
   * may be lost: its HPACK state is unknown, open streams may have lost frames, and the windows
   * and limits its lost WINDOW_UPDATE/SETTINGS frames governed are no longer judged.
   */
  noteGap(dir: Dir, stream: number | null): void {
    if (stream !== null) {
      const r = this.streams.get(stream);
      if (r) {
        r.s.captureGap = true;
        // The gRPC message framing of the body is lost with the bytes.
        r.grpc = null;
      }
      return;
    }
    this.framesLost[dir] = true;
    const peer = other(dir);
    this.pendingOverruns = this.pendingOverruns.filter((p) => p.receiver !== dir);
    this.failBlock(dir, 'header block cut by a capture gap');
    // Lost header blocks took their table insertions with them (hpack.ts: partly known from here).
    this.hpack[dir].forgetTable();
    this.connWindow[peer].forget();
    for (const r of this.streams.values()) {
      r.window[peer].forget();
      if (r.s.state !== 'closed') {
        r.s.captureGap = true;
        r.grpc = null;
      }
    }
  }

  markPreface(): void {
    this.info.prefaceSeen = true;
  }

  /**
   * h2c upgrade (RFC 7540 §3.2): the HTTP/1.1 request became stream 1, which the client has
   * already finished sending (half-closed from the client's side).
   */
  openUpgradeStream(tS: number, requestHeaders: HeaderList | null = null): void {
    const r = this.getStream(1, tS);
    r.opened.c2s = true;
    r.s.endStream.c2s = true;
    r.s.state = 'half-closed-local';
    r.s.requestHeaders = requestHeaders;
    if (requestHeaders) this.applyRequestHeaders(r, requestHeaders);
    this.maxOpened.c2s = 1;
  }

  /** Whether DATA on this stream is read (gRPC message framing); other bodies are only counted. */
  readsDataOf(streamId: number): boolean {
    return this.streams.get(streamId)?.grpc != null;
  }

  frame(input: H2FrameInput): H2Frame {
    const { dir, tS, typeId, flagsRaw, streamId, length } = input;
    if (this.pendingOverruns.length > 0 && tS > this.lastS) this.settle();
    this.lastS = tS;
    const f: H2Frame = new H2FrameRecord(
      this.ctx.results.nextFrameNumber(),
      this.ctx.conn.id,
      streamId,
      frameTypeName(typeId),
      typeId,
      frameFlagNames(typeId, flagsRaw),
      flagsRaw,
      length,
      dir,
      tS,
      input.packets,
    );
    if (input.line !== undefined) f.line = input.line;

    let fragment: Uint8Array | undefined;
    if (input.payload) {
      const d = decodePayload(typeId, flagsRaw, input.payload);
      fragment = d.fragment;
      if (hasKeys(d.info)) f.info = d.info;
    } else if (input.info) {
      f.info = input.info;
    }
    this.framesSent[dir]++;
    if (typeId !== T.GOAWAY) this.countAfterRead(dir);

    // A lost SETTINGS of the receiver could have raised its limit; so could one sent before a
    // capture that began mid-connection.
    if (length > this.maxFrameSize[dir] && this.receiverSettingsKnown(dir)) {
      this.violation(
        K.frameSizeError,
        streamId || null,
        [f.number],
        tS,
        `${f.type} of ${length} bytes exceeds the peer's SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize[dir]}`,
        { length, max: this.maxFrameSize[dir], by: dir },
      );
    } else if (f.info?.error && /length/.test(f.info.error)) {
      this.violation(K.frameSizeError, streamId || null, [f.number], tS, f.info.error, { length });
    }

    // §6.10: a header block's CONTINUATIONs follow it with nothing from the same sender between.
    const pend = this.pendingBlock[dir];
    if (pend && !(typeId === T.CONTINUATION && streamId === pend.streamId)) {
      this.violation(
        K.continuationInterleaved,
        pend.streamId,
        [pend.firstFrame.number, f.number],
        tS,
        `${f.type} on stream ${streamId} interrupted the header block of stream ${pend.streamId} (CONTINUATION expected)`,
      );
      this.failBlock(dir, 'header block interrupted before END_HEADERS');
    } else if (!pend && typeId === T.CONTINUATION && !this.framesLost[dir]) {
      this.violation(
        K.continuationInterleaved,
        streamId,
        [f.number],
        tS,
        `CONTINUATION on stream ${streamId} without a preceding HEADERS/PUSH_PROMISE`,
      );
    }

    if (streamId === 0) {
      this.info.frames.push(f);
      this.connectionFrame(f, input);
    } else {
      this.streamFrame(f, input, fragment);
    }
    return f;
  }

  /** Ends the connection: unanswered SETTINGS/PING become violations, per h2-rules.md. */
  finish(endS: number = this.lastS, how: 'closed' | 'capture-end' = 'capture-end'): void {
    if (this.finished) return;
    this.finished = true;
    this.settle();
    this.dropUnseenReceiver();
    // When the close began (the first FIN or RST of either side), not when it was noticed.
    const closeS = closeStartS(this.ctx.conn) ?? endS;
    for (const dir of ['c2s', 's2c'] as Dir[]) {
      const peer = other(dir);
      // The answer may be among the peer's lost frames.
      if (this.framesLost[peer]) continue;
      // Unanswered counts only when the peer had it and went on: it sent frames after it had
      // read it (frames in flight or queued before do not count, nor a GOAWAY: it was closing),
      // or the connection stayed open UNANSWERED_CLOSE_S after it before it closed.
      const why = (p: PendingSettings | PendingPing): string | null =>
        p.after > 0
          ? ` although it sent ${p.after} frame${p.after === 1 ? '' : 's'} after it had it`
          : how === 'closed' && closeS - p.frame.tS >= UNANSWERED_CLOSE_S
            ? ` in the ${ms(closeS - p.frame.tS)} before the connection closed`
            : null;
      for (const p of this.pendingSettings[dir]) {
        const w = why(p);
        if (w)
          this.violation(
            K.settingsUnacked,
            null,
            [p.frame.number],
            p.frame.tS,
            `SETTINGS from the ${side(dir)} never acknowledged by the ${side(peer)}${w}`,
            { by: dir, peerFramesAfter: p.after },
          );
      }
      for (const p of this.pendingPings[dir]) {
        const w = why(p);
        if (w)
          this.violation(
            K.pingUnacked,
            null,
            [p.frame.number],
            p.frame.tS,
            `PING ${p.payload} from the ${side(dir)} never answered by the ${side(peer)}${w}`,
            { by: dir, payload: p.payload, peerFramesAfter: p.after },
          );
      }
      const pend = this.pendingBlock[dir];
      if (pend) this.failBlock(dir, 'connection ended inside a header block');
    }
    for (const r of this.streams.values()) {
      if (r.s.endS < endS && r.s.state !== 'closed' && r.s.state !== 'idle')
        r.s.endS = Math.max(r.s.endS, endS);
      if (r.grpc) {
        for (const d of ['c2s', 's2c'] as Dir[])
          if (r.grpc.midMessage(d))
            this.ctx.warn(`h2 stream ${r.s.id}: ${side(d)} stopped inside a gRPC message`);
      }
    }
  }

  // ---- connection-level frames ----

  private connectionFrame(f: H2Frame, input: H2FrameInput): void {
    const { dir, typeId, flagsRaw, tS } = input;
    const peer = other(dir);
    const info = f.info;
    switch (typeId) {
      case T.SETTINGS: {
        if (flagsRaw & F.ACK) {
          const p = this.pendingSettings[peer].shift();
          if (p) {
            this.applySettingsAcked(peer, p.values);
            this.proveRead(peer, p.receipt.seq, f, 'settings-ack');
          }
          break;
        }
        const values = (info?.settings ?? []).map((s) => ({ id: s.id, value: s.value }));
        this.settingsSeen[dir] = true;
        const rec = this.info.settings[dir];
        for (const s of values) {
          rec[settingName(s.id)] = s.value;
          // Raises take effect at once (the sender is ready for them); reductions once acknowledged.
          if (s.id === 4) {
            if (s.value > MAX_WINDOW)
              this.violation(
                K.flowControlViolation,
                null,
                [f.number],
                tS,
                `SETTINGS_INITIAL_WINDOW_SIZE ${s.value} above 2^31-1`,
                { value: s.value },
              );
            else if (s.value > this.initialWindow[peer]) this.setInitialWindow(peer, s.value, f);
          } else if (s.id === 5 && s.value > this.maxFrameSize[peer]) this.maxFrameSize[peer] = s.value;
          else if (s.id === 1) this.hpack[peer].setAllowedMax(Math.max(s.value, this.hpack[peer].allowed));
        }
        const receipt = this.receipt(dir, f, input);
        this.awaitReceipt(receipt);
        this.pendingSettings[dir].push({ frame: f, values, receipt, after: 0 });
        break;
      }
      case T.PING: {
        const payload = info?.pingPayload ?? '';
        if (flagsRaw & F.ACK) {
          const list = this.pendingPings[peer];
          const i = list.findIndex((p) => p.payload === payload);
          if (i >= 0) {
            this.proveRead(peer, list[i].receipt.seq, f, 'ping-ack');
            // Earlier PINGs still unanswered were read before this one: answering this one is a
            // frame sent after having them.
            for (let k = 0; k < i; k++) list[k].after++;
            list.splice(i, 1);
          }
        } else {
          const receipt = this.receipt(dir, f, input);
          this.awaitReceipt(receipt);
          this.pendingPings[dir].push({ frame: f, payload, receipt, after: 0 });
        }
        break;
      }
      case T.GOAWAY: {
        const lastStreamId = info?.lastStreamId ?? 0;
        const errorCode = info?.errorCode ?? 0;
        this.info.goaway.push({
          by: dir,
          lastStreamId,
          errorCode,
          errorName: info?.errorName ?? errorCodeName(errorCode),
          frame: f.number,
          tS,
        });
        const g = this.goawayBy[dir];
        if (!g) {
          const rec = { ...this.receipt(dir, f, input), lastStreamId, lowFrame: f.number };
          this.goawayBy[dir] = rec;
          this.awaitReceipt(rec);
        } else if (lastStreamId < g.lastStreamId) {
          g.lastStreamId = lastStreamId;
          g.lowFrame = f.number;
        }
        break;
      }
      case T.WINDOW_UPDATE: {
        const inc = info?.increment;
        if (inc === undefined) break;
        if (inc === 0) {
          this.violation(
            K.flowControlViolation,
            null,
            [f.number],
            tS,
            `WINDOW_UPDATE with increment 0 on the connection from the ${side(dir)}`,
            { increment: 0 },
          );
          break;
        }
        const w = this.connWindow[peer];
        if (w.credit(inc).violated)
          this.violation(
            K.flowControlViolation,
            null,
            [f.number],
            tS,
            `connection window of the ${side(peer)} overflowed 2^31-1 (${w.value})`,
            { window: w.value },
          );
        break;
      }
      case T.DATA:
      case T.HEADERS:
      case T.PUSH_PROMISE:
      case T.CONTINUATION:
      case T.RST_STREAM:
      case T.PRIORITY:
        f.info = { ...f.info, error: `${f.type} on stream 0` };
        // Nine zero bytes read as a frame (DATA, length 0, no flags, stream 0) are blanked bytes —
        // a zero-filled capture, a redacted copy whose framing was lost — not a peer's frame.
        if (typeId === T.DATA && flagsRaw === 0 && f.length === 0) {
          this.ctx.warn(`h2: zero-filled bytes read as frame ${f.number} (DATA on stream 0, length 0)`);
          break;
        }
        this.violation(
          K.frameOnWrongStream,
          0,
          [f.number],
          tS,
          `the ${side(dir)} sent ${f.type} on stream 0, which only carries connection-level frames`,
          { frameType: f.type },
        );
        break;
    }
  }

  /** A frame of `dir` (not GOAWAY): counts against the peer's SETTINGS/PING it has provably read. */
  private countAfterRead(dir: Dir): void {
    const peer = other(dir);
    for (const p of this.pendingSettings[peer]) if (this.readProof(p.receipt)) p.after++;
    for (const p of this.pendingPings[peer]) if (this.readProof(p.receipt)) p.after++;
  }

  private receipt(by: Dir, f: H2Frame, input: H2FrameInput): Receipt {
    return {
      by,
      seq: this.framesSent[by],
      frame: f.number,
      tS: f.tS,
      endOffset: input.endOffset,
      receivedS: null,
      receivedPacket: 0,
    };
  }

  private awaitReceipt(r: Receipt): void {
    if (r.endOffset !== undefined) this.awaitingAck[r.by].push(r);
  }

  /**
   * The peer acknowledged `dir`'s bytes before stream offset `offset` (TCP ACK in `packet`): the
   * RST_STREAM/GOAWAY/SETTINGS/PING frames of `dir` that end there have reached its TCP (quoted
   * in messages; its HTTP/2 layer may read them much later).
   */
  acked(dir: Dir, offset: number, packet: number, tS: number): void {
    const q = this.awaitingAck[dir];
    while (q.length > 0 && (q[0].endOffset ?? 0) <= offset) {
      const r = q.shift() as Receipt;
      r.receivedS = tS;
      r.receivedPacket = packet;
    }
  }

  /** `f` (from the peer of `dir`) can only have been written after it read `dir`'s frame `seq`. */
  private proveRead(dir: Dir, seq: number, f: H2Frame, how: ReadProof['how']): void {
    // The words for messages are made only if a message quotes them (readProof): this runs for
    // the first answer on every stream.
    if (seq > this.readUpTo[dir].seq) this.readUpTo[dir] = { seq, by: f, how };
  }

  /**
   * Whether the receiver of `r` had provably read it before the frame being judged (which comes
   * later in its byte stream): how we know, for the message, or null.
   */
  private readProof(r: Receipt): string | null {
    const p = this.readUpTo[r.by];
    if (p.seq < r.seq || !p.by) return null;
    const f = p.by;
    const how =
      p.how === 'settings-ack'
        ? `its SETTINGS ACK (frame ${f.number})`
        : p.how === 'ping-ack'
          ? `its PING ACK (frame ${f.number})`
          : `its first frame on stream ${f.stream} (${f.type}, frame ${f.number})`;
    const to = side(other(r.by));
    const tcp =
      r.receivedS !== null
        ? ` (its TCP had acknowledged the frame${r.receivedPacket ? ` in packet ${r.receivedPacket}` : ''} at ${fmtS(r.receivedS)})`
        : '';
    return (
      `the ${to} had read it${tcp}: before this frame it sent ${how} at ${fmtS(f.tS)}, ` +
      `answering a frame the ${side(r.by)} sent ${p.seq === r.seq ? 'as' : 'after'} it, and frames are read in order`
    );
  }

  private applySettingsAcked(sender: Dir, values: { id: number; value: number }[]): void {
    const peer = other(sender);
    for (const s of values) {
      if (s.id === 4 && s.value <= MAX_WINDOW && s.value < this.initialWindow[peer])
        this.setInitialWindow(peer, s.value);
      else if (s.id === 5) this.maxFrameSize[peer] = Math.max(DEFAULT_MAX_FRAME_SIZE, s.value);
      else if (s.id === 1) this.hpack[peer].setAllowedMax(s.value);
    }
  }

  /** §6.9.2: a change of SETTINGS_INITIAL_WINDOW_SIZE shifts every stream window by the difference. */
  private setInitialWindow(sender: Dir, value: number, f: H2Frame | null = null): void {
    const delta = value - this.initialWindow[sender];
    this.initialWindow[sender] = value;
    for (const r of this.streams.values()) {
      if (r.s.state === 'closed') continue;
      const w = r.window[sender];
      if (w.shift(delta).violated && f)
        this.violation(
          K.flowControlViolation,
          r.s.id,
          [f.number],
          f.tS,
          `SETTINGS_INITIAL_WINDOW_SIZE ${value} took stream ${r.s.id}'s window of the ${side(sender)} above 2^31-1 (${w.value})`,
          { scope: 'stream', by: sender, window: w.value },
        );
    }
  }

  // ---- stream frames ----

  private getStream(id: number, tS: number): StreamRec {
    let r = this.streams.get(id);
    if (!r) {
      const s: H2Stream = {
        connection: this.ctx.conn.id,
        id,
        method: null,
        path: null,
        authority: null,
        status: null,
        grpcStatus: null,
        frames: [],
        requestHeaders: null,
        responseHeaders: null,
        trailers: null,
        startS: tS,
        endS: tS,
        responseS: null,
        responseEndS: null,
        state: 'idle',
        endStream: { c2s: false, s2c: false },
        reset: null,
        dataBytes: { c2s: 0, s2c: 0 },
        grpc: null,
        sequence: '',
      };
      r = {
        s,
        window: { c2s: this.newWindow('c2s'), s2c: this.newWindow('s2c') },
        opened: { c2s: false, s2c: false },
        blocks: { c2s: 0, s2c: 0 },
        rst: null,
        grpc: null,
        tokens: 0,
        // Made on the first report: most streams have none, and a Set each was a large part of
        // what a request-heavy capture's streams keep.
        reported: null,
        openSeq: 0,
        peerSent: false,
      };

      this.streams.set(id, r);
      if (id > this.maxId) this.maxId = id;
      this.ctx.results.streams.push(s);
    }
    return r;
  }

  private streamFrame(f: H2Frame, input: H2FrameInput, fragment: Uint8Array | undefined): void {
    const { dir, typeId, flagsRaw, tS, streamId } = input;
    if (typeId === T.SETTINGS || typeId === T.PING || typeId === T.GOAWAY) {
      // Connection-level frames on a stream (§6.5, §6.7, §6.8): a connection PROTOCOL_ERROR; the
      // frame opens no stream.
      this.info.frames.push(f);
      f.info = { ...f.info, error: `${f.type} on stream ${streamId}` };
      this.violation(
        K.frameOnWrongStream,
        streamId,
        [f.number],
        tS,
        `the ${side(dir)} sent ${f.type} on stream ${streamId}; it belongs on stream 0`,
        { frameType: f.type },
      );
      return;
    }
    const known = this.streams.has(streamId);
    const r = this.getStream(streamId, tS);
    const s = r.s;
    // First seen after frames were lost, and not by its opening HEADERS: its start may be among them.
    if (!known && (this.framesLost.c2s || this.framesLost.s2c)) {
      const initiator: Dir = streamId % 2 === 1 ? 'c2s' : 's2c';
      if (typeId !== T.HEADERS || dir !== initiator) s.captureGap = true;
    }
    s.frames.push(f);
    s.endS = tS;
    // The first frame the other side sends on a stream proves it read the HEADERS (PUSH_PROMISE)
    // that opened it, and so everything the opener sent before that (PRIORITY may name any id).
    const opener: Dir = streamId % 2 === 1 ? 'c2s' : 's2c';
    if (dir !== opener && !r.peerSent && typeId !== T.PRIORITY) {
      r.peerSent = true;
      if (r.openSeq > 0) this.proveRead(opener, r.openSeq, f, 'first-frame');
    }
    const endStreamFlag = (typeId === T.DATA || typeId === T.HEADERS) && (flagsRaw & F.END_STREAM) !== 0;

    if (typeId === T.DATA || typeId === T.HEADERS) {
      this.checkStreamUse(r, f, dir, known);
      this.checkGoawayAnswered(r, f, dir);
    }

    switch (typeId) {
      case T.HEADERS: {
        this.token(r, 'H', endStreamFlag);
        this.maybeOpen(r, f, dir, known);
        this.startBlock(r, f, input, fragment, endStreamFlag, 0);
        break;
      }
      case T.PUSH_PROMISE: {
        this.token(r, 'P', false);
        const promised = f.info?.promisedStreamId ?? 0;
        if (promised) {
          const pr = this.getStream(promised, tS);
          pr.s.state = 'reserved';
          pr.opened.s2c = true;
          pr.openSeq = this.framesSent.s2c;
          // A pushed stream carries nothing from the client: its side counts as ended (§8.4).
          pr.s.endStream.c2s = true;
          if (promised > this.maxOpened.s2c) this.maxOpened.s2c = promised;
        }
        this.startBlock(r, f, input, fragment, false, promised);
        break;
      }
      case T.CONTINUATION: {
        this.token(r, 'C', false);
        const pend = this.pendingBlock[dir];
        if (pend && pend.streamId === streamId) {
          if (fragment) {
            pend.chunks.push(fragment.slice());
            pend.size += fragment.length;
          }
          if (flagsRaw & F.END_HEADERS) {
            this.pendingBlock[dir] = null;
            this.completeBlock(
              pend,
              f,
              dir,
              input.headers,
              pend.chunks.length ? concatBytes(pend.chunks, pend.size) : undefined,
            );
          }
        }
        break;
      }
      case T.DATA: {
        this.token(r, 'D', endStreamFlag);
        const dataLen = f.info?.dataLength ?? (input.payload || input.bodySkipped ? 0 : f.length);
        s.dataBytes[dir] += dataLen;
        this.flowControl(r, f, dir);
        if (r.grpc && input.payload && f.info?.dataLength) {
          const p = input.payload;
          const start = f.info.padLength !== undefined ? 1 : 0;
          r.grpc.feed(dir, p.subarray(start, start + f.info.dataLength));
        }
        if (endStreamFlag) this.endStream(r, dir, tS);
        break;
      }
      case T.RST_STREAM: {
        this.token(r, 'R', false);
        const code = f.info?.errorCode ?? 0;
        if (!s.reset)
          s.reset = {
            by: dir,
            errorCode: code,
            errorName: f.info?.errorName ?? errorCodeName(code),
            frame: f.number,
          };
        if (!r.rst) {
          r.rst = this.receipt(dir, f, input);
          this.awaitReceipt(r.rst);
        }
        s.state = 'closed';
        if (s.responseEndS === null) s.responseEndS = tS;
        break;
      }
      case T.WINDOW_UPDATE: {
        const inc = f.info?.increment;
        if (inc === undefined) break;
        const peer = other(dir);
        if (inc === 0) {
          this.violation(
            K.flowControlViolation,
            streamId,
            [f.number],
            tS,
            `WINDOW_UPDATE with increment 0 on stream ${streamId} from the ${side(dir)}`,
            { increment: 0 },
          );
          break;
        }
        const w = r.window[peer];
        if (w.credit(inc).violated)
          this.violation(
            K.flowControlViolation,
            streamId,
            [f.number],
            tS,
            `stream ${streamId} window of the ${side(peer)} overflowed 2^31-1 (${w.value})`,
            { window: w.value },
          );
        break;
      }
    }
  }

  /**
   * §5.1 / §5.1.1 checks for DATA and HEADERS, one kind per rule. What the sender did itself (its
   * own END_STREAM or RST_STREAM earlier in its own byte stream) is certain wherever the capture was
   * taken; what the peer did counts only once the sender is known to have received it.
   */
  private checkStreamUse(r: StreamRec, f: H2Frame, dir: Dir, known: boolean): void {
    const s = r.s;
    const id = s.id;
    if (s.endStream[dir]) {
      const what = frameFrom(f, dir, id);
      const endFrame = lastEndStreamFrame(s, dir, f.number);
      // HEADERS after END_STREAM has its own kind; any other frame is the contract's closed-stream
      // kind, with the rule named in details.
      const headers = f.typeId === T.HEADERS;
      this.violationOnce(
        r,
        headers ? K.headersAfterEndStream : K.frameOnClosedStream,
        endFrame ? [endFrame, f.number] : [f.number],
        f.tS,
        `${what} after it had itself ended the stream with END_STREAM${endFrame ? ` (frame ${endFrame})` : ''}`,
        headers ? undefined : { rule: 'data-after-end-stream' },
      );
      return;
    }
    const rst = r.rst;
    if (rst) {
      const what = frameFrom(f, dir, id);
      if (rst.by === dir) {
        this.violationOnce(
          r,
          K.frameOnClosedStream,
          [rst.frame, f.number],
          f.tS,
          `${what} after it had itself reset the stream with RST_STREAM (frame ${rst.frame})`,
          { afterS: round(f.tS - rst.tS), reset: 'self' },
        );
        return;
      }
      const how = s.captureGap ? null : this.readProof(rst);
      if (how)
        this.violationOnce(
          r,
          K.frameOnClosedStream,
          [rst.frame, f.number],
          f.tS,
          `${what} after the ${side(rst.by)} reset it with RST_STREAM at ${fmtS(rst.tS)}: ${how}`,
          { afterS: round(f.tS - rst.tS), reset: 'peer', acknowledgedS: rst.receivedS },
        );
      return;
    }
    // An unseen stream id below what its initiator already opened is implicitly closed (§5.1.1).
    if (!known && !this.opts.midstream && !s.captureGap && f.typeId === T.DATA) {
      const initiator: Dir = id % 2 === 1 ? 'c2s' : 's2c';
      if (id < this.maxOpened[initiator])
        this.violationOnce(
          r,
          K.frameOnClosedStream,
          [f.number],
          f.tS,
          `DATA on stream ${id}, which was never opened and is implicitly closed (stream ${this.maxOpened[initiator]} was opened after it)`,
        );
    }
  }

  /**
   * §6.8: the sender of a GOAWAY announced that streams of its peer above last-stream-id were not
   * and will not be processed (the peer may retry them elsewhere); answering one anyway (HEADERS or
   * DATA after the GOAWAY in its own byte stream) risks the request being processed twice.
   */
  private checkGoawayAnswered(r: StreamRec, f: H2Frame, dir: Dir): void {
    const g = this.goawayBy[dir];
    const id = r.s.id;
    const peerInitiated = (id % 2 === 1) === (dir === 's2c');
    if (!g || !peerInitiated || id <= g.lastStreamId) return;
    this.violationOnce(
      r,
      K.goawayThenNewStream,
      [g.lowFrame, f.number],
      f.tS,
      `the ${side(dir)} sent ${f.type} on stream ${id} after its own GOAWAY announced last-stream-id ${g.lastStreamId} (frame ${g.lowFrame}): ` +
        `the ${side(other(dir))} was told stream ${id} was not processed and may retry it elsewhere`,
      { rule: 'answered-above-last-stream-id', lastStreamId: g.lastStreamId, afterS: round(f.tS - g.tS) },
    );
  }

  /** A HEADERS that opens a stream: id order and parity (§5.1.1), GOAWAY (§6.8). */
  private maybeOpen(r: StreamRec, f: H2Frame, dir: Dir, known: boolean): void {
    const s = r.s;
    if (r.opened.c2s || r.opened.s2c) {
      if (s.state === 'reserved' && dir === 's2c') s.state = 'half-closed-local';
      return;
    }
    if (known && s.state !== 'idle') return;
    const id = s.id;
    const initiator: Dir = id % 2 === 1 ? 'c2s' : 's2c';
    if (dir !== initiator) {
      // A response on a stream we never saw opened: the capture missed the request.
      if (!this.opts.midstream && dir === 'c2s')
        this.violation(
          K.streamIdRegression,
          id,
          [f.number],
          f.tS,
          `the client opened stream ${id}, an even id (client streams are odd)`,
        );
      r.opened[initiator] = true;
      s.state = 'open';
      return;
    }
    r.opened[dir] = true;
    r.openSeq = this.framesSent[dir];
    s.state = 'open';
    if (id <= this.maxOpened[dir] && !this.opts.midstream)
      this.violation(
        K.streamIdRegression,
        id,
        [f.number],
        f.tS,
        `the ${side(dir)} opened stream ${id} after stream ${this.maxOpened[dir]}`,
        { previous: this.maxOpened[dir] },
      );
    if (id > this.maxOpened[dir]) this.maxOpened[dir] = id;
    // §6.8: no new streams once the peer's GOAWAY has arrived; before that they crossed it.
    const g = this.goawayBy[other(dir)];
    const how = g && id > g.lastStreamId ? this.readProof(g) : null;
    if (g && how)
      this.violation(
        K.goawayThenNewStream,
        id,
        [g.frame, f.number],
        f.tS,
        `the ${side(dir)} opened stream ${id} after the ${side(other(dir))}'s GOAWAY (last-stream-id ${g.lastStreamId}, at ${fmtS(g.tS)}): ${how}`,
        { lastStreamId: g.lastStreamId, afterS: round(f.tS - g.tS), acknowledgedS: g.receivedS },
      );
  }

  /**
   * §6.9.1: DATA against the receiver's stream and connection windows. Windows are credited when a
   * WINDOW_UPDATE or a raising SETTINGS is seen and debited when DATA is: on one path, whatever the
   * capture point, a credit the sender counted on passes before the DATA that used it, so this
   * never charges a sender for a credit in flight. Reductions count once the sender acknowledged
   * them (SETTINGS ACK in its own byte stream), so an overrun is certain.
   */
  private flowControl(r: StreamRec, f: H2Frame, dir: Dir): void {
    // The whole payload counts, padding included (§6.1).
    const n = f.length;
    const sv = r.window[dir].debit(n);
    if (sv.violated) this.overrun(r, f, dir, 'stream', sv, r.window[dir]);
    const cv = this.connWindow[dir].debit(n);
    if (cv.violated) this.overrun(r, f, dir, 'connection', cv, this.connWindow[dir]);
  }

  private overrun(
    r: StreamRec,
    f: H2Frame,
    dir: Dir,
    scope: 'stream' | 'connection',
    v: WindowVerdict,
    w: FlowWindow,
  ): void {
    const limit = scope === 'stream' ? `stream ${r.s.id}'s window` : 'the connection window';
    const message =
      `DATA of ${f.length} bytes from the ${side(dir)} on stream ${r.s.id} exceeds ${limit} by ${v.excess} bytes ` +
      `(the ${side(other(dir))} allowed ${f.length - v.excess}` +
      (scope === 'stream' ? `; its SETTINGS_INITIAL_WINDOW_SIZE in force: ${this.initialWindow[dir]}` : '') +
      ')';
    // Held until the packet is done: the same packet's ACK may reveal that the capture lost a
    // segment of the receiver (a WINDOW_UPDATE the sender did get), which makes it uncertain.
    this.pendingOverruns.push({
      receiver: other(dir),
      v: {
        kind: K.flowControlViolation,
        stream: r.s.id,
        frames: [f.number],
        tS: f.tS,
        message,
        details: { scope, by: dir, excess: v.excess, length: f.length, window: w.value + f.length },
      },
    });
  }

  /** Records the flow-control overruns still held (see overrun()). */
  settle(): void {
    for (const p of this.pendingOverruns) this.info.violations.push(p.v);
    this.pendingOverruns = [];
  }

  private newWindow(sender: Dir): FlowWindow {
    const w = new FlowWindow(this.initialWindow[sender]);
    if (!this.receiverSettingsKnown(sender)) w.forget();
    return w;
  }

  /**
   * Whether the SETTINGS (and WINDOW_UPDATEs) that bind `sender` can all have been seen: not when
   * frames of the receiver were lost to a gap, nor, in a capture that began mid-connection, before
   * the receiver's SETTINGS were seen (earlier ones and the windows' history are unknown).
   */
  private receiverSettingsKnown(sender: Dir): boolean {
    const receiver = other(sender);
    return !this.framesLost[receiver] && (!this.opts.midstream || this.settingsSeen[receiver]);
  }

  /**
   * Flow-control and frame-size verdicts on a sender whose receiver was never seen sending a frame
   * (a capture of one direction only): its SETTINGS and WINDOW_UPDATEs may simply not be in the
   * capture, so they are withdrawn at the end.
   */
  private dropUnseenReceiver(): void {
    const silent = (by: unknown): boolean =>
      (by === 'c2s' || by === 's2c') && this.framesSent[other(by)] === 0;
    this.info.violations = this.info.violations.filter(
      (v) => !((v.kind === K.flowControlViolation || v.kind === K.frameSizeError) && silent(v.details?.by)),
    );
  }

  private endStream(r: StreamRec, dir: Dir, tS: number): void {
    const s = r.s;
    s.endStream[dir] = true;
    if (dir === 's2c' && s.responseEndS === null) s.responseEndS = tS;
    if (s.state === 'closed') return;
    if (s.endStream.c2s && s.endStream.s2c) s.state = 'closed';
    else s.state = s.endStream.c2s ? 'half-closed-local' : 'half-closed-remote';
  }

  private token(r: StreamRec, t: string, end: boolean): void {
    if (r.tokens > SEQUENCE_MAX) return;
    r.tokens++;
    if (r.tokens > SEQUENCE_MAX) {
      r.s.sequence += ' …';
      return;
    }
    r.s.sequence += (r.s.sequence ? ' ' : '') + t + (end ? '*' : '');
  }

  // ---- header blocks ----

  private startBlock(
    r: StreamRec,
    f: H2Frame,
    input: H2FrameInput,
    fragment: Uint8Array | undefined,
    endStream: boolean,
    promisedId: number,
  ): void {
    const dir = input.dir;
    const pb: PendingBlock = {
      streamId: r.s.id,
      typeId: input.typeId,
      chunks: [],
      size: 0,
      endStream,
      promisedId,
      firstFrame: f,
    };
    if (input.flagsRaw & F.END_HEADERS) {
      this.completeBlock(pb, f, dir, input.headers, fragment);
    } else {
      if (fragment) {
        pb.chunks.push(fragment.slice());
        pb.size = fragment.length;
      }
      this.pendingBlock[dir] = pb;
    }
  }

  private failBlock(dir: Dir, why: string): void {
    const pend = this.pendingBlock[dir];
    this.pendingBlock[dir] = null;
    if (!pend) return;
    // The HPACK state is now unknown: the block may have carried table updates.
    this.hpack[dir].broken ??= why;
    pend.firstFrame.info = { ...pend.firstFrame.info, error: why };
    const r = this.streams.get(pend.streamId);
    if (r && pend.endStream) this.endStream(r, dir, pend.firstFrame.tS);
  }

  private completeBlock(
    pb: PendingBlock,
    f: H2Frame,
    dir: Dir,
    given: HeaderList | undefined,
    block: Uint8Array | undefined,
  ): void {
    let headers: HeaderList | null = given ?? null;
    if (!headers && block) {
      const dec = this.hpack[dir];
      try {
        headers = dec.decode(block);
        if (dec.unknownFields > 0) {
          // Not the peer's fault: they refer to table entries inserted by lost header blocks.
          f.info = {
            ...f.info,
            error: `${dec.unknownFields} header field(s) unknown: HPACK table entries lost in a capture gap`,
          };
          const r = this.streams.get(pb.streamId);
          if (r) r.s.captureGap = true;
        }
      } catch (e) {
        if (this.framesLost[dir]) {
          // After a gap the framing found again may be wrong, or the block refers to lost state:
          // not reported as the peer's HPACK error.
          f.info = { ...f.info, error: 'header block not decoded after a capture gap' };
          const r = this.streams.get(pb.streamId);
          if (r) r.s.captureGap = true;
        } else {
          const msg = e instanceof HpackError ? e.message : String(e);
          f.info = { ...f.info, error: `HPACK: ${msg}` };
          this.ctx.warn(`h2 frame ${f.number} (stream ${pb.streamId}, ${side(dir)}): HPACK ${msg}`);
        }
      }
    }
    if (headers) f.headers = headers;
    const r = this.streams.get(pb.streamId);
    if (!r) return;
    if (pb.typeId === T.PUSH_PROMISE) {
      const pr = pb.promisedId ? this.streams.get(pb.promisedId) : undefined;
      if (pr && headers) this.applyRequestHeaders(pr, headers);
      return;
    }
    this.onHeaders(r, dir, headers, f.tS, pb.endStream);
  }

  private onHeaders(
    r: StreamRec,
    dir: Dir,
    headers: HeaderList | null,
    tS: number,
    endStream: boolean,
  ): void {
    const s = r.s;
    const initiator: Dir = s.id % 2 === 1 ? 'c2s' : 's2c';
    // Pushed streams: the request came in PUSH_PROMISE, so the server's HEADERS is the response.
    const isRequest = dir === initiator && initiator === 'c2s';
    const n = r.blocks[dir]++;
    if (isRequest) {
      if (n === 0) {
        s.requestHeaders = headers;
        if (headers) this.applyRequestHeaders(r, headers);
      }
    } else if (dir === 's2c') {
      const status = headers ? statusOf(headers) : null;
      const informational = status !== null && status >= 100 && status < 200;
      if (s.responseS === null) s.responseS = tS;
      if (
        s.responseHeaders === null ||
        (s.status !== null && s.status < 200 && !informational && s.trailers === null)
      ) {
        if (n === 0 || s.status === null || s.status < 200) {
          s.responseHeaders = headers;
          if (status !== null) s.status = status;
          const ct = headers ? headerValue(headers, 'content-type') : null;
          if (!r.grpc && isGrpcContentType(ct)) this.enableGrpc(r, ct ?? '');
          if (r.grpc && headers && endStream) {
            if (applyGrpcStatus(r.grpc.info, headers, 'trailers-only')) s.grpcStatus = r.grpc.info.grpcStatus;
          }
        }
      } else if (!informational) {
        s.trailers = headers;
        if (headers) {
          if (
            !r.grpc &&
            headerValue(headers, 'grpc-status') !== null &&
            isGrpcContentType(headerValue(s.requestHeaders ?? [], 'content-type'))
          )
            this.enableGrpc(r, headerValue(s.requestHeaders ?? [], 'content-type') ?? '');
          if (r.grpc && applyGrpcStatus(r.grpc.info, headers, 'trailers'))
            s.grpcStatus = r.grpc.info.grpcStatus;
        }
      }
    }
    if (endStream) this.endStream(r, dir, tS);
  }

  private applyRequestHeaders(r: StreamRec, headers: HeaderList): void {
    const s = r.s;
    if (s.requestHeaders === null) s.requestHeaders = headers;
    for (const [n, v] of headers) {
      if (n === ':method') s.method = v;
      else if (n === ':path') s.path = v;
      else if (n === ':authority') s.authority = v;
      else if (n === 'host' && s.authority === null) s.authority = v;
      else if (n === 'content-type' && !r.grpc && isGrpcContentType(v)) this.enableGrpc(r, v);
    }
  }

  private enableGrpc(r: StreamRec, contentType: string): void {
    const info = newGrpcInfo(contentType);
    r.grpc = new GrpcMessageScanner(info);
    r.s.grpc = info;
  }

  private violationOnce(
    r: StreamRec,
    kind: FindingKind,
    frames: number[],
    tS: number,
    message: string,
    details?: H2Violation['details'],
  ): void {
    if (r.reported?.has(kind)) return;
    (r.reported ??= new Set()).add(kind);
    this.violation(kind, r.s.id, frames, tS, message, details);
  }

  private violation(
    kind: FindingKind,
    stream: number | null,
    frames: number[],
    tS: number,
    message: string,
    details?: H2Violation['details'],
  ): void {
    const v: H2Violation = { kind, stream, frames, tS, message };
    if (details) v.details = details;
    this.info.violations.push(v);
  }
}

function closeStartS(c: AppContext['conn']): number | null {
  let t: number | null = null;
  for (const e of [c.firstFin?.c2s, c.firstFin?.s2c, c.firstRst?.c2s, c.firstRst?.s2c])
    if (e && (t === null || e.tS < t)) t = e.tS;
  return t;
}

function side(d: Dir): string {
  return d === 'c2s' ? 'client' : 'server';
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function fmtS(t: number): string {
  return `${t.toFixed(6)} s`;
}

function ms(d: number): string {
  return d >= 1 ? `${d.toFixed(3)} s` : `${(d * 1000).toFixed(1)} ms`;
}

function hasKeys(o: H2FrameInfo): boolean {
  for (const _ in o) return true;
  return false;
}

function headerValue(h: HeaderList, name: string): string | null {
  for (const [n, v] of h) if (n === name) return v;
  return null;
}

function statusOf(h: HeaderList): number | null {
  const v = headerValue(h, ':status');
  if (v === null) return null;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : null;
}

function lastEndStreamFrame(s: H2Stream, dir: Dir, before: number): number | null {
  for (let i = s.frames.length - 1; i >= 0; i--) {
    const f = s.frames[i];
    if (
      f.number < before &&
      f.dir === dir &&
      (f.typeId === T.DATA || f.typeId === T.HEADERS) &&
      f.flagsRaw & F.END_STREAM
    )
      return f.number;
  }
  return null;
}

/** The peer's frame that proves it read everything up to `seq`, and what kind of answer it was. */
interface ReadProof {
  seq: number;
  by: H2Frame | null;
  how: 'settings-ack' | 'ping-ack' | 'first-frame';
}

/** "DATA from the client on stream 5", for messages about a frame. */
function frameFrom(f: H2Frame, dir: Dir, id: number): string {
  return `${f.type} from the ${side(dir)} on stream ${id}`;
}
