/**
 * TCP connection tracking: groups segments into connections, decides client and server, counts
 * per direction, runs Wireshark's per-segment sequence analysis, measures idle gaps, and feeds
 * reassembled bytes to an AppParser.
 *
 * API
 *   const t = new TcpTracker({ packets, idleThresholdS, createParser?, warn?, maxBufferedPerDir? });
 *   t.segment(row, tS, net, data)   // once per TCP packet, in capture order
 *   const conns = t.finish(captureEndS)
 *
 * - `row` is the PacketTable row (packet number - 1), already added by the caller; the tracker
 *   fills conn, dir, tcpFlags, payloadLen, ttl, l4 and ORs in analysis bits.
 * - `createParser(conn)` is called when a connection is first seen; the Connection object it gets
 *   is live (filled in as packets arrive, final after finish()).
 * - `finish` closes every stream (end(dir, 'capture-end') where no FIN/RST ended it), fills end
 *   states and idle gaps, and returns connections in order of first packet; PacketTable.conn holds
 *   indexes into that array.
 *
 * Connection identity: VLAN ids + the two endpoints. Unlike tshark (which keys tcp.stream on
 * addresses and ports only), the same 4-tuple on two VLANs is two connections. A SYN (without ACK)
 * whose sequence number differs from the base sequence number of its sender's direction starts a new
 * connection on the same 4-tuple (port reuse), as Wireshark does.
 *
 * Client: the SYN sender ('syn'); the receiver of a SYN-ACK when that is the first packet
 * ('syn-ack'); else, when exactly one port is below 1024, the other side ('port'); else the sender
 * of the first packet ('first-packet').
 *
 * Sequence analysis follows the rules and order of Wireshark's tcp_analyze_sequence_number
 * (epan/dissectors/packet-tcp.c), on raw sequence numbers as Wireshark runs it, so the
 * tcp.analysis.* flags match tshark's.
 */
import type { NetPacket } from '../capture/types';
import {
  A_DUP_ACK,
  A_FAST_RETRANSMISSION,
  A_KEEP_ALIVE,
  A_KEEP_ALIVE_ACK,
  A_LOST_SEGMENT,
  A_MALFORMED,
  A_ACKED_UNSEEN,
  A_OUT_OF_ORDER,
  A_RETRANSMISSION,
  A_SPURIOUS_RETRANSMISSION,
  A_WINDOW_FULL,
  A_WINDOW_UPDATE,
  A_ZERO_WINDOW,
  A_ZERO_WINDOW_PROBE,
  DIR_C2S,
  DIR_S2C,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  type PacketTable,
} from '../packets';
import type { AppParser } from '../stream';
import { newConnection, type Connection, type Dir, type IdleGap } from '../trace';
import { DEFAULT_MAX_BUFFERED, DirectionReassembler } from './reassembly';
import { decodeSegment, emptySegment, seqGt, seqLe, seqLt } from './segment';

export interface TcpTrackerOptions {
  packets: PacketTable;
  idleThresholdS: number;
  createParser?: (conn: Connection) => AppParser | null;
  warn?: (msg: string) => void;
  /** Out-of-order bytes held per direction before a hole is given up (default 8 MiB). */
  maxBufferedPerDir?: number;
  /**
   * Only connections whose canonical key this accepts are tracked (lib/parallel: one worker's
   * share); other segments leave their row's TCP columns untouched.
   */
  owns?: (key: string) => boolean;
}

/** A zero-window-probe ACK is tracked but has no PacketTable bit. */
const ZWP_ACK = 1 << 16;
const KEEPALIVE_BITS = A_KEEP_ALIVE | A_KEEP_ALIVE_ACK;
const MAX_KEEPALIVE_PACKETS = 1000;

/** Wireshark's per-direction sequence-analysis state (raw numbers; 0 = not yet known). */
interface DirState {
  baseSeq: number;
  baseSet: boolean;
  nextseq: number;
  nextseqTime: number;
  maxseqtobeacked: number;
  lastack: number;
  lastackTime: number;
  /** Last window, scaled when the scale is known; -1 before the first segment. */
  window: number;
  /** Window scale: -1 unknown (no SYN seen), -2 not in use, else the shift count. */
  winScale: number;
  lastSegFlags: number;
  dupacknum: number;
  /** Previous packet in this direction: for RST provenance. */
  lastTtl: number;
  lastIpId: number | null;
  hasLast: boolean;
  /** ISN of the first SYN (or SYN-ACK) sent in this direction. */
  synIsn: number | null;
  reasm: DirectionReassembler;
}

interface ConnState {
  conn: Connection;
  index: number;
  key: string;
  parser: AppParser | null;
  d: [DirState, DirState];
  /** First RTT (SYN -> ACK of SYN-ACK) in seconds, 0 until known: the out-of-order threshold. */
  firstRtt: number;
  lastSynTime: number;
  closed: boolean;
  lastPacketT: number;
  /** Last packet that counts as activity for idle gaps (keep-alives and their ACKs do not). */
  lastActiveT: number;
  lastActivePacket: number;
  keepaliveSinceActive: boolean;
}

export class TcpTracker {
  private readonly packets: PacketTable;
  private readonly idleThresholdS: number;
  private readonly createParser?: (conn: Connection) => AppParser | null;
  private readonly warn: (msg: string) => void;
  private readonly maxBuffered: number;
  private readonly owns?: (key: string) => boolean;
  private readonly byKey = new Map<string, ConnState>();
  private readonly states: ConnState[] = [];
  private readonly seg = emptySegment();
  /** The previous packet's tuple and connection entry (see segment()). */
  private readonly last: {
    st: ConnState | null;
    key: string;
    vlan: string;
    ipA: string;
    portA: number;
    ipB: string;
    portB: number;
  } = {
    st: null,
    key: '',
    vlan: '',
    ipA: '',
    portA: -1,
    ipB: '',
    portB: -1,
  };
  private malformedWarnings = 0;

  constructor(opts: TcpTrackerOptions) {
    this.packets = opts.packets;
    this.idleThresholdS = opts.idleThresholdS;
    this.createParser = opts.createParser;
    this.warn = opts.warn ?? (() => {});
    this.maxBuffered = opts.maxBufferedPerDir ?? DEFAULT_MAX_BUFFERED;
    this.owns = opts.owns;
  }

  /** Connections so far (live objects), in order of first packet. */
  get connections(): Connection[] {
    return this.states.map((s) => s.conn);
  }

  segment(row: number, tS: number, net: NetPacket, data: Uint8Array): void {
    const pt = this.packets;
    const packet = row + 1;
    pt.ttl[row] = net.ttl;
    pt.l4[row] = net.protocol;
    const seg = this.seg;
    const err = decodeSegment(net, data, seg);
    if (err !== null) {
      pt.analysis[row] |= A_MALFORMED;
      if (this.malformedWarnings++ < 100) this.warn(`packet ${packet}: TCP header not decodable (${err})`);
      return;
    }
    const flags = seg.flags;
    // VLAN ids and, for a tunnelled packet, the overlay network (VXLAN VNI) key a connection.
    const vlan = (net.vlan.length === 0 ? '' : net.vlan.join('.')) + (net.tunnel ? `@${net.tunnel}` : '');
    // Consecutive packets mostly belong to the same connection: when the tuple is the previous
    // packet's (either direction), reuse its key and entry instead of building and hashing a key
    // string per packet (a third of the time on captures of many small packets).
    const last = this.last;
    let key: string;
    let st: ConnState | undefined;
    if (
      last.st !== null &&
      vlan === last.vlan &&
      ((seg.srcPort === last.portA &&
        seg.dstPort === last.portB &&
        net.src === last.ipA &&
        net.dst === last.ipB) ||
        (seg.srcPort === last.portB &&
          seg.dstPort === last.portA &&
          net.src === last.ipB &&
          net.dst === last.ipA))
    ) {
      key = last.key;
      st = last.st;
    } else {
      // Canonical endpoint order so both directions find the same entry.
      const srcFirst = net.src < net.dst || (net.src === net.dst && seg.srcPort <= seg.dstPort);
      key = srcFirst
        ? `${vlan}|${net.src}|${seg.srcPort}|${net.dst}|${seg.dstPort}`
        : `${vlan}|${net.dst}|${seg.dstPort}|${net.src}|${seg.srcPort}`;
      st = this.byKey.get(key);
      if (st === undefined && this.owns !== undefined && !this.owns(key)) return;
    }
    const isSynOnly = (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    if (st && isSynOnly) {
      const di = this.isClientSide(st, net.src, seg.srcPort) ? DIR_C2S : DIR_S2C;
      const ds = st.d[di];
      if (ds.baseSet && seg.seq !== ds.baseSeq) {
        // Port reuse: a new connection. Nothing more will reach the old one's streams.
        st.d[DIR_C2S].reasm.close('capture-end', tS);
        st.d[DIR_S2C].reasm.close('capture-end', tS);
        st = undefined;
      }
    }
    if (!st) st = this.newConnection(key, tS, packet, net, flags);
    if (last.st !== st) {
      // byKey maps `key` to `st` here (found there, or just set by newConnection).
      last.st = st;
      last.key = key;
      last.vlan = vlan;
      last.ipA = net.src;
      last.portA = seg.srcPort;
      last.ipB = net.dst;
      last.portB = seg.dstPort;
    }
    const c = st.conn;
    const di = this.isClientSide(st, net.src, seg.srcPort) ? DIR_C2S : DIR_S2C;
    const dir: Dir = di === DIR_C2S ? 'c2s' : 's2c';
    const fwd = st.d[di];
    const rev = st.d[1 - di];

    pt.conn[row] = st.index;
    pt.dir[row] = di;
    pt.tcpFlags[row] = flags;
    pt.payloadLen[row] = seg.payloadLen;
    // Header facts for display filters (lib/tcp/fields.ts): raw, as on the wire.
    pt.seq[row] = seg.seq;
    pt.ack[row] = seg.ack;
    pt.window[row] = seg.window;
    pt.tcpOffset[row] = data[net.l4Offset + 12];
    pt.ipId[row] = net.ipId ?? 0;

    const gapSincePrev = Math.max(0, tS - st.lastPacketT);
    c.packets[dir]++;
    c.bytes[dir] += seg.payloadLen;
    if (tS > c.endS) c.endS = tS;
    c.lastPacket = packet;

    // Handshake and window scaling.
    if (flags & TCP_SYN) {
      if (fwd.synIsn === null) fwd.synIsn = seg.seq;
      if (!(flags & TCP_ACK)) st.lastSynTime = tS;
      if (flags & TCP_ACK) {
        if (c.handshake.synAck === null) c.handshake.synAck = packet;
      } else if (c.handshake.syn === null) c.handshake.syn = packet;
      if (seg.windowScale >= 0) fwd.winScale = seg.windowScale;
      else fwd.winScale = -2;
      if (flags & TCP_ACK && rev.winScale === -2) fwd.winScale = -2;
      if (flags & TCP_ACK && fwd.winScale === -2 && rev.winScale >= 0) rev.winScale = -2;
    } else if (flags & TCP_ACK) {
      if (c.handshake.synAck !== null && c.handshake.ack === null && di === DIR_C2S) {
        c.handshake.ack = packet;
        // From the most recent SYN: a retransmitted SYN restarts the measurement, as in Wireshark.
        if (c.handshake.syn !== null) c.handshake.rttS = Math.max(0, tS - st.lastSynTime);
      }
      // Wireshark's first RTT (most recent SYN -> first ACK): its out-of-order threshold.
      if (st.firstRtt === 0 && st.lastSynTime >= 0) st.firstRtt = Math.max(0, tS - st.lastSynTime);
    }
    let window = seg.window;
    if (!(flags & TCP_SYN) && fwd.winScale >= 0) window = window * (1 << fwd.winScale);

    const bits = this.analyze(st, fwd, rev, seg.seq, seg.ack, seg.payloadLen, flags, window, tS);
    pt.analysis[row] |= bits & 0xffff;
    this.count(c, dir, bits, packet);

    // FIN / RST bookkeeping (retransmitted ones included, as tshark counts tcp.flags.fin == 1).
    if (flags & TCP_FIN) {
      c.fin[dir]++;
      if (c.firstFin[dir] === null) c.firstFin[dir] = { packet, tS };
    }
    if (flags & TCP_RST) {
      c.rst[dir]++;
      if (c.firstRst[dir] === null) c.firstRst[dir] = { packet, tS };
      c.rsts.push({
        packet,
        tS,
        dir,
        ttl: net.ttl,
        ipId: net.ipId,
        prevTtl: fwd.hasLast ? fwd.lastTtl : null,
        prevIpId: fwd.hasLast ? fwd.lastIpId : null,
        silenceBeforeS: c.packets.c2s + c.packets.s2c > 1 ? gapSincePrev : 0,
      });
    }
    const firstFromSender = !fwd.hasLast;
    fwd.lastTtl = net.ttl;
    fwd.lastIpId = net.ipId;
    fwd.hasLast = true;

    // Idle accounting while the connection is open.
    if (!st.closed) {
      if (c.packets.c2s + c.packets.s2c > 1 && gapSincePrev > c.maxIdleS) c.maxIdleS = gapSincePrev;
      if (bits & KEEPALIVE_BITS) {
        st.keepaliveSinceActive = true;
      } else {
        const silence = tS - st.lastActiveT;
        if (st.lastActivePacket > 0 && silence >= this.idleThresholdS) {
          c.idleGaps.push(this.gap(st, tS, packet));
        }
        st.lastActiveT = tS;
        st.lastActivePacket = packet;
        st.keepaliveSinceActive = false;
      }
    }
    st.lastPacketT = tS;

    // Reassembly.
    const r = fwd.reasm;
    if (flags & TCP_SYN) r.start((seg.seq + 1) >>> 0);
    else r.start(seg.seq);
    if (seg.capturedPayloadLen > 0) {
      const dataSeq = flags & TCP_SYN ? (seg.seq + 1) >>> 0 : seg.seq;
      r.data(dataSeq, data, seg.payloadOffset, seg.capturedPayloadLen, packet, tS);
    }
    if (flags & TCP_FIN) r.fin((seg.seq + seg.payloadLen + (flags & TCP_SYN ? 1 : 0)) >>> 0, tS);
    if (flags & TCP_ACK && !(flags & TCP_RST)) rev.reasm.acked(seg.ack, tS, packet);
    if (flags & TCP_RST) {
      // The sender of an RST sends no more bytes; the peer's bytes already on the wire may still
      // be captured after it (they are delivered, and that direction ends 'rst' at finish()).
      // An RST that answers a SYN (the first packet from its sender) must ACK it to be
      // acceptable (RFC 9293 3.10.7.3): otherwise the client's stack ignores it, and so do we.
      const answersSyn = firstFromSender && rev.synIsn !== null;
      if (!answersSyn || (flags & TCP_ACK && rev.synIsn !== null && seg.ack === (rev.synIsn + 1) >>> 0)) {
        r.close('rst', tS);
      } else if (c.warnings.length < 100) {
        c.warnings.push(
          `packet ${packet}: RST during the handshake does not acknowledge the SYN; byte streams continue`,
        );
      }
    }

    if (!st.closed && (flags & TCP_RST || (c.fin.c2s > 0 && c.fin.s2c > 0))) st.closed = true;
  }

  finish(captureEndS: number): Connection[] {
    for (const st of this.states) {
      const c = st.conn;
      const a = c.analysis;
      // A direction still open on a reset connection ends 'rst'; otherwise with the capture.
      const how = c.rst.c2s + c.rst.s2c > 0 ? 'rst' : 'capture-end';
      st.d[DIR_C2S].reasm.close(how, captureEndS);
      st.d[DIR_S2C].reasm.close(how, captureEndS);
      a.c2s.missingBytes = st.d[DIR_C2S].reasm.missingBytes;
      a.s2c.missingBytes = st.d[DIR_S2C].reasm.missingBytes;
      const anyRst = c.rst.c2s + c.rst.s2c > 0;
      c.end = anyRst
        ? 'reset'
        : c.fin.c2s > 0 && c.fin.s2c > 0
          ? 'closed'
          : c.fin.c2s > 0
            ? 'half-closed-by-client'
            : c.fin.s2c > 0
              ? 'half-closed-by-server'
              : 'open';
      if (!st.closed) {
        const trailing = Math.max(0, captureEndS - st.lastPacketT);
        if (trailing > c.maxIdleS) c.maxIdleS = trailing;
        const silence = captureEndS - st.lastActiveT;
        if (silence >= this.idleThresholdS && silence > 0) c.idleGaps.push(this.gap(st, captureEndS, null));
      }
    }
    return this.states.map((s) => s.conn);
  }

  private gap(st: ConnState, endS: number, toPacket: number | null): IdleGap {
    return {
      startS: st.lastActiveT,
      endS,
      durationS: endS - st.lastActiveT,
      fromPacket: st.lastActivePacket,
      toPacket,
      keepaliveInside: st.keepaliveSinceActive,
      untilCaptureEnd: toPacket === null,
    };
  }

  private isClientSide(st: ConnState, ip: string, port: number): boolean {
    return st.conn.clientPort === port && st.conn.clientIp === ip;
  }

  private newConnection(key: string, tS: number, packet: number, net: NetPacket, flags: number): ConnState {
    const seg = this.seg;
    let clientIsSrc: boolean;
    let basis: Connection['directionBasis'];
    if ((flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
      clientIsSrc = true;
      basis = 'syn';
    } else if ((flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) {
      clientIsSrc = false;
      basis = 'syn-ack';
    } else if (seg.srcPort < 1024 !== seg.dstPort < 1024) {
      // A well-known port is the server's.
      clientIsSrc = seg.dstPort < 1024;
      basis = 'port';
    } else {
      clientIsSrc = true;
      basis = 'first-packet';
    }
    const clientIp = clientIsSrc ? net.src : net.dst;
    const clientPort = clientIsSrc ? seg.srcPort : seg.dstPort;
    const serverIp = clientIsSrc ? net.dst : net.src;
    const serverPort = clientIsSrc ? seg.dstPort : seg.srcPort;
    const index = this.states.length;
    const conn = newConnection({
      index,
      clientIp,
      clientPort,
      serverIp,
      serverPort,
      vlan: net.vlan.slice(),
      directionBasis: basis,
      startS: tS,
      firstPacket: packet,
    });
    if (net.tunnel) conn.tunnel = net.tunnel;
    const parser = this.createParser ? this.createParser(conn) : null;
    const st: ConnState = {
      conn,
      index,
      key,
      parser,
      d: [this.dirState('c2s', parser), this.dirState('s2c', parser)],
      firstRtt: 0,
      lastSynTime: -1,
      closed: false,
      lastPacketT: tS,
      lastActiveT: tS,
      lastActivePacket: 0,
      keepaliveSinceActive: false,
    };
    this.states.push(st);
    this.byKey.set(key, st);
    return st;
  }

  private dirState(dir: Dir, parser: AppParser | null): DirState {
    return {
      baseSeq: 0,
      baseSet: false,
      nextseq: 0,
      nextseqTime: 0,
      maxseqtobeacked: 0,
      lastack: 0,
      lastackTime: 0,
      window: -1,
      winScale: -1,
      lastSegFlags: 0,
      dupacknum: 0,
      lastTtl: 0,
      lastIpId: null,
      hasLast: false,
      synIsn: null,
      reasm: new DirectionReassembler(dir, parser, this.maxBuffered),
    };
  }

  private count(c: Connection, dir: Dir, bits: number, packet: number): void {
    if (bits === 0) return;
    const a = c.analysis[dir];
    if (bits & A_RETRANSMISSION) a.retransmission++;
    if (bits & A_FAST_RETRANSMISSION) a.fastRetransmission++;
    if (bits & A_SPURIOUS_RETRANSMISSION) a.spuriousRetransmission++;
    // tshark's tcp.analysis.retransmission is set on plain, fast and spurious retransmissions alike.
    if (bits & (A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION))
      c.retransmissions[dir]++;
    if (bits & A_OUT_OF_ORDER) a.outOfOrder++;
    if (bits & A_DUP_ACK) a.duplicateAck++;
    if (bits & A_ZERO_WINDOW) a.zeroWindow++;
    if (bits & A_ZERO_WINDOW_PROBE) a.zeroWindowProbe++;
    if (bits & A_WINDOW_FULL) a.windowFull++;
    if (bits & A_KEEP_ALIVE) {
      a.keepAlive++;
      c.keepalives[dir]++;
      if (c.keepalivePackets[dir].length < MAX_KEEPALIVE_PACKETS) c.keepalivePackets[dir].push(packet);
    }
    if (bits & A_KEEP_ALIVE_ACK) a.keepAliveAck++;
    if (bits & A_LOST_SEGMENT) a.lostSegment++;
  }

  /**
   * Wireshark's tcp_analyze_sequence_number, rule by rule and in its order. Returns A_* bits
   * (plus ZWP_ACK).
   */
  private analyze(
    st: ConnState,
    fwd: DirState,
    rev: DirState,
    rawSeq: number,
    rawAck: number,
    seglen: number,
    flags: number,
    window: number,
    tS: number,
  ): number {
    // Base sequence numbers: the ISN of a SYN, else one before the first sequence number seen;
    // the reverse base from the first ACK number seen (ack - 1).
    // Base sequence numbers (for port-reuse detection): the ISN of a SYN, else one before the
    // first sequence number seen; a SYN-ACK with a new ISN on a known tuple (tshark: "port numbers
    // reused") stays the same connection but restarts this direction's sequence space.
    if (fwd.baseSet && flags & TCP_SYN && flags & TCP_ACK && rawSeq !== fwd.baseSeq) {
      fwd.baseSet = false;
      fwd.nextseq = 0;
      fwd.maxseqtobeacked = 0;
    }
    if (!fwd.baseSet) {
      fwd.baseSeq = flags & TCP_SYN ? rawSeq : (rawSeq - 1) >>> 0;
      fwd.baseSet = true;
    }
    // Wireshark analyzes raw sequence numbers (relative ones are only for display), with 0 meaning
    // "not yet known" — a quirk kept on purpose so flags match tshark's on ISN-0 traffic.
    const seq = rawSeq;
    const ack = rawAck;
    const ctl = flags & (TCP_SYN | TCP_FIN | TCP_RST);
    let bits = 0;

    done: {
      // Zero window probe: one byte at the next expected sequence number into a zero window.
      if (seglen === 1 && seq === fwd.nextseq && rev.window === 0) {
        bits |= A_ZERO_WINDOW_PROBE;
        break done;
      }
      if (window === 0 && (flags & (TCP_RST | TCP_FIN | TCP_SYN)) === 0) bits |= A_ZERO_WINDOW;
      // Previous segment not captured.
      if (fwd.nextseq !== 0 && seqGt(seq, fwd.nextseq) && (flags & TCP_RST) === 0) bits |= A_LOST_SEGMENT;
      // Keep-alive: 0 or 1 byte starting one before the next expected sequence number.
      if ((seglen === 0 || seglen === 1) && seq === (fwd.nextseq - 1) >>> 0 && ctl === 0)
        bits |= A_KEEP_ALIVE;
      const sameAckSeq = seglen === 0 && seq === fwd.nextseq && ack === fwd.lastack && ctl === 0;
      if (sameAckSeq && window !== 0 && window !== fwd.window) bits |= A_WINDOW_UPDATE;
      if (
        seglen > 0 &&
        rev.winScale !== -1 &&
        rev.window >= 0 &&
        ctl === 0 &&
        (seq + seglen) >>> 0 === (rev.lastack + rev.window) >>> 0
      ) {
        bits |= A_WINDOW_FULL;
      }
      if (sameAckSeq && window !== 0 && window === fwd.window && rev.lastSegFlags & A_KEEP_ALIVE) {
        bits |= A_KEEP_ALIVE_ACK;
        break done;
      }
      if (sameAckSeq && window === 0 && window === fwd.window && rev.lastSegFlags & A_ZERO_WINDOW_PROBE) {
        bits |= ZWP_ACK;
        break done;
      }
      if (sameAckSeq && window !== 0 && window === fwd.window) {
        fwd.dupacknum = fwd.dupacknum < 0 ? 1 : fwd.dupacknum + 1;
        bits |= A_DUP_ACK;
      }
    }
    if (ack !== fwd.lastack) fwd.dupacknum = 0;

    // ACKed unseen segment: the ACK covers more than the other direction has shown (Wireshark's
    // rule, its dupacknum guard included: one report per lost segment while that direction sends
    // only pure ACKs). Where the other direction has since gone on past the hole (its nextseq
    // beyond the mark), the mark jumps there too: otherwise a mark stuck below the first gap made
    // every later ACK number "unseen" (990 of ~1,000 packets in lab/http1-capture-gap, where
    // tshark 4.0 reports 1 or 2).
    if (rev.maxseqtobeacked !== 0 && seqGt(ack, rev.maxseqtobeacked) && flags & TCP_ACK) {
      if (rev.maxseqtobeacked > rev.nextseq) {
        rev.maxseqtobeacked = rev.nextseq;
        bits |= A_ACKED_UNSEEN;
      } else {
        if (rev.dupacknum === 0) bits |= A_ACKED_UNSEEN;
        rev.dupacknum = -1;
        if (seqGt(rev.nextseq, rev.maxseqtobeacked)) rev.maxseqtobeacked = rev.nextseq;
      }
    }

    retrans: if (seglen > 0 || flags & (TCP_SYN | TCP_FIN)) {
      if (bits & A_KEEP_ALIVE) break retrans;
      let notAdvanced = fwd.nextseq !== 0 && seqLt(seq, fwd.nextseq);
      // More than one byte starting just below nextseq follows a probe: new data, not a resend.
      if (seglen > 1 && (fwd.nextseq - 1) >>> 0 === seq) notAdvanced = false;
      if (seglen > 0 && rev.lastack !== 0 && seqLe((seq + seglen) >>> 0, rev.lastack)) {
        bits |= A_SPURIOUS_RETRANSMISSION;
        break retrans;
      }
      if (notAdvanced && rev.dupacknum >= 2 && rev.lastack === seq && tS - rev.lastackTime < 0.02) {
        bits |= A_FAST_RETRANSMISSION;
        break retrans;
      }
      const oooThreshold = st.firstRtt > 0 ? st.firstRtt : 0.003;
      const segEnd = (seq + seglen + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0)) >>> 0;
      if (notAdvanced && tS - fwd.nextseqTime < oooThreshold && fwd.nextseq !== segEnd) {
        bits |= A_OUT_OF_ORDER;
        break retrans;
      }
      if (notAdvanced) bits |= A_RETRANSMISSION;
    }

    let nextseq = (seq + seglen) >>> 0;
    if (flags & (TCP_SYN | TCP_FIN)) nextseq = (nextseq + 1) >>> 0;
    const zwp = (bits & A_ZERO_WINDOW_PROBE) !== 0;
    if ((seqGt(nextseq, fwd.nextseq) || fwd.nextseq === 0) && !zwp) {
      fwd.nextseq = nextseq;
      fwd.nextseqTime = tS;
    }
    if ((seq === fwd.maxseqtobeacked || fwd.maxseqtobeacked === 0) && !zwp) fwd.maxseqtobeacked = fwd.nextseq;

    fwd.window = window;
    fwd.lastack = ack;
    fwd.lastackTime = tS;
    fwd.lastSegFlags = bits;
    return bits;
  }
}
