import { describe, expect, it } from 'vitest';
import { DirectionReassembler } from './reassembly';
import { RecordingParser } from './test-builder';

const enc = (s: string) => new TextEncoder().encode(s);
const bl = (b: Uint8Array): [Uint8Array, number, number] => [b, 0, b.length];

function make(cap?: number) {
  const p = new RecordingParser();
  const r = new DirectionReassembler('c2s', p, cap);
  return { p, r };
}

describe('DirectionReassembler', () => {
  it('delivers in-order bytes with stream offsets, once', () => {
    const { p, r } = make();
    r.start(101);
    r.data(101, ...bl(enc('hello ')), 1, 0);
    r.data(101, ...bl(enc('hello ')), 2, 0); // retransmission
    r.data(107, ...bl(enc('world')), 3, 0);
    expect(p.stream('c2s')).toBe('hello world');
    expect(p.events.filter((e) => e.kind === 'data').map((e) => (e.kind === 'data' ? e.offset : -1))).toEqual(
      [0, 6],
    );
  });

  it('buffers out-of-order data (copying it) and releases it when the hole fills', () => {
    const { p, r } = make();
    r.start(1);
    const buf = enc('world');
    r.data(7, ...bl(buf), 2, 0);
    buf.fill(0x21); // the caller's view is reused after the call
    expect(p.stream('c2s')).toBe('');
    r.data(1, ...bl(enc('hello ')), 3, 0);
    expect(p.stream('c2s')).toBe('hello world');
  });

  it('keeps the first-received bytes on overlap', () => {
    const { p, r } = make();
    r.start(1);
    r.data(4, ...bl(enc('DEF')), 1, 0); // held
    r.data(6, ...bl(enc('xyZW')), 2, 0); // overlaps the held F
    r.data(1, ...bl(enc('abcdq')), 3, 0); // overlaps held D,E: those stay
    expect(p.stream('c2s')).toBe('abcDEFyZW');
  });

  it('reports a never-filled hole as a gap when the peer ACKs past it', () => {
    const { p, r } = make();
    r.start(1);
    r.data(1, ...bl(enc('abc')), 1, 0);
    r.data(10, ...bl(enc('jkl')), 2, 0);
    r.acked(13, 1);
    expect(p.stream('c2s')).toBe('abc[gap 6]jkl');
    expect(r.missingBytes).toBe(6);
  });

  it('declares a gap when the out-of-order buffer cap is exceeded', () => {
    const { p, r } = make(8);
    r.start(1);
    r.data(5, ...bl(enc('efgh')), 1, 0);
    r.data(9, ...bl(enc('ijklm')), 2, 0);
    expect(p.stream('c2s')).toBe('[gap 4]efghijklm');
  });

  it('ends with FIN only after all bytes before it, and flushes holes at capture end', () => {
    const { p, r } = make();
    r.start(1);
    r.data(4, ...bl(enc('def')), 2, 0);
    r.fin(7, 0);
    expect(p.events.some((e) => e.kind === 'end')).toBe(false);
    r.data(1, ...bl(enc('abc')), 3, 0);
    expect(p.events.at(-1)).toEqual({ kind: 'end', dir: 'c2s', how: 'fin' });

    const b = make();
    b.r.start(1);
    b.r.data(4, ...bl(enc('def')), 2, 0);
    b.r.close('capture-end', 1);
    expect(b.p.stream('c2s')).toBe('[gap 3]def');
    expect(b.p.events.at(-1)).toEqual({ kind: 'end', dir: 'c2s', how: 'capture-end' });
  });

  it('handles sequence wraparound at 2^32', () => {
    const { p, r } = make();
    r.start(0xfffffffe);
    r.data(0xfffffffe, ...bl(enc('ab')), 1, 0);
    r.data(2, ...bl(enc('ef')), 3, 0); // out of order, after the wrap
    r.data(0, ...bl(enc('cd')), 2, 0);
    expect(p.stream('c2s')).toBe('abcdef');
    expect(r.offset).toBe(6);
  });

  it('without a parser, tracks only ranges: missing bytes still counted', () => {
    const r = new DirectionReassembler('s2c', null);
    r.start(1);
    r.data(1, ...bl(enc('abc')), 1, 0);
    r.data(10, ...bl(enc('xyz')), 2, 0);
    r.data(10, ...bl(enc('xyz')), 3, 0);
    r.acked(13, 1);
    expect(r.missingBytes).toBe(6);
    expect(r.offset).toBe(12);
    r.close('capture-end', 2);
    expect(r.ended).toBe(true);
  });
});
