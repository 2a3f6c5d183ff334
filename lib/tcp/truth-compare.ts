/**
 * Test support: compares tracelens connections with a tshark truth file's `tcp[]` and lists every
 * difference as text ("stream 0 c2s.retransmission: tshark 6, tracelens 5").
 */
import type { Connection, Dir } from '../trace';

export interface TruthDir {
  packets: number;
  payload_bytes: number;
  fin: number;
  rst: number;
  keep_alive: number;
  keep_alive_ack: number;
  retransmission: number;
  fast_retransmission: number;
  spurious_retransmission: number;
  out_of_order: number;
  lost_segment: number;
  duplicate_ack: number;
  zero_window: number;
  window_full: number;
}
export interface TruthTcp {
  stream: number;
  client: [string, number];
  server: [string, number];
  first_frame: number;
  last_frame: number;
  dirs: { c2s: TruthDir; s2c: TruthDir };
}

/** Fields the acceptance test asserts exactly, and the analysis fields it reports. */
export const CORE_FIELDS = [
  'packets',
  'payload_bytes',
  'fin',
  'rst',
  'keep_alive',
  'retransmission',
] as const;
export const ANALYSIS_FIELDS = [
  'keep_alive_ack',
  'fast_retransmission',
  'spurious_retransmission',
  'out_of_order',
  'lost_segment',
  'duplicate_ack',
  'zero_window',
  'window_full',
] as const;

function ours(cs: Connection[], dir: Dir, field: string): number {
  let n = 0;
  for (const c of cs) {
    const a = c.analysis[dir];
    switch (field) {
      case 'packets':
        n += c.packets[dir];
        break;
      case 'payload_bytes':
        n += c.bytes[dir];
        break;
      case 'fin':
        n += c.fin[dir];
        break;
      case 'rst':
        n += c.rst[dir];
        break;
      case 'keep_alive':
        n += c.keepalives[dir];
        break;
      case 'retransmission':
        n += c.retransmissions[dir];
        break;
      case 'keep_alive_ack':
        n += a.keepAliveAck;
        break;
      case 'fast_retransmission':
        n += a.fastRetransmission;
        break;
      case 'spurious_retransmission':
        n += a.spuriousRetransmission;
        break;
      case 'out_of_order':
        n += a.outOfOrder;
        break;
      case 'lost_segment':
        n += a.lostSegment;
        break;
      case 'duplicate_ack':
        n += a.duplicateAck;
        break;
      case 'zero_window':
        n += a.zeroWindow;
        break;
      case 'window_full':
        n += a.windowFull;
        break;
    }
  }
  return n;
}

const ep = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

export interface Comparison {
  /** Differences in CORE_FIELDS and endpoints. */
  core: string[];
  /** Differences in ANALYSIS_FIELDS. */
  analysis: string[];
  /** Values compared / equal, for match rates. */
  coreChecked: number;
  coreEqual: number;
  analysisChecked: number;
  analysisEqual: number;
  /** Truth streams matched by more than one tracelens connection (VLAN split). */
  splits: string[];
}

export function compareWithTruth(truth: TruthTcp[], conns: Connection[]): Comparison {
  const r: Comparison = {
    core: [],
    analysis: [],
    coreChecked: 0,
    coreEqual: 0,
    analysisChecked: 0,
    analysisEqual: 0,
    splits: [],
  };
  const used = new Set<Connection>();
  for (const t of truth) {
    const cl = ep(t.client[0], t.client[1]);
    const sv = ep(t.server[0], t.server[1]);
    const same = conns.filter(
      (c) => ((c.client === cl && c.server === sv) || (c.client === sv && c.server === cl)) && !used.has(c),
    );
    // tshark's stream = our connection starting at its first frame, plus (VLAN split) other
    // connections on the same 4-tuple that start inside its frame range.
    const primary = same.find((c) => c.firstPacket === t.first_frame);
    if (!primary) {
      r.core.push(
        `stream ${t.stream} (${cl} -> ${sv}, frame ${t.first_frame}): no tracelens connection starts there`,
      );
      r.coreChecked++;
      continue;
    }
    const group = [
      primary,
      ...same.filter(
        (c) =>
          c !== primary &&
          c.vlan.join('.') !== primary.vlan.join('.') &&
          c.firstPacket > t.first_frame &&
          c.firstPacket <= t.last_frame,
      ),
    ];
    for (const c of group) used.add(c);
    if (group.length > 1)
      r.splits.push(
        `stream ${t.stream}: ${group.map((c) => `${c.id} vlan ${c.vlan.join('.') || '-'}`).join(', ')}`,
      );
    r.coreChecked++;
    const swapped = primary.client !== cl;
    if (swapped)
      r.core.push(
        `stream ${t.stream}: client tshark ${cl}, tracelens ${primary.client} (${primary.directionBasis})`,
      );
    else r.coreEqual++;
    for (const dir of ['c2s', 's2c'] as const) {
      const od: Dir = swapped ? (dir === 'c2s' ? 's2c' : 'c2s') : dir;
      for (const f of [...CORE_FIELDS, ...ANALYSIS_FIELDS]) {
        const want = t.dirs[dir][f as keyof TruthDir];
        const got = ours(group, od, f);
        const core = (CORE_FIELDS as readonly string[]).includes(f);
        if (core) r.coreChecked++;
        else r.analysisChecked++;
        if (want === got) {
          if (core) r.coreEqual++;
          else r.analysisEqual++;
        } else
          (core ? r.core : r.analysis).push(
            `stream ${t.stream} ${dir}.${f}: tshark ${want}, tracelens ${got}`,
          );
      }
    }
  }
  for (const c of conns) {
    if (!used.has(c))
      r.core.push(`${c.id} (${c.client} -> ${c.server}, packet ${c.firstPacket}): not a tshark stream`);
  }
  return r;
}
