/**
 * Per-connection protocol choice in the first pass, by the same classifiers the analysis uses
 * (lib/protocols.ts), so a connection is walked as the protocol the analysis will read it as.
 * Early bytes are held (bounded) until the choice is made, then replayed. Bytes of a protocol we
 * cannot read are zeroed whole: what we cannot parse we cannot vouch for.
 */
import { classifyClientBytes, classifyServerBytes } from '../protocols';
import type { AppParser, StreamEndReason } from '../stream';
import type { Dir } from '../trace';
import type { WalkContext } from './context';
import { Http1Walker } from './http1';
import { H2Walker } from './http2';
import { TlsWalker } from './tls';

/** As lib/protocols.ts: undecided bytes held per connection before calling it unknown. */
const HOLD_LIMIT = 64 * 1024;
const FIRST_LIMIT = 8192;

type Held =
  | { kind: 'data'; dir: Dir; bytes: Uint8Array; offset: number }
  | { kind: 'gap'; dir: Dir; offset: number; length: number }
  | { kind: 'end'; dir: Dir; how: StreamEndReason };

/** Zeroes everything: a protocol we do not read. */
class CutAll implements AppParser {
  constructor(private readonly ctx: WalkContext) {}
  data(dir: Dir, bytes: Uint8Array, offset: number): void {
    this.ctx.cut(dir, offset, bytes.length);
  }
  gap(): void {}
  end(): void {}
}

export class RedactDispatcher implements AppParser {
  private parser: AppParser | null = null;
  private held: Held[] = [];
  private heldBytes = 0;
  private first: Record<Dir, Uint8Array> = { c2s: new Uint8Array(0), s2c: new Uint8Array(0) };
  private finSeen: Record<Dir, boolean> = { c2s: false, s2c: false };
  /** What the connection was read as (for tests and the report). */
  protocol: 'h2' | 'http1' | 'tls' | 'unknown' | null = null;

  constructor(private readonly ctx: WalkContext) {}

  data(dir: Dir, bytes: Uint8Array, offset: number, packet: number, tS: number): void {
    if (this.parser) {
      this.parser.data(dir, bytes, offset, packet, tS);
      return;
    }
    const copy = bytes.slice();
    this.held.push({ kind: 'data', dir, bytes: copy, offset });
    this.heldBytes += copy.length;
    if (this.first[dir].length < FIRST_LIMIT)
      this.first[dir] = concat(this.first[dir], copy.subarray(0, FIRST_LIMIT));
    let d = classifyClientBytes(this.first.c2s);
    if (d === 'undecided' && this.first.c2s.length === 0) {
      const s = classifyServerBytes(this.first.s2c);
      if (s === 'http1' || s === 'tls') d = s;
    }
    if (d !== 'undecided') this.decide(d);
    else if (this.heldBytes > HOLD_LIMIT) this.decide('unknown');
  }

  gap(dir: Dir, offset: number, length: number, tS: number): void {
    if (this.parser) this.parser.gap(dir, offset, length, tS);
    else this.held.push({ kind: 'gap', dir, offset, length });
  }

  end(dir: Dir, how: StreamEndReason, tS: number): void {
    if (this.parser) {
      this.parser.end(dir, how, tS);
      return;
    }
    this.held.push({ kind: 'end', dir, how });
    if (how === 'fin') this.finSeen[dir] = true;
    if (how === 'capture-end' || (this.finSeen.c2s && this.finSeen.s2c)) {
      const c = classifyClientBytes(this.first.c2s);
      const s = classifyServerBytes(this.first.s2c);
      this.decide(c !== 'undecided' && c !== 'unknown' ? c : s === 'undecided' ? 'unknown' : s);
    }
  }

  private decide(p: string): void {
    const protocol = p === 'h2' || p === 'http1' || p === 'tls' ? p : 'unknown';
    this.protocol = protocol;
    const ctx = this.ctx;
    this.parser =
      protocol === 'h2'
        ? new H2Walker(ctx, true)
        : protocol === 'http1'
          ? new Http1Walker(ctx, (proto) =>
              proto === 'h2c'
                ? new H2Walker(ctx, true)
                : proto === 'connect'
                  ? new RedactDispatcher(ctx)
                  : null,
            )
          : protocol === 'tls'
            ? new TlsWalker(ctx)
            : new CutAll(ctx);
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const h of held) {
      if (h.kind === 'data') this.parser.data(h.dir, h.bytes, h.offset, 0, 0);
      else if (h.kind === 'gap') this.parser.gap(h.dir, h.offset, h.length, 0);
      else this.parser.end(h.dir, h.how, 0);
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const r = new Uint8Array(a.length + b.length);
  r.set(a, 0);
  r.set(b, a.length);
  return r;
}
