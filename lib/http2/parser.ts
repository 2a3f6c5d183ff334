/**
 * The byte path for HTTP/2: cuts each direction's in-order bytes into frames and feeds them to an
 * H2Session. Frames may arrive split across many segments or many to a segment; only an unfinished
 * frame's bytes are kept (in a per-direction buffer reused across frames), never the stream.
 */
import type { AppContext, AppParser, StreamEndReason } from '../stream';
import type { Dir } from '../trace';
import { FRAME_HEADER_LENGTH, F, T, dataFrameInfo, plausibleFrameHeader } from './frames';
import { H2Session } from './session';

const PREFACE = Uint8Array.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', (c) => c.charCodeAt(0));
/** Frame types this parser knows; an unknown type with an oversized length means lost sync. */
const KNOWN_TYPE_MAX = 0x10;
/** The fewest bytes a frame that opens a stream takes (header + 1 byte of header block). */
const MIN_OPENING_FRAME = FRAME_HEADER_LENGTH + 1;

/**
 * A candidate frame start is confirmed by the header after it; one whose frame is longer than this
 * is not waited for (a real frame that long after a gap is rare, and holding it costs memory).
 */
const RESYNC_WAIT_MAX = 1 << 18;

/** Bytes held after a capture gap while looking for the next frame boundary. */
interface Resync {
  /** The bytes held, contiguous: buf[0, len). */
  buf: Uint8Array;
  len: number;
  /** Where each delivered chunk starts in buf, with its stream offset, packet and time. */
  marks: { at: number; offset: number; packet: number; tS: number }[];
  /** Bytes lost or skipped since the last frame boundary known (bounds the stream ids possible). */
  lost: number;
  /** First position in buf not yet ruled out as a frame start. */
  from: number;
  gapOffset: number;
  gapS: number;
}

function newResync(lost: number, gapOffset: number, gapS: number): Resync {
  return { buf: new Uint8Array(4096), len: 0, marks: [], lost, from: 0, gapOffset, gapS };
}

function holdBytes(r: Resync, bytes: Uint8Array, offset: number, packet: number, tS: number): void {
  if (r.len + bytes.length > r.buf.length) {
    const b = new Uint8Array(Math.max(r.len + bytes.length, r.buf.length * 2));
    b.set(r.buf.subarray(0, r.len));
    r.buf = b;
  }
  r.buf.set(bytes, r.len);
  r.marks.push({ at: r.len, offset, packet, tS });
  r.len += bytes.length;
}

/** Forgets the held bytes before `from` (they cannot start a frame any more). */
function dropRuledOut(r: Resync): void {
  const n = r.from;
  if (n < 4096 || n < r.len / 2) return;
  r.buf.copyWithin(0, n, r.len);
  r.len -= n;
  r.lost += n;
  r.from = 0;
  let k = 0;
  while (k + 1 < r.marks.length && r.marks[k + 1].at <= n) k++;
  const first = r.marks[k];
  first.offset += n - first.at;
  first.at = n;
  r.marks = r.marks.slice(k);
  for (const m of r.marks) m.at -= n;
}

export interface H2ByteParserOptions {
  /**
   * 'preface': the client starts with the connection preface. 'upgrade': h2c after HTTP/1.1 101;
   * the server's bytes start with frames, the client's with the preface, and stream 1 is the
   * upgraded request. 'midstream': the capture began inside an HTTP/2 connection (no preface;
   * frames from the first byte of each direction).
   */
  via: 'preface' | 'upgrade' | 'midstream';
  /**
   * For 'upgrade': the HTTP/1.1 request that became stream 1, as an HTTP/2 header list
   * ([':method', 'GET'], [':path', '/'], [':authority', host], then its other fields), if known.
   */
  upgradeRequest?: [string, string][];
}

interface DirState {
  /** Preface bytes still expected (client direction only). */
  prefaceLeft: number;
  dead: boolean;
  header: Uint8Array;
  headerHave: number;
  length: number;
  typeId: number;
  flags: number;
  streamId: number;
  buf: Uint8Array;
  have: number;
  /**
   * The current frame is DATA whose body nobody reads (not a gRPC stream): its bytes are counted,
   * not copied. Most of an HTTP/2 capture is DATA split across segments, and copying it into
   * `buf` was the byte path's largest cost.
   */
  skip: boolean;
  /** First payload byte of a skipped frame (the pad length when PADDED). */
  firstByte: number;
  firstPacket: number;
  firstS: number;
  ended: boolean;
  /** Bytes of the current frame's payload were lost (its end is still known). */
  damaged: boolean;
  /** Set after a gap that hid a frame boundary: looking for the next one. */
  resync: Resync | null;
  /**
   * The last one-packet list handed out: frames carried whole by one packet (most small frames
   * share a packet with others) share it. Frames' packet lists are never modified.
   */
  onePacket: number[];
}

function newDir(prefaceLeft: number): DirState {
  return {
    prefaceLeft,
    dead: false,
    header: new Uint8Array(FRAME_HEADER_LENGTH),
    headerHave: 0,
    length: 0,
    typeId: 0,
    flags: 0,
    streamId: 0,
    buf: new Uint8Array(0),
    have: 0,
    onePacket: [0],
    skip: false,
    firstByte: 0,
    firstPacket: 0,
    firstS: 0,
    ended: false,
    damaged: false,
    resync: null,
  };
}

export class H2ByteParser implements AppParser {
  readonly session: H2Session;
  private readonly dirs: Record<Dir, DirState>;
  private upgradePending: boolean;
  private readonly upgradeRequest: [string, string][] | null;

  constructor(
    private readonly ctx: AppContext,
    opts: H2ByteParserOptions,
  ) {
    const midstream = opts.via === 'midstream';
    this.session = new H2Session(ctx, { via: opts.via === 'midstream' ? 'preface' : opts.via, midstream });
    this.dirs = { c2s: newDir(midstream ? 0 : PREFACE.length), s2c: newDir(0) };
    this.upgradePending = opts.via === 'upgrade';
    this.upgradeRequest = opts.upgradeRequest ?? null;
  }

  data(dir: Dir, bytes: Uint8Array, offset: number, packet: number, tS: number): void {
    const st = this.dirs[dir];
    if (st.dead) return;
    if (st.resync) {
      holdBytes(st.resync, bytes, offset, packet, tS);
      this.tryResync(dir, st, false);
      return;
    }
    if (this.upgradePending) {
      this.upgradePending = false;
      this.session.openUpgradeStream(tS, this.upgradeRequest);
    }
    let i = 0;
    const n = bytes.length;
    if (st.prefaceLeft > 0) {
      const at = PREFACE.length - st.prefaceLeft;
      const take = Math.min(st.prefaceLeft, n);
      for (let k = 0; k < take; k++) {
        if (bytes[k] !== PREFACE[at + k]) {
          this.ctx.warn(
            `h2: client preface expected, mismatch at stream offset ${offset + k}; client direction not parsed`,
          );
          st.dead = true;
          return;
        }
      }
      st.prefaceLeft -= take;
      i = take;
      if (st.prefaceLeft === 0) this.session.markPreface();
    }
    while (i < n) {
      if (st.headerHave < FRAME_HEADER_LENGTH) {
        if (st.headerHave === 0 && n - i >= FRAME_HEADER_LENGTH) {
          this.setHeader(st, bytes, i);
          st.firstPacket = packet;
          st.firstS = tS;
          i += FRAME_HEADER_LENGTH;
        } else {
          const take = Math.min(FRAME_HEADER_LENGTH - st.headerHave, n - i);
          if (st.headerHave === 0) {
            st.firstPacket = packet;
            st.firstS = tS;
          }
          st.header.set(bytes.subarray(i, i + take), st.headerHave);
          st.headerHave += take;
          i += take;
          if (st.headerHave < FRAME_HEADER_LENGTH) return;
          this.setHeader(st, st.header, 0);
        }
        if (!this.plausible(dir, st, offset + i - FRAME_HEADER_LENGTH)) return;
        st.have = 0;
        st.skip = st.typeId === T.DATA && !this.session.readsDataOf(st.streamId);
        if (st.length === 0) {
          this.emit(dir, st, bytes.subarray(i, i), packet, tS, offset + i);
          continue;
        }
      }
      const want = st.length - st.have;
      if (st.have === 0 && n - i >= want) {
        this.emit(dir, st, bytes.subarray(i, i + want), packet, tS, offset + i + want);
        i += want;
        continue;
      }
      if (st.skip || st.damaged) {
        if (st.have === 0) st.firstByte = bytes[i];
        const take = Math.min(want, n - i);
        st.have += take;
        i += take;
        if (st.have === st.length) {
          if (st.damaged) this.emitDamaged(dir, st, packet, tS, offset + i);
          else this.emitSkipped(dir, st, packet, tS, offset + i);
        }
        continue;
      }
      if (st.buf.length < st.length)
        st.buf = new Uint8Array(Math.max(st.length, Math.min(st.buf.length * 2, 1 << 24)));
      const take = Math.min(want, n - i);
      st.buf.set(bytes.subarray(i, i + take), st.have);
      st.have += take;
      i += take;
      if (st.have === st.length) this.emit(dir, st, st.buf.subarray(0, st.length), packet, tS, offset + i);
    }
  }

  /**
   * Bytes [offset, offset + length) were never captured. Inside a frame whose header was read, the
   * frame's end is still known: parsing goes on after it (a DATA frame is kept with its header's
   * facts; other frames are dropped). Otherwise the boundary is lost: bytes are held until a frame
   * header that validates, followed by another one (or by the end of the data), shows where frames
   * start again. Either way the session is told, so nothing a lost frame could explain is judged.
   */
  gap(dir: Dir, offset: number, length: number, tS: number): void {
    const st = this.dirs[dir];
    if (st.dead || length <= 0) return;
    if (st.resync) {
      // Bytes held since the last gap are skipped with it: the chain they start is broken.
      const r = st.resync;
      r.lost += r.len + length;
      r.len = 0;
      r.marks = [];
      r.from = 0;
      return;
    }
    const inPayload = st.prefaceLeft === 0 && st.headerHave === FRAME_HEADER_LENGTH;
    if (inPayload && length <= st.length - st.have) {
      st.damaged = true;
      if (st.have === 0) st.firstByte = 0;
      st.have += length;
      if (st.have === st.length) this.emitDamaged(dir, st, st.firstPacket, tS, offset + length);
      return;
    }
    let lost = length;
    if (inPayload) {
      // The frame ends inside the gap; what follows it there is unknown.
      lost -= st.length - st.have;
      st.damaged = true;
      this.emitDamaged(dir, st, st.firstPacket, tS, offset + st.length - st.have);
    } else {
      lost += st.headerHave;
      st.headerHave = 0;
      st.have = 0;
    }
    st.prefaceLeft = 0;
    this.session.noteGap(dir, null);
    st.resync = newResync(lost, offset, tS);
  }

  acked(dir: Dir, offset: number, packet: number, tS: number): void {
    this.session.acked(dir, offset, packet, tS);
  }

  end(dir: Dir, how: StreamEndReason, tS: number): void {
    const st = this.dirs[dir];
    if (st.ended) return;
    if (st.resync && !st.dead) this.tryResync(dir, st, true);
    st.ended = true;
    if (st.resync && !st.dead)
      this.ctx.warn(
        `h2: ${st.resync.lost} bytes missing in the ${side(dir)} direction at offset ${st.resync.gapOffset} (t=${st.resync.gapS}); no frame boundary found after it, frames after it not parsed`,
      );
    if (!st.dead && (st.headerHave > 0 || (st.prefaceLeft > 0 && st.prefaceLeft < PREFACE.length)))
      this.ctx.warn(
        `h2: ${dir === 'c2s' ? 'client' : 'server'} direction ended inside a frame (${st.headerHave < FRAME_HEADER_LENGTH ? 'header' : `${st.have} of ${st.length} payload bytes`})`,
      );
    const o = this.dirs[dir === 'c2s' ? 's2c' : 'c2s'];
    if (o.ended) this.session.finish(tS, how === 'capture-end' ? 'capture-end' : 'closed');
  }

  private setHeader(st: DirState, b: Uint8Array, at: number): void {
    st.length = (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
    st.typeId = b[at + 3];
    st.flags = b[at + 4];
    st.streamId = ((b[at + 5] & 0x7f) << 24) | (b[at + 6] << 16) | (b[at + 7] << 8) | b[at + 8];
    st.headerHave = FRAME_HEADER_LENGTH;
  }

  /** An unknown type with a length beyond what the peer allows is almost surely lost framing. */
  private plausible(dir: Dir, st: DirState, at: number): boolean {
    if (st.typeId <= KNOWN_TYPE_MAX || st.length <= this.session.maxFrameSizeFor(dir)) return true;
    st.dead = true;
    this.ctx.warn(
      `h2: implausible frame header at ${dir} offset ${at} (type 0x${st.typeId.toString(16)}, length ${st.length}); direction no longer parsed`,
    );
    return false;
  }

  /**
   * Looks for the next frame boundary in the bytes held since a gap: a plausible header whose frame
   * is followed by another plausible header (a header block start by its CONTINUATION), or, at the
   * end of the direction, by the end of the data. Then parsing resumes there with those bytes.
   */
  private tryResync(dir: Dir, st: DirState, atEnd: boolean): void {
    const r = st.resync as Resync;
    const all = r.buf.subarray(0, r.len);
    const base = r.marks.length ? r.marks[0].offset - r.marks[0].at : 0;
    const fromClient = dir === 'c2s';
    const maxFrameSize = this.session.maxFrameSizeFor(dir);
    let p = r.from;
    let found = -1;
    for (; p + FRAME_HEADER_LENGTH <= all.length; p++) {
      const lim = {
        maxFrameSize,
        fromClient,
        // Each stream opened in the lost or skipped bytes took at least MIN_OPENING_FRAME of them.
        maxStreamId: this.session.highestStreamId + 2 * Math.ceil((r.lost + p) / MIN_OPENING_FRAME) + 2,
      };
      if (!plausibleFrameHeader(all, p, lim) || all[p + 3] === T.CONTINUATION) continue;
      const next = p + FRAME_HEADER_LENGTH + ((all[p] << 16) | (all[p + 1] << 8) | all[p + 2]);
      if (next + FRAME_HEADER_LENGTH > all.length && next - p > RESYNC_WAIT_MAX) continue;
      if (next + FRAME_HEADER_LENGTH > all.length) {
        if (atEnd && next === all.length) found = p;
        else if (!atEnd) break; // wait for the bytes that confirm or refute it
        if (found >= 0) break;
        continue;
      }
      if (!plausibleFrameHeader(all, next, lim)) continue;
      const blockOpen =
        (all[p + 3] === T.HEADERS || all[p + 3] === T.PUSH_PROMISE) && !(all[p + 4] & F.END_HEADERS);
      const nextIsCont = all[next + 3] === T.CONTINUATION;
      const sameStream =
        all[p + 5] === all[next + 5] &&
        all[p + 6] === all[next + 6] &&
        all[p + 7] === all[next + 7] &&
        all[p + 8] === all[next + 8];
      if (blockOpen ? nextIsCont && sameStream : !nextIsCont) {
        found = p;
        break;
      }
    }
    if (found < 0) {
      r.from = p;
      dropRuledOut(r);
      return;
    }
    st.resync = null;
    st.headerHave = 0;
    st.have = 0;
    this.ctx.warn(
      `h2: ${r.lost + found} bytes missing or skipped in the ${side(dir)} direction after a capture gap at offset ${r.gapOffset} (t=${r.gapS}); parsing resumed at offset ${base + found}, the next frame boundary that validates`,
    );
    // Replay from there, chunk by chunk, so frames keep their packets and times.
    for (let k = 0; k < r.marks.length; k++) {
      const m = r.marks[k];
      const end = k + 1 < r.marks.length ? r.marks[k + 1].at : r.len;
      const start = Math.max(m.at, found);
      if (start >= end) continue;
      this.data(dir, r.buf.subarray(start, end), m.offset + (start - m.at), m.packet, m.tS);
    }
  }

  /** A frame whose payload lost bytes to a capture gap: DATA keeps its header's facts. */
  private emitDamaged(dir: Dir, st: DirState, packet: number, tS: number, endOffset: number): void {
    const streamId = st.streamId;
    const isData = st.typeId === T.DATA;
    st.damaged = false;
    if (isData) this.emitSkipped(dir, st, packet, tS, endOffset);
    st.headerHave = 0;
    st.have = 0;
    this.session.noteGap(dir, isData ? streamId : null);
  }

  /** A DATA frame whose body was skipped: its facts come from the length and the first byte. */
  private emitSkipped(dir: Dir, st: DirState, packet: number, tS: number, endOffset: number): void {
    const first = st.firstPacket;
    st.headerHave = 0;
    st.have = 0;
    this.session.frame({
      dir,
      tS,
      typeId: st.typeId,
      flagsRaw: st.flags,
      streamId: st.streamId,
      length: st.length,
      packets: packetsOf(st, first, packet),
      info: dataFrameInfo(st.flags, st.length, st.firstByte),
      bodySkipped: true,
      endOffset,
    });
  }

  private emit(
    dir: Dir,
    st: DirState,
    payload: Uint8Array,
    packet: number,
    tS: number,
    endOffset: number,
  ): void {
    const first = st.firstPacket;
    const packets = packetsOf(st, first, packet);
    st.headerHave = 0;
    st.have = 0;
    this.session.frame({
      dir,
      tS,
      typeId: st.typeId,
      flagsRaw: st.flags,
      streamId: st.streamId,
      length: st.length,
      packets,
      payload,
      endOffset,
    });
  }
}

/** The packets of a frame that began in `first` and ended in `last` (see DirState.onePacket). */
function packetsOf(st: DirState, first: number, last: number): number[] {
  if (first !== last) return [first, last];
  if (st.onePacket[0] !== last) st.onePacket = [last];
  return st.onePacket;
}

function side(dir: Dir): string {
  return dir === 'c2s' ? 'client' : 'server';
}
