/**
 * Test support: a minimal protocol choice for HTTP/2 over captured TCP (client preface, h2c
 * upgrade after a 101, or cleartext HTTP/2 inside an HTTP CONNECT tunnel), so lib/http2 can be run
 * on real captures before and independently of lib/protocols.ts. Test use only.
 */
import type { AppContext, AppParser, StreamEndReason } from '../stream';
import type { Dir } from '../trace';
import { H2ByteParser } from './parser';
import { AppResults } from '../stream';
import { trackCapture } from '../tcp/run';
import type { Connection } from '../trace';
import type { H2Session } from './session';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const latin1 = new TextDecoder('latin1');

type Held = { dir: Dir; bytes: Uint8Array; offset: number; packet: number; tS: number };

/** Test-only protocol choice: preface, or h2c upgrade (frames start after the 101 response). */
export class TestH2Detector implements AppParser {
  parser: H2ByteParser | null = null;
  private held: Held[] = [];
  private text: Record<Dir, string> = { c2s: '', s2c: '' };
  private skip: Record<Dir, number> = { c2s: 0, s2c: 0 };
  private giveUp = false;
  constructor(private readonly ctx: AppContext) {}

  data(dir: Dir, bytes: Uint8Array, offset: number, packet: number, tS: number): void {
    if (this.parser) return this.forward({ dir, bytes, offset, packet, tS });
    if (this.giveUp) return;
    this.held.push({ dir, bytes: bytes.slice(), offset, packet, tS });
    if (this.text[dir].length < 4096) this.text[dir] += latin1.decode(bytes.subarray(0, 4096));
    const c = this.text.c2s;
    if (c.startsWith(PREFACE)) return this.start('preface');
    if (c.length >= PREFACE.length && !/^[A-Z]+ /.test(c)) return void (this.giveUp = true);
    const reqEnd = c.indexOf('\r\n\r\n');
    const s = this.text.s2c;
    const respEnd = s.indexOf('\r\n\r\n');
    if (reqEnd < 0 || respEnd < 0) return;
    this.skip = { c2s: reqEnd + 4, s2c: respEnd + 4 };
    if (/\r\nupgrade: *h2c/i.test(c.slice(0, reqEnd)) && s.startsWith('HTTP/1.1 101')) this.start('upgrade');
    // An HTTP CONNECT tunnel carrying cleartext HTTP/2 (suricata-http2-errorcode).
    else if (c.startsWith('CONNECT ') && /^HTTP\/1\.[01] 2/.test(s)) this.start('preface');
    else this.giveUp = true;
  }

  private start(via: 'preface' | 'upgrade'): void {
    this.parser = new H2ByteParser(this.ctx, { via });
    for (const h of this.held) this.forward(h);
    this.held = [];
  }

  private forward(h: Held): void {
    const p = this.parser;
    if (!p) return;
    const cut = this.skip[h.dir] - h.offset;
    if (cut >= h.bytes.length) return;
    if (cut > 0) p.data(h.dir, h.bytes.subarray(cut), h.offset + cut, h.packet, h.tS);
    else p.data(h.dir, h.bytes, h.offset, h.packet, h.tS);
  }

  gap(dir: Dir, offset: number, length: number, tS: number): void {
    this.parser?.gap(dir, offset, length, tS);
  }
  end(dir: Dir, how: StreamEndReason, tS: number): void {
    this.parser?.end(dir, how, tS);
  }
}

/** A capture through reader -> TCP -> TestH2Detector: connections and their HTTP/2 sessions. */
export function runH2Capture(bytes: Uint8Array): {
  connections: Connection[];
  results: AppResults;
  session: (conn: Connection) => H2Session | null;
} {
  const results = new AppResults();
  const detectors = new Map<string, TestH2Detector>();
  const r = trackCapture(bytes, {
    createParser: (conn: Connection) => {
      const d = new TestH2Detector({ conn, results, warn: (m) => conn.warnings.push(m) });
      detectors.set(conn.id, d);
      return d;
    },
  });
  return {
    connections: r.connections,
    results,
    session: (c) => detectors.get(c.id)?.parser?.session ?? null,
  };
}
