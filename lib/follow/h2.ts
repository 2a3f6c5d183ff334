/**
 * One HTTP/2 stream followed: the DATA payloads (padding removed) of one stream id, per direction,
 * read again from the connection's bytes (TLS plaintext for h2 over TLS). The analysis decoded the
 * headers (HPACK needs the whole connection's state) and keeps them on the H2Stream; this keeps only
 * the stream's data, up to a cap. Frames of other streams are skipped without being buffered.
 *
 * Where the frames start: the client's bytes after the connection preface (after the HTTP/1.1
 * Upgrade request for h2c upgrade), the server's from the first byte (after its 101 response).
 */
import { FRAME_HEADER_LENGTH, F, T } from '../http2/frames';
import type { AppParser, StreamEndReason } from '../stream';
import type { Dir } from '../trace';
import { indexOfBytes } from '../bytes';

const PREFACE = Uint8Array.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', (c) => c.charCodeAt(0));
const CRLFCRLF = Uint8Array.from('\r\n\r\n', (c) => c.charCodeAt(0));
/** How far into a direction the preface (or the end of a 101 response) is looked for. */
const PREAMBLE_LIMIT = 64 * 1024;
export const MAX_STREAM_DATA = 16 * 1024 * 1024;

interface DirState {
  /** 'preamble': looking for where frames start; 'frames'; 'lost' after a gap or bad frame. */
  mode: 'preamble' | 'frames' | 'lost';
  pre: Uint8Array;
  header: Uint8Array;
  headerHave: number;
  /** Payload bytes of the current frame still to come, and whether they are kept. */
  remaining: number;
  keep: boolean;
  payload: Uint8Array | null;
  payloadHave: number;
  type: number;
  flags: number;
  parts: Uint8Array[];
  kept: number;
  dataBytes: number;
  frames: number;
  endStream: boolean;
}

function newDir(): DirState {
  return {
    mode: 'preamble',
    pre: new Uint8Array(0),
    header: new Uint8Array(FRAME_HEADER_LENGTH),
    headerHave: 0,
    remaining: 0,
    keep: false,
    payload: null,
    payloadHave: 0,
    type: 0,
    flags: 0,
    parts: [],
    kept: 0,
    dataBytes: 0,
    frames: 0,
    endStream: false,
  };
}

export interface FollowedH2Stream {
  /** DATA payload bytes per direction (padding removed), up to the cap. */
  data: Record<Dir, Uint8Array>;
  dataBytes: Record<Dir, number>;
  /** Frames of this stream seen per direction. */
  frames: Record<Dir, number>;
  endStream: Record<Dir, boolean>;
  notes: string[];
}

export class H2StreamExtractor implements AppParser {
  private readonly d: Record<Dir, DirState> = { c2s: newDir(), s2c: newDir() };
  private readonly notes: string[] = [];

  constructor(
    readonly streamId: number,
    private readonly cap = MAX_STREAM_DATA,
  ) {}

  data(dir: Dir, bytes: Uint8Array, offset: number): void {
    const s = this.d[dir];
    let b = bytes;
    if (s.mode === 'lost') return;
    if (s.mode === 'preamble') {
      const at = this.preamble(dir, s, b, offset);
      if (at < 0) return;
      b = s.pre.subarray(at);
      s.pre = new Uint8Array(0);
      s.mode = 'frames';
    }
    this.frames(dir, s, b, offset);
  }

  /** Returns the index in s.pre where frames begin, or -1 while undecided. */
  private preamble(dir: Dir, s: DirState, b: Uint8Array, offset: number): number {
    const pre = new Uint8Array(s.pre.length + b.length);
    pre.set(s.pre);
    pre.set(b, s.pre.length);
    s.pre = pre;
    if (dir === 'c2s') {
      const i = indexOfBytes(pre, PREFACE);
      if (i >= 0) return i + PREFACE.length;
    } else {
      // A server's frames start at once, unless it first answers an h2c Upgrade with 101.
      const head = new TextDecoder('latin1').decode(pre.subarray(0, 12));
      if (!'HTTP/1.1 101'.startsWith(head.slice(0, Math.min(12, head.length)))) return 0;
      if (pre.length >= 12) {
        const e = indexOfBytes(pre, CRLFCRLF);
        if (e >= 0) return e + 4;
      }
    }
    if (pre.length > PREAMBLE_LIMIT) {
      s.mode = 'lost';
      this.notes.push(
        `${dir}: no HTTP/2 frames found in the first ${PREAMBLE_LIMIT / 1024} KiB (byte ${offset})`,
      );
    }
    return -1;
  }

  private frames(dir: Dir, s: DirState, b: Uint8Array, offset: number): void {
    let i = 0;
    while (i < b.length && s.mode === 'frames') {
      if (s.remaining === 0 && s.headerHave < FRAME_HEADER_LENGTH) {
        const take = Math.min(FRAME_HEADER_LENGTH - s.headerHave, b.length - i);
        s.header.set(b.subarray(i, i + take), s.headerHave);
        s.headerHave += take;
        i += take;
        if (s.headerHave < FRAME_HEADER_LENGTH) break;
        const h = s.header;
        const length = (h[0] << 16) | (h[1] << 8) | h[2];
        s.type = h[3];
        s.flags = h[4];
        const id = ((h[5] & 0x7f) << 24) | (h[6] << 16) | (h[7] << 8) | h[8];
        s.keep = id === this.streamId;
        if (s.keep) {
          s.frames++;
          if (s.flags & F.END_STREAM && (s.type === T.DATA || s.type === T.HEADERS)) s.endStream = true;
        }
        s.remaining = length;
        s.payload = s.keep && s.type === T.DATA ? new Uint8Array(length) : null;
        s.payloadHave = 0;
        if (length === 0) s.headerHave = 0;
        continue;
      }
      const take = Math.min(s.remaining, b.length - i);
      if (s.payload) s.payload.set(b.subarray(i, i + take), s.payloadHave);
      s.payloadHave += take;
      s.remaining -= take;
      i += take;
      if (s.remaining === 0) {
        if (s.payload) this.dataFrame(dir, s, s.payload, offset + i);
        s.payload = null;
        s.headerHave = 0;
      }
    }
  }

  private dataFrame(dir: Dir, s: DirState, p: Uint8Array, offset: number): void {
    let body = p;
    if (s.flags & F.PADDED) {
      const pad = p[0] ?? 0;
      if (1 + pad > p.length) {
        this.notes.push(`${dir}: DATA frame ending at byte ${offset} has padding longer than itself`);
        return;
      }
      body = p.subarray(1, p.length - pad);
    }
    s.dataBytes += body.length;
    const room = this.cap - s.kept;
    if (room > 0) {
      s.parts.push(body.subarray(0, room));
      s.kept += Math.min(room, body.length);
    }
  }

  gap(dir: Dir, offset: number, length: number): void {
    const s = this.d[dir];
    if (s.mode === 'lost') return;
    s.mode = 'lost';
    this.notes.push(
      `${dir}: ${length.toLocaleString('en-US')} bytes not captured at byte ${offset.toLocaleString('en-US')}: frames after them are not read`,
    );
  }

  end(_dir: Dir, _how: StreamEndReason): void {}

  finish(): FollowedH2Stream {
    const join = (s: DirState) => {
      const out = new Uint8Array(s.kept);
      let o = 0;
      for (const p of s.parts) {
        out.set(p, o);
        o += p.length;
      }
      return out;
    };
    for (const dir of ['c2s', 's2c'] as const) {
      const s = this.d[dir];
      if (s.dataBytes > s.kept)
        this.notes.push(
          `${dir}: data cut at ${this.cap.toLocaleString('en-US')} bytes of ${s.dataBytes.toLocaleString('en-US')}`,
        );
    }
    return {
      data: { c2s: join(this.d.c2s), s2c: join(this.d.s2c) },
      dataBytes: { c2s: this.d.c2s.dataBytes, s2c: this.d.s2c.dataBytes },
      frames: { c2s: this.d.c2s.frames, s2c: this.d.s2c.frames },
      endStream: { c2s: this.d.c2s.endStream, s2c: this.d.s2c.endStream },
      notes: this.notes,
    };
  }
}
