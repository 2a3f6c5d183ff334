import { describe, expect, it } from 'vitest';
import { PcapReader } from './pcap';
import { buildPcap, collectingSink, readAll } from './test-bytes';
import { CaptureFormatError, type CaptureSink } from './types';

const pkt = (n: number, fill = 0xab) => new Uint8Array(n).fill(fill);
const make = (sink: CaptureSink) => new PcapReader(sink);

describe('PcapReader', () => {
  for (const little of [true, false]) {
    for (const nano of [false, true]) {
      it(`reads ${little ? 'little' : 'big'}-endian ${nano ? 'nanosecond' : 'microsecond'} files`, () => {
        const bytes = buildPcap({
          little,
          nano,
          linkType: 113,
          records: [
            { sec: 1418145369, sub: nano ? 924505488 : 924505, data: pkt(60, 1) },
            { sec: 1418145370, sub: nano ? 999999999 : 999999, data: pkt(1, 2) },
          ],
        });
        const out = readAll(make, bytes);
        expect(out.error).toBeNull();
        expect(
          out.packets.map((p) => [p.number, p.tsSec, p.tsNsec, p.linkType, p.caplen, p.fileOffset]),
        ).toEqual([
          [1, 1418145369, nano ? 924505488 : 924505000, 113, 60, 40],
          [2, 1418145370, 999999999 + (nano ? 0 : -999), 113, 1, 40 + 60 + 16],
        ]);
        expect(out.packets[0].data).toEqual(pkt(60, 1));
      });
    }
  }

  it('fills info: byte order, precision, interface, bytesRead', () => {
    const bytes = buildPcap({
      little: false,
      nano: true,
      snaplen: 65535,
      records: [{ sec: 1, sub: 2, data: pkt(10) }],
    });
    const { sink } = collectingSink();
    const r = new PcapReader(sink);
    r.push(bytes);
    r.end();
    expect(r.info).toMatchObject({
      format: 'pcap',
      byteOrder: 'be',
      precision: 'ns',
      packets: 1,
      bytesRead: bytes.length,
      sections: 1,
      interfaces: [{ linkType: 1, snaplen: 65535, tsResolution: 1e9, tsOffset: 0 }],
    });
  });

  it('counts packets captured shorter than on the wire', () => {
    const bytes = buildPcap({
      snaplen: 64,
      records: [
        { sec: 1, sub: 0, data: pkt(64), origLen: 1514 },
        { sec: 2, sub: 0, data: pkt(60) },
        { sec: 3, sub: 0, data: pkt(64), origLen: 100 },
      ],
    });
    const { sink, out } = collectingSink();
    const r = new PcapReader(sink);
    r.push(bytes);
    r.end();
    expect(out.packets.map((p) => [p.caplen, p.origLen])).toEqual([
      [64, 1514],
      [60, 60],
      [64, 100],
    ]);
    expect(r.info.truncatedPackets).toBe(2);
    expect(r.info.warnings.join()).toMatch(/2 packet\(s\) were captured shorter/);
  });

  it('ignores FCS bits in the link-type field', () => {
    // FCS-present bit (26) set and an FCS length of 2 (16-bit words, bits 28-31): 4-byte FCS.
    const bytes = buildPcap({
      linkType: (1 << 26) | (2 << 28) | 1,
      records: [{ sec: 1, sub: 0, data: pkt(64) }],
    });
    const { sink, out } = collectingSink();
    const r = new PcapReader(sink);
    r.push(bytes);
    r.end();
    expect(out.packets[0].linkType).toBe(1);
    expect(r.info.interfaces[0].linkType).toBe(1);
    expect(r.info.warnings.join()).toMatch(/4-byte FCS/);
  });

  it('gives the same packets for every chunk size, down to one byte', () => {
    const records = Array.from({ length: 20 }, (_, i) => ({
      sec: 1000 + i,
      sub: i * 37,
      data: pkt(i * 13 + 1, i),
    }));
    const bytes = buildPcap({ records });
    const whole = readAll(make, bytes);
    for (const chunk of [1, 2, 3, 7, 16, 17, 100, 4096]) {
      const got = readAll(make, bytes, chunk);
      expect(got.error).toBeNull();
      expect(got.packets).toEqual(whole.packets);
    }
  });

  it('hands out views of the chunk (zero-copy) when a record lies inside it', () => {
    const bytes = buildPcap({
      records: [
        { sec: 1, sub: 0, data: pkt(100) },
        { sec: 2, sub: 0, data: pkt(50) },
      ],
    });
    const seen: Uint8Array[] = [];
    const r = new PcapReader({ packet: (p) => seen.push(p.data) });
    r.push(bytes);
    r.end();
    expect(seen.map((d) => [d.buffer === bytes.buffer, d.byteOffset, d.length])).toEqual([
      [true, 40, 100],
      [true, 156, 50],
    ]);
    // A one-record file can only be told apart from its variants at the end, unless the size is known.
    const one = buildPcap({ records: [{ sec: 1, sub: 0, data: pkt(100) }] });
    const views: Uint8Array[] = [];
    const sized = new PcapReader({ packet: (p) => views.push(p.data) }, { totalBytes: one.length });
    sized.push(one);
    expect(views[0]?.buffer).toBe(one.buffer);
  });

  it('reads a file whose standard record headers look wrong as the 24-byte-header variant, as Wireshark does', () => {
    // ss990417 records: 16 standard bytes + ifindex(4) + protocol(2) + packet type(1) + pad(1).
    const rec = (sec: number, data: Uint8Array) => {
      const h = new Uint8Array(24 + data.length);
      const v = new DataView(h.buffer);
      v.setUint32(0, sec, true);
      v.setUint32(4, 123456, true);
      v.setUint32(8, data.length, true);
      v.setUint32(12, data.length, true);
      v.setUint32(16, 2, true);
      v.setUint16(20, 0x0800, true);
      h.set(data, 24);
      return h;
    };
    const head = buildPcap({ records: [] });
    // Packet bytes whose first 8 bytes, read as the next standard header, make an absurd record.
    const data = pkt(40, 0xee);
    const bytes = new Uint8Array([...head, ...rec(1, data), ...rec(2, data), ...rec(3, data)]);
    for (const chunk of [1, bytes.length]) {
      const { sink, out } = collectingSink();
      const r = new PcapReader(sink);
      for (let i = 0; i < bytes.length; i += chunk) r.push(bytes.subarray(i, i + chunk));
      r.end();
      expect(out.packets.map((p) => [p.tsSec, p.caplen, p.fileOffset])).toEqual([
        [1, 40, 48],
        [2, 40, 112],
        [3, 40, 176],
      ]);
      expect(r.info.warnings.join()).toMatch(/ss990417/);
    }
  });

  it('swaps caplen and origLen for format versions before 2.3', () => {
    const bytes = buildPcap({ records: [{ sec: 1, sub: 0, data: pkt(10), origLen: 60 }] });
    const v = new DataView(bytes.buffer);
    v.setUint16(6, 2, true); // version 2.2
    v.setUint32(24 + 8, 60, true);
    v.setUint32(24 + 12, 10, true);
    const out = readAll(make, bytes);
    expect(out.packets.map((p) => [p.caplen, p.origLen])).toEqual([[10, 60]]);
  });

  it('rejects absurd record lengths with the offset and packets kept', () => {
    const bytes = buildPcap({
      snaplen: 65535,
      records: [
        { sec: 1, sub: 0, data: pkt(10) },
        { sec: 2, sub: 0, data: pkt(10) },
        { sec: 3, sub: 0, data: pkt(10), caplen: 16711424 },
      ],
    });
    for (const chunk of [1, bytes.length]) {
      const out = readAll(make, bytes, chunk);
      expect(out.packets).toHaveLength(2);
      expect(out.error).toBeInstanceOf(CaptureFormatError);
      expect((out.error as CaptureFormatError).message).toBe(
        'pcap record at byte 76 claims 16711424 bytes, more than the 262144 a packet can have: kept 2 packets before it',
      );
      expect((out.error as CaptureFormatError).offset).toBe(76);
    }
  });

  it('lets a file with a big declared snaplen carry big packets', () => {
    const big = pkt(300000);
    const out = readAll(
      make,
      buildPcap({ snaplen: 1 << 20, records: [{ sec: 1, sub: 0, data: big }] }),
      5000,
    );
    expect(out.error).toBeNull();
    expect(out.packets[0].caplen).toBe(300000);
  });

  it('reports a cut final record at end(), after the whole ones', () => {
    const bytes = buildPcap({
      records: [
        { sec: 1, sub: 0, data: pkt(10) },
        { sec: 2, sub: 0, data: pkt(10) },
      ],
    });
    const cut = bytes.subarray(0, bytes.length - 3);
    for (const chunk of [1, cut.length]) {
      const out = readAll(make, cut, chunk);
      expect(out.packets).toHaveLength(1);
      expect(out.error).toBeInstanceOf(CaptureFormatError);
      expect((out.error as CaptureFormatError).offset).toBe(50);
      expect((out.error as Error).message).toMatch(/pcap record at byte 50 is cut short/);
    }
  });

  it('rejects a wrong magic', () => {
    const out = readAll(make, new Uint8Array(24).fill(7));
    expect(out.error).toBeInstanceOf(CaptureFormatError);
    expect((out.error as Error).message).toMatch(/magic 0x07070707 at byte 0/);
  });

  it('keeps throwing the same error after a failure', () => {
    const r = new PcapReader({ packet: () => {} });
    expect(() => r.push(new Uint8Array(24))).toThrow(CaptureFormatError);
    expect(() => r.push(new Uint8Array(4))).toThrow(CaptureFormatError);
    expect(() => r.end()).toThrow(CaptureFormatError);
  });
});

describe('PcapReader timestamps', () => {
  it('carries a sub-second field of a second or more into the seconds', () => {
    const us = readAll(
      (s) => new PcapReader(s),
      buildPcap({
        records: [
          { sec: 10, sub: 2500000, data: new Uint8Array(4) },
          { sec: 11, sub: 0, data: new Uint8Array(4) },
        ],
      }),
    );
    expect(us.packets.map((p) => [p.tsSec, p.tsNsec])).toEqual([
      [12, 500000000],
      [11, 0],
    ]);
    const ns = readAll(
      (s) => new PcapReader(s),
      buildPcap({ nano: true, records: [{ sec: 10, sub: 1000000001, data: new Uint8Array(4) }] }),
    );
    expect(ns.packets.map((p) => [p.tsSec, p.tsNsec])).toEqual([[11, 1]]);
  });
});
