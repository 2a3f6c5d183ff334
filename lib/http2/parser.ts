/**
 * The byte path for HTTP/2: cuts each direction's in-order bytes into frames and feeds them to an
 * H2Session. Frames may arrive split across many segments or many to a segment; only an unfinished
 * frame's bytes are kept (in a per-direction buffer reused across frames), never the stream.
 */
import type { AppContext, AppParser, StreamEndReason } from '../stream';
import type { Dir } from '../trace';
import { FRAME_HEADER_LENGTH, T, dataFrameInfo } from './frames';
import { H2Session } from './session';

const PREFACE = Uint8Array.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', (c) => c.charCodeAt(0));
/** Frame types this parser knows; an unknown type with an oversized length means lost sync. */
const KNOWN_TYPE_MAX = 0x10;

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
    skip: false,
    firstByte: 0,
    firstPacket: 0,
    firstS: 0,
    ended: false,
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
          this.emit(dir, st, bytes.subarray(i, i), packet, tS);
          continue;
        }
      }
      const want = st.length - st.have;
      if (st.have === 0 && n - i >= want) {
        this.emit(dir, st, bytes.subarray(i, i + want), packet, tS);
        i += want;
        continue;
      }
      if (st.skip) {
        if (st.have === 0) st.firstByte = bytes[i];
        const take = Math.min(want, n - i);
        st.have += take;
        i += take;
        if (st.have === st.length) this.emitSkipped(dir, st, packet, tS);
        continue;
      }
      if (st.buf.length < st.length)
        st.buf = new Uint8Array(Math.max(st.length, Math.min(st.buf.length * 2, 1 << 24)));
      const take = Math.min(want, n - i);
      st.buf.set(bytes.subarray(i, i + take), st.have);
      st.have += take;
      i += take;
      if (st.have === st.length) this.emit(dir, st, st.buf.subarray(0, st.length), packet, tS);
    }
  }

  gap(dir: Dir, offset: number, length: number, tS: number): void {
    const st = this.dirs[dir];
    if (st.dead) return;
    // Frame boundaries are lost with the bytes; guessing a resync point risks inventing frames.
    st.dead = true;
    this.ctx.warn(
      `h2: ${length} bytes missing in the ${dir === 'c2s' ? 'client' : 'server'} direction at offset ${offset} (t=${tS}); frames after it not parsed`,
    );
  }

  end(dir: Dir, how: StreamEndReason, tS: number): void {
    const st = this.dirs[dir];
    if (st.ended) return;
    st.ended = true;
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

  /** A DATA frame whose body was skipped: its facts come from the length and the first byte. */
  private emitSkipped(dir: Dir, st: DirState, packet: number, tS: number): void {
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
      packets: first === packet ? [packet] : [first, packet],
      info: dataFrameInfo(st.flags, st.length, st.firstByte),
      bodySkipped: true,
    });
  }

  private emit(dir: Dir, st: DirState, payload: Uint8Array, packet: number, tS: number): void {
    const first = st.firstPacket;
    const packets = first === packet ? [packet] : [first, packet];
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
    });
  }
}
