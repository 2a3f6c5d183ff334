/**
 * The Trace: the one shape the analysis pipeline returns. The CLI's `--json`, the web views, the
 * detectors, storage and compare all read it. Field names of the JSON contract
 * (shared/contracts/trace-json.md) are kept verbatim; everything else is an addition.
 *
 * Times are seconds relative to the first packet (or first log line) of the input. Packet, frame and
 * log-line numbers are 1-based, as Wireshark numbers packets.
 */
import type { PacketTable } from './packets';
import type { FindingKind } from './findings/kinds';

export const TOOL_VERSION = '0.1.0';

/** Client-to-server or server-to-client. The client is the SYN sender (see lib/tcp/flows.ts). */
export type Dir = 'c2s' | 's2c';
export interface PerDir<T = number> {
  c2s: T;
  s2c: T;
}

export type InputFormat = 'pcap' | 'pcapng' | 'go-http2debug' | 'nghttp-verbose';

export interface InputInfo {
  name: string;
  format: InputFormat;
  /** 'gzip' when the capture was gzip-compressed; null otherwise. */
  compression: 'gzip' | null;
  /** Size of the input file in bytes (compressed size for .gz). */
  bytes: number;
  /** Packets (captures) or frame lines (logs). */
  packets: number;
  /** Link-layer types seen (LINKTYPE_* values), captures only. */
  linkTypes: number[];
  /** ISO-8601 time of the first packet/line where the input has absolute time, else null. */
  start: string | null;
  durationS: number;
  /** Non-fatal problems: truncated records, unparsable log lines, ... with byte offset or line. */
  warnings: string[];
  /** Packets that were not TCP (UDP, ICMP, ARP, ...): counted, not lost. */
  nonTcpPackets?: number;
  /** Packets whose captured length is below their original length (snaplen cut). */
  truncatedPackets?: number;
  /** Lines read (logs only). */
  logLines?: number;
  /** Log lines that did not parse (logs only), with their line numbers (first 100). */
  unparsedLines?: { count: number; lines: number[] };
  /** pcapng interfaces (link type, name, time resolution). */
  interfaces?: { linkType: number; name?: string; tsResolution: number; snaplen: number }[];
  /** Exact time of the first packet, for absolute-time display: [seconds, nanoseconds]. */
  startEpoch?: [number, number] | null;
}

/** Thresholds and switches of one analysis run; echoed in the JSON so a result explains itself. */
export interface AnalysisOptions {
  /** Silence (s) on an open connection that counts as an idle gap. */
  idleThresholdS: number;
  /** A FIN unanswered by the other side for this long (s) is a half-close leak. */
  halfCloseThresholdS: number;
  /** A response whose time to first byte exceeds max(this factor x endpoint median, slowMinS). */
  slowFactor: number;
  slowMinS: number;
}

export const DEFAULT_OPTIONS: AnalysisOptions = {
  idleThresholdS: 30,
  halfCloseThresholdS: 5,
  slowFactor: 5,
  slowMinS: 1,
};

export type ConnectionEnd = 'open' | 'closed' | 'reset' | 'half-closed-by-client' | 'half-closed-by-server';
export type Protocol = 'http1' | 'h2' | 'tls' | 'unknown';

/** How the client side of a connection was decided. */
export type DirectionBasis = 'syn' | 'syn-ack' | 'port' | 'first-packet' | 'log';

export interface IdleGap {
  startS: number;
  endS: number;
  durationS: number;
  /** Packet numbers around the silence: last before, first after (null at capture end). */
  fromPacket: number;
  toPacket: number | null;
  /** Whether a TCP keep-alive (or its ACK) fell inside the gap, i.e. the silence was only of data. */
  keepaliveInside: boolean;
  /** True when the gap ran to the end of the capture with the connection still open. */
  untilCaptureEnd: boolean;
}

/** A TCP RST with what is needed to tell whether the peer or a middlebox sent it. */
export interface RstInfo {
  packet: number;
  tS: number;
  dir: Dir;
  ttl: number;
  ipId: number | null;
  /** TTL / IP ID of the previous packet in the same direction, if any. */
  prevTtl: number | null;
  prevIpId: number | null;
  /** Silence before the RST (seconds since the previous packet of the connection). */
  silenceBeforeS: number;
}

export interface TlsInfo {
  sni: string | null;
  alpnOffered: string[];
  alpnSelected: string | null;
  version: string | null;
  cipherSuite: string | null;
  resumed: boolean;
  /** 'no-key' | 'wrong-key' | 'decrypted' | 'not-attempted' */
  decryption: 'not-attempted' | 'no-key' | 'wrong-key' | 'decrypted' | 'unsupported';
  clientHelloPacket: number | null;
  serverHelloPacket: number | null;
}

export interface TcpAnalysisCounts {
  retransmission: number;
  fastRetransmission: number;
  spuriousRetransmission: number;
  outOfOrder: number;
  duplicateAck: number;
  zeroWindow: number;
  zeroWindowProbe: number;
  windowFull: number;
  keepAlive: number;
  keepAliveAck: number;
  /** "previous segment not captured" events. */
  lostSegment: number;
  /** Bytes never captured in this direction's stream (gaps left in reassembly). */
  missingBytes: number;
}

export interface Connection {
  id: string; // "c1", "c2", ... in order of first packet
  client: string; // "10.0.0.1:51234", IPv6 "[::1]:51234"
  server: string;
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  /** VLAN ids (outer first) when tagged: the same 4-tuple on two VLANs is two connections. */
  vlan: number[];
  /** Overlay network of a tunnelled connection ("vxlan 42"), keyed like VLAN ids; absent if none. */
  tunnel?: string;
  directionBasis: DirectionBasis;
  startS: number;
  endS: number;
  firstPacket: number;
  lastPacket: number;
  packets: PerDir;
  bytes: PerDir;
  fin: PerDir;
  rst: PerDir;
  keepalives: PerDir;
  retransmissions: PerDir;
  end: ConnectionEnd;
  protocol: Protocol;
  maxIdleS: number;
  /** Handshake packet numbers and the RTT it shows (SYN -> ACK), when seen. */
  handshake: { syn: number | null; synAck: number | null; ack: number | null; rttS: number | null };
  /** First FIN / RST per direction (packet number and time), for state timelines. */
  firstFin: PerDir<{ packet: number; tS: number } | null>;
  firstRst: PerDir<{ packet: number; tS: number } | null>;
  rsts: RstInfo[];
  idleGaps: IdleGap[];
  analysis: PerDir<TcpAnalysisCounts>;
  /** Keep-alive packet numbers per direction (first 1000). */
  keepalivePackets: PerDir<number[]>;
  tls: TlsInfo | null;
  /** Upgrade seen on an HTTP/1 connection ("h2c", "websocket", ...) and where it switched. */
  upgrade: { protocol: string; atS: number } | null;
  /** Problems specific to this connection (malformed HTTP, HPACK errors, ...). */
  warnings: string[];
}

/** One HTTP/2 frame, as it crossed the wire (or as a debug log reported it). */
export interface H2Frame {
  /** 1-based number in the whole trace. */
  number: number;
  connection: string;
  stream: number;
  type: string; // "DATA", "HEADERS", ..., or "UNKNOWN(0xNN)"
  typeId: number;
  flags: string[]; // e.g. ["END_STREAM", "END_HEADERS"]
  flagsRaw: number;
  length: number;
  dir: Dir;
  tS: number;
  /** Packets the frame's bytes came from (first..last), or the log line. */
  packets: number[];
  line?: number;
  /** Decoded header list for HEADERS/PUSH_PROMISE (+CONTINUATION): on the frame that completed it. */
  headers?: [string, string][];
  /** Frame-specific facts: settings, window increment, error code, ping payload, promised id, ... */
  info?: H2FrameInfo;
}

/**
 * The H2Frame the HTTP/2 session makes. A class rather than an object literal so that every frame
 * has one layout, with its optional members in one order (line, info, headers: the order the
 * session fills them in), which lets the JSON writer (lib/json.ts) write a frame from fixed keys
 * instead of walking its keys: frames are most of a request-heavy capture's document. Absent
 * optional members hold undefined, which JSON leaves out as it leaves out missing ones.
 */
export class H2FrameRecord implements H2Frame {
  number: number;
  connection: string;
  stream: number;
  type: string;
  typeId: number;
  flags: string[];
  flagsRaw: number;
  length: number;
  dir: Dir;
  tS: number;
  packets: number[];
  line: number | undefined;
  info: H2FrameInfo | undefined;
  headers: [string, string][] | undefined;
  constructor(
    number: number,
    connection: string,
    stream: number,
    type: string,
    typeId: number,
    flags: string[],
    flagsRaw: number,
    length: number,
    dir: Dir,
    tS: number,
    packets: number[],
  ) {
    // Assigned here, in the document's key order (class fields would be defined before them).
    this.number = number;
    this.connection = connection;
    this.stream = stream;
    this.type = type;
    this.typeId = typeId;
    this.flags = flags;
    this.flagsRaw = flagsRaw;
    this.length = length;
    this.dir = dir;
    this.tS = tS;
    this.packets = packets;
    this.line = undefined;
    this.info = undefined;
    this.headers = undefined;
  }
}

export interface H2FrameInfo {
  settings?: { id: number; name: string; value: number }[];
  increment?: number;
  errorCode?: number;
  errorName?: string;
  lastStreamId?: number;
  debugData?: string;
  pingPayload?: string; // hex
  promisedStreamId?: number;
  padLength?: number;
  priority?: { dependsOn: number; weight: number; exclusive: boolean };
  /** Payload bytes after padding (DATA). */
  dataLength?: number;
  /** Problems decoding this frame (bad length, HPACK error, ...). */
  error?: string;
}

export type H2StreamState =
  'idle' | 'reserved' | 'open' | 'half-closed-local' | 'half-closed-remote' | 'closed';

export interface GrpcInfo {
  contentType: string;
  /** Length-prefixed messages per direction: count and total payload bytes. */
  messages: PerDir;
  messageBytes: PerDir;
  compressedMessages: PerDir;
  grpcStatus: number | null;
  grpcStatusName: string | null;
  grpcMessage: string | null;
  /** Where grpc-status came from. */
  statusFrom: 'trailers' | 'trailers-only' | null;
}

export interface H2Stream {
  connection: string;
  id: number;
  method: string | null;
  path: string | null;
  authority: string | null;
  status: number | null;
  grpcStatus: number | null;
  frames: H2Frame[];
  requestHeaders: [string, string][] | null;
  responseHeaders: [string, string][] | null;
  trailers: [string, string][] | null;
  startS: number;
  endS: number;
  /** Time of the first response HEADERS, and of the end of the response. */
  responseS: number | null;
  responseEndS: number | null;
  state: H2StreamState;
  endStream: PerDir<boolean>;
  reset: { by: Dir; errorCode: number; errorName: string; frame: number } | null;
  dataBytes: PerDir;
  grpc: GrpcInfo | null;
  /** Short frame sequence, e.g. "H D D H*" ("*" = END_STREAM), direction-marked in the text view. */
  sequence: string;
  /**
   * Bytes of this stream's connection were missing from the capture while the stream was open (or
   * before it was first seen): frames of it may be lost, so it is never reported as unanswered,
   * missing trailers or breaking a rule that a lost frame could explain. Absent = false.
   */
  captureGap?: boolean;
}

/** Connection-level HTTP/2 facts (stream 0 frames, settings, windows). */
export interface H2ConnectionInfo {
  connection: string;
  /** Frames on stream 0 (SETTINGS, PING, GOAWAY, WINDOW_UPDATE). */
  frames: H2Frame[];
  settings: PerDir<Record<string, number>>;
  goaway: {
    by: Dir;
    lastStreamId: number;
    errorCode: number;
    errorName: string;
    frame: number;
    tS: number;
  }[];
  /** Protocol violations found by the session model; detectors turn them into findings. */
  violations: H2Violation[];
  prefaceSeen: boolean;
  via: 'preface' | 'upgrade' | 'log';
}

export interface H2Violation {
  kind: FindingKind;
  stream: number | null;
  frames: number[];
  tS: number;
  message: string;
  details?: Record<string, number | string | boolean | null>;
}

export interface Http1Message {
  startS: number;
  endS: number | null;
  headers: [string, string][];
  bodyBytes: number;
  chunked: boolean;
  /** Byte offset of the message's first byte in its direction's stream. */
  streamOffset: number;
  packets: number[]; // first and last packet
}

export interface Http1Exchange {
  connection: string;
  /** 1-based index of the exchange on its connection. */
  index: number;
  method: string | null; // null for a response that answered no request
  path: string | null;
  version: string | null;
  status: number | null;
  reason: string | null;
  requestS: number | null;
  requestEndS: number | null;
  responseS: number | null; // first byte of the response; null when unanswered
  responseEndS: number | null;
  request: Http1Message | null;
  response: Http1Message | null;
  /** Interim (1xx) responses before the final one. */
  interim: number[];
  /**
   * 'complete', 'unanswered', 'incomplete-response', 'orphan-response' (no outstanding request), or
   * 'capture-gap': bytes of this exchange were never captured (a request or response lost whole, or
   * part of one), so whether it completed is not known from the capture; `captureGap` says where.
   */
  outcome:
    | 'complete'
    | 'unanswered'
    | 'incomplete-request'
    | 'incomplete-response'
    | 'orphan-response'
    | 'capture-gap';
  /**
   * Set when the capture missed bytes of this exchange: per direction, the bytes known missing inside
   * its messages (counted where framing bridged the gap), or -1 when the message itself (its start
   * line, or all of it) fell into a gap. An addition to the JSON contract; absent otherwise.
   */
  captureGap?: PerDir;
  contentType: string | null;
  /** Top-level JSON keys of the response body when it is small JSON (for shape comparison). */
  jsonKeys: string[] | null;
}

export type Severity = 'error' | 'warning' | 'info';

export interface EvidenceRef {
  packet?: number;
  frame?: number;
  line?: number;
  /** Optional short label shown beside the reference ("RST from server", ...). */
  note?: string;
  /** Correlation of several inputs (lib/correlate): index of the input the number belongs to. */
  input?: number;
}

export interface Finding {
  /** Registered in lib/findings/kinds.ts. */
  kind: FindingKind;
  severity: Severity;
  title: string;
  explanation: string;
  connection: string | null;
  stream: number | null;
  startS: number;
  endS: number;
  evidence: EvidenceRef[];
  details: Record<string, unknown>;
}

/** A line of a debug log, kept so log-derived evidence can be shown. */
export interface LogLineRef {
  line: number;
  tS: number;
  text: string;
}

export interface Trace {
  tool: 'tracelens';
  version: string;
  input: InputInfo;
  options: AnalysisOptions;
  connections: Connection[];
  streams: H2Stream[];
  exchanges: Http1Exchange[];
  findings: Finding[];
  /** HTTP/2 connection-level records, one per h2 connection. */
  h2: H2ConnectionInfo[];
  /** Per-packet columns (captures only); not part of the JSON document. */
  packets: PacketTable | null;
}

/**
 * Seconds from one absolute time (s, ns) to another, as the document writes them: the double
 * nearest to the decimal value in whole nanoseconds. Made exactly here, where packet and log times
 * are born, so that every time copied from them needs no rounding on the way out (the JSON writer
 * serializes frames and streams without a per-value replacer; see lib/json.ts).
 */
export function elapsedS(fromSec: number, fromNs: number, toSec: number, toNs: number): number {
  return Math.round((toSec - fromSec) * 1e9 + (toNs - fromNs)) / 1e9;
}

export function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function emptyCounts(): TcpAnalysisCounts {
  return {
    retransmission: 0,
    fastRetransmission: 0,
    spuriousRetransmission: 0,
    outOfOrder: 0,
    duplicateAck: 0,
    zeroWindow: 0,
    zeroWindowProbe: 0,
    windowFull: 0,
    keepAlive: 0,
    keepAliveAck: 0,
    lostSegment: 0,
    missingBytes: 0,
  };
}

/** A new Connection with every counter at zero: the one place its shape is spelled out. */
export function newConnection(init: {
  index: number;
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  vlan?: number[];
  directionBasis: DirectionBasis;
  startS: number;
  firstPacket: number;
  protocol?: Protocol;
}): Connection {
  const zero = (): PerDir => ({ c2s: 0, s2c: 0 });
  return {
    id: `c${init.index + 1}`,
    client: endpoint(init.clientIp, init.clientPort),
    server: endpoint(init.serverIp, init.serverPort),
    clientIp: init.clientIp,
    clientPort: init.clientPort,
    serverIp: init.serverIp,
    serverPort: init.serverPort,
    vlan: init.vlan ?? [],
    directionBasis: init.directionBasis,
    startS: init.startS,
    endS: init.startS,
    firstPacket: init.firstPacket,
    lastPacket: init.firstPacket,
    packets: zero(),
    bytes: zero(),
    fin: zero(),
    rst: zero(),
    keepalives: zero(),
    retransmissions: zero(),
    end: 'open',
    protocol: init.protocol ?? 'unknown',
    maxIdleS: 0,
    handshake: { syn: null, synAck: null, ack: null, rttS: null },
    firstFin: { c2s: null, s2c: null },
    firstRst: { c2s: null, s2c: null },
    rsts: [],
    idleGaps: [],
    analysis: { c2s: emptyCounts(), s2c: emptyCounts() },
    keepalivePackets: { c2s: [], s2c: [] },
    tls: null,
    upgrade: null,
    warnings: [],
  };
}
