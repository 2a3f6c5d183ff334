/**
 * Follow TCP stream (Wireshark's Analyze > Follow > TCP Stream) for one connection: its packets are
 * read back from the capture (fileOffset/caplen of the connection's rows) and pushed here in
 * capture order; the same TcpTracker and DirectionReassembler that the analysis runs put each
 * direction's bytes in order (retransmissions dropped, overlaps first-wins, holes reported as gaps),
 * and a FollowSink receives them in the order the capture delivered them — which is what makes the
 * conversation's direction runs. With a key log, the bytes can be the TLS plaintext instead
 * (lib/tls's TlsParser in front of the sink), as Wireshark's Follow TLS Stream shows.
 *
 *   const f = new TcpFollower(sink, { tls: keylog });
 *   for (each row of the connection, in order) f.packet(packetNumber, tS, linkType, bytes);
 *   f.finish();
 *
 * Nothing is slurped here: the sink decides what it keeps (StreamCollector keeps the bytes up to a
 * cap; lib/follow/http1.ts and lib/follow/h2.ts keep only one message or one stream).
 */
import { NetworkLayer } from '../capture/network';
import { PacketTable } from '../packets';
import { AppResults, type AppContext, type AppParser, type StreamEndReason } from '../stream';
import { TcpTracker } from '../tcp/tracker';
import type { KeyLog } from '../tls/keylog';
import { TlsParser } from '../tls/session';
import type { Connection, Dir } from '../trace';

/** What a follower delivers: in-order bytes of each direction, gaps, ends (lib/stream's AppParser). */
export type FollowSink = AppParser;

export interface TcpFollowerOptions {
  /** Decrypt: the bytes delivered are the TLS plaintext (needs the connection to be TLS). */
  tls?: KeyLog | null;
}

/** Facts a follower learnt about the connection it followed. */
export interface FollowInfo {
  client: string;
  server: string;
  /** Packets pushed, and those that could not be used (not TCP, an IP fragment alone, ...). */
  packets: number;
  skippedPackets: number;
  /** Problems found on the way (TLS without keys, malformed headers, ...). */
  warnings: string[];
  /** TLS only: whether decryption worked. */
  decryption: 'decrypted' | 'no-key' | 'wrong-key' | 'not-attempted' | 'unsupported' | null;
}

export class TcpFollower {
  private readonly table = new PacketTable();
  private readonly network = new NetworkLayer();
  private readonly tracker: TcpTracker;
  /** Packet numbers of the capture, by the follower's own row. */
  private readonly numbers: number[] = [];
  private conn: Connection | null = null;
  private lastS = 0;
  private skipped = 0;
  private readonly warnings: string[] = [];

  constructor(sink: FollowSink, opts: TcpFollowerOptions = {}) {
    const renumber = new Renumber(sink, this.numbers);
    this.tracker = new TcpTracker({
      packets: this.table,
      idleThresholdS: Number.POSITIVE_INFINITY,
      warn: (m) => this.warn(m),
      createParser: (conn) => {
        // One connection is followed: a second one (a stray packet) gets nothing.
        if (this.conn) return null;
        this.conn = conn;
        if (opts.tls === undefined) return renumber;
        const ctx: AppContext = {
          conn,
          results: new AppResults(),
          warn: (m) => this.warn(m),
          keylog: opts.tls,
        };
        return new TlsParser(ctx, { keylog: opts.tls, createInner: () => renumber });
      },
    });
  }

  /** One packet of the connection (its captured bytes, from the link layer on), in capture order. */
  packet(packetNumber: number, tS: number, linkType: number, data: Uint8Array): void {
    const row = this.table.add(tS, 0, data.length, data.length, 0, linkType);
    this.numbers.push(packetNumber);
    if (tS > this.lastS) this.lastS = tS;
    const net = this.network.decode(linkType, data, tS);
    if ('reason' in net || net.protocol !== 6 || (net.fragment && !net.reassembled)) {
      this.skipped++;
      return;
    }
    this.tracker.segment(row, tS, net, net.reassembled ?? data);
  }

  /** Ends both directions (FIN/RST as seen, else the end of what was pushed). */
  finish(): FollowInfo {
    const conns = this.tracker.finish(this.lastS);
    const c = conns[0] ?? null;
    return {
      client: c?.client ?? '',
      server: c?.server ?? '',
      packets: this.numbers.length,
      skippedPackets: this.skipped,
      warnings: [...this.warnings, ...(c?.warnings ?? [])],
      decryption: c?.tls?.decryption ?? null,
    };
  }

  private warn(m: string): void {
    if (this.warnings.length < 100) this.warnings.push(m);
  }
}

/** Maps the follower's row-based packet numbers back to the capture's. */
class Renumber implements AppParser {
  constructor(
    private readonly out: AppParser,
    private readonly numbers: number[],
  ) {}
  data(dir: Dir, bytes: Uint8Array, offset: number, packet: number, tS: number): void {
    this.out.data(dir, bytes, offset, this.numbers[packet - 1] ?? packet, tS);
  }
  gap(dir: Dir, offset: number, length: number, tS: number): void {
    this.out.gap(dir, offset, length, tS);
  }
  end(dir: Dir, how: StreamEndReason, tS: number): void {
    this.out.end(dir, how, tS);
  }
}

/** A run of one direction's bytes, as the capture delivered them; `bytes` null = a gap. */
export interface FollowRun {
  dir: Dir;
  /** Stream offset (in this direction) of the run's first byte. */
  offset: number;
  length: number;
  /** The bytes; null for bytes never captured, or kept beyond the collector's cap. */
  bytes: Uint8Array | null;
  /** True for bytes the capture never had ("[N bytes missing]"). */
  missing: boolean;
  firstPacket: number;
  lastPacket: number;
  tS: number;
}

export interface FollowedStream {
  runs: FollowRun[];
  /** Bytes per direction (captured, missing excluded). */
  bytes: Record<Dir, number>;
  missing: Record<Dir, number>;
  /** Bytes not kept because the cap was reached (counted, not shown). */
  dropped: Record<Dir, number>;
  ends: Record<Dir, StreamEndReason | null>;
}

export const DEFAULT_FOLLOW_CAP = 32 * 1024 * 1024;

/**
 * Keeps the conversation as direction runs: consecutive deliveries of one direction join one run
 * (as Wireshark's follow dialog prints them). Bytes beyond `cap` in all are counted, not kept.
 */
export class StreamCollector implements AppParser {
  readonly result: FollowedStream = {
    runs: [],
    bytes: { c2s: 0, s2c: 0 },
    missing: { c2s: 0, s2c: 0 },
    dropped: { c2s: 0, s2c: 0 },
    ends: { c2s: null, s2c: null },
  };
  private kept = 0;
  private buf: Uint8Array | null = null;
  private bufLen = 0;

  constructor(
    private readonly cap = DEFAULT_FOLLOW_CAP,
    /** Only this direction (Wireshark's "one direction" view); null = the whole conversation. */
    private readonly only: Dir | null = null,
  ) {}

  data(dir: Dir, bytes: Uint8Array, offset: number, packet: number, tS: number): void {
    if (this.only && dir !== this.only) return;
    const r = this.result;
    r.bytes[dir] += bytes.length;
    const room = Math.max(0, this.cap - this.kept);
    if (room < bytes.length) r.dropped[dir] += bytes.length - room;
    const take = bytes.subarray(0, room);
    if (take.length === 0) return;
    this.kept += take.length;
    const last = r.runs[r.runs.length - 1];
    if (
      last &&
      last.dir === dir &&
      !last.missing &&
      last.bytes === null &&
      last.offset + last.length === offset
    ) {
      this.append(take);
      last.length += take.length;
      last.lastPacket = packet;
      return;
    }
    this.seal();
    this.append(take);
    r.runs.push({
      dir,
      offset,
      length: take.length,
      bytes: null,
      missing: false,
      firstPacket: packet,
      lastPacket: packet,
      tS,
    });
  }

  gap(dir: Dir, offset: number, length: number, tS: number): void {
    if (this.only && dir !== this.only) return;
    this.seal();
    this.result.missing[dir] += length;
    this.result.runs.push({
      dir,
      offset,
      length,
      bytes: null,
      missing: true,
      firstPacket: 0,
      lastPacket: 0,
      tS,
    });
  }

  end(dir: Dir, how: StreamEndReason): void {
    this.result.ends[dir] = how;
    this.seal();
  }

  /** The collected stream (call after the follower's finish). */
  finish(): FollowedStream {
    this.seal();
    return this.result;
  }

  private append(b: Uint8Array): void {
    if (!this.buf) this.buf = new Uint8Array(Math.max(4096, b.length));
    if (this.bufLen + b.length > this.buf.length) {
      const n = new Uint8Array(Math.max(this.buf.length * 2, this.bufLen + b.length));
      n.set(this.buf.subarray(0, this.bufLen));
      this.buf = n;
    }
    this.buf.set(b, this.bufLen);
    this.bufLen += b.length;
  }

  /** Hands the open run its bytes (a copy cut to size). */
  private seal(): void {
    const runs = this.result.runs;
    const last = runs[runs.length - 1];
    if (last && !last.missing && last.bytes === null && this.buf) {
      last.bytes = this.buf.slice(0, this.bufLen);
    }
    this.bufLen = 0;
    if (this.buf && this.buf.length > 1 << 20) this.buf = null;
  }
}

/** Concatenates one direction's kept bytes in stream order (missing bytes left out). */
export function directionBytes(s: FollowedStream, dir: Dir): Uint8Array {
  let n = 0;
  for (const r of s.runs) if (r.dir === dir && r.bytes) n += r.bytes.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const r of s.runs)
    if (r.dir === dir && r.bytes) {
      out.set(r.bytes, o);
      o += r.bytes.length;
    }
  return out;
}
