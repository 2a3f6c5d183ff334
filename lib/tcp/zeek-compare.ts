/**
 * Test support: compares tracelens connections with a Zeek baseline (captures/zeek/*.zeek.json,
 * see its README): end states (client = Zeek's originator, half-closed labels swapped when
 * tracelens picked the other side as client) and per-direction packet counts, per 4-tuple.
 */
import type { Connection, ConnectionEnd } from '../trace';

export interface ZeekRow {
  orig_h: string;
  orig_p: number;
  resp_h: string;
  resp_p: number;
  conn_state: string;
  history: string;
  orig_pkts: number | null;
  resp_pkts: number | null;
  end: ConnectionEnd | null;
  ambiguous: boolean;
}

export interface ZeekTupleResult {
  tuple: string;
  states: string;
  history: string;
  /** null when not checked (Zeek's end is null, or the rows disagree). */
  endExpected: string | null;
  endsGot: string[];
  endOk: boolean | null;
  pktsExpected: [number, number] | null;
  pktsGot: [number, number];
  pktsOk: boolean | null;
}

const ep = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
const SWAP: Partial<Record<ConnectionEnd, ConnectionEnd>> = {
  'half-closed-by-client': 'half-closed-by-server',
  'half-closed-by-server': 'half-closed-by-client',
};

export function compareWithZeek(rows: ZeekRow[], conns: Connection[]): ZeekTupleResult[] {
  const byTuple = new Map<string, ZeekRow[]>();
  for (const r of rows) {
    const k = `${ep(r.orig_h, r.orig_p)} -> ${ep(r.resp_h, r.resp_p)}`;
    const list = byTuple.get(k) ?? [];
    list.push(r);
    byTuple.set(k, list);
  }
  const out: ZeekTupleResult[] = [];
  for (const [tuple, rs] of byTuple) {
    const orig = ep(rs[0].orig_h, rs[0].orig_p);
    const resp = ep(rs[0].resp_h, rs[0].resp_p);
    const mine = conns.filter(
      (c) => (c.client === orig && c.server === resp) || (c.client === resp && c.server === orig),
    );
    let po = 0;
    let pr = 0;
    const endsGot: string[] = [];
    for (const c of mine) {
      const same = c.client === orig;
      po += same ? c.packets.c2s : c.packets.s2c;
      pr += same ? c.packets.s2c : c.packets.c2s;
      // Express our end in Zeek's orientation (client = originator).
      endsGot.push(same ? c.end : (SWAP[c.end] ?? c.end));
    }
    const ends = new Set(rs.map((r) => r.end));
    const endExpected =
      ends.size === 1 && rs[0].end !== null && !rs.some((r) => r.ambiguous) ? rs[0].end : null;
    const hasPkts = rs.every((r) => r.orig_pkts !== null && r.resp_pkts !== null);
    const pktsExpected: [number, number] | null = hasPkts
      ? [rs.reduce((s, r) => s + (r.orig_pkts ?? 0), 0), rs.reduce((s, r) => s + (r.resp_pkts ?? 0), 0)]
      : null;
    out.push({
      tuple,
      states: rs.map((r) => r.conn_state).join('+'),
      history: rs.map((r) => r.history).join(' '),
      endExpected,
      endsGot,
      endOk: endExpected === null ? null : mine.length > 0 && endsGot.every((e) => e === endExpected),
      pktsExpected,
      pktsGot: [po, pr],
      pktsOk: pktsExpected === null ? null : pktsExpected[0] === po && pktsExpected[1] === pr,
    });
  }
  return out;
}
