/**
 * HTTP/2 in the first pass: frames are walked per direction (RFC 9113 §4.1); DATA payloads are
 * zeroed except the pad length and, on gRPC streams, each message's 5-byte prefix (compressed
 * flag and length), so the framing the analysis reads stays intact; header blocks (HEADERS,
 * PUSH_PROMISE and their CONTINUATIONs, reassembled across frames and segments) go through
 * HpackRedactor, whose in-place edits are mapped back to stream offsets. Control frames are kept
 * as they are; extension frames of unknown types are zeroed (their contents are unknown).
 */
import type { AppParser, StreamEndReason } from '../stream';
import type { Dir } from '../trace';
import type { WalkContext } from './context';
import { HpackRedactor } from './hpack';

const PREFACE_LENGTH = 24;
const FRAME_HEADER = 9;
const DATA = 0x0;
const HEADERS = 0x1;
const PUSH_PROMISE = 0x5;
const CONTINUATION = 0x9;
const KNOWN_MAX_TYPE = 0x9;
const PADDED = 0x8;
const PRIORITY = 0x20;
const END_HEADERS = 0x4;
/** A header block longer than this is not followed (the analysis' parser stops long before). */
const MAX_BLOCK = 16 * 1024 * 1024;

interface Piece {
  /** Offset in the block, in the stream, and length. */
  at: number;
  offset: number;
  length: number;
}

interface DirState {
  prefaceLeft: number;
  header: Uint8Array;
  headerHave: number;
  type: number;
  flags: number;
  streamId: number;
  length: number;
  have: number;
  /** Padding length (PADDED frames), once the first payload byte was seen. */
  padLen: number;
  dead: boolean;
  hpack: HpackRedactor;
  block: Uint8Array;
  blockLen: number;
  pieces: Piece[];
  blockStream: number;
}

interface GrpcState {
  /** Bytes of the current message prefix still to come (0 inside a message body). */
  prefixLeft: number;
  prefix: Uint8Array;
  msgLeft: number;
}

export class H2Walker implements AppParser {
  private readonly dirs: Record<Dir, DirState>;
  /** Streams known to carry gRPC (by the request's content-type), with per-direction framing. */
  private readonly grpc = new Map<number, Record<Dir, GrpcState>>();

  constructor(
    private readonly ctx: WalkContext,
    /** The client direction starts with the connection preface (not after an h2c upgrade's 101 on s2c). */
    clientPreface = true,
  ) {
    this.dirs = { c2s: this.newDir(clientPreface ? PREFACE_LENGTH : 0), s2c: this.newDir(0) };
  }

  private newDir(prefaceLeft: number): DirState {
    return {
      prefaceLeft,
      header: new Uint8Array(FRAME_HEADER),
      headerHave: 0,
      type: 0,
      flags: 0,
      streamId: 0,
      length: 0,
      have: 0,
      padLen: 0,
      dead: false,
      hpack: new HpackRedactor(this.ctx.sensitive, this.ctx),
      block: new Uint8Array(1024),
      blockLen: 0,
      pieces: [],
      blockStream: 0,
    };
  }

  data(dir: Dir, bytes: Uint8Array, offset: number): void {
    const st = this.dirs[dir];
    let i = 0;
    const n = bytes.length;
    if (st.dead) {
      this.ctx.cut(dir, offset, n);
      return;
    }
    if (st.prefaceLeft > 0) {
      const take = Math.min(st.prefaceLeft, n);
      st.prefaceLeft -= take;
      i = take;
    }
    while (i < n) {
      if (st.headerHave < FRAME_HEADER) {
        const take = Math.min(FRAME_HEADER - st.headerHave, n - i);
        st.header.set(bytes.subarray(i, i + take), st.headerHave);
        st.headerHave += take;
        i += take;
        if (st.headerHave < FRAME_HEADER) return;
        const h = st.header;
        st.length = (h[0] << 16) | (h[1] << 8) | h[2];
        st.type = h[3];
        st.flags = h[4];
        st.streamId = ((h[5] & 0x7f) << 24) | (h[6] << 16) | (h[7] << 8) | h[8];
        st.have = 0;
        st.padLen = 0;
        if (st.length === 0) this.frameDone(dir, st);
        continue;
      }
      const take = Math.min(st.length - st.have, n - i);
      this.payload(dir, st, bytes, i, take, offset + i);
      st.have += take;
      i += take;
      if (st.have === st.length) this.frameDone(dir, st);
    }
  }

  /** Payload bytes [st.have, st.have + len) of the current frame, at bytes[from] / stream `offset`. */
  private payload(
    dir: Dir,
    st: DirState,
    bytes: Uint8Array,
    from: number,
    len: number,
    offset: number,
  ): void {
    const padded = (st.type === DATA || st.type === HEADERS || st.type === PUSH_PROMISE) && st.flags & PADDED;
    let skip = 0;
    if (padded && st.have === 0 && len > 0) {
      st.padLen = bytes[from];
      skip = 1;
    }
    // Region of the frame that is content (after pad length / priority / promised id, before padding).
    const pre =
      (padded ? 1 : 0) +
      (st.type === HEADERS && st.flags & PRIORITY ? 5 : 0) +
      (st.type === PUSH_PROMISE ? 4 : 0);
    const contentEnd = Math.max(pre, st.length - st.padLen);
    const a = Math.max(st.have + skip, pre);
    const b = Math.min(st.have + len, contentEnd);
    const pad0 = Math.max(st.have, contentEnd);
    const pad1 = st.have + len;
    if (st.type === DATA) {
      if (b > a) this.dataBytes(dir, st.streamId, bytes, from + (a - st.have), b - a, offset + (a - st.have));
      if (pad1 > pad0) this.ctx.cut(dir, offset + (pad0 - st.have), pad1 - pad0);
    } else if (st.type === HEADERS || st.type === PUSH_PROMISE || st.type === CONTINUATION) {
      if (b > a)
        this.blockBytes(
          dir,
          st,
          bytes.subarray(from + (a - st.have), from + (b - st.have)),
          offset + (a - st.have),
        );
    } else if (st.type > KNOWN_MAX_TYPE) {
      this.ctx.cut(dir, offset, len);
    }
  }

  private dataBytes(
    dir: Dir,
    streamId: number,
    bytes: Uint8Array,
    from: number,
    len: number,
    offset: number,
  ): void {
    const g = this.grpc.get(streamId)?.[dir];
    if (!g) {
      this.ctx.cut(dir, offset, len);
      return;
    }
    let i = 0;
    while (i < len) {
      if (g.prefixLeft > 0) {
        const take = Math.min(g.prefixLeft, len - i);
        g.prefix.set(bytes.subarray(from + i, from + i + take), 5 - g.prefixLeft);
        g.prefixLeft -= take;
        i += take;
        if (g.prefixLeft === 0) {
          const p = g.prefix;
          g.msgLeft = ((p[1] << 24) | (p[2] << 16) | (p[3] << 8) | p[4]) >>> 0;
          if (g.msgLeft === 0) g.prefixLeft = 5;
        }
        continue;
      }
      const take = Math.min(g.msgLeft, len - i);
      this.ctx.cut(dir, offset + i, take);
      g.msgLeft -= take;
      i += take;
      if (g.msgLeft === 0) g.prefixLeft = 5;
    }
  }

  private blockBytes(dir: Dir, st: DirState, b: Uint8Array, offset: number): void {
    if (st.blockLen + b.length > MAX_BLOCK) {
      st.hpack.broken = true;
      return;
    }
    if (st.blockLen + b.length > st.block.length) {
      const g = new Uint8Array(Math.max(st.blockLen + b.length, st.block.length * 2));
      g.set(st.block.subarray(0, st.blockLen));
      st.block = g;
    }
    st.block.set(b, st.blockLen);
    st.pieces.push({ at: st.blockLen, offset, length: b.length });
    st.blockLen += b.length;
    void dir;
  }

  private frameDone(dir: Dir, st: DirState): void {
    st.headerHave = 0;
    if (st.type === HEADERS || st.type === PUSH_PROMISE) st.blockStream = st.streamId;
    if (
      (st.type === HEADERS || st.type === PUSH_PROMISE || st.type === CONTINUATION) &&
      st.flags & END_HEADERS
    )
      this.blockDone(dir, st);
  }

  private blockDone(dir: Dir, st: DirState): void {
    const block = st.block.subarray(0, st.blockLen);
    const pieces = st.pieces;
    st.pieces = [];
    st.blockLen = 0;
    if (st.hpack.broken) {
      // The table is lost (so is the analysis' decoder): nothing in this block can be read, and
      // nothing in it can be left readable.
      for (const p of pieces) this.ctx.cut(dir, p.offset, p.length);
      return;
    }
    const r = st.hpack.block(block);
    if (r.error) {
      for (const p of pieces) this.ctx.cut(dir, p.offset, p.length);
      this.ctx.stats.warnings.push(`HTTP/2 header block not decodable (${r.error}): zeroed`);
      return;
    }
    for (const e of r.edits) {
      if (e.mapped) this.ctx.stats.hostsMapped++;
      else this.ctx.stats.headersReplaced++;
      // The value may straddle frames: write each piece where it lies in the stream.
      for (const p of pieces) {
        const s = Math.max(e.at, p.at);
        const t = Math.min(e.at + e.bytes.length, p.at + p.length);
        if (t > s) this.ctx.edits[dir].replace(p.offset + (s - p.at), e.bytes.subarray(s - e.at, t - e.at));
      }
    }
    if (dir === 'c2s' && st.type !== PUSH_PROMISE) {
      const ct = r.headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
      if (/^application\/grpc/i.test(ct) && !this.grpc.has(st.blockStream)) {
        const g = (): GrpcState => ({ prefixLeft: 5, prefix: new Uint8Array(5), msgLeft: 0 });
        this.grpc.set(st.blockStream, { c2s: g(), s2c: g() });
      }
    }
  }

  gap(dir: Dir, offset: number, length: number): void {
    const st = this.dirs[dir];
    if (st.dead) return;
    if (
      st.prefaceLeft === 0 &&
      st.headerHave === FRAME_HEADER &&
      st.type === DATA &&
      length <= st.length - st.have
    ) {
      // Inside a DATA payload: the frame's end is still known. gRPC framing inside it is lost.
      st.have += length;
      this.grpc.delete(st.streamId);
      if (st.have === st.length) this.frameDone(dir, st);
      return;
    }
    // Frame boundaries are lost: the rest of this direction is zeroed (and its HPACK state is gone).
    st.dead = true;
    st.hpack.broken = true;
    this.ctx.stats.warnings.push(
      `HTTP/2 ${dir} bytes lost at stream offset ${offset}: rest of the direction zeroed`,
    );
  }

  end(dir: Dir, how: StreamEndReason): void {
    void dir;
    void how;
  }
}
