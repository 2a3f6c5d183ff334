/**
 * TLS in the first pass: the record layer is walked per direction (RFC 8446 §5.1). Record headers
 * stay; application data (and heartbeat) fragments are zeroed; the plaintext handshake is kept for
 * the analysis (versions, cipher suite, ALPN, resumption) except certificate chains, whose bodies
 * are zeroed (they name the server and its organisation; the analysis does not read them), and
 * the ClientHello's server names, replaced by same-length pseudonyms when `mapName` is set.
 * Anything that is not a TLS record stops the walk; the rest of the direction is zeroed.
 */
import type { AppParser, StreamEndReason } from '../stream';
import type { Dir } from '../trace';
import type { WalkContext } from './context';

const CT_CCS = 20;
const CT_ALERT = 21;
const CT_HANDSHAKE = 22;
const CT_APPDATA = 23;
const CT_HEARTBEAT = 24;
const HS_CLIENT_HELLO = 1;
const HS_CERTIFICATE = 11;
/** Plaintext handshake messages longer than this are not followed (zeroed instead). */
const MAX_MESSAGE = 256 * 1024;

interface DirState {
  header: Uint8Array;
  headerHave: number;
  type: number;
  length: number;
  have: number;
  dead: boolean;
  /** After ChangeCipherSpec, this direction's handshake records are encrypted. */
  encrypted: boolean;
  /** The handshake message being assembled: its bytes and where each piece is in the stream. */
  msg: Uint8Array;
  msgLen: number;
  pieces: { at: number; offset: number; length: number }[];
}

export class TlsWalker implements AppParser {
  private readonly dirs: Record<Dir, DirState> = { c2s: newDir(), s2c: newDir() };

  constructor(private readonly ctx: WalkContext) {}

  data(dir: Dir, bytes: Uint8Array, offset: number): void {
    const st = this.dirs[dir];
    const n = bytes.length;
    if (st.dead) {
      this.ctx.cut(dir, offset, n);
      return;
    }
    let i = 0;
    while (i < n) {
      if (st.headerHave < 5) {
        const take = Math.min(5 - st.headerHave, n - i);
        st.header.set(bytes.subarray(i, i + take), st.headerHave);
        st.headerHave += take;
        i += take;
        if (st.headerHave < 5) return;
        st.type = st.header[0];
        st.length = (st.header[3] << 8) | st.header[4];
        st.have = 0;
        if (st.type < CT_CCS || st.type > CT_HEARTBEAT || st.header[1] !== 3) {
          st.dead = true;
          this.ctx.stats.warnings.push(
            `TLS ${dir}: not a TLS record at stream offset ${offset + i - 5}: rest zeroed`,
          );
          this.ctx.cut(dir, offset + i - 5, n - i + 5);
          return;
        }
        if (st.type === CT_CCS) st.encrypted = true;
        if (st.length === 0) st.headerHave = 0;
        continue;
      }
      const take = Math.min(st.length - st.have, n - i);
      if (st.type === CT_APPDATA || st.type === CT_HEARTBEAT) this.ctx.cut(dir, offset + i, take);
      else if (st.type === CT_HANDSHAKE) {
        if (st.encrypted) this.ctx.cut(dir, offset + i, take);
        else this.handshake(dir, st, bytes.subarray(i, i + take), offset + i);
      }
      st.have += take;
      i += take;
      if (st.have === st.length) st.headerHave = 0;
    }
    void CT_ALERT;
  }

  private handshake(dir: Dir, st: DirState, b: Uint8Array, offset: number): void {
    let i = 0;
    while (i < b.length) {
      const need = st.msgLen < 4 ? 4 - st.msgLen : 4 + msgBodyLength(st.msg) - st.msgLen;
      const take = Math.min(need, b.length - i);
      if (st.msgLen + take > MAX_MESSAGE) {
        // Too long to hold: zero it as it passes (nothing we keep is that long).
        this.ctx.cut(dir, offset + i, take);
      } else {
        if (st.msgLen + take > st.msg.length) {
          const g = new Uint8Array(Math.max(st.msgLen + take, st.msg.length * 2));
          g.set(st.msg.subarray(0, st.msgLen));
          st.msg = g;
        }
        st.msg.set(b.subarray(i, i + take), st.msgLen);
        st.pieces.push({ at: st.msgLen, offset: offset + i, length: take });
      }
      st.msgLen += take;
      i += take;
      if (st.msgLen >= 4 && st.msgLen === 4 + msgBodyLength(st.msg)) this.message(dir, st);
    }
  }

  private message(dir: Dir, st: DirState): void {
    const m = st.msg.subarray(0, Math.min(st.msgLen, st.msg.length));
    const pieces = st.pieces;
    st.pieces = [];
    st.msgLen = 0;
    const write = (at: number, repl: Uint8Array | null, length: number) => {
      for (const p of pieces) {
        const s = Math.max(at, p.at);
        const t = Math.min(at + length, p.at + p.length);
        if (t <= s) continue;
        if (repl) this.ctx.edits[dir].replace(p.offset + (s - p.at), repl.subarray(s - at, t - at));
        else this.ctx.cut(dir, p.offset + (s - p.at), t - s);
      }
    };
    if (m[0] === HS_CERTIFICATE) write(4, null, m.length - 4);
    else if (m[0] === HS_CLIENT_HELLO && dir === 'c2s' && this.ctx.mapName) {
      for (const [at, len] of serverNames(m)) {
        let name = '';
        for (let k = 0; k < len; k++) name += String.fromCharCode(m[at + k]);
        const mapped = this.ctx.mapName(name);
        write(
          at,
          Uint8Array.from(mapped, (c) => c.charCodeAt(0) & 0xff),
          len,
        );
        this.ctx.stats.sniMapped++;
      }
    }
  }

  gap(dir: Dir, offset: number): void {
    const st = this.dirs[dir];
    if (st.dead) return;
    // Record boundaries are lost (the analysis stops reading this direction too).
    st.dead = true;
    void offset;
  }

  end(dir: Dir, how: StreamEndReason): void {
    void dir;
    void how;
  }
}

function newDir(): DirState {
  return {
    header: new Uint8Array(5),
    headerHave: 0,
    type: 0,
    length: 0,
    have: 0,
    dead: false,
    encrypted: false,
    msg: new Uint8Array(512),
    msgLen: 0,
    pieces: [],
  };
}

function msgBodyLength(m: Uint8Array): number {
  return (m[1] << 16) | (m[2] << 8) | m[3];
}

/** [offset, length] of each host_name in a ClientHello's server_name extension (RFC 6066 §3). */
export function serverNames(m: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  const end = m.length;
  let p = 4 + 2 + 32;
  const u16 = (at: number) => (m[at] << 8) | m[at + 1];
  if (p + 1 > end) return out;
  p += 1 + m[p]; // session id
  if (p + 2 > end) return out;
  p += 2 + u16(p); // cipher suites
  if (p + 1 > end) return out;
  p += 1 + m[p]; // compression methods
  if (p + 2 > end) return out;
  const extEnd = Math.min(end, p + 2 + u16(p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = u16(p);
    const len = u16(p + 2);
    const body = p + 4;
    if (body + len > extEnd) break;
    if (type === 0 && len >= 2) {
      const listEnd = Math.min(body + len, body + 2 + u16(body));
      let q = body + 2;
      while (q + 3 <= listEnd) {
        const nameLen = u16(q + 1);
        if (q + 3 + nameLen > listEnd) break;
        if (m[q] === 0) out.push([q + 3, nameLen]);
        q += 3 + nameLen;
      }
    }
    p = body + len;
  }
  return out;
}
