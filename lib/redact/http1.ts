/**
 * HTTP/1 in the first pass: the project's message parser (lib/http1/parser.ts) finds where each
 * head starts and which bytes are body (chunk framing excluded); this walker turns that into
 * edits: values of sensitive header lines replaced by as many 'x' (offsets never move), bodies
 * zeroed. After a 101 or a 2xx to CONNECT the rest of both directions goes to `onSwitch`.
 */
import { Http1DirParser, MAX_HEADER_BYTES, values, type Http1Head } from '../http1/parser';
import type { AppParser, StreamEndReason } from '../stream';
import type { Dir } from '../trace';
import type { WalkContext } from './context';

const LF = 10;
const CR = 13;
/** A head longer than this is not HTTP/1 (the parser gives up at 64 KiB too). */
const MAX_HEAD = MAX_HEADER_BYTES + 8192;

interface Fed {
  bytes: Uint8Array;
  offset: number;
}

/**
 * One direction. The parser reports where a head starts (`start`), that it is complete (`head`)
 * and which bytes are body; the head's own bytes are read back from `tail`, the last bytes fed
 * (kept from the end of the last message part, at most one head long). After lost bytes the parser
 * looks for the next start line: what it skips is zeroed (`lostFrom`).
 */
class DirWalker {
  readonly parser: Http1DirParser;
  /** Bytes being fed: body callbacks get subarrays of them, which tells their stream offset. */
  fed: Fed = { bytes: new Uint8Array(0), offset: 0 };
  private tail = new Uint8Array(0);
  private tailLen = 0;
  private tailOffset = 0;
  private headStart = -1;
  /** Where the next body byte is when a body view is not a view of `fed` (re-scanned bytes). */
  private bodyCursor = 0;
  /** Stream offset from which bytes are skipped as not-a-message (after a gap or a bad head). */
  lostFrom: number | null = null;
  /** Bytes up to here are settled (head or body): the tail need not keep them. */
  private settled = 0;
  lastHead: Http1Head | null = null;

  constructor(
    readonly dir: Dir,
    private readonly ctx: WalkContext,
    onHead: (h: Http1Head) => void,
    onSwitch: (kind: 'upgrade' | 'tunnel', restOffset: number) => void,
    requestMethod?: () => string | null,
  ) {
    this.parser = new Http1DirParser(
      dir === 'c2s' ? 'request' : 'response',
      {
        start: (offset) => {
          this.headStart = offset;
          if (this.lostFrom !== null) {
            this.ctx.cut(this.dir, this.lostFrom, offset - this.lostFrom);
            this.lostFrom = null;
          }
        },
        head: (h) => {
          const end = this.redactHead();
          this.bodyCursor = end;
          this.settled = end;
          this.lastHead = h;
          onHead(h);
        },
        body: (bytes) => {
          const at =
            bytes.buffer === this.fed.bytes.buffer
              ? this.fed.offset + (bytes.byteOffset - this.fed.bytes.byteOffset)
              : this.bodyCursor;
          this.ctx.cut(this.dir, at, bytes.length);
          this.bodyCursor = at + bytes.length;
          this.settled = Math.max(this.settled, this.bodyCursor);
        },
        end: (endOffset) => {
          if (Number.isFinite(endOffset)) this.settled = Math.max(this.settled, endOffset);
        },
        malformed: (_reason, offset) => {
          // Not a message we can read: nothing of it may stay, headers least of all — but its
          // start line does, as protocol detection reads it (an odd request is still HTTP/1).
          const from =
            this.headStart >= 0 && this.headStart <= offset ? this.afterStartLine(this.headStart) : offset;
          this.lostFrom = this.lostFrom === null ? from : Math.min(this.lostFrom, from);
        },
        switched: onSwitch,
      },
      { requestMethod },
    );
  }

  /** Feeds bytes to the parser; returns how many it took. */
  feed(bytes: Uint8Array, offset: number): number {
    this.keep(bytes, offset);
    this.fed = { bytes, offset };
    const used = this.parser.feed(bytes, offset, 0, 0);
    if (this.parser.lost && this.lostFrom === null) this.lostFrom = Math.max(offset, this.settled);
    // Trim the tail to what a head still in progress may need.
    const from = Math.max(this.settled, this.headStart, this.tailOffset);
    if (from > this.tailOffset) {
      const drop = Math.min(from - this.tailOffset, this.tailLen);
      this.tail.copyWithin(0, drop, this.tailLen);
      this.tailLen -= drop;
      this.tailOffset += drop;
    }
    return used;
  }

  /** Stream offset just past the line starting at `start` (when the tail holds it), else `start`. */
  private afterStartLine(start: number): number {
    const rel = start - this.tailOffset;
    if (rel < 0 || rel >= this.tailLen) return start;
    const lf = this.tail.subarray(rel, this.tailLen).indexOf(LF);
    return lf < 0 ? start : start + lf + 1;
  }

  /** The direction is done (end of stream, or the rest is not ours): skipped bytes are zeroed. */
  close(endOffset: number): void {
    if (this.lostFrom !== null && endOffset > this.lostFrom)
      this.ctx.cut(this.dir, this.lostFrom, endOffset - this.lostFrom);
    this.lostFrom = null;
  }

  private keep(b: Uint8Array, offset: number): void {
    if (offset !== this.tailOffset + this.tailLen) {
      this.tailLen = 0;
      this.tailOffset = offset;
    }
    if (this.tailLen + b.length > MAX_HEAD + b.length && this.tailLen > 0) {
      // Never more than one head's worth plus the chunk: drop the oldest bytes.
      const drop = this.tailLen + b.length - MAX_HEAD - b.length;
      this.tail.copyWithin(0, drop, this.tailLen);
      this.tailLen -= drop;
      this.tailOffset += drop;
    }
    if (this.tailLen + b.length > this.tail.length) {
      const g = new Uint8Array(Math.max(this.tailLen + b.length, this.tail.length * 2, 1024));
      g.set(this.tail.subarray(0, this.tailLen));
      this.tail = g;
    }
    this.tail.set(b, this.tailLen);
    this.tailLen += b.length;
  }

  /** Replaces the values of sensitive fields of the head just parsed; returns the head's end. */
  private redactHead(): number {
    const start = this.headStart;
    this.headStart = -1;
    const rel = start - this.tailOffset;
    if (start < 0 || rel < 0 || rel >= this.tailLen) return this.fed.offset + this.fed.bytes.length;
    const b = this.tail.subarray(rel, this.tailLen);
    const n = b.length;
    let p = b.indexOf(LF);
    if (p < 0) return start + n;
    p++;
    let inSensitive = false;
    while (p < n) {
      let e = b.indexOf(LF, p);
      if (e < 0) e = n;
      let lineEnd = e;
      if (lineEnd > p && b[lineEnd - 1] === CR) lineEnd--;
      if (lineEnd === p) return start + Math.min(n, e + 1); // blank line: end of the head
      let vStart = -1;
      let mapped = false;
      const fold = b[p] === 0x20 || b[p] === 0x09;
      if (fold) {
        // obs-fold: continues the previous field's value.
        if (inSensitive) vStart = p;
      } else {
        const colon = b.indexOf(0x3a, p);
        inSensitive = false;
        if (colon > p && colon < lineEnd) {
          let name = '';
          for (let k = p; k < colon; k++) name += String.fromCharCode(b[k]);
          const lower = name.trim().toLowerCase();
          if (this.ctx.sensitive.has(lower)) {
            inSensitive = true;
            vStart = colon + 1;
          } else if (this.ctx.mapped.has(lower)) {
            mapped = true;
            vStart = colon + 1;
          }
        }
      }
      if (vStart >= 0) {
        while (vStart < lineEnd && (b[vStart] === 0x20 || b[vStart] === 0x09)) vStart++;
        let vEnd = lineEnd;
        while (vEnd > vStart && (b[vEnd - 1] === 0x20 || b[vEnd - 1] === 0x09)) vEnd--;
        if (vEnd > vStart && mapped) {
          this.ctx.edits[this.dir].replace(start + vStart, this.ctx.mapValue(b.slice(vStart, vEnd)));
          this.ctx.stats.hostsMapped++;
        } else if (vEnd > vStart) {
          this.ctx.edits[this.dir].replace(start + vStart, new Uint8Array(vEnd - vStart).fill(0x78));
          if (!fold) this.ctx.stats.headersReplaced++; // a folded line is the same field
        }
      }
      p = e + 1;
    }
    return start + n;
  }
}

export class Http1Walker implements AppParser {
  private readonly req: DirWalker;
  private readonly resp: DirWalker;
  private readonly methods: (string | null)[] = [];
  private held: Fed[] = [];
  private switchedTo: { next: AppParser | null; at: Record<Dir, number> } | null = null;
  private c2sEnd = 0;
  private fedEnd: Record<Dir, number> = { c2s: 0, s2c: 0 };

  constructor(
    private readonly ctx: WalkContext,
    /** The parser for the bytes after a protocol switch (h2c, a CONNECT tunnel), or null: zeroed. */
    private readonly onSwitch: (protocol: string) => AppParser | null,
  ) {
    this.req = new DirWalker(
      'c2s',
      ctx,
      (h) => this.methods.push(h.method),
      () => {},
    );
    this.resp = new DirWalker(
      's2c',
      ctx,
      (h) => this.responseHead(h),
      (kind, rest) => this.switched(kind, rest),
      () => this.methods[0] ?? null,
    );
    if (ctx.midStream()) {
      // As the analysis does: parse each side from its first start line; what precedes it is
      // the tail of a message we cannot read, and is zeroed.
      this.req.parser.startLost();
      this.resp.parser.startLost();
      this.req.lostFrom = 0;
      this.resp.lostFrom = 0;
    }
  }

  private responseHead(h: Http1Head): void {
    const status = h.status ?? 0;
    if (status >= 100 && status < 200 && status !== 101) return;
    const method = this.methods.shift() ?? null;
    const switching = status === 101 || (method === 'CONNECT' && status >= 200 && status < 300);
    if (!switching && this.req.parser.awaiting) {
      this.req.parser.resume();
      const held = this.held;
      this.held = [];
      for (const f of held) this.feed('c2s', f.bytes, f.offset);
    }
  }

  private switched(kind: 'upgrade' | 'tunnel', s2cOffset: number): void {
    const upgrade = this.resp.lastHead ? values(this.resp.lastHead.headers, 'upgrade')[0] : undefined;
    const protocol =
      kind === 'tunnel' ? 'connect' : (upgrade ?? 'unknown').split(',')[0].trim().toLowerCase();
    this.req.parser.stop();
    this.req.close(this.fedEnd.c2s);
    const c2sOffset = this.held[0]?.offset ?? this.c2sEnd;
    this.switchedTo = { next: this.onSwitch(protocol), at: { c2s: c2sOffset, s2c: s2cOffset } };
    const held = this.held;
    this.held = [];
    for (const f of held) this.forward('c2s', f.bytes, f.offset);
  }

  private forward(dir: Dir, bytes: Uint8Array, offset: number): void {
    const s = this.switchedTo;
    if (!s) return;
    const cut = Math.max(0, s.at[dir] - offset);
    if (cut >= bytes.length) return;
    if (s.next) s.next.data(dir, bytes.subarray(cut), offset + cut, 0, 0);
    else this.ctx.cut(dir, offset + cut, bytes.length - cut);
  }

  data(dir: Dir, bytes: Uint8Array, offset: number, packet: number, tS: number): void {
    if (this.switchedTo) {
      this.forward(dir, bytes, offset);
      void packet;
      void tS;
      return;
    }
    this.feed(dir, bytes, offset);
  }

  private feed(dir: Dir, bytes: Uint8Array, offset: number): void {
    const w = dir === 'c2s' ? this.req : this.resp;
    if (dir === 'c2s' && w.parser.awaiting) {
      this.held.push({ bytes: bytes.slice(), offset });
      return;
    }
    this.fedEnd[dir] = Math.max(this.fedEnd[dir], offset + bytes.length);
    if (w.parser.stopped) {
      this.ctx.cut(dir, offset, bytes.length);
      return;
    }
    const used = w.feed(bytes, offset);
    if (dir === 'c2s' && (w.parser.idle || w.parser.awaiting)) this.c2sEnd = offset + used;
    if (used >= bytes.length) return;
    if (this.switchedTo) {
      this.forward(dir, bytes.subarray(used), offset + used);
    } else if (dir === 'c2s' && w.parser.awaiting) {
      this.held.push({ bytes: bytes.slice(used), offset: offset + used });
    } else {
      // Not HTTP/1 from here on: nothing to keep.
      this.ctx.cut(dir, offset + used, bytes.length - used);
    }
  }

  gap(dir: Dir, offset: number, length: number, tS: number): void {
    if (this.switchedTo) {
      this.switchedTo.next?.gap(dir, offset, length, tS);
      return;
    }
    const w = dir === 'c2s' ? this.req : this.resp;
    if (!w.parser.stopped) w.parser.gap(offset, length, tS);
    if (w.parser.lost && w.lostFrom === null) w.lostFrom = offset + length;
  }

  end(dir: Dir, how: StreamEndReason, tS: number): void {
    if (this.switchedTo) {
      this.switchedTo.next?.end(dir, how, tS);
      return;
    }
    if (dir === 's2c') this.resp.parser.endOfStream(Number.NaN, 0, tS);
    (dir === 'c2s' ? this.req : this.resp).close(this.fedEnd[dir]);
    if (dir === 'c2s' && this.held.length) {
      // The server never answered the switch: the held bytes are not HTTP/1 we can read.
      for (const f of this.held) this.ctx.cut('c2s', f.offset, f.bytes.length);
      this.held = [];
    }
  }
}
