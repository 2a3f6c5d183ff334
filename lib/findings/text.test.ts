import { describe, expect, it } from 'vitest';
import { dur, durRange, durShort, list, plural } from './text';
import { exceededTimeouts } from './idle-timeouts';

describe('text helpers', () => {
  it('durations', () => {
    expect(dur(0.000015)).toBe('15 µs');
    expect(dur(0.0005)).toBe('500 µs');
    expect(dur(0.0025)).toBe('2.5 ms');
    expect(dur(0.25)).toBe('250 ms');
    expect(dur(3.04)).toBe('3.04 s');
    expect(dur(601)).toBe('601 s (10 min)');
    expect(dur(7200)).toBe('7200 s (2 h)');
    expect(durShort(601.3)).toBe('601 s');
  });
  it('lists and plurals', () => {
    expect(list(['a'])).toBe('a');
    expect(list(['a', 'b'])).toBe('a and b');
    expect(list(['a', 'b', 'c'])).toBe('a, b and c');
    expect(list(['1', '2', '3', '4'], 2)).toBe('1, 2 and 2 more');
    expect(plural(1, 'connection')).toBe('1 connection');
    expect(plural(3, 'connection')).toBe('3 connections');
  });
  it('idle-timeout table: 601 s exceeds the 60/240/350/600 s defaults, not 1200 s', () => {
    const names = exceededTimeouts(601).map((t) => t.defaultS);
    expect(names).toEqual([60, 240, 240, 350, 350, 600]);
  });
});

describe('cap', () => {
  it('keeps gRPC as spelled', async () => {
    const { cap } = await import('./text');
    expect(cap('gRPC call')).toBe('gRPC call');
    expect(cap('the client')).toBe('The client');
  });
});

describe('durRange', () => {
  it('one unit for both ends when they share it, one figure when equal', () => {
    expect(durRange(40, 50)).toBe('40-50 s');
    expect(durRange(3.01, 3.04)).toBe('3.01-3.04 s');
    expect(durRange(0.25, 0.9)).toBe('250-900 ms');
    expect(durRange(0.5, 2)).toBe('500 ms-2 s');
    expect(durRange(5, 5.001)).toBe('5 s');
  });
});
