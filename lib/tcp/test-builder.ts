/**
 * Synthetic TCP segments for tests: a NetPacket plus packet bytes holding only the TCP header and
 * payload (l4Offset 0), and a small driver that feeds them to a TcpTracker with a recording parser.
 */
import type { NetPacket } from '../capture/types';
import { PacketTable } from '../packets';
import type { AppParser, StreamEndReason } from '../stream';
import type { Connection, Dir } from '../trace';
import { TcpTracker } from './tracker';

export interface SegSpec {
  src: string;
  sport: number;
  dst: string;
  dport: number;
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  payload?: Uint8Array | string;
  /** Claimed payload length when larger than the bytes given (snaplen cut). */
  claimedLen?: number;
  ttl?: number;
  ipId?: number | null;
  vlan?: number[];
  /** Options bytes (padded to 4 by the builder). */
  options?: number[];
}

export function buildSegment(s: SegSpec): { net: NetPacket; data: Uint8Array } {
  const payload =
    typeof s.payload === 'string' ? new TextEncoder().encode(s.payload) : (s.payload ?? new Uint8Array(0));
  const opts = s.options ?? [];
  const optLen = Math.ceil(opts.length / 4) * 4;
  const hl = 20 + optLen;
  const data = new Uint8Array(hl + payload.length);
  const dv = new DataView(data.buffer);
  dv.setUint16(0, s.sport);
  dv.setUint16(2, s.dport);
  dv.setUint32(4, s.seq >>> 0);
  dv.setUint32(8, (s.ack ?? 0) >>> 0);
  data[12] = (hl / 4) << 4;
  data[13] = s.flags;
  dv.setUint16(14, s.window ?? 65535);
  data.set(opts, 20);
  data.set(payload, hl);
  const net: NetPacket = {
    ipVersion: s.src.includes(':') ? 6 : 4,
    src: s.src,
    dst: s.dst,
    protocol: 6,
    ttl: s.ttl ?? 64,
    ipId: s.ipId === undefined ? 1 : s.ipId,
    vlan: s.vlan ?? [],
    l4Offset: 0,
    l4Length: hl + (s.claimedLen ?? payload.length),
    fragment: false,
    firstFragment: false,
  };
  return { net, data };
}

export type ParserEvent =
  | { kind: 'data'; dir: Dir; text: string; offset: number; packet: number }
  | { kind: 'gap'; dir: Dir; offset: number; length: number }
  | { kind: 'end'; dir: Dir; how: StreamEndReason };

export class RecordingParser implements AppParser {
  events: ParserEvent[] = [];
  data(dir: Dir, bytes: Uint8Array, offset: number, packet: number): void {
    this.events.push({ kind: 'data', dir, text: new TextDecoder().decode(bytes), offset, packet });
  }
  gap(dir: Dir, offset: number, length: number): void {
    this.events.push({ kind: 'gap', dir, offset, length });
  }
  end(dir: Dir, how: StreamEndReason): void {
    this.events.push({ kind: 'end', dir, how });
  }
  /** Concatenated data of one direction, with gaps shown as `[gap N]`. */
  stream(dir: Dir): string {
    let s = '';
    for (const e of this.events) {
      if (e.dir !== dir) continue;
      if (e.kind === 'data') s += e.text;
      else if (e.kind === 'gap') s += `[gap ${e.length}]`;
    }
    return s;
  }
}

/** Feeds segments (with times) to a fresh tracker; returns what it built. */
export function track(
  segs: (SegSpec & { t: number })[],
  opts: { idleThresholdS?: number; endS?: number; maxBufferedPerDir?: number } = {},
): { connections: Connection[]; packets: PacketTable; parsers: RecordingParser[]; warnings: string[] } {
  const packets = new PacketTable();
  const parsers: RecordingParser[] = [];
  const warnings: string[] = [];
  const tracker = new TcpTracker({
    packets,
    idleThresholdS: opts.idleThresholdS ?? 30,
    maxBufferedPerDir: opts.maxBufferedPerDir,
    warn: (m) => warnings.push(m),
    createParser: () => {
      const p = new RecordingParser();
      parsers.push(p);
      return p;
    },
  });
  let last = 0;
  for (const s of segs) {
    const { net, data } = buildSegment(s);
    const row = packets.add(s.t, 0, data.length, data.length, 0, 1);
    tracker.segment(row, s.t, net, data);
    last = Math.max(last, s.t);
  }
  const connections = tracker.finish(opts.endS ?? last);
  return { connections, packets, parsers, warnings };
}
