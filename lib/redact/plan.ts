/**
 * First pass: reads the capture with the project's own layers (lib/capture readers and link
 * decoding, lib/tcp's tracker and reassembly, the protocol classifiers, the HTTP/1 message parser,
 * HPACK pieces) and works out what to rewrite, as edits in stream offsets per connection and
 * direction, plus each TCP packet's place in its stream. The second pass (writer.ts) applies them.
 *
 * Bytes no walker saw (beyond what reassembly delivered, e.g. after an RST or before the first
 * sequence number seen, or inside a gap that a late retransmission fills) are zeroed by the second
 * pass: nothing leaves unread.
 */
import { createCaptureReader } from '../capture/reader';
import { decodeNetwork } from '../capture/link';
import { NetworkLayer } from '../capture/network';
import { CaptureFormatError, type CaptureReader, type CapturedPacket } from '../capture/types';
import { PacketTable, TCP_SYN } from '../packets';
import type { AppParser, StreamEndReason } from '../stream';
import { TcpTracker } from '../tcp/tracker';
import { decodeSegment, emptySegment, seqDiff } from '../tcp/segment';
import type { Connection, Dir } from '../trace';
import { AddressMapper, randomKey } from './addresses';
import {
  DEFAULT_REDACT_HEADERS,
  MAPPED_HEADERS,
  emptyStats,
  type RedactOptions,
  type RedactStats,
  type WalkContext,
} from './context';
import { RedactDispatcher } from './dispatch';
import { EditList } from './edits';

const MAPPED: ReadonlySet<string> = new Set(MAPPED_HEADERS);

/** A fragment of a reassembled TCP datagram: where its TCP payload bytes are, in packet and stream. */
export interface FragmentPlace {
  conn: number;
  dir: number;
  /** Offset in the packet's data, stream offset there, and how many payload bytes it holds. */
  at: number;
  offset: number;
  length: number;
}

interface PendingFragment {
  row: number;
  /** Offset of the fragment's data in the datagram, in the packet, and its length. */
  fo: number;
  dataOffset: number;
  dataLength: number;
}

export interface ConnEdits {
  edits: Record<Dir, EditList>;
  /** Stream bytes [0, covered) of each direction went through a walker (or a gap). */
  covered: Record<Dir, number>;
}

/** Records what reassembly handed over, then passes it on. */
class Coverage implements AppParser {
  constructor(
    private readonly ce: ConnEdits,
    private readonly inner: AppParser,
  ) {}
  data(dir: Dir, bytes: Uint8Array, offset: number, packet: number, tS: number): void {
    this.ce.covered[dir] = Math.max(this.ce.covered[dir], offset + bytes.length);
    this.inner.data(dir, bytes, offset, packet, tS);
  }
  gap(dir: Dir, offset: number, length: number, tS: number): void {
    this.ce.covered[dir] = Math.max(this.ce.covered[dir], offset + length);
    // Never parsed: a late retransmission of these bytes must not carry them out.
    this.ce.edits[dir].zero(offset, length);
    this.inner.gap(dir, offset, length, tS);
  }
  end(dir: Dir, how: StreamEndReason, tS: number): void {
    this.inner.end(dir, how, tS);
  }
}

export class RedactPlan {
  readonly stats: RedactStats = emptyStats();
  readonly mapper: AddressMapper;
  readonly options: Required<Omit<RedactOptions, 'key' | 'redactHeaders'>> & { sensitive: Set<string> };
  /** Per packet row: TCP connection index (-1: none), direction (0 c2s, 1 s2c), stream offset of its payload. */
  segConn = new Int32Array(1024);
  segDir = new Uint8Array(1024);
  segOff = new Float64Array(1024);
  /** Packets the first pass read (the second writes no more than these). */
  packetCount = 0;
  /** Why the first pass stopped early, if it did. */
  readError: string | null = null;
  format: 'pcap' | 'pcapng' | null = null;
  compressed = false;
  readonly packets = new PacketTable();
  private readonly tracker: TcpTracker;
  private readonly reader: CaptureReader;
  private readonly byConn = new Map<Connection, ConnEdits>();
  private connEdits: (ConnEdits | null)[] = [];
  /** Per connection index and direction: last data sequence number and its stream offset. */
  private seqState: { seq: number; off: number }[][] = [];
  private readonly seg = emptySegment();
  /** Link layers, tunnels and IP reassembly, as the analysis does them. */
  private readonly network = new NetworkLayer();
  /** Fragments of datagrams not complete yet, by datagram. */
  private readonly pendingFragments = new Map<string, PendingFragment[]>();
  /** Rows that are fragments of reassembled TCP datagrams (rare: a map, not a column). */
  readonly fragments = new Map<number, FragmentPlace[]>();
  private t0: number | null = null;
  private stopped = false;

  constructor(opts: RedactOptions = {}, totalBytes?: number) {
    this.mapper = new AddressMapper(opts.key ?? randomKey());
    const sensitive = new Set(
      [...DEFAULT_REDACT_HEADERS, ...(opts.redactHeaders ?? [])].map((h) => h.toLowerCase()),
    );
    this.options = {
      mapPorts: opts.mapPorts ?? false,
      keepPayload: opts.keepPayload ?? false,
      mapSni: opts.mapSni ?? true,
      sensitive,
    };
    this.tracker = new TcpTracker({
      packets: this.packets,
      idleThresholdS: 1e9,
      createParser: (conn) => {
        const ce: ConnEdits = {
          edits: { c2s: new EditList(), s2c: new EditList() },
          covered: { c2s: 0, s2c: 0 },
        };
        this.byConn.set(conn, ce);
        return new Coverage(ce, new RedactDispatcher(this.context(ce, conn)));
      },
    });
    this.reader = createCaptureReader({ packet: (p) => this.onPacket(p) }, { totalBytes });
  }

  private context(ce: ConnEdits, conn: Connection): WalkContext {
    const keep = this.options.keepPayload;
    return {
      edits: ce.edits,
      sensitive: this.options.sensitive,
      mapped: MAPPED,
      mapValue: (raw) => this.mapValue(raw),
      valueSeed: (v) => this.mapper.keyed(0x48, v, 64),
      keepPayload: keep,
      mapName: this.options.mapSni ? (n) => this.mapName(n) : null,
      stats: this.stats,
      midStream: () => {
        const basis = conn.directionBasis;
        return basis !== 'syn' && basis !== 'syn-ack' && basis !== 'log';
      },
      cut: (dir, offset, length) => {
        if (!keep) ce.edits[dir].zero(offset, length);
      },
    };
  }

  /**
   * Same-length pseudonym of a header value such as `api.internal:8443` or `10.0.0.7`: letters
   * and digits replaced by keyed ones of their class, punctuation and a trailing :port kept.
   */
  mapValue(raw: Uint8Array): Uint8Array {
    const out = raw.slice();
    const stream = this.mapper.keyed(0x48, raw, raw.length);
    let end = raw.length;
    const colon = raw.lastIndexOf(0x3a);
    if (colon > 0 && colon < raw.length - 1 && raw.subarray(colon + 1).every((b) => b >= 0x30 && b <= 0x39))
      end = colon;
    for (let i = 0; i < end; i++) {
      const b = raw[i];
      const r = stream[i];
      if (b >= 0x61 && b <= 0x7a) out[i] = 0x61 + (r % 26);
      else if (b >= 0x41 && b <= 0x5a) out[i] = 0x41 + (r % 26);
      else if (b >= 0x30 && b <= 0x39) out[i] = 0x30 + (r % 10);
    }
    return out;
  }

  /** Same-length pseudonym of a host name: labels keep their lengths and dots, the last label stays. */
  mapName(name: string): string {
    const labels = name.split('.');
    const stream = this.mapper.keyed(0x4e, new TextEncoder().encode(name.toLowerCase()), name.length);
    let k = 0;
    return labels
      .map((l, i) =>
        i === labels.length - 1 && labels.length > 1
          ? l
          : Array.from(l, () => String.fromCharCode(0x61 + (stream[k++] % 26))).join(''),
      )
      .join('.');
  }

  push(chunk: Uint8Array): void {
    if (this.stopped) return;
    try {
      this.reader.push(chunk);
    } catch (e) {
      this.fail(e);
    }
  }

  finish(): void {
    if (!this.stopped) {
      try {
        this.reader.end();
      } catch (e) {
        this.fail(e);
      }
    }
    const info = this.reader.info;
    this.format = info.format;
    this.compressed = info.compression === 'gzip';
    this.tracker.finish(
      this.t0 === null ? 0 : this.packets.length ? this.packets.time[this.packets.length - 1] : 0,
    );
    this.connEdits = this.tracker.connections.map((c) => this.byConn.get(c) ?? null);
    let cut = 0;
    for (const ce of this.connEdits) if (ce) cut += ce.edits.c2s.zeroCount + ce.edits.s2c.zeroCount;
    this.stats.payloadBytesCut = cut;
  }

  private fail(e: unknown): void {
    this.stopped = true;
    if (!(e instanceof CaptureFormatError)) throw e;
    if (this.packetCount === 0) throw e;
    this.readError = e.message;
  }

  /** Edits of a connection index, or null. */
  editsOf(conn: number): ConnEdits | null {
    return this.connEdits[conn] ?? null;
  }

  private onPacket(p: CapturedPacket): void {
    const t = p.tsSec + p.tsNsec / 1e9;
    if (this.t0 === null) this.t0 = t;
    const tS = Math.max(0, t - this.t0);
    const row = this.packets.add(tS, p.fileOffset, p.caplen, p.origLen, p.interfaceId, p.linkType);
    this.packetCount = row + 1;
    if (row >= this.segConn.length) this.grow();
    this.segConn[row] = -1;
    const raw = decodeNetwork(p.linkType, p.data);
    let key: string | null = null;
    if (!('reason' in raw) && raw.frag) {
      key = `${raw.vlan.join('.')}@${raw.tunnel ?? ''}|${raw.ipVersion}|${raw.src}|${raw.dst}|${raw.frag.id}|${raw.frag.next}`;
      let list = this.pendingFragments.get(key);
      // Datagrams that never complete are forgotten in bulk (the analysis times them out too).
      if (!list && this.pendingFragments.size >= 65536) this.pendingFragments.clear();
      if (!list) this.pendingFragments.set(key, (list = []));
      if (list.length < 4096)
        list.push({
          row,
          fo: raw.frag.offset,
          dataOffset: raw.frag.dataOffset,
          dataLength: raw.frag.dataLength,
        });
    }
    const net = this.network.decode(p.linkType, p.data, tS);
    if ('reason' in net) return;
    if (net.protocol !== 6 || (net.fragment && !net.reassembled)) return;
    const buf = net.reassembled ?? p.data;
    this.tracker.segment(row, tS, net, buf);
    const conn = this.packets.conn[row];
    if (conn < 0) return;
    if (decodeSegment(net, buf, this.seg) !== null) return;
    const dirIdx = this.packets.dir[row];
    const s = this.seg;
    const dataSeq = s.flags & TCP_SYN ? (s.seq + 1) >>> 0 : s.seq;
    let perConn = this.seqState[conn];
    if (!perConn) perConn = this.seqState[conn] = [];
    let st = perConn[dirIdx];
    if (!st) st = perConn[dirIdx] = { seq: dataSeq, off: 0 };
    const off = st.off + seqDiff(dataSeq, st.seq);
    st.seq = dataSeq;
    st.off = off;
    if (net.reassembled) {
      // The segment came in pieces: each fragment gets the part of the TCP payload it carries.
      const pieces = key ? (this.pendingFragments.get(key) ?? []) : [];
      if (key) this.pendingFragments.delete(key);
      const payStart = net.l4Offset + s.headerLen;
      const payEnd = net.l4Offset + net.l4Length;
      for (const f of pieces) {
        const a = Math.max(f.fo, payStart);
        const b = Math.min(f.fo + f.dataLength, payEnd);
        const place: FragmentPlace = {
          conn,
          dir: dirIdx,
          at: f.dataOffset + (a - f.fo),
          offset: off + (a - payStart),
          length: Math.max(0, b - a),
        };
        const list = this.fragments.get(f.row);
        if (list) list.push(place);
        else this.fragments.set(f.row, [place]);
      }
      return;
    }
    this.segConn[row] = conn;
    this.segDir[row] = dirIdx;
    this.segOff[row] = off;
  }

  private grow(): void {
    const n = this.segConn.length * 2;
    const c = new Int32Array(n);
    c.set(this.segConn);
    this.segConn = c;
    const d = new Uint8Array(n);
    d.set(this.segDir);
    this.segDir = d;
    const o = new Float64Array(n);
    o.set(this.segOff);
    this.segOff = o;
  }
}
