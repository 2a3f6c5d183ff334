/**
 * HTTP/1 reconstruction vs tshark truth on the real captures: every truth file with a non-empty
 * `http1` section and no keylog (TLS is a later issue). Per connection, in order: request method and
 * URI, and the status of the response tshark pairs with it (request.response_in). Protocol choice is
 * test-only: a connection whose first c2s bytes look like "TOKEN " gets an Http1Parser.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_CAPTURES, ZEEK_CAPTURES, describeCorpus, listCorpus } from '../../tests/shared';
import { AppResults } from '../stream';
import type { AppParser, StreamEndReason } from '../stream';
import { trackCapture } from '../tcp/run';
import type { Connection, Dir } from '../trace';
import { Http1Parser } from './exchanges';

interface TruthMsg {
  frame: number;
  conn: number;
  kind: 'request' | 'response';
  method?: string;
  uri?: string;
  status?: number;
  response_in?: number;
  request_in?: number;
}
interface Truth {
  options: { keylog: string | null };
  tcp: { stream: number; client: [string, number]; server: [string, number] }[];
  http1: TruthMsg[] | null;
}

/** Starts an Http1Parser once the first c2s bytes look like an HTTP request; else ignores the connection. */
class TestHttp1Detector implements AppParser {
  parser: Http1Parser | null = null;
  private decided = false;
  private held: { dir: Dir; bytes: Uint8Array; offset: number; packet: number; tS: number }[] = [];
  constructor(private readonly make: () => Http1Parser) {}
  data(dir: Dir, bytes: Uint8Array, offset: number, packet: number, tS: number): void {
    if (this.parser) return this.parser.data(dir, bytes, offset, packet, tS);
    if (this.decided) return;
    if (dir === 's2c') return void this.held.push({ dir, bytes: bytes.slice(), offset, packet, tS });
    this.decided = true;
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 16));
    if (!/^[A-Z]+ /.test(head)) return;
    this.parser = this.make();
    this.parser.data(dir, bytes, offset, packet, tS);
    for (const h of this.held) this.parser.data(h.dir, h.bytes, h.offset, h.packet, h.tS);
    this.held = [];
  }
  gap(dir: Dir, offset: number, length: number, tS: number): void {
    this.parser?.gap(dir, offset, length, tS);
  }
  end(dir: Dir, how: StreamEndReason, tS: number): void {
    this.parser?.end(dir, how, tS);
  }
}

export function runHttp1Capture(bytes: Uint8Array): { connections: Connection[]; results: AppResults } {
  const results = new AppResults();
  const r = trackCapture(bytes, {
    createParser: (conn) =>
      new TestHttp1Detector(
        () =>
          new Http1Parser({ conn, results, warn: (m) => conn.warnings.push(m) }, { onUpgrade: () => null }),
      ),
  });
  return { connections: r.connections, results };
}

const truths = listCorpus(REAL_CAPTURES)
  .filter((f) => f.endsWith('.truth.json'))
  .map((f) => ({
    name: f.replace('.truth.json', ''),
    truth: JSON.parse(readFileSync(path.join(REAL_CAPTURES, f), 'utf8')) as Truth,
  }))
  .filter((t) => (t.truth.http1?.length ?? 0) > 0 && !t.truth.options.keylog);

function captureFile(name: string): string {
  const f = listCorpus(REAL_CAPTURES).find((x) => x.startsWith(`${name}.pcap`));
  if (!f) throw new Error(`no capture for ${name}`);
  return path.join(REAL_CAPTURES, f);
}

describeCorpus('HTTP/1 vs tshark truth', () => {
  it('has truth files to compare', () => expect(truths.length).toBeGreaterThan(3));
  for (const { name, truth } of truths) {
    it(name, () => {
      const { connections, results } = runHttp1Capture(new Uint8Array(readFileSync(captureFile(name))));
      const byFrame = new Map((truth.http1 ?? []).map((m) => [m.frame, m]));
      // tshark stream index -> our connection, by endpoints, in order (VLAN twins share endpoints).
      const used = new Set<string>();
      for (const t of truth.tcp) {
        const msgs = (truth.http1 ?? []).filter((m) => m.conn === t.stream);
        if (msgs.length === 0) continue;
        const conn = connections.find(
          (c) =>
            !used.has(c.id) &&
            c.clientIp === t.client[0] &&
            c.clientPort === t.client[1] &&
            c.serverIp === t.server[0] &&
            c.serverPort === t.server[1],
        );
        expect(conn, `connection for tshark stream ${t.stream}`).toBeDefined();
        if (!conn) continue;
        used.add(conn.id);
        const want = msgs
          .filter((m) => m.kind === 'request')
          .map((m) => [m.method, m.uri, m.response_in ? (byFrame.get(m.response_in)?.status ?? null) : null]);
        const got = results.exchanges
          .filter((x) => x.connection === conn.id && x.method !== null)
          .map((x) => [x.method, x.path, x.status]);
        expect(got, `${name} stream ${t.stream}`).toEqual(want);
        const orphansWant = msgs.filter((m) => m.kind === 'response' && !m.request_in).length;
        const orphansGot = results.exchanges.filter(
          (x) => x.connection === conn.id && x.method === null,
        ).length;
        expect(orphansGot).toBe(orphansWant);
      }
    });
  }
});

describeCorpus('zeek HTTP captures', () => {
  const files = listCorpus(ZEEK_CAPTURES).filter((f) => /^http-.*\.pcap(ng)?$/.test(f));
  it('has captures', () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) {
    it(f, () => {
      const { results } = runHttp1Capture(new Uint8Array(readFileSync(path.join(ZEEK_CAPTURES, f))));
      const xs = results.exchanges;
      if (f.startsWith('http-http-post-large')) {
        const posts = xs.filter((x) => x.method === 'POST');
        expect(posts.length).toBeGreaterThan(0);
        expect(posts.every((x) => x.status !== null)).toBe(true);
      }
      for (const x of xs) expect(x.index).toBeGreaterThan(0);
    });
  }
});
