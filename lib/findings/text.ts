/**
 * Shared wording helpers for the detectors: durations, times, endpoints, lists, counts. Every
 * detector formats figures through these so findings read the same everywhere.
 */
import type { Connection, Dir } from '../trace';

/** A duration in words: "601 s", "3.04 s", "250 ms", "12 µs", "2 h 5 min". */
export function dur(s: number): string {
  if (!Number.isFinite(s)) return 'an unknown time';
  const a = Math.abs(s);
  if (a < 0.001) return `${Math.round(a * 1e6)} µs`;
  if (a < 1) return `${trim(a * 1000, a < 0.01 ? 2 : a < 0.1 ? 1 : 0)} ms`;
  if (a < 10) return `${trim(a, 2)} s`;
  if (a < 100) return `${trim(a, 1)} s`;
  if (a < 3600) {
    const r = Math.round(a);
    return r >= 120 ? `${r} s (${trim(r / 60, 1)} min)` : `${r} s`;
  }
  const h = Math.floor(a / 3600);
  const m = Math.round((a - h * 3600) / 60);
  return m ? `${Math.round(a)} s (${h} h ${m} min)` : `${Math.round(a)} s (${h} h)`;
}

/** A short duration for titles: "601 s", "3.04 s", "250 ms" (no minutes in brackets). */
export function durShort(s: number): string {
  const a = Math.abs(s);
  if (a < 1) return dur(a);
  if (a < 10) return `${trim(a, 2)} s`;
  if (a < 100) return `${trim(a, 1)} s`;
  return `${Math.round(a)} s`;
}

/** A point in the trace: "12.345 s". */
export function at(tS: number): string {
  return `${tS.toFixed(3)} s`;
}

/** Rounds to `digits` decimals and drops trailing zeros. */
export function trim(x: number, digits: number): string {
  return String(Number(x.toFixed(digits)));
}

/** Rounds a figure for `details` (keeps 6 decimals, enough for µs). */
export function fig(x: number, digits = 6): number {
  return Number(x.toFixed(digits));
}

/** "a", "a and b", "a, b and c"; long lists end with "and N more". */
export function list(items: string[], max = 6): string {
  if (items.length === 0) return '';
  if (items.length > max) {
    const head = items.slice(0, max);
    return `${head.join(', ')} and ${items.length - max} more`;
  }
  if (items.length === 1) return items[0];
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** "1 connection", "3 connections". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Which side sent in direction `dir`: "the client" / "the server". */
export function side(dir: Dir): string {
  return dir === 'c2s' ? 'the client' : 'the server';
}

export function other(dir: Dir): Dir {
  return dir === 'c2s' ? 's2c' : 'c2s';
}

/** The endpoint that sent in direction `dir`, e.g. "the server 10.0.0.2:443". */
export function sender(c: Connection, dir: Dir): string {
  return dir === 'c2s' ? `the client ${c.client}` : `the server ${c.server}`;
}

/** The endpoint address that sent in direction `dir`. */
export function senderAddr(c: Connection, dir: Dir): string {
  return dir === 'c2s' ? c.client : c.server;
}

/** "connection c3 (10.0.0.1:51234 → 10.0.0.2:443)". */
export function connName(c: Connection): string {
  return `connection ${c.id} (${c.client} → ${c.server})`;
}

/** Capitalises the first letter. */
export function cap(s: string): string {
  if (/^(gRPC|iptables|ss |nginx|curl)/.test(s)) return s; // names spelled lower-case on purpose
  return s.length ? s[0].toUpperCase() + s.slice(1) : s;
}

/** Percentage with up to one decimal: "5.3 %". */
export function pct(x: number): string {
  return `${trim(x * 100, x < 0.1 ? 1 : 0)} %`;
}

/** A range of durations with one unit: "40-50 s", "3.01-3.04 s", "250-900 ms"; one figure when equal. */
export function durRange(lo: number, hi: number): string {
  const a = durShort(lo);
  const b = durShort(hi);
  if (a === b) return a;
  const ua = a.replace(/^[\d.]+ /, '');
  const ub = b.replace(/^[\d.]+ /, '');
  return ua === ub ? `${a.replace(/ .*$/, '')}-${b}` : `${a}-${b}`;
}
