// The packet list's Time column, as Wireshark's View > Time Display Format offers it: seconds since
// the first packet, time of day (UTC, from the capture's absolute start), or seconds since the
// previous displayed packet (which depends on the display filter: the previous *shown* row).

export type TimeMode = 'relative' | 'absolute' | 'delta';
export const TIME_MODES: { mode: TimeMode; label: string; title: string }[] = [
  { mode: 'relative', label: 'Time', title: 'Seconds since the first packet' },
  { mode: 'absolute', label: 'Time of day', title: 'Time of day (UTC)' },
  { mode: 'delta', label: 'Δ displayed', title: 'Seconds since the previous displayed packet' },
];

/**
 * Text of one Time cell. `timeS` is the packet's time relative to the capture's first packet,
 * `prevS` the previous displayed packet's (null for the first row), `epoch` the capture's first
 * packet as [seconds, nanoseconds] since 1970 (null when the input has no absolute time).
 */
export function formatTime(
  mode: TimeMode,
  timeS: number,
  prevS: number | null,
  epoch: readonly [number, number] | null,
): string {
  if (mode === 'delta') return (prevS === null ? 0 : timeS - prevS).toFixed(6);
  if (mode === 'absolute' && epoch) {
    // Whole nanoseconds, added as integers: a double of seconds since 1970 has only ~0.2 µs left.
    const ns = epoch[1] + Math.round(timeS * 1e9);
    const s = epoch[0] + Math.floor(ns / 1e9);
    const frac = ((ns % 1e9) + 1e9) % 1e9;
    const day = ((s % 86400) + 86400) % 86400;
    const hh = String(Math.floor(day / 3600)).padStart(2, '0');
    const mm = String(Math.floor((day % 3600) / 60)).padStart(2, '0');
    const ss = String(day % 60).padStart(2, '0');
    return `${hh}:${mm}:${ss}.${String(Math.floor(frac / 1000)).padStart(6, '0')}`;
  }
  return timeS.toFixed(6);
}
