import { describe, expect, it } from 'vitest';
import { createCaptureReader, sniffCapture } from './reader';
import { PcapngWriter, buildPcap, readAll } from './test-bytes';
import { CaptureFormatError } from './types';

const pcapBE = buildPcap({ little: false, records: [{ sec: 5, sub: 6, data: new Uint8Array(20) }] });
const pcapNs = buildPcap({ nano: true, records: [{ sec: 5, sub: 6, data: new Uint8Array(20) }] });
const ng = new PcapngWriter().shb().idb(1).epb(0, 5000006n, new Uint8Array(20)).done();

describe('sniffCapture', () => {
  it('knows the four pcap magics, pcapng and gzip', () => {
    expect(sniffCapture(Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1))).toBe('pcap');
    expect(sniffCapture(Uint8Array.of(0xa1, 0xb2, 0xc3, 0xd4))).toBe('pcap');
    expect(sniffCapture(Uint8Array.of(0x4d, 0x3c, 0xb2, 0xa1))).toBe('pcap');
    expect(sniffCapture(Uint8Array.of(0xa1, 0xb2, 0x3c, 0x4d))).toBe('pcap');
    expect(sniffCapture(Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a, 0, 0))).toBe('pcapng');
    expect(sniffCapture(Uint8Array.of(0x1f, 0x8b))).toBe('gzip');
    expect(sniffCapture(new TextEncoder().encode('{\n  "a": 1'))).toBeNull();
    expect(sniffCapture(new TextEncoder().encode('[2024-01-01] nghttp2'))).toBeNull();
    expect(sniffCapture(new Uint8Array(0))).toBeNull();
  });
});

describe('createCaptureReader', () => {
  it('reads pcap (either order, ns) and pcapng, in any chunking', () => {
    for (const bytes of [pcapBE, pcapNs, ng]) {
      for (const chunk of [1, 2, 3, 5, bytes.length]) {
        const out = readAll((s) => createCaptureReader(s), bytes, chunk);
        expect(out.error).toBeNull();
        expect(out.packets.map((p) => [p.tsSec, p.caplen])).toEqual([[5, 20]]);
      }
    }
    const r = createCaptureReader({ packet: () => {} });
    r.push(ng);
    r.end();
    expect(r.info.format).toBe('pcapng');
    expect(r.info.compression).toBeNull();
    expect(r.info.packets).toBe(1);
  });

  it('names an unknown magic', () => {
    const out = readAll((s) => createCaptureReader(s), new TextEncoder().encode('{\n  "x": 1}'), 1);
    expect(out.error).toBeInstanceOf(CaptureFormatError);
    expect((out.error as Error).message).toBe('not a capture: unknown magic 0x7b0a2020 at byte 0');
    expect((out.error as CaptureFormatError).offset).toBe(0);
  });

  it('says "empty file" for no bytes, and names a too-short file', () => {
    const out = readAll((s) => createCaptureReader(s), new Uint8Array(0));
    expect(out.error).toEqual(new CaptureFormatError('empty file', 0));
    expect((readAll((s) => createCaptureReader(s), Uint8Array.of(1, 2)).error as Error).message).toBe(
      'not a capture: unknown magic 0x0102 at byte 0',
    );
    const short = readAll((s) => createCaptureReader(s), pcapBE.subarray(0, 3));
    expect((short.error as Error).message).toMatch(/unknown magic 0xa1b2c3 at byte 0/);
    const headerOnly = readAll((s) => createCaptureReader(s), pcapBE.subarray(0, 10));
    expect((headerOnly.error as Error).message).toMatch(/pcap file header at byte 0 is cut short/);
  });

  it('passes totalBytes to pcapng so a runaway block is "beyond the file"', () => {
    const b = ng.slice();
    new DataView(b.buffer).setUint32(52 + 4, 4000, true);
    const out = readAll((s) => createCaptureReader(s, { totalBytes: b.length }), b, 1);
    expect((out.error as Error).message).toMatch(/claims length 4000, beyond the file: kept 0 packets/);
  });
});

describe('createCaptureReader zero-copy', () => {
  it('reads a whole-file first chunk in place', () => {
    const bytes = buildPcap({
      records: [
        { sec: 1, sub: 0, data: new Uint8Array(30) },
        { sec: 2, sub: 0, data: new Uint8Array(30) },
      ],
    });
    for (const file of [bytes, ng]) {
      const bufs: boolean[] = [];
      const r = createCaptureReader({ packet: (p) => bufs.push(p.data.buffer === file.buffer) });
      r.push(file);
      r.end();
      expect(bufs.every(Boolean)).toBe(true);
      expect(bufs.length).toBeGreaterThan(0);
    }
  });
});
