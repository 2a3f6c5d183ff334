/**
 * The capture -> TCP steps wired together (isomorphic), for tests and as the model lib/analyze.ts
 * follows: each packet gets a PacketTable row, its network layer is decoded, TCP packets (and first
 * fragments) go to the TcpTracker.
 */
import { NetworkLayer } from '../capture/network';
import { createCaptureReader } from '../capture/reader';
import {
  CaptureFormatError,
  type CapturedPacket,
  type NetDecodeFailure,
  type NetPacket,
} from '../capture/types';
import { A_IP_FRAGMENT, A_MALFORMED, A_TRUNCATED, PacketTable } from '../packets';
import type { AppParser } from '../stream';
import type { Connection } from '../trace';
import { TcpTracker } from './tracker';

/** Decodes one packet's network layer; `tS` (seconds) lets a stateful one time fragments out. */
export type NetworkDecoder = (
  linkType: number,
  data: Uint8Array,
  tS?: number,
) => NetPacket | NetDecodeFailure;

export interface TrackOptions {
  idleThresholdS?: number;
  createParser?: (conn: Connection) => AppParser | null;
  /** Wraps the network decoder (tests use it to drop VLAN ids, for tshark's keying). */
  decode?: (d: NetworkDecoder) => NetworkDecoder;
}

export interface TrackResult {
  connections: Connection[];
  packets: PacketTable;
  warnings: string[];
  nonTcpPackets: number;
}

/** Push-style pipeline: call `packet` per captured packet in file order, then `finish`. */
export class TrackPipeline {
  readonly packets = new PacketTable();
  readonly warnings: string[] = [];
  nonTcpPackets = 0;
  private readonly tracker: TcpTracker;
  private start: [number, number] | null = null;
  private lastS = 0;

  private readonly decode: NetworkDecoder;

  constructor(decode: NetworkDecoder, opts: TrackOptions = {}) {
    this.decode = opts.decode ? opts.decode(decode) : decode;
    this.tracker = new TcpTracker({
      packets: this.packets,
      idleThresholdS: opts.idleThresholdS ?? 30,
      createParser: opts.createParser,
      warn: (m) => this.warnings.push(m),
    });
  }

  packet(p: CapturedPacket): void {
    if (!this.start) this.start = [p.tsSec, p.tsNsec];
    const tS = p.tsSec - this.start[0] + (p.tsNsec - this.start[1]) / 1e9;
    if (tS > this.lastS) this.lastS = tS;
    const row = this.packets.add(tS, p.fileOffset, p.caplen, p.origLen, p.interfaceId, p.linkType);
    if (p.caplen < p.origLen) this.packets.analysis[row] |= A_TRUNCATED;
    const net = this.decode(p.linkType, p.data, tS);
    if ('reason' in net) {
      if (net.reason === 'malformed') this.packets.analysis[row] |= A_MALFORMED;
      this.nonTcpPackets++;
      return;
    }
    this.packets.ttl[row] = net.ttl;
    this.packets.l4[row] = net.protocol;
    if (net.fragment) this.packets.analysis[row] |= A_IP_FRAGMENT;
    // A fragment reaches TCP only as the datagram it completed (net.reassembled).
    if (net.protocol !== 6 || (net.fragment && !net.reassembled)) {
      this.nonTcpPackets++;
      return;
    }
    this.tracker.segment(row, tS, net, net.reassembled ?? p.data);
  }

  finish(): TrackResult {
    const connections = this.tracker.finish(this.lastS);
    return { connections, packets: this.packets, warnings: this.warnings, nonTcpPackets: this.nonTcpPackets };
  }
}

/** Runs already-read packets through the TCP steps. */
export function trackPackets(
  packets: Iterable<CapturedPacket>,
  decode: NetworkDecoder,
  opts: TrackOptions = {},
): TrackResult {
  const pipe = new TrackPipeline(decode, opts);
  for (const p of packets) pipe.packet(p);
  return pipe.finish();
}

/**
 * A whole capture file (pcap, pcapng, gzip) through lib/capture's reader and decodeNetwork and the
 * TcpTracker. A file damaged part-way keeps the packets before the damage; the reader's complaint
 * and warnings are in `warnings`. Throws CaptureFormatError when not even one packet could be read.
 */
export function trackCapture(bytes: Uint8Array, opts: TrackOptions = {}): TrackResult {
  const network = new NetworkLayer();
  const pipe = new TrackPipeline((lt, data, tS) => network.decode(lt, data, tS), opts);
  const reader = createCaptureReader({ packet: (p) => pipe.packet(p) }, { totalBytes: bytes.length });
  try {
    reader.push(bytes);
    reader.end();
  } catch (e) {
    if (!(e instanceof CaptureFormatError) || pipe.packets.length === 0) throw e;
    pipe.warnings.push(e.message);
  }
  for (const w of reader.info.warnings) pipe.warnings.push(w);
  for (const w of network.finish()) pipe.warnings.push(w);
  return pipe.finish();
}
