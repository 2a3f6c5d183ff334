// TLS 1.3 with a HelloRetryRequest, from a real capture (lab/tls13-hrr: openssl s_server accepting
// only P-256, s_client and curl offering X25519 first): every session decrypts with the key log
// and the HTTP/1 requests inside are the ones tshark sees (hrr.tshark.tsv).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer, analyzeBytes } from '../analyze';

const DIR = path.resolve(__dirname, '../../lab/tls13-hrr');
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

function analyze(withKeys: boolean) {
  const bytes = new Uint8Array(readFileSync(path.join(DIR, 'hrr.pcap')));
  const keylog = withKeys ? readFileSync(path.join(DIR, 'keys.txt'), 'utf8') : undefined;
  const a = new Analyzer({ name: 'hrr.pcap', size: bytes.length, keylog });
  a.push(bytes);
  return a.finish();
}

/** tshark's rows: tcp.stream -> handshake types seen and request URIs. */
function tsharkTruth() {
  const rows = readFileSync(path.join(DIR, 'hrr.tshark.tsv'), 'utf8').trim().split('\n').slice(1);
  const byStream = new Map<number, { handshake: string[]; uris: string[] }>();
  for (const line of rows) {
    const [, stream, hs, , uri] = line.split('\t');
    const s = byStream.get(Number(stream)) ?? { handshake: [], uris: [] };
    if (hs) s.handshake.push(hs);
    if (uri) s.uris.push(uri);
    byStream.set(Number(stream), s);
  }
  return [...byStream.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

describe('TLS 1.3 HelloRetryRequest (real capture)', () => {
  it('is really a HelloRetryRequest capture: the magic random is on the wire of every session', () => {
    const hex = Buffer.from(readFileSync(path.join(DIR, 'hrr.pcap'))).toString('hex');
    expect(hex.split(HRR_RANDOM).length - 1).toBe(3);
    // ClientHello, ServerHello (the HRR), second ClientHello, then the real ServerHello.
    for (const s of tsharkTruth()) expect(s.handshake.slice(0, 3)).toEqual(['1', '2', '1']);
  });

  it('decrypts every session with the key log and finds the HTTP/1 requests tshark finds', () => {
    const t = analyze(true);
    const truth = tsharkTruth();
    expect(t.connections).toHaveLength(truth.length);
    for (const c of t.connections) {
      expect(c.tls?.version).toBe('TLS 1.3');
      expect(c.tls?.decryption).toBe('decrypted');
      expect(c.tls?.sni).toBe('hrr.test');
    }
    const paths = t.connections.map((c) =>
      t.exchanges.filter((x) => x.connection === c.id).map((x) => x.path),
    );
    expect(paths).toEqual(truth.map((s) => s.uris));
    expect(t.exchanges.map((x) => x.status)).toEqual([200, 200, 200]);
    expect(t.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('without the key log: TLS 1.3 handshake facts, nothing decrypted', () => {
    const t = analyzeBytes('hrr.pcap', new Uint8Array(readFileSync(path.join(DIR, 'hrr.pcap'))));
    expect(t.connections.map((c) => [c.tls?.version, c.tls?.decryption])).toEqual([
      ['TLS 1.3', 'no-key'],
      ['TLS 1.3', 'no-key'],
      ['TLS 1.3', 'no-key'],
    ]);
    expect(t.exchanges).toEqual([]);
  });
});
