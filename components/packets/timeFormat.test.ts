import { describe, expect, it } from 'vitest';
import { formatTime } from './timeFormat';

describe('formatTime', () => {
  it('relative: seconds since the first packet, microseconds as Wireshark shows them', () => {
    expect(formatTime('relative', 1.2345678, null, null)).toBe('1.234568');
    expect(formatTime('relative', 0, null, [1700000000, 0])).toBe('0.000000');
  });
  it('delta: since the previous displayed packet; the first displayed row is 0', () => {
    expect(formatTime('delta', 5.5, null, null)).toBe('0.000000');
    expect(formatTime('delta', 5.5, 5.25, null)).toBe('0.250000');
  });
  it('absolute: time of day in UTC from the capture start, nanoseconds carried exactly', () => {
    // 2023-11-14T22:13:20.999999000Z + 0.000002 s crosses the second.
    expect(formatTime('absolute', 0, null, [1700000000, 999_999_000])).toBe('22:13:20.999999');
    expect(formatTime('absolute', 0.000002, null, [1700000000, 999_999_000])).toBe('22:13:21.000001');
    // A day later wraps to the next day's time.
    expect(formatTime('absolute', 86400 + 3600, null, [1700000000, 0])).toBe('23:13:20.000000');
  });
  it('absolute without an epoch (a log) falls back to relative', () => {
    expect(formatTime('absolute', 2, null, null)).toBe('2.000000');
  });
});
