/**
 * Capture loss per connection and direction: bytes the reassembly had to skip because the capture
 * never saw them (Connection.analysis.*.missingBytes), told apart from bytes a snapshot length cut
 * off (truncated packets: a capture setting, not loss), with the packets that show each hole
 * (tshark's "previous segment not captured" / "ACKed segment that wasn't captured").
 *
 * Used for the input warning (analyze.ts) and by the coverage detector (lib/findings/coverage.ts).
 */
import { A_ACKED_UNSEEN, A_LOST_SEGMENT, A_TRUNCATED, DIR_C2S, DIR_S2C, type PacketTable } from '../packets';
import type { Connection, Dir } from '../trace';

/** Evidence packets kept per direction. */
const MAX_EVIDENCE = 20;

export interface DirLoss {
  /** Holes: "previous segment not captured" events, at least one when bytes are missing. */
  segments: number;
  /** Bytes never captured (snaplen cuts excluded). */
  bytes: number;
  /** Packets cut by the snapshot length, and the bytes cut from them. */
  truncatedPackets: number;
  truncatedBytes: number;
  /** The segments that came after a hole (tshark: previous segment not captured), first ones. */
  evidence: number[];
  /** The other side's ACKs of bytes never captured (tshark: ACKed unseen segment), first ones. */
  ackEvidence: number[];
  /** Time of the first and last evidence packet (NaN when none). */
  firstS: number;
  lastS: number;
}

export interface ConnectionLoss {
  conn: Connection;
  c2s: DirLoss;
  s2c: DirLoss;
}

function empty(): DirLoss {
  return {
    segments: 0,
    bytes: 0,
    truncatedPackets: 0,
    truncatedBytes: 0,
    evidence: [],
    ackEvidence: [],
    firstS: Number.NaN,
    lastS: Number.NaN,
  };
}

/**
 * Connections with capture loss or snaplen cuts, in connection order (none for debug logs). One
 * pass over the packet columns, and only when some connection lost bytes or packets were cut.
 */
export function captureLoss(
  connections: Connection[],
  packets: PacketTable | null,
  truncatedPackets = 0,
): ConnectionLoss[] {
  if (!packets) return [];
  const anyMissing = connections.some((c) => c.analysis.c2s.missingBytes + c.analysis.s2c.missingBytes > 0);
  if (!anyMissing && truncatedPackets === 0) return [];
  const rows = new Map<number, ConnectionLoss>();
  const get = (ci: number): ConnectionLoss | null => {
    const c = connections[ci];
    if (!c) return null;
    let r = rows.get(ci);
    if (!r) {
      r = { conn: c, c2s: empty(), s2c: empty() };
      rows.set(ci, r);
    }
    return r;
  };
  const n = packets.length;
  for (let i = 0; i < n; i++) {
    const bits = packets.analysis[i];
    if (!(bits & (A_LOST_SEGMENT | A_ACKED_UNSEEN | A_TRUNCATED))) continue;
    const ci = packets.conn[i];
    const di = packets.dir[i];
    if (ci < 0 || (di !== DIR_C2S && di !== DIR_S2C)) continue;
    const r = get(ci);
    if (!r) continue;
    if (bits & A_TRUNCATED) {
      const d = r[di === DIR_C2S ? 'c2s' : 's2c'];
      d.truncatedPackets++;
      d.truncatedBytes += Math.min(packets.payloadLen[i], packets.origLen[i] - packets.caplen[i]);
    }
    if (bits & (A_LOST_SEGMENT | A_ACKED_UNSEEN)) {
      // An ACK for unseen data is evidence about the other direction's stream.
      const lostDir: Dir =
        bits & A_LOST_SEGMENT ? (di === DIR_C2S ? 'c2s' : 's2c') : di === DIR_C2S ? 's2c' : 'c2s';
      const d = r[lostDir];
      if (bits & A_LOST_SEGMENT) d.segments++;
      const list = bits & A_LOST_SEGMENT ? d.evidence : d.ackEvidence;
      if (list.length < MAX_EVIDENCE) list.push(i + 1);
      const t = packets.time[i];
      if (Number.isNaN(d.firstS)) d.firstS = t;
      d.lastS = t;
    }
  }
  const out: ConnectionLoss[] = [];
  for (let ci = 0; ci < connections.length; ci++) {
    const c = connections[ci];
    const r =
      rows.get(ci) ?? (c.analysis.c2s.missingBytes + c.analysis.s2c.missingBytes > 0 ? get(ci) : null);
    if (!r) continue;
    for (const dir of ['c2s', 's2c'] as const) {
      const d = r[dir];
      d.bytes = Math.max(0, c.analysis[dir].missingBytes - d.truncatedBytes);
      d.segments = d.bytes > 0 ? Math.max(1, d.segments) : 0;
    }
    if (r.c2s.bytes + r.s2c.bytes + r.c2s.truncatedPackets + r.s2c.truncatedPackets > 0) out.push(r);
  }
  return out;
}

const num = (n: number): string => n.toLocaleString('en-US');
const seg = (n: number): string => `${num(n)} segment${n === 1 ? '' : 's'}`;

/**
 * The input warning for capture loss, e.g. "capture gaps: 3 segments (4,344 bytes) never captured on
 * 2 connections (client to server: 1 segment, 1,448 bytes; server to client: 2 segments, 2,896
 * bytes) — analysis around them is partial"; null when nothing was lost.
 */
export function captureLossWarning(loss: ConnectionLoss[]): string | null {
  const lossy = loss.filter((r) => r.c2s.bytes + r.s2c.bytes > 0);
  if (lossy.length === 0) return null;
  const per = { c2s: { segments: 0, bytes: 0 }, s2c: { segments: 0, bytes: 0 } };
  for (const r of lossy)
    for (const dir of ['c2s', 's2c'] as const) {
      per[dir].segments += r[dir].segments;
      per[dir].bytes += r[dir].bytes;
    }
  const segments = per.c2s.segments + per.s2c.segments;
  const bytes = per.c2s.bytes + per.s2c.bytes;
  const dirs = (['c2s', 's2c'] as const)
    .filter((d) => per[d].bytes > 0)
    .map(
      (d) =>
        `${d === 'c2s' ? 'client to server' : 'server to client'}: ${seg(per[d].segments)}, ${num(per[d].bytes)} bytes`,
    );
  return (
    `capture gaps: ${seg(segments)} (${num(bytes)} bytes) never captured on ${num(lossy.length)} connection${lossy.length === 1 ? '' : 's'} ` +
    `(${dirs.join('; ')}) — analysis around them is partial`
  );
}
