import { describe, expect, it } from 'vitest';
import { TCP_ACK, TCP_SYN } from '../packets';
import { decodeSegment, emptySegment, seqGt, seqLt, seqDiff, seqAdd } from './segment';
import { buildSegment } from './test-builder';

describe('decodeSegment', () => {
  it('reads header fields and options (MSS, SACK-permitted, timestamps, window scale)', () => {
    const options = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7];
    const { net, data } = buildSegment({
      src: '10.0.0.1',
      sport: 51234,
      dst: '10.0.0.2',
      dport: 80,
      seq: 0xfffffff0,
      ack: 5,
      flags: TCP_SYN | TCP_ACK,
      window: 29200,
      options,
    });
    const s = emptySegment();
    expect(decodeSegment(net, data, s)).toBeNull();
    expect(s.srcPort).toBe(51234);
    expect(s.dstPort).toBe(80);
    expect(s.seq).toBe(0xfffffff0);
    expect(s.ack).toBe(5);
    expect(s.flags).toBe(TCP_SYN | TCP_ACK);
    expect(s.window).toBe(29200);
    expect(s.headerLen).toBe(40);
    expect(s.mss).toBe(1460);
    expect(s.sackPermitted).toBe(true);
    expect(s.hasTimestamps).toBe(true);
    expect([s.tsVal, s.tsEcr]).toEqual([1, 2]);
    expect(s.windowScale).toBe(7);
    expect(s.payloadLen).toBe(0);
  });

  it('reads SACK blocks', () => {
    const options = [1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40];
    const { net, data } = buildSegment({
      src: 'a',
      sport: 1,
      dst: 'b',
      dport: 2,
      seq: 1,
      ack: 1,
      flags: TCP_ACK,
      options,
    });
    const s = emptySegment();
    decodeSegment(net, data, s);
    expect(s.sackBlocks).toEqual([10, 20, 30, 40]);
  });

  it('uses the IP-claimed length for tcp.len and notes fewer captured bytes', () => {
    const { net, data } = buildSegment({
      src: 'a',
      sport: 1,
      dst: 'b',
      dport: 2,
      seq: 1,
      ack: 1,
      flags: TCP_ACK,
      payload: 'abcd',
      claimedLen: 1000,
    });
    const s = emptySegment();
    decodeSegment(net, data, s);
    expect(s.payloadLen).toBe(1000);
    expect(s.capturedPayloadLen).toBe(4);
  });

  it('rejects a truncated header and a bad data offset', () => {
    const { net, data } = buildSegment({ src: 'a', sport: 1, dst: 'b', dport: 2, seq: 1, flags: TCP_ACK });
    expect(decodeSegment(net, data.subarray(0, 10))).toBe('truncated-header');
    const bad = data.slice();
    bad[12] = 0x30;
    expect(decodeSegment(net, bad)).toBe('bad-data-offset');
  });

  it('compares sequence numbers modulo 2^32', () => {
    expect(seqLt(0xfffffff0, 5)).toBe(true);
    expect(seqGt(5, 0xfffffff0)).toBe(true);
    expect(seqDiff(5, 0xfffffff0)).toBe(21);
    expect(seqAdd(0xffffffff, 2)).toBe(1);
  });
});
