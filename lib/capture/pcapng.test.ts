import { describe, expect, it } from 'vitest';
import { ticksToTime } from './framing';
import { PcapngReader } from './pcapng';
import { PcapngWriter, readAll } from './test-bytes';
import { CaptureFormatError, type CaptureSink } from './types';

const pkt = (n: number, fill = 0xab) => new Uint8Array(n).fill(fill);
const make = (sink: CaptureSink) => new PcapngReader(sink);
const T = 1700000000n;

describe('PcapngReader', () => {
  for (const little of [true, false]) {
    it(`reads a ${little ? 'little' : 'big'}-endian section with EPBs on two interfaces`, () => {
      const bytes = new PcapngWriter(little)
        .shb()
        .idb(1, { snaplen: 65535, name: 'eth0' })
        .idb(113, { tsresol: 9, name: 'any' })
        .epb(0, T * 1000000n + 123456n, pkt(60, 1))
        .epb(1, T * 1000000000n + 987654321n, pkt(5, 2), 1500)
        .done();
      const out = readAll(make, bytes);
      expect(out.error).toBeNull();
      expect(
        out.packets.map((p) => [p.number, p.interfaceId, p.linkType, p.tsSec, p.tsNsec, p.caplen, p.origLen]),
      ).toEqual([
        [1, 0, 1, 1700000000, 123456000, 60, 60],
        [2, 1, 113, 1700000000, 987654321, 5, 1500],
      ]);
      expect(out.packets[1].data).toEqual(pkt(5, 2));
      const r = new PcapngReader({ packet: () => {} });
      r.push(bytes);
      r.end();
      expect(r.info).toMatchObject({
        format: 'pcapng',
        byteOrder: little ? 'le' : 'be',
        sections: 1,
        truncatedPackets: 1,
      });
      expect(r.info.interfaces.map((i) => [i.name, i.linkType, i.snaplen, i.tsResolution])).toEqual([
        ['eth0', 1, 65535, 1e6],
        ['any', 113, 0, 1e9],
      ]);
    });
  }

  it('handles several sections, of different byte orders, each resetting interfaces', () => {
    const a = new PcapngWriter(true).shb().idb(1).epb(0, 1000000n, pkt(4)).done();
    const b = new PcapngWriter(false)
      .shb()
      .idb(0)
      .idb(101)
      .epb(1, 2000000n, pkt(8))
      .epb(0, 3000000n, pkt(4))
      .done();
    const bytes = new Uint8Array([...a, ...b]);
    for (const chunk of [1, 5, bytes.length]) {
      const out = readAll(make, bytes, chunk);
      expect(out.error).toBeNull();
      // Interface ids are global across sections (the second section's 0 and 1 are 1 and 2).
      expect(out.packets.map((p) => [p.interfaceId, p.linkType, p.tsSec])).toEqual([
        [0, 1, 1],
        [2, 101, 2],
        [1, 0, 3],
      ]);
    }
    // An interface of the first section is not visible in the second.
    const c = new PcapngWriter(true).shb().epb(0, 0n, pkt(4)).done();
    const out = readAll(make, new Uint8Array([...a, ...c]));
    expect(out.packets).toHaveLength(1);
    expect((out.error as Error).message).toMatch(/names interface 0, but the section has 0/);
  });

  it('applies if_tsresol (powers of 10 and of 2) and if_tsoffset exactly', () => {
    const bytes = new PcapngWriter()
      .shb()
      .idb(1, { tsresol: 3 })
      .idb(1, { tsresol: 0x80 | 20 })
      .idb(1, { tsoffset: 1000 })
      .idb(1, { tsresol: 12 })
      .epb(0, T * 1000n + 999n, pkt(1))
      .epb(1, (T << 20n) + (1n << 19n), pkt(1))
      .epb(2, 5n * 1000000n + 1n, pkt(1))
      .epb(3, 17000000n * 1000000000000n + 123456789999n, pkt(1))
      .done();
    const out = readAll(make, bytes);
    expect(out.error).toBeNull();
    expect(out.packets.map((p) => [p.tsSec, p.tsNsec])).toEqual([
      [1700000000, 999000000],
      [1700000000, 500000000],
      [1005, 1000],
      [17000000, 123456789],
    ]);
  });

  it('converts 64-bit nanosecond ticks without float loss', () => {
    const t = { sec: 0, nsec: 0 };
    for (const ticks of [
      0n,
      1n,
      999999999n,
      1000000000n,
      1418145369924505488n,
      18446744073709551615n,
      1700000000999999999n,
    ]) {
      ticksToTime(Number(ticks >> 32n), Number(ticks & 0xffffffffn), 1e9, t);
      expect([t.sec, t.nsec]).toEqual([Number(ticks / 1000000000n), Number(ticks % 1000000000n)]);
      ticksToTime(Number(ticks >> 32n), Number(ticks & 0xffffffffn), 1e6, t);
      expect([t.sec, t.nsec]).toEqual([Number(ticks / 1000000n), Number(ticks % 1000000n) * 1000]);
    }
  });

  it('reads SPBs (first interface, snaplen cut) and obsolete Packet Blocks', () => {
    const bytes = new PcapngWriter()
      .shb()
      .idb(1, { snaplen: 6 })
      .idb(113)
      .spb(pkt(10, 3), 1514)
      .spb(pkt(3, 4))
      .pb(1, 7000001n, pkt(9, 5))
      .done();
    const out = readAll(make, bytes, 3);
    expect(out.error).toBeNull();
    expect(
      out.packets.map((p) => [p.interfaceId, p.linkType, p.caplen, p.origLen, p.tsSec, p.tsNsec]),
    ).toEqual([
      [0, 1, 6, 1514, 0, 0],
      [0, 1, 3, 3, 0, 0],
      [1, 113, 9, 9, 7, 1000],
    ]);
    expect(out.packets[0].data).toEqual(pkt(6, 3));
  });

  it('passes Decryption Secrets Blocks to the sink and skips NRB, ISB, custom and unknown blocks', () => {
    const keys = new TextEncoder().encode('CLIENT_RANDOM 00 11\n');
    const w = new PcapngWriter().shb().idb(1);
    w.block(4, (b) => b.u16(1).u16(4).bytes([10, 0, 0, 1]).u16(0).u16(0)); // NRB
    w.dsb(0x544c534b, keys);
    w.epb(0, 1n, pkt(2));
    w.block(5, (b) => b.u32(0).u32(0).u32(0)); // ISB
    w.block(0x00000bad, (b) => b.u32(32473).bytes([1, 2, 3])); // custom
    w.block(0x12345678, (b) => b.bytes(pkt(30))); // unknown
    w.epb(0, 2n, pkt(3));
    const bytes = w.done();
    const out = readAll(make, bytes, 7);
    expect(out.error).toBeNull();
    expect(out.packets.map((p) => p.caplen)).toEqual([2, 3]);
    expect(out.secrets).toHaveLength(1);
    expect(out.secrets[0].type).toBe(0x544c534b);
    expect(new TextDecoder().decode(out.secrets[0].data)).toBe('CLIENT_RANDOM 00 11\n');
  });

  it('gives the same packets for every chunk size, down to one byte', () => {
    const w = new PcapngWriter().shb().idb(1, { tsresol: 9 }).idb(0);
    for (let i = 0; i < 30; i++) w.epb(i % 2, BigInt(i) * 1000000007n, pkt(i * 7 + 1, i));
    const bytes = w.done();
    const whole = readAll(make, bytes);
    for (const chunk of [1, 2, 3, 5, 8, 13, 64, 1000]) expect(readAll(make, bytes, chunk)).toEqual(whole);
  });

  describe('block length validation', () => {
    const good = new PcapngWriter().shb().idb(1).epb(0, 1n, pkt(4)).done();
    const epbAt = good.length - 40;
    const withLength = (len: number, at = epbAt) => {
      const b = good.slice();
      new DataView(b.buffer).setUint32(at + 4, len, true);
      return b;
    };
    const errorOf = (bytes: Uint8Array, opts = {}) => {
      const out = readAll((s) => new PcapngReader(s, opts), bytes, 1);
      expect(out.error).toBeInstanceOf(CaptureFormatError);
      return out.error as CaptureFormatError;
    };

    it('rejects a length beyond the file when the size is known', () => {
      const e = errorOf(withLength(4294967295), { totalBytes: good.length });
      expect(e.message).toBe(
        `pcapng block at byte ${epbAt} claims length 4294967295, beyond the file: kept 0 packets before it`,
      );
      expect(e.offset).toBe(epbAt);
    });
    it('rejects huge lengths even when the size is not known', () => {
      expect(errorOf(withLength(4294967292)).message).toMatch(
        /claims length 4294967292, more than the 67108864/,
      );
    });
    it('rejects lengths under 12 and not multiples of 4', () => {
      expect(errorOf(withLength(8)).message).toMatch(/claims length 8, less than the 12/);
      expect(errorOf(withLength(41)).message).toMatch(/claims length 41, not a multiple of 4/);
    });
    it('rejects a trailing length that differs', () => {
      const b = good.slice();
      new DataView(b.buffer).setUint32(b.length - 4, 44, true);
      expect(errorOf(b).message).toBe(
        `pcapng block at byte ${epbAt} claims length 40 but its trailing length says 44: kept 0 packets before it`,
      );
    });
    it('rejects a packet longer than its block', () => {
      const b = good.slice();
      new DataView(b.buffer).setUint32(epbAt + 20, 100, true);
      expect(errorOf(b).message).toMatch(/packet of 100 bytes in a block with room for 8/);
    });
    it('rejects a file not starting with a section header', () => {
      expect(errorOf(good.subarray(28)).message).toMatch(
        /^not a pcapng file: first block type 0x01000000 at byte 0/,
      );
    });
    it('rejects a section header of another major version', () => {
      const b = good.slice();
      b[12] = 2;
      expect(errorOf(b).message).toMatch(
        /^pcapng block at byte 0 is a section header of pcapng version 2.0, not 1.x/,
      );
    });
    it('rejects a bad byte-order magic', () => {
      const b = good.slice();
      b[8] = 0;
      expect(errorOf(b).message).toMatch(/byte-order magic/);
    });
    it('reports a block cut at end of input after the whole ones', () => {
      const out = readAll(make, good.subarray(0, good.length - 1), 1);
      expect((out.error as CaptureFormatError).offset).toBe(epbAt);
      expect((out.error as Error).message).toMatch(/pcapng block at byte \d+ is cut short/);
    });
  });
});
