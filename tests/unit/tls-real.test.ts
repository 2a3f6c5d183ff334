// Every shared real capture that comes with a key log decrypts, and what is inside matches
// tshark's decryption of the same capture (truth files): TLS facts, HTTP/2 frames per stream in
// order (type, flags, length), HTTP/1 exchanges.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Analyzer } from '../../lib/analyze';
import type { Trace } from '../../lib/trace';
import { REAL_CAPTURES, describeCorpus } from '../shared';

interface TruthFrame {
  type: string;
  flags: string[];
  length: number;
  dir: string;
}
interface Truth {
  tcp: { client: [string, number]; server: [string, number] }[];
  tls: { conn: number; sni: string | null; alpn_selected: string | null; decrypted: boolean }[];
  http1: { conn: number; kind: string }[];
  http2: {
    conn: number;
    connection_frames: TruthFrame[];
    streams: { stream_id: number; frames: TruthFrame[] }[];
  }[];
}

const ep = ([ip, port]: [string, number]) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

function analyzeWithKeys(name: string): { trace: Trace; truth: Truth } {
  const bytes = new Uint8Array(readFileSync(path.join(REAL_CAPTURES, name)));
  const base = name.replace(/\.(pcapng|pcap)$/, '');
  const keylog = readFileSync(path.join(REAL_CAPTURES, `${base}.keys`), 'utf8');
  const a = new Analyzer({ name, size: bytes.length, keylog });
  a.push(bytes);
  const trace = a.finish();
  const truth = JSON.parse(readFileSync(path.join(REAL_CAPTURES, `${base}.truth.json`), 'utf8')) as Truth;
  return { trace, truth };
}

const frameKey = (f: { type: string; flags: string[]; length: number; dir: string }) =>
  `${f.dir} ${f.type}[${[...f.flags].sort().join(',')}] ${f.length}`;

const captures = [
  'tls13-h2-cryptohack.pcapng',
  'tls12-http2-16-ssl.pcapng',
  'tls12-http1-keylog-zeek.pcap',
  'tls13-illustrated.pcap',
];

describeCorpus('TLS captures with key logs match tshark', () => {
  for (const name of captures) {
    it(name, () => {
      const { trace, truth } = analyzeWithKeys(name);
      for (const t of truth.tls) {
        const tc = truth.tcp[t.conn];
        const conn = trace.connections.find((c) => c.client === ep(tc.client) && c.server === ep(tc.server));
        expect(conn, `connection ${ep(tc.client)} -> ${ep(tc.server)}`).toBeDefined();
        if (!conn) continue;
        expect(conn.tls?.sni ?? null).toBe(t.sni);
        expect(conn.tls?.alpnSelected ?? null).toBe(t.alpn_selected);
        expect(conn.tls?.decryption).toBe(t.decrypted ? 'decrypted' : 'no-key');
        expect(conn.warnings.filter((w) => /does not decrypt|lost/.test(w))).toEqual([]);

        const h2 = truth.http2.find((h) => h.conn === t.conn);
        if (h2) {
          expect(conn.protocol).toBe('h2');
          const info = trace.h2.find((h) => h.connection === conn.id);
          expect(info?.frames.map(frameKey)).toEqual(h2.connection_frames.map(frameKey));
          for (const ts of h2.streams) {
            const s = trace.streams.find((x) => x.connection === conn.id && x.id === ts.stream_id);
            expect(s?.frames.map(frameKey), `stream ${ts.stream_id}`).toEqual(ts.frames.map(frameKey));
          }
        }
        const requests = truth.http1.filter((m) => m.conn === t.conn && m.kind === 'request').length;
        if (requests) {
          expect(conn.protocol).toBe('http1');
          expect(trace.exchanges.filter((e) => e.connection === conn.id && e.method !== null)).toHaveLength(
            requests,
          );
        }
      }
    });
  }

  it('without the key log, the same captures keep their handshake facts and say "no key"', () => {
    const bytes = new Uint8Array(readFileSync(path.join(REAL_CAPTURES, 'tls13-h2-cryptohack.pcapng')));
    const a = new Analyzer({ name: 'x', size: bytes.length });
    a.push(bytes);
    const trace = a.finish();
    const c = trace.connections.find((x) => x.protocol === 'tls');
    expect(c?.tls?.sni).toBe('tls3.cryptohack.org');
    expect(c?.tls?.decryption).toBe('no-key');
    expect(trace.streams).toHaveLength(0);
  });
});
