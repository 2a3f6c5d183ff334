/**
 * tcp.deadline-cut (error): a connection closed or reset by one side while a request or response
 * was still in transfer — the signature of a server or proxy read/write timeout or a client
 * deadline. details.offsetS = time from the request start (or connection start when no HTTP is
 * visible) to the cut.
 *
 * What counts as "in transfer":
 * - HTTP/1: an exchange with outcome incomplete-request or unanswered cut by the server, or
 *   incomplete-response cut by either side; a complete request with no response byte yet,
 *   abandoned by the client, only when other cuts by the client share its offset (one alone is a
 *   client decision; several are a timer — a proxy's read timeout seen behind it);
 * - HTTP/2: the TCP connection closed while a stream was still open (by the client only on a
 *   complete, unanswered request, and only at a shared offset); or an RST_STREAM(CANCEL) whose
 *   offset is shared with other cuts or is a round number, unless it came at the deadline the
 *   client itself announced in grpc-timeout;
 * - TCP only (no HTTP seen on the connection): one side's payload was flowing (>= 2 segments,
 *   last one <= FLOW_GAP_S before the cut, for >= MIN_OFFSET_S) and the other side closed first;
 *   or the client's last message got no payload back and the client closed (shared offsets only).
 * Cuts sooner than MIN_OFFSET_S after the start are ignored, and so are closes that common.ts
 * classifyCuts calls idle cuts (the silence explains them: nothing outstanding, or a reset
 * answering the first packet after it, or the silence steadier than the requests' ages across
 * connections). Offsets are "shared" within ±5 % or ±0.1 s — and only when they are steadier
 * than the moments of the cuts — "round" within 2 % of a whole number of seconds. The deadline is
 * bounded below by the longest transfer (or wait) that completed before its connection closed.
 *
 * http.proxy-timeout (error), seen in front of a proxy: >= 2 answers 502/504 (or gRPC
 * DEADLINE_EXCEEDED/UNAVAILABLE) from one server at a shared offset >= MIN_OFFSET_S after their
 * request was complete; bounded below by the slowest success. HTTP only, so logs too.
 */
import type {
  AnalysisOptions,
  Connection,
  Dir,
  Finding,
  H2Frame,
  H2Stream,
  Http1Exchange,
  Trace,
} from '../trace';
import type { Detector } from './types';
import {
  classifyCuts,
  clientAwaiting,
  firstClose,
  groupBy,
  hasTcp,
  headerValue,
  median,
  SHARED_ABS_S,
  SHARED_REL,
  sharesOffset,
  isRst,
  packetsByConnection,
  type ConnectionPackets,
  type PacketRow,
} from './common';
import { at, connName, dur, durRange, durShort, fig, list, other, plural, sender, side, trim } from './text';
import { K } from './kinds';

export const MIN_OFFSET_S = 0.5;
export const FLOW_GAP_S = 1.0;
export { SHARED_REL, SHARED_ABS_S, sharesOffset };
export const ROUND_REL = 0.02;

interface Cut {
  c: Connection;
  stream: number | null;
  basis: 'http1' | 'h2' | 'tcp';
  startS: number;
  cutS: number;
  cutBy: Dir;
  how: 'FIN' | 'RST' | 'RST_STREAM';
  what: string; // "the request body upload", ...
  evidence: Finding['evidence'];
  offsetS: number;
  requireStrong: boolean;
  /**
   * A side that stopped waiting for an answer that had not started: alone it is a client (or
   * proxy) decision, several at the same offset are a timer (a proxy's read timeout seen behind it).
   */
  requireShared: boolean;
}

/** The whole number of seconds an offset is close to (within 2 %), or null. */
export function roundOffset(x: number): number | null {
  const r = Math.round(x);
  if (r < 1) return null;
  return Math.abs(x - r) <= ROUND_REL * r ? r : null;
}

function http1Cut(
  c: Connection,
  x: Http1Exchange,
  close: NonNullable<ReturnType<typeof firstClose>>,
): Cut | null {
  const startS = x.requestS;
  if (startS == null || close.tS < startS) return null;
  // A CONNECT tunnel or an upgraded connection ends when its users are done, not mid-request.
  if (x.method === 'CONNECT' || x.status === 101 || c.upgrade) return null;
  // A request we could not parse (malformed) is not known to be in transfer.
  if (!x.request || x.method === null || c.warnings.some((w) => w.startsWith('malformed HTTP/1')))
    return null;
  // Bytes the capture missed may hold the rest of the transfer: a cut cannot be told from a gap.
  if (c.analysis.c2s.missingBytes > 0 || c.analysis.s2c.missingBytes > 0) return null;
  let ok = false;
  let waiting = false;
  let what = '';
  if (x.status === 408 && close.dir === 's2c' && close.tS - (x.responseS ?? close.tS) <= 1) {
    // Node.js requestTimeout / headersTimeout answer 408 and close: a timeout by definition.
    ok = true;
    what = `the server answered 408 Request Timeout at ${at(x.responseS ?? close.tS)} and closed the connection`;
  } else if (x.responseEndS != null && close.tS >= x.responseEndS && x.outcome === 'complete') {
    return null;
  } else if (
    x.requestEndS != null &&
    x.requestEndS <= close.tS &&
    (x.responseS == null || x.responseS > close.tS) &&
    x.outcome !== 'incomplete-request'
  ) {
    // The request was complete and no response byte had come when the connection closed (an
    // answer arriving after the close came too late) — unless the close was the client's FIN of a
    // legal half-close (shutdown after sending) and the whole answer then arrived and was taken.
    if (close.dir === 'c2s' && close.how === 'FIN' && x.outcome === 'complete' && c.rst.c2s + c.rst.s2c === 0)
      return null;
    ok = true;
    if (close.dir === 's2c') what = 'while the client was waiting for the response (none had started)';
    else {
      what =
        'after the request was complete and before any response byte: the client (or the proxy acting as one) stopped waiting';
      waiting = true;
    }
  } else if (x.outcome === 'incomplete-request' && close.dir === 's2c') {
    ok = true;
    what = `while the client was still sending the request${x.request ? ` (${x.request.bodyBytes} body bytes received so far)` : ''}`;
  } else if (x.outcome === 'unanswered' && close.dir === 's2c') {
    ok = true;
    what = 'while the client was waiting for the response (none had started)';
  } else if (x.outcome === 'incomplete-response') {
    ok = true;
    what = `while the response was still being transferred${x.response ? ` (${x.response.bodyBytes} body bytes so far)` : ''}`;
  }
  if (!ok) return null;
  const evidence: Finding['evidence'] = [];
  if (x.request?.packets.length)
    evidence.push({
      packet: x.request.packets[0],
      note: `request ${x.method ?? ''} ${x.path ?? ''} begins`.replace(/\s+/g, ' '),
    });
  if (x.response?.packets.length)
    evidence.push({
      packet: x.response.packets[x.response.packets.length - 1],
      note: 'last response packet before the cut',
    });
  else if (x.request && x.request.packets.length > 1)
    evidence.push({
      packet: x.request.packets[x.request.packets.length - 1],
      note: 'last request packet before the cut',
    });
  evidence.push({ packet: close.packet, note: `${close.how} from ${side(close.dir)}: the cut` });
  return {
    c,
    stream: null,
    basis: 'http1',
    startS,
    cutS: close.tS,
    cutBy: close.dir,
    how: close.how,
    what: `${what}; request ${x.method ?? '?'} ${x.path ?? '?'}`,
    evidence,
    offsetS: close.tS - startS,
    // A client abandoning a response is its own decision unless it keeps to a timer's offset.
    requireStrong: close.dir === 'c2s' && !waiting,
    requireShared: waiting,
  };
}

function h2Cuts(
  c: Connection,
  streams: H2Stream[],
  close: ReturnType<typeof firstClose>,
  goawayBefore: number | null,
): Cut[] {
  const out: Cut[] = [];
  for (const s of streams) {
    const first = s.frames[0];
    // A stream across a capture gap may have ended in frames the capture lost: not judged.
    if (!first || s.captureGap) continue;
    const ended = s.endStream.c2s && s.endStream.s2c;
    if (s.reset && s.reset.errorCode === 8) {
      const rf = s.frames.find((f) => f.number === s.reset?.frame);
      const tS = rf?.tS ?? s.endS;
      if (ended && rf && s.responseEndS != null && s.responseEndS <= tS) continue;
      // A client cancelling at (or after) the deadline it announced in grpc-timeout is its own
      // deadline doing its job, known to both sides: not a cut by someone else's timer.
      const announced = grpcTimeoutS(headerValue(s.requestHeaders, 'grpc-timeout'));
      if (s.reset.by === 'c2s' && announced != null && tS - s.startS >= announced * (1 - SHARED_REL))
        continue;
      out.push({
        c,
        stream: s.id,
        basis: 'h2',
        startS: s.startS,
        cutS: tS,
        cutBy: s.reset.by,
        how: 'RST_STREAM',
        what: `stream ${s.id} (${s.method ?? '?'} ${s.path ?? '?'}) was cancelled with RST_STREAM(CANCEL)`,
        evidence: [
          { frame: first.number, note: `stream ${s.id} opens` },
          { frame: s.reset.frame, note: `RST_STREAM(CANCEL) from ${side(s.reset.by)}` },
        ],
        offsetS: tS - s.startS,
        requireStrong: true,
        requireShared: false,
      });
      continue;
    }
    if (ended || s.reset || !close || close.tS < s.startS) continue;
    // A GOAWAY before the close explains it (shutdown or protocol error), not a timeout.
    if (goawayBefore != null && goawayBefore <= close.tS) continue;
    // In transfer: a response started and unfinished (cut by either side), or the server closed
    // while the request was being sent or awaited. A client leaving an unanswered stream is a cut
    // only when other connections were left at the same offset (a timer, not a decision).
    const responding = s.responseS != null && s.responseS <= close.tS && !s.endStream.s2c;
    const waiting = !responding && close.dir !== 's2c';
    if (waiting && !s.endStream.c2s) continue;
    out.push({
      c,
      stream: s.id,
      basis: 'h2',
      startS: s.startS,
      cutS: close.tS,
      cutBy: close.dir,
      how: close.how,
      what: waiting
        ? `the client closed the TCP connection while stream ${s.id} (${s.method ?? '?'} ${s.path ?? '?'}) waited for its response (the request was complete)`
        : `the TCP connection closed while stream ${s.id} (${s.method ?? '?'} ${s.path ?? '?'}) was still open`,
      evidence: [
        { frame: first.number, note: `stream ${s.id} opens` },
        ...(s.frames.length > 1
          ? [{ frame: s.frames[s.frames.length - 1].number, note: 'last frame of the stream' }]
          : []),
        { packet: close.packet, note: `${close.how} from ${side(close.dir)}: the cut` },
      ],
      offsetS: close.tS - s.startS,
      requireStrong: close.dir === 'c2s' && !waiting,
      requireShared: waiting,
    });
  }
  return out;
}

function tcpCut(
  c: Connection,
  rows: PacketRow[],
  close: NonNullable<ReturnType<typeof firstClose>>,
): Cut | null {
  const flowing = other(close.dir);
  // Payload before the cut.
  const before = rows.filter((r) => r.n < close.packet && r.len > 0 && !isRst(r));
  // A TLS close_notify alert (a small record right before the closer's FIN) is part of the close.
  while (before.length && c.protocol === 'tls') {
    const b = before[before.length - 1];
    if (b.dir === close.dir && b.len <= 64 && close.tS - b.t <= 0.05) before.pop();
    else break;
  }
  if (before.length === 0) return null;
  const last = before[before.length - 1];
  if (last.dir !== flowing) return null; // the closer spoke last: it finished its turn
  if (close.tS - last.t > FLOW_GAP_S) return null;
  // The run of the flowing side's segments ending at the cut, with no long silence inside it.
  let runStart = last;
  let count = 0;
  for (let i = before.length - 1; i >= 0; i--) {
    const r = before[i];
    if (r.dir !== flowing) break;
    if (runStart.t - r.t > FLOW_GAP_S) break;
    runStart = r;
    count++;
  }
  if (count < 2 || last.t - runStart.t < MIN_OFFSET_S) return null;
  // The flowing side must not have finished (its own FIN before the cut).
  if (c.firstFin[flowing] && c.firstFin[flowing]!.tS <= close.tS) return null;
  return {
    c,
    stream: null,
    basis: 'tcp',
    startS: c.startS,
    cutS: close.tS,
    cutBy: close.dir,
    how: close.how,
    what: `while ${side(flowing)} was still sending data (${count} segments in the last ${dur(last.t - runStart.t)}, the last ${dur(close.tS - last.t)} before the cut)`,
    evidence: [
      { packet: runStart.n, note: `${side(flowing)} starts sending` },
      { packet: last.n, note: `last data segment from ${side(flowing)}` },
      { packet: close.packet, note: `${close.how} from ${side(close.dir)}: the cut` },
    ],
    offsetS: close.tS - c.startS,
    requireStrong: close.dir === 'c2s',
    requireShared: false,
  };
}

/**
 * TCP only (TLS without keys, an unknown protocol): the client's last message got no answer and
 * the client closed after waiting — behind a proxy, its upstream read timeout. Counts only when
 * other cuts share the offset (a lone one is a client decision).
 */
function tcpWaitCut(
  c: Connection,
  rows: PacketRow[],
  close: NonNullable<ReturnType<typeof firstClose>>,
): Cut | null {
  if (close.dir !== 'c2s') return null;
  const k = rows.findIndex((r) => r.n === close.packet);
  if (k < 1) return null;
  const requestS = clientAwaiting(rows, k - 1, c.protocol === 'tls');
  if (requestS == null) return null;
  const first = rows.find((r) => r.t === requestS && r.dir === 'c2s' && r.len > 0);
  // The request's last segment (a TLS close_notify just before the FIN is part of the close).
  let last = k - 1;
  while (
    last > 0 &&
    !(rows[last].dir === 'c2s' && rows[last].len > (close.tS - rows[last].t <= 0.05 ? 64 : 0))
  )
    last--;
  if (!first) return null;
  const evidence: Finding['evidence'] = [{ packet: first.n, note: 'the client sends its request' }];
  if (rows[last].n !== first.n) evidence.push({ packet: rows[last].n, note: 'last request segment' });
  evidence.push({ packet: close.packet, note: `${close.how} from the client: it stopped waiting` });
  return {
    c,
    stream: null,
    basis: 'tcp',
    startS: requestS,
    cutS: close.tS,
    cutBy: 'c2s',
    how: close.how,
    what: `after its last message got no answer for ${dur(close.tS - rows[last].t)} (no payload from the server after it): the client (or the proxy acting as one) stopped waiting`,
    evidence,
    offsetS: close.tS - requestS,
    requireStrong: false,
    requireShared: true,
  };
}

function byConnection<T extends { connection: string }>(xs: T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const a = m.get(x.connection);
    if (a) a.push(x);
    else m.set(x.connection, [x]);
  }
  return m;
}

/** A gRPC `grpc-timeout` value ("200m", "1S", "5M") in seconds, or null. */
export function grpcTimeoutS(v: string | null): number | null {
  const m = v ? /^(\d{1,8})([HMSmun])$/.exec(v.trim()) : null;
  if (!m) return null;
  const unit: Record<string, number> = { H: 3600, M: 60, S: 1, m: 1e-3, u: 1e-6, n: 1e-9 };
  return Number(m[1]) * unit[m[2]];
}

/** HTTP statuses a proxy answers with when its upstream took too long or went away. */
const GATEWAY_STATUSES = new Set([502, 504]);
/** gRPC DEADLINE_EXCEEDED (4) and UNAVAILABLE (14): what a gRPC proxy or server answers then. */
const GRPC_TIMEOUT_STATUSES = new Map([
  [4, 'DEADLINE_EXCEEDED'],
  [14, 'UNAVAILABLE'],
]);

interface GatewayAnswer {
  connection: string;
  server: string;
  stream: number | null;
  what: string; // "504", "grpc-status 4 DEADLINE_EXCEEDED"
  requestS: number;
  /** When the request was complete: the proxy's upstream timer starts about then. */
  sentS: number;
  answerS: number;
  offsetS: number;
  evidence: Finding['evidence'];
}

/** The first response frame of a stream (HEADERS from the server), for evidence. */
function firstResponseFrame(s: H2Stream): H2Frame | null {
  return s.frames.find((f) => f.dir === 's2c' && f.type === 'HEADERS') ?? null;
}

function gatewayAnswers(trace: Trace): GatewayAnswer[] {
  const server = new Map(trace.connections.map((c) => [c.id, c.server]));
  const out: GatewayAnswer[] = [];
  for (const x of trace.exchanges) {
    if (x.status == null || !GATEWAY_STATUSES.has(x.status) || x.requestS == null || x.responseS == null)
      continue;
    const sentS = x.requestEndS != null && x.requestEndS <= x.responseS ? x.requestEndS : x.requestS;
    const evidence: Finding['evidence'] = [];
    if (x.request?.packets.length)
      evidence.push({ packet: x.request.packets[0], note: `${x.method ?? ''} ${x.path ?? ''} sent`.trim() });
    if (x.response?.packets.length)
      evidence.push({ packet: x.response.packets[0], note: `${x.status} ${x.reason ?? ''} answered`.trim() });
    out.push({
      connection: x.connection,
      server: server.get(x.connection) ?? '?',
      stream: null,
      what: `HTTP ${x.status}`,
      requestS: x.requestS,
      sentS,
      answerS: x.responseS,
      offsetS: x.responseS - sentS,
      evidence,
    });
  }
  for (const st of trace.streams) {
    const grpc = st.grpcStatus ?? st.grpc?.grpcStatus ?? null;
    const byStatus = st.status != null && GATEWAY_STATUSES.has(st.status);
    const byGrpc = grpc != null && GRPC_TIMEOUT_STATUSES.has(grpc);
    if (!byStatus && !byGrpc) continue;
    const answer = firstResponseFrame(st);
    const answerS = st.responseS ?? answer?.tS ?? null;
    if (answerS == null) continue;
    // DEADLINE_EXCEEDED at (or after) the deadline the client announced in grpc-timeout is the
    // client's own deadline, honoured by the server: not a timer in between.
    const announced = grpcTimeoutS(headerValue(st.requestHeaders, 'grpc-timeout'));
    if (!byStatus && grpc === 4 && announced != null && answerS - st.startS >= announced * (1 - SHARED_REL))
      continue;
    const endReq = st.frames.find((f) => f.dir === 'c2s' && f.flags.includes('END_STREAM'));
    const sentS = endReq && endReq.tS <= answerS ? endReq.tS : st.startS;
    const evidence: Finding['evidence'] = [];
    if (st.frames[0])
      evidence.push({
        frame: st.frames[0].number,
        note: `stream ${st.id} ${st.method ?? ''} ${st.path ?? ''} opens`.trim(),
      });
    if (answer)
      evidence.push({
        frame: answer.number,
        note: byStatus ? `:status ${st.status}` : `grpc-status ${grpc}`,
      });
    out.push({
      connection: st.connection,
      server: server.get(st.connection) ?? '?',
      stream: st.id,
      what: byStatus
        ? `HTTP ${st.status}`
        : `grpc-status ${grpc} ${GRPC_TIMEOUT_STATUSES.get(grpc as number)}`,
      requestS: st.startS,
      sentS,
      answerS,
      offsetS: answerS - sentS,
      evidence,
    });
  }
  return out.filter((a) => a.offsetS >= MIN_OFFSET_S);
}

/** Groups figures that share an offset with the group's smallest (sorted input). */
function clusterByOffset<T extends { offsetS: number }>(xs: T[]): T[][] {
  const sorted = [...xs].sort((a, b) => a.offsetS - b.offsetS);
  const out: T[][] = [];
  for (const x of sorted) {
    const g = out[out.length - 1];
    if (g && sharesOffset(g[0].offsetS, x.offsetS)) g.push(x);
    else out.push([x]);
  }
  return out;
}

/** When each connection first closed (FIN or RST), for "answered before the connection ended". */
function closeTimes(trace: Trace): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of trace.connections) {
    const f = firstClose(c);
    if (f) m.set(c.id, f.tS);
  }
  return m;
}

/** The slowest answer that made it (time from request to first response byte), per server. */
function slowestAnswered(
  trace: Trace,
  serverOf: Map<string, string>,
  server: string,
  closed: Map<string, number> = closeTimes(trace),
): { s: number; where: string } | null {
  let best: { s: number; where: string } | null = null;
  for (const x of trace.exchanges) {
    if (serverOf.get(x.connection) !== server || x.status == null || x.status >= 500) continue;
    if (x.requestS == null || x.responseS == null) continue;
    // An answer that came after the connection was closed did not make it.
    if (x.responseS > (closed.get(x.connection) ?? Infinity)) continue;
    const sent = x.requestEndS != null && x.requestEndS <= x.responseS ? x.requestEndS : x.requestS;
    const d = x.responseS - sent;
    if (!best || d > best.s)
      best = { s: d, where: `${x.connection} ${x.method ?? ''} ${x.path ?? ''}`.trim() };
  }
  for (const st of trace.streams) {
    if (serverOf.get(st.connection) !== server || st.responseS == null) continue;
    if ((st.status != null && st.status >= 500) || (st.grpcStatus != null && st.grpcStatus !== 0)) continue;
    const endReq = st.frames.find((f) => f.dir === 'c2s' && f.flags.includes('END_STREAM'));
    const d = st.responseS - (endReq && endReq.tS <= st.responseS ? endReq.tS : st.startS);
    if (!best || d > best.s) best = { s: d, where: `${st.connection} stream ${st.id}` };
  }
  return best;
}

/** The longest transfer that completed (request start to response end), per server. */
function longestCompleted(
  trace: Trace,
  serverOf: Map<string, string>,
  server: string,
  closed: Map<string, number> = closeTimes(trace),
): { s: number; where: string } | null {
  let best: { s: number; where: string } | null = null;
  for (const x of trace.exchanges) {
    if (serverOf.get(x.connection) !== server || x.outcome !== 'complete' || (x.status ?? 500) >= 500)
      continue;
    if (x.requestS == null || x.responseEndS == null) continue;
    // A response that ended after the connection was closed did not complete in time.
    if (x.responseEndS > (closed.get(x.connection) ?? Infinity)) continue;
    const d = x.responseEndS - x.requestS;
    if (!best || d > best.s)
      best = { s: d, where: `${x.connection} ${x.method ?? ''} ${x.path ?? ''}`.trim() };
  }
  for (const st of trace.streams) {
    if (serverOf.get(st.connection) !== server || !st.endStream.s2c || st.reset) continue;
    const d = (st.responseEndS ?? st.endS) - st.startS;
    if (!best || d > best.s) best = { s: d, where: `${st.connection} stream ${st.id}` };
  }
  return best;
}

function proxyTimeoutFinding(group: GatewayAnswer[], bound: { s: number; where: string } | null): Finding {
  const offs = group.map((a) => a.offsetS);
  const lo = Math.min(...offs);
  const hi = Math.max(...offs);
  const mid = median(offs);
  const conns = [...new Set(group.map((a) => a.connection))];
  const whats = [...new Set(group.map((a) => a.what))];
  const server = group[0].server;
  const round = roundOffset(mid);
  const boundWords =
    bound && bound.s < lo
      ? ` The slowest answer that made it took ${dur(bound.s)} (${bound.where}), so the timeout lies between ${durShort(bound.s)} and ${durShort(lo)}.`
      : bound
        ? ` An answer that took ${dur(bound.s)} (${bound.where}) still made it, so this timer applies to some routes or upstreams only.`
        : ` No successful answer is visible to bound it from below.`;
  return {
    kind: K.proxyTimeout,
    severity: 'error',
    title: `${group.length} requests answered ${list(whats)} ${durShort(mid)} after they were sent: a proxy timeout of ~${durShort(round ?? mid)}`,
    explanation:
      `${group.length} requests to ${server} were answered ${list(whats)} ${durRange(lo, hi)} after the request was complete ` +
      `(${list(
        group.map(
          (a) => `${a.connection}${a.stream != null ? ` stream ${a.stream}` : ''} at ${at(a.answerS)}`,
        ),
        6,
      )}).${boundWords} ` +
      `The same delay on every failed request is a timer, not a slow backend that happened to fail: a proxy or gateway between this capture and the server waited ~${trim(mid, 1)} s for its upstream, gave up and answered for it. ` +
      `Why it matters: these requests failed, and retries that take as long will fail the same way. ` +
      `Usual suspects: nginx proxy_read_timeout (60 s by default; 504) or an upstream that closed early behind it (502), HAProxy timeout server (504), Envoy route timeout (15 s; 504 "upstream request timeout"), ` +
      `a cloud load balancer's idle or backend timeout (AWS ALB 60 s; 504), a gRPC proxy or server deadline (DEADLINE_EXCEEDED / UNAVAILABLE). ` +
      `What to try: find the timeout equal to ~${trim(mid, 1)} s in the proxy's configuration, check the proxy's error log at ${at(group[0].answerS)} ("upstream timed out"), ` +
      `and either raise it for this route or make the backend answer (or stream a first byte) sooner.`,
    connection: conns.length === 1 ? conns[0] : null,
    stream: group.length === 1 ? group[0].stream : null,
    startS: Math.min(...group.map((a) => a.requestS)),
    endS: Math.max(...group.map((a) => a.answerS)),
    evidence: group.slice(0, 20).flatMap((a) => a.evidence),
    details: {
      offsetS: fig(mid),
      offsetsS: offs.map((x) => fig(x, 3)),
      roundS: round,
      count: group.length,
      answers: whats,
      server,
      connections: conns,
      lowerBoundS: bound && bound.s < lo ? fig(bound.s, 3) : null,
      upperBoundS: fig(lo, 3),
    },
  };
}

export const detector: Detector = {
  id: 'deadline',
  kinds: [K.deadlineCut, K.proxyTimeout],
  detect(trace: Trace, opts: AnalysisOptions): Finding[] {
    const out: Finding[] = [];
    const serverOf = new Map(trace.connections.map((c) => [c.id, c.server]));
    const closed = closeTimes(trace);
    // Seen in front of the proxy: its answers, at a shared offset after their requests. HTTP only,
    // so it works on debug logs too.
    const answers = gatewayAnswers(trace);
    const byServer = groupBy(answers, (a) => a.server);
    for (const [server, list] of byServer)
      for (const group of clusterByOffset(list))
        if (group.length >= 2)
          out.push(proxyTimeoutFinding(group, slowestAnswered(trace, serverOf, server, closed)));

    if (!hasTcp(trace)) return out;
    let rowsByConn: ConnectionPackets | null = null;
    const cuts: Cut[] = [];
    const exByConn = byConnection(trace.exchanges);
    const stByConn = byConnection(trace.streams);
    const h2ByConn = byConnection(trace.h2);
    // Cuts that end a silence: the verdict shared with the idle detector decides whose they are.
    // Stream cancellations per side, early ones included: a handful at one offset among hundreds
    // spread over all offsets is chance, not a timer.
    const strongCount = new Map<Dir, number>();
    const classifiedList = classifyCuts(trace, opts.idleThresholdS);
    const classified = new Map(classifiedList.map((k) => [k.ci, k]));
    const classifiedById = new Map(classifiedList.map((k) => [k.c.id, k]));
    trace.connections.forEach((c, ci) => {
      const close = firstClose(c);
      const exchanges = exByConn.get(c.id) ?? [];
      const streams = stByConn.get(c.id) ?? [];
      const verdict = classified.get(ci);
      let found: Cut[] = [];
      if (exchanges.length > 0) {
        if (close) {
          for (const x of exchanges) {
            const cut = http1Cut(c, x, close);
            if (cut) {
              found.push(cut);
              break;
            }
          }
        }
      } else if (streams.length > 0) {
        const goaways = (h2ByConn.get(c.id) ?? []).flatMap((h) => h.goaway.map((g) => g.tS));
        found = h2Cuts(c, streams, close, goaways.length ? Math.min(...goaways) : null);
      } else if (close) {
        rowsByConn ??= packetsByConnection(trace);
        const rows = rowsByConn.rows(ci);
        const cut = tcpCut(c, rows, close) ?? tcpWaitCut(c, rows, close);
        if (cut) found.push(cut);
      }
      // A close that the silence before it explains is an idle cut, not a deadline.
      if (verdict?.verdict === 'idle') found = found.filter((k) => k.how === 'RST_STREAM');
      for (const k of found)
        if (k.requireStrong) strongCount.set(k.cutBy, (strongCount.get(k.cutBy) ?? 0) + 1);
      cuts.push(...found.filter((k) => k.offsetS >= MIN_OFFSET_S));
    });

    for (const k of cuts) {
      let peers = cuts.filter((o) => o !== k && sharesOffset(o.offsetS, k.offsetS));
      // A shared offset shows a per-request timer only when the offset is steadier than the
      // moment of the cuts: cuts that all land at one moment (a stalled process waking up, one
      // close ending several streams) while their starts spread are one event, not a timer.
      let oneEvent = '';
      if (peers.length) {
        const group = [k, ...peers];
        const offSpread = Math.max(...group.map((o) => o.offsetS)) - Math.min(...group.map((o) => o.offsetS));
        const cutSpread = Math.max(...group.map((o) => o.cutS)) - Math.min(...group.map((o) => o.cutS));
        if (cutSpread <= offSpread) {
          oneEvent = ` ${group.length} cuts landed within ${dur(cutSpread)} of each other while their offsets spread ${dur(offSpread)}: one event at one moment, not a per-request timer.`;
          peers = [];
        }
      }
      const round = roundOffset(k.offsetS);
      if (k.requireStrong) {
        const cluster = 1 + peers.filter((o) => o.requireStrong && o.cutBy === k.cutBy).length;
        if (cluster * 2 < (strongCount.get(k.cutBy) ?? 0)) peers = peers.filter((o) => !o.requireStrong);
      }
      if (k.requireStrong && peers.length === 0 && round == null) continue;
      if (k.requireShared && !peers.some((o) => o.cutBy === k.cutBy)) continue;
      const tcpStart = k.basis === 'tcp' && !k.requireShared;
      const from = tcpStart
        ? 'the connection began'
        : k.basis === 'h2'
          ? 'the stream began'
          : k.basis === 'tcp'
            ? "the client's last message began"
            : 'the request began';
      // "5 connections", or "5 streams on 3 connections" when several share a connection.
      const groupConns = new Set([k, ...peers].map((o) => o.c.id)).size;
      const cutCount =
        groupConns === peers.length + 1
          ? plural(groupConns, 'connection')
          : `${plural(peers.length + 1, 'stream')} on ${plural(groupConns, 'connection')}`;
      const offs = [k, ...peers].map((o) => o.offsetS);
      const lo = Math.min(...offs);
      const hi = Math.max(...offs);
      let strength: string;
      if (peers.length > 0) {
        const ids = [...new Set(peers.map((o) => o.c.id + (o.stream != null ? ` stream ${o.stream}` : '')))];
        strength =
          `${cutCount} were cut at the same ${durShort(k.offsetS)} after their ${tcpStart ? 'start' : 'request began'} ` +
          `(offsets ${lo.toFixed(2)}-${hi.toFixed(2)} s; the others: ${list(ids)}) — this is a timeout, not a network fault.`;
      } else if (round != null) {
        strength = `The cut came ${durShort(k.offsetS)} after ${from}, within 2 % of a round ${round} s: that looks like a configured timeout, not a network fault.`;
      } else {
        strength = `Only one cut at this offset is visible, so it may be a timeout or an application decision; look for other connections cut at ${durShort(k.offsetS)}.${oneEvent}`;
      }
      // Idle timer or deadline: when the cut also ended a silence, say how the two readings compare.
      const v = k.how !== 'RST_STREAM' ? classifiedById.get(k.c.id) : undefined;
      const silenceWords =
        v && v.closeS === k.cutS
          ? ` The cut also came ${dur(v.silenceS)} after the last packet before it; ${v.why}.`
          : '';
      // The deadline lies between the longest transfer that completed and the shortest cut.
      const done = k.requireShared
        ? slowestAnswered(trace, serverOf, k.c.server, closed)
        : longestCompleted(trace, serverOf, k.c.server, closed);
      const boundWords = !done
        ? ''
        : done.s < lo
          ? ` The longest ${k.requireShared ? 'wait for an answer' : 'transfer'} that completed took ${dur(done.s)} (${done.where}), so the timer lies between ${durShort(done.s)} and ${durShort(lo)}.`
          : ` A ${k.requireShared ? 'wait for an answer' : 'transfer'} of ${dur(done.s)} (${done.where}) completed, longer than this cut: the timer applies to some routes only, or is not a fixed deadline.`;
      const by = k.cutBy === 's2c' ? 'server' : 'client';
      const suspects =
        by === 'server'
          ? `Usual suspects on the server side (${k.c.server}): a reverse proxy or server read/write timeout — Go http.Server ReadTimeout/WriteTimeout, ` +
            `Node.js server.requestTimeout (300 s default) / headersTimeout (60 s), nginx proxy_read_timeout / client_body_timeout (60 s), ` +
            `a load balancer idle or request timeout, or a handler deadline.`
          : k.requireShared
            ? `Usual suspects on the client side (${k.c.client}): when the client is a proxy, its upstream read timeout — nginx proxy_read_timeout (60 s by default), ` +
              `HAProxy timeout server, Envoy route timeout (15 s) — which answers its own client 504; otherwise a client timeout (HTTP client Timeout, gRPC deadline, curl --max-time).`
            : `Usual suspects on the client side (${k.c.client}): a client timeout or deadline (HTTP client Timeout, gRPC deadline, curl --max-time, ` +
              `an SDK's request timeout) that gave up while the transfer was still running.`;
      out.push({
        kind: K.deadlineCut,
        severity: 'error',
        title: `${k.requireShared ? 'Request abandoned' : 'Transfer cut'} by the ${by} ${durShort(k.offsetS)} after ${from}${peers.length ? ` (same offset on ${cutCount})` : ''}`,
        explanation:
          `On ${connName(k.c)}, ${sender(k.c, k.cutBy)} ${k.how === 'RST_STREAM' ? 'reset the stream' : k.how === 'RST' ? 'reset the connection' : 'closed the connection (FIN)'} ` +
          `at ${at(k.cutS)}, ${dur(k.offsetS)} after ${from} at ${at(k.startS)}, ${k.what}. ${strength}${silenceWords}${boundWords} ` +
          `Why it matters: the other side sees a truncated transfer or ECONNRESET / "unexpected EOF"; retries that take as long will be cut the same way. ` +
          `${suspects} What to try: find the timeout equal to ~${trim(k.offsetS, 1)} s in the ${by}'s and any proxy's configuration and raise it for this route ` +
          `(or stream the work / make it asynchronous), and check the ${by === 'server' ? 'server or proxy' : 'client'} logs at ${at(k.cutS)} for a timeout message.`,
        connection: k.c.id,
        stream: k.stream,
        startS: k.startS,
        endS: k.cutS,
        evidence: k.evidence,
        details: {
          offsetS: fig(k.offsetS),
          cutBy: by,
          how: k.how,
          basis: k.basis,
          sharedWith: peers.map((o) => o.c.id),
          roundS: round,
          silenceBeforeS: v ? fig(v.silenceS, 3) : null,
          lowerBoundS: done && done.s < lo ? fig(done.s, 3) : null,
          upperBoundS: fig(lo, 3),
        },
      });
    }
    return out;
  },
};
