/** Test support: run an Http1Parser over byte fixtures, whole or split. Test use only. */
import { AppResults } from '../stream';
import type { AppParser } from '../stream';
import { newConnection } from '../trace';
import type { Dir, DirectionBasis, Http1Exchange } from '../trace';
import { Http1Parser } from './exchanges';
import type { Http1ParserOptions } from './exchanges';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * Bytes of a direction (optionally with the number of the packet that carried them, when it is
 * not the step's: bytes held back by reassembly keep their packet's number); its end; or
 * `length` bytes of a direction never captured.
 */
export type Step =
  | [Dir, string | Uint8Array]
  | [Dir, string | Uint8Array, number]
  | ['end', Dir]
  | ['gap', Dir, number]
  | ['gap', Dir, number, number];

/** Feed steps; `split` bytes per data() call (0 = whole). Returns exchanges and warnings. */
export function run(
  steps: Step[],
  split = 0,
  opts: Http1ParserOptions = {},
  /** How the connection's client was decided: anything but 'syn'/'syn-ack' = capture began mid-connection. */
  basis: DirectionBasis = 'syn',
): { exchanges: Http1Exchange[]; warnings: string[]; parser: AppParser } {
  const results = new AppResults();
  const conn = newConnection({
    index: 0,
    clientIp: '10.0.0.1',
    clientPort: 1234,
    serverIp: '10.0.0.2',
    serverPort: 80,
    directionBasis: basis,
    startS: 0,
    firstPacket: 1,
  });
  const warnings: string[] = [];
  const p = new Http1Parser({ conn, results, warn: (m) => warnings.push(m) }, opts);
  const off: Record<Dir, number> = { c2s: 0, s2c: 0 };
  let packet = 0;
  for (const s of steps) {
    packet++;
    if (s[0] === 'end') {
      p.end(s[1], 'fin', packet);
      continue;
    }
    if (s[0] === 'gap') {
      // Reported at the time of packet s[3] when given (the packet whose ACK revealed the hole).
      p.gap(s[1], off[s[1]], s[2], s[3] ?? packet);
      off[s[1]] += s[2];
      continue;
    }
    const dir = s[0];
    const b = typeof s[1] === 'string' ? enc(s[1]) : s[1];
    const pk = (s[2] as number | undefined) ?? packet;
    const step = split > 0 ? split : Math.max(1, b.length);
    for (let i = 0; i < b.length; i += step) {
      const part = b.slice(i, i + step);
      p.data(dir, part, off[dir], pk, pk);
      off[dir] += part.length;
    }
  }
  return { exchanges: results.exchanges, warnings, parser: p };
}

/** A comparable summary of exchanges (no times). */
export function summary(xs: Http1Exchange[]): unknown[] {
  return xs.map((x) => ({
    method: x.method,
    path: x.path,
    status: x.status,
    outcome: x.outcome,
    interim: x.interim,
    reqBody: x.request?.bodyBytes ?? null,
    respBody: x.response?.bodyBytes ?? null,
    jsonKeys: x.jsonKeys,
    chunked: x.response?.chunked ?? null,
  }));
}
