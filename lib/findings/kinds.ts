/**
 * The finding-kind registry: one row per kind, as Wireshark's expert-info table (`ei[]`) registers
 * each expert item once with its group and severity. A kind's name is spelled here and nowhere
 * else in product code: detectors and the HTTP/2 session model use `K.<name>`, and `Finding.kind`
 * is typed by this table, so a kind cannot be emitted without being registered. The table in
 * `lib/findings/README.md` is checked against these rows by `kinds.test.ts`.
 *
 * `severity` is the highest severity the kind may carry; a detector may report an instance lower
 * (a half-close leak younger than the threshold is info) but never higher. The severity contract:
 * `error` = a peer broke a rule, or a request or connection failed; `warning` = a risk that has not
 * failed yet; `info` = a fact. A race the RFC allows is never above `info`.
 */
import type { Severity } from '../trace';

/** Every kind name, spelled once. */
export const K = {
  // TCP: idle connections and middleboxes
  idleGapNoKeepalive: 'tcp.idle-gap-no-keepalive',
  rstAfterIdle: 'tcp.rst-after-idle',
  keepalivePresent: 'tcp.keepalive-present',
  pathIdleTimeout: 'tcp.path-idle-timeout',
  // TCP: cuts, half-closes, connection health
  deadlineCut: 'tcp.deadline-cut',
  halfCloseLeak: 'tcp.half-close-leak',
  connectionRefused: 'tcp.connection-refused',
  connectTimeout: 'tcp.connect-timeout',
  retransmissionBurst: 'tcp.retransmission-burst',
  zeroWindowStall: 'tcp.zero-window-stall',
  // HTTP/1 and HTTP in general
  unansweredRequest: 'http1.unanswered-request',
  responseMismatch: 'http1.response-mismatch',
  slowResponse: 'http.slow-response',
  proxyTimeout: 'http.proxy-timeout',
  // HTTP/2 and gRPC
  emptyDataEndStream: 'h2.empty-data-end-stream',
  trailersMissing: 'grpc.trailers-missing',
  frameOnClosedStream: 'h2.frame-on-closed-stream',
  headersAfterEndStream: 'h2.headers-after-end-stream',
  streamIdRegression: 'h2.stream-id-regression',
  flowControlViolation: 'h2.flow-control-violation',
  goawayThenNewStream: 'h2.goaway-then-new-stream',
  frameSizeError: 'h2.frame-size-error',
  frameOnWrongStream: 'h2.frame-on-wrong-stream',
  continuationInterleaved: 'h2.continuation-interleaved',
  settingsUnacked: 'h2.settings-unacked',
  pingUnacked: 'h2.ping-unacked',
  rstStream: 'h2.rst-stream',
  goawayError: 'h2.goaway-error',
  // Several vantage points (lib/correlate): what one point saw and another did not
  pathInjectedRst: 'path.injected-rst',
  pathLoss: 'path.loss',
  pathNat: 'path.nat',
  pathMssClamp: 'path.mss-clamp',
  pathProxyGaveUp: 'path.proxy-gave-up',
  pathLogFrameNotOnWire: 'path.log-frame-not-on-wire',
  pathLogFinIgnored: 'path.log-fin-ignored',
  pathLogDeadlineEarly: 'path.log-deadline-early',
  // What the capture does not let us see
  captureGap: 'capture.gap',
  notInspected: 'capture.not-inspected',
} as const;

export type FindingKind = (typeof K)[keyof typeof K];

/** The detector modules (file names in lib/findings/) a kind can belong to. */
export type KindModule =
  | 'idle'
  | 'deadline'
  | 'half-close'
  | 'http1'
  | 'h2'
  | 'tcp-health'
  | 'coverage'
  /** Not a detector of one trace: lib/correlate compares several inputs. */
  | 'correlate';

export interface KindInfo {
  severity: Severity;
  module: KindModule;
  /** One line: what the kind means. */
  summary: string;
}

export const KINDS: Readonly<Record<FindingKind, KindInfo>> = {
  [K.idleGapNoKeepalive]: {
    severity: 'warning',
    module: 'idle',
    summary: 'an open connection stayed silent past the idle threshold with no TCP keep-alive',
  },
  [K.rstAfterIdle]: {
    severity: 'error',
    module: 'idle',
    summary: 'a reset ended a silence: a peer or a middlebox forgot the idle connection',
  },
  [K.keepalivePresent]: {
    severity: 'info',
    module: 'idle',
    summary: 'TCP keep-alives were sent, and how often',
  },
  [K.pathIdleTimeout]: {
    severity: 'info',
    module: 'idle',
    summary: "the path's idle timeout bounded from the silences that survived and those that died",
  },
  [K.deadlineCut]: {
    severity: 'error',
    module: 'deadline',
    summary: 'a side closed or reset a connection while a transfer was in progress, often at a fixed offset',
  },
  [K.halfCloseLeak]: {
    severity: 'warning',
    module: 'half-close',
    summary: 'a FIN left unanswered: the other side sits in CLOSE_WAIT',
  },
  [K.connectionRefused]: {
    severity: 'error',
    module: 'tcp-health',
    summary: 'a SYN answered by a reset',
  },
  [K.connectTimeout]: {
    severity: 'error',
    module: 'tcp-health',
    summary: 'SYNs retransmitted and never answered',
  },
  [K.retransmissionBurst]: {
    severity: 'warning',
    module: 'tcp-health',
    summary: 'loss in one direction that cost time (timeouts, backoff, sustained rate)',
  },
  [K.zeroWindowStall]: {
    severity: 'warning',
    module: 'tcp-health',
    summary: 'a receiver kept a zero window for long while the sender had data waiting',
  },
  [K.unansweredRequest]: {
    severity: 'error',
    module: 'http1',
    summary: 'an HTTP/1 request that got no response before the connection or capture ended',
  },
  [K.responseMismatch]: {
    severity: 'error',
    module: 'http1',
    summary: 'an HTTP/1 response that answers no request, or looks like another endpoint’s',
  },
  [K.slowResponse]: {
    severity: 'warning',
    module: 'tcp-health',
    summary: "a response far slower than its endpoint's median",
  },
  [K.proxyTimeout]: {
    severity: 'error',
    module: 'deadline',
    summary:
      '502/504 (or gRPC DEADLINE_EXCEEDED/UNAVAILABLE) answers at a shared offset after their requests: a proxy timeout',
  },
  [K.emptyDataEndStream]: {
    severity: 'warning',
    module: 'h2',
    summary: 'a gRPC response ended by an empty DATA + END_STREAM instead of trailers',
  },
  [K.trailersMissing]: {
    severity: 'error',
    module: 'h2',
    summary: 'a gRPC call ended without grpc-status',
  },
  [K.frameOnClosedStream]: {
    severity: 'error',
    module: 'h2',
    summary:
      'DATA (or another frame) sent on a stream after its sender knew it was closed: its own END_STREAM, or a reset it had provably read',
  },
  [K.headersAfterEndStream]: {
    severity: 'error',
    module: 'h2',
    summary: 'HEADERS sent on a stream after the sender ended it with END_STREAM',
  },
  [K.streamIdRegression]: {
    severity: 'error',
    module: 'h2',
    summary: 'a new stream opened with an id not above every earlier one, or of the wrong parity',
  },
  [K.flowControlViolation]: {
    severity: 'error',
    module: 'h2',
    summary: 'DATA beyond the stream or connection window the receiver granted',
  },
  [K.goawayThenNewStream]: {
    severity: 'error',
    module: 'h2',
    summary:
      "a stream above GOAWAY's last-stream-id opened by the GOAWAY's receiver after it read it, or answered by the GOAWAY's sender",
  },
  [K.frameSizeError]: {
    severity: 'error',
    module: 'h2',
    summary: 'a frame larger than SETTINGS_MAX_FRAME_SIZE in force, or of a length its type forbids',
  },
  [K.frameOnWrongStream]: {
    severity: 'error',
    module: 'h2',
    summary:
      'a frame on a stream its type forbids: DATA, HEADERS, RST_STREAM, PRIORITY … on stream 0, or SETTINGS, PING, GOAWAY on a stream',
  },
  [K.continuationInterleaved]: {
    severity: 'error',
    module: 'h2',
    summary: 'a header block interrupted by another frame before END_HEADERS',
  },
  [K.settingsUnacked]: {
    severity: 'warning',
    module: 'h2',
    summary: 'SETTINGS never acknowledged',
  },
  [K.pingUnacked]: {
    severity: 'warning',
    module: 'h2',
    summary: 'PING never answered',
  },
  [K.rstStream]: {
    severity: 'info',
    module: 'h2',
    summary: 'a stream reset, its code named and explained',
  },
  [K.goawayError]: {
    severity: 'warning',
    module: 'h2',
    summary: 'GOAWAY with an error code',
  },
  [K.pathInjectedRst]: {
    severity: 'error',
    module: 'correlate',
    summary: 'an RST seen at one point that the endpoint watched by another point never sent',
  },
  [K.pathLoss]: {
    severity: 'warning',
    module: 'correlate',
    summary: 'packets that passed one point and never reached the next, per direction',
  },
  [K.pathNat]: {
    severity: 'info',
    module: 'correlate',
    summary: 'addresses or ports rewritten between two points, with the mapping table',
  },
  [K.pathMssClamp]: {
    severity: 'info',
    module: 'correlate',
    summary: 'the MSS option of SYNs lowered between two points',
  },
  [K.pathProxyGaveUp]: {
    severity: 'error',
    module: 'correlate',
    summary:
      'a proxy between two points answered requests itself (502/504) that the upstream had not answered',
  },
  [K.pathLogFrameNotOnWire]: {
    severity: 'warning',
    module: 'correlate',
    summary: 'a frame a program logged that the capture never carried (or carried much later)',
  },
  [K.pathLogFinIgnored]: {
    severity: 'warning',
    module: 'correlate',
    summary: "the peer's FIN reached the program's host, and the program's log shows it went on as if open",
  },
  [K.pathLogDeadlineEarly]: {
    severity: 'error',
    module: 'correlate',
    summary: 'a program gave up on a stream (deadline, cancel) while its response was already on the wire',
  },
  [K.captureGap]: {
    severity: 'info',
    module: 'coverage',
    summary: 'segments missing from the capture: what around them could only be partly analyzed',
  },
  [K.notInspected]: {
    severity: 'info',
    module: 'coverage',
    summary: 'connections whose content was not inspected (TLS without keys, unknown protocol, snaplen)',
  },
};

export const ALL_KINDS: readonly FindingKind[] = Object.values(K);

export function kindInfo(kind: FindingKind): KindInfo {
  return KINDS[kind];
}
