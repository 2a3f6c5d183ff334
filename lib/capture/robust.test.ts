/**
 * Robustness: cut files, wrong magics, absurd lengths, and a fuzz loop over mutated real captures.
 * The readers may only ever throw CaptureFormatError, must not hang, and must not allocate by a
 * length the file claims.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { REAL_CAPTURES, describeCorpus } from '../../tests/shared';
import { decodeNetwork } from './link';
import { createCaptureReader } from './reader';
import { PcapngWriter, buildPcap, packetRows as rows, readAll } from './test-bytes';
import { CaptureFormatError } from './types';

const load = (f: string) => new Uint8Array(fs.readFileSync(path.join(REAL_CAPTURES, f)));
const read = (bytes: Uint8Array, chunk?: number, totalBytes?: number) =>
  readAll((s) => createCaptureReader(s, { totalBytes }), bytes, chunk);

/** mulberry32: small seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describeCorpus('truncated at every byte boundary', () => {
  for (const f of [
    'deepflow-client-keep-alive.pcap',
    'tcpdump-pptp-bigendian.pcap',
    'grpc-go-server-streaming.pcapng',
    'tcpdump-tcp-handshake-nano.pcap',
  ]) {
    it(f, () => {
      const bytes = load(f);
      const full = read(bytes);
      expect(full.error).toBeNull();
      const fullRows = rows(full.packets);
      // Offsets where a whole record ends: a cut there is a shorter but valid file.
      const boundaries = new Set<number>();
      for (let cut = 0; cut < bytes.length; cut++) {
        const part = bytes.subarray(0, cut);
        for (const chunk of cut % 7 === 0 ? [1, cut || 1] : [cut || 1]) {
          const out = read(part, chunk);
          // Whatever was emitted is exactly the start of the full file's packets.
          const got = rows(out.packets);
          expect(got).toEqual(fullRows.slice(0, got.length));
          if (out.error === null) {
            boundaries.add(cut);
            continue;
          }
          expect(out.error).toBeInstanceOf(CaptureFormatError);
          const e = out.error as CaptureFormatError;
          expect(e.offset).toBeGreaterThanOrEqual(0);
          expect(e.offset).toBeLessThanOrEqual(cut);
          expect(e.message).toMatch(cut === 0 ? /^empty file$/ : /at byte \d+/);
        }
      }
      // A clean end happens only where a record or block ends: for pcap, after the file header and
      // after every packet but the last (the whole file is not among the cuts).
      if (f.endsWith('.pcap')) expect(boundaries.size).toBe(full.packets.length);
      else expect(boundaries.size).toBeGreaterThanOrEqual(full.packets.length);
    });
  }
});

describe('hostile inputs', () => {
  it('rejects wrong magics and empty input', () => {
    expect((read(new TextEncoder().encode('GET / HTTP/1.1\r\n')).error as Error).message).toBe(
      'not a capture: unknown magic 0x47455420 at byte 0',
    );
    expect(read(new Uint8Array(0)).error).toEqual(new CaptureFormatError('empty file', 0));
  });

  it('never allocates by a claimed length: a 60 MB pcapng block fed one byte at a time', () => {
    const good = new PcapngWriter().shb().idb(1).epb(0, 1n, new Uint8Array(64)).done();
    const b = good.slice();
    new DataView(b.buffer).setUint32(52 + 4, 60 * 1024 * 1024, true);
    const before = process.memoryUsage().arrayBuffers;
    const r = createCaptureReader({ packet: () => {} });
    for (let i = 0; i < b.length; i++) r.push(b.subarray(i, i + 1));
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(1024 * 1024);
    expect(() => r.end()).toThrow(/pcapng block at byte 52 is cut short/);
  });

  it('rejects absurd pcap lengths before reading them', () => {
    const bytes = buildPcap({
      records: [
        { sec: 1, sub: 0, data: new Uint8Array(4) },
        { sec: 1, sub: 0, data: new Uint8Array(4) },
        { sec: 1, sub: 0, data: new Uint8Array(4), caplen: 0xffffffff },
      ],
    });
    expect((read(bytes, 1).error as Error).message).toMatch(/claims 4294967295 bytes, more than the 262144/);
  });
});

describeCorpus('fuzz: mutated real captures', () => {
  it('only ever throws CaptureFormatError, and stays fast', () => {
    const seeds = [
      'deepflow-client-keep-alive.pcap',
      'tls13-h2-cryptohack.pcapng',
      'zeek-ldap-126-interfaces.pcapng',
      'tcpdump-pptp-bigendian.pcap',
      'tcpdump-tcp-handshake-nano.pcap',
      'grpc-go-bidi-streaming.pcapng',
    ].map(load);
    const gz = gzipSync(seeds[0]);
    const rnd = prng(20261123);
    const pick = (n: number) => Math.floor(rnd() * n);
    const started = Date.now();
    let iterations = 0;
    let errors = 0;
    for (; iterations < 2000 && Date.now() - started < 10000; iterations++) {
      const gzipped = iterations % 10 === 9;
      const src = gzipped ? new Uint8Array(gz) : seeds[pick(seeds.length)];
      const b = src.slice();
      const edits = 1 + pick(8);
      for (let k = 0; k < edits; k++) {
        const at = pick(b.length);
        switch (pick(5)) {
          case 0:
            b[at] ^= 1 << pick(8);
            break;
          case 1:
            b[at] = rnd() < 0.5 ? 0xff : 0;
            break;
          case 2: {
            // Lengths live at 4-byte-aligned places: write a random 32-bit value at one.
            const o = at & ~3;
            if (o + 4 <= b.length)
              new DataView(b.buffer).setUint32(o, Math.floor(rnd() * 4294967296), rnd() < 0.5);
            break;
          }
          case 3:
            b[at] = pick(256);
            break;
          default:
            break;
        }
      }
      const cut = rnd() < 0.2 ? b.subarray(0, pick(b.length)) : b;
      const chunk = [1, 3, 64, 4096, cut.length || 1][pick(5)];
      const t0 = Date.now();
      const out = read(cut, chunk, rnd() < 0.5 ? cut.length : undefined);
      expect(Date.now() - t0).toBeLessThan(2000);
      if (out.error !== null) {
        errors++;
        if (!(out.error instanceof CaptureFormatError)) throw out.error;
        expect(Number.isInteger(out.error.offset)).toBe(true);
      }
      let emitted = 0;
      for (const p of out.packets) {
        emitted += p.caplen;
        expect(p.data.length).toBe(p.caplen);
        expect(
          Number.isFinite(p.tsSec) && Number.isInteger(p.tsNsec) && p.tsNsec >= 0 && p.tsNsec < 1e9,
        ).toBe(true);
        decodeNetwork(p.linkType, p.data);
      }
      // Packet bytes come from the input: a reader cannot emit more than it was given (gzip aside).
      if (!gzipped) expect(emitted).toBeLessThanOrEqual(cut.length);
    }
    console.log(
      `fuzz: ${iterations} inputs, ${errors} rejected with CaptureFormatError, ${Date.now() - started} ms`,
    );
    expect(iterations).toBeGreaterThan(100);
  });
});
