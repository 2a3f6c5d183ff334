/**
 * tcp.deadline-cut (error): a connection closed or reset by one side while a request or response
 * was still in transfer — the signature of a server or proxy read/write timeout or a client
 * deadline. details.offsetS = time from the request start (or connection start when no HTTP is
 * visible) to the cut.
 *
 * What counts as "in transfer":
 * - HTTP/1: an exchange with outcome incomplete-request or unanswered cut by the server, or
 *   incomplete-response cut by either side (a client that gave up waiting for an answer that had
 *   not started is not a cut: nothing was moving);
 * - HTTP/2: the TCP connection closed while a stream was still open; or an RST_STREAM(CANCEL)
 *   whose offset is shared with other cuts or is a round number (a gRPC deadline);
 * - TCP only (no HTTP seen on the connection): one side's payload was flowing (>= 2 segments,
 *   last one <= FLOW_GAP_S before the cut, for >= MIN_OFFSET_S) and the other side closed first.
 * Cuts sooner than MIN_OFFSET_S after the start, and RSTs right after an idle silence (the idle
 * detector's business), are ignored. Offsets are "shared" within ±5 % or ±0.25 s, "round" within
 * 2 % of a whole number of seconds.
 */
import type { AnalysisOptions, Connection, Dir, Finding, H2Stream, Http1Exchange, Trace } from '../trace';
import type { Detector } from './types';
import {
  firstClose,
  hasTcp,
  isRst,
  packetsByConnection,
  type ConnectionPackets,
  type PacketRow,
} from './common';
import { at, connName, dur, durShort, fig, list, other, plural, sender, side, trim } from './text';
import { K } from './kinds';

export const MIN_OFFSET_S = 0.5;
export const FLOW_GAP_S = 1.0;
export const SHARED_REL = 0.05;
export const SHARED_ABS_S = 0.25;
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
}

export function sharesOffset(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(SHARED_REL * Math.max(a, b), SHARED_ABS_S);
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
  let what = '';
  if (x.status === 408 && close.dir === 's2c' && close.tS - (x.responseS ?? close.tS) <= 1) {
    // Node.js requestTimeout / headersTimeout answer 408 and close: a timeout by definition.
    ok = true;
    what = `the server answered 408 Request Timeout at ${at(x.responseS ?? close.tS)} and closed the connection`;
  } else if (x.responseEndS != null && close.tS >= x.responseEndS && x.outcome === 'complete') {
    return null;
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
    requireStrong: false,
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
    if (!first) continue;
    const ended = s.endStream.c2s && s.endStream.s2c;
    if (s.reset && s.reset.errorCode === 8) {
      const rf = s.frames.find((f) => f.number === s.reset?.frame);
      const tS = rf?.tS ?? s.endS;
      if (ended && rf && s.responseEndS != null && s.responseEndS <= tS) continue;
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
      });
      continue;
    }
    if (ended || s.reset || !close || close.tS < s.startS) continue;
    // A GOAWAY before the close explains it (shutdown or protocol error), not a timeout.
    if (goawayBefore != null && goawayBefore <= close.tS) continue;
    // In transfer: a response started and unfinished (cut by either side), or the server closed
    // while the request was being sent or awaited. A client leaving an unanswered stream is not a cut.
    const responding = s.responseS != null && !s.endStream.s2c;
    if (!responding && close.dir !== 's2c') continue;
    out.push({
      c,
      stream: s.id,
      basis: 'h2',
      startS: s.startS,
      cutS: close.tS,
      cutBy: close.dir,
      how: close.how,
      what: `the TCP connection closed while stream ${s.id} (${s.method ?? '?'} ${s.path ?? '?'}) was still open`,
      evidence: [
        { frame: first.number, note: `stream ${s.id} opens` },
        ...(s.frames.length > 1
          ? [{ frame: s.frames[s.frames.length - 1].number, note: 'last frame of the stream' }]
          : []),
        { packet: close.packet, note: `${close.how} from ${side(close.dir)}: the cut` },
      ],
      offsetS: close.tS - s.startS,
      requireStrong: false,
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
    requireStrong: false,
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

function afterIdle(c: Connection, close: NonNullable<ReturnType<typeof firstClose>>, thr: number): boolean {
  if (close.how === 'RST' && c.rsts.some((r) => r.packet === close.packet && r.silenceBeforeS >= thr))
    return true;
  return c.idleGaps.some(
    (g) => g.durationS >= thr && g.toPacket != null && g.toPacket <= close.packet && close.tS - g.endS <= 2,
  );
}

export const detector: Detector = {
  id: 'deadline',
  kinds: [K.deadlineCut],
  detect(trace: Trace, opts: AnalysisOptions): Finding[] {
    if (!hasTcp(trace)) return [];
    let rowsByConn: ConnectionPackets | null = null;
    const cuts: Cut[] = [];
    const exByConn = byConnection(trace.exchanges);
    const stByConn = byConnection(trace.streams);
    const h2ByConn = byConnection(trace.h2);
    trace.connections.forEach((c, ci) => {
      const close = firstClose(c);
      const exchanges = exByConn.get(c.id) ?? [];
      const streams = stByConn.get(c.id) ?? [];
      let found: Cut[] = [];
      if (close && afterIdle(c, close, opts.idleThresholdS)) {
        found = [];
      } else if (exchanges.length > 0) {
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
        const cut = tcpCut(c, rowsByConn.rows(ci), close);
        if (cut) found.push(cut);
      }
      cuts.push(...found.filter((k) => k.offsetS >= MIN_OFFSET_S));
    });

    const out: Finding[] = [];
    for (const k of cuts) {
      const peers = cuts.filter((o) => o !== k && sharesOffset(o.offsetS, k.offsetS));
      const round = roundOffset(k.offsetS);
      if (k.requireStrong && peers.length === 0 && round == null) continue;
      const from =
        k.basis === 'tcp'
          ? 'the connection began'
          : k.basis === 'h2'
            ? 'the stream began'
            : 'the request began';
      const offs = [k, ...peers].map((o) => o.offsetS);
      const lo = Math.min(...offs);
      const hi = Math.max(...offs);
      let strength: string;
      if (peers.length > 0) {
        const ids = [...new Set(peers.map((o) => o.c.id + (o.stream != null ? ` stream ${o.stream}` : '')))];
        strength =
          `${peers.length + 1} connections were cut at the same ${durShort(k.offsetS)} after their ${k.basis === 'tcp' ? 'start' : 'request began'} ` +
          `(${durShort(lo)}-${durShort(hi)}; the others: ${list(ids)}) — this is a timeout, not a network fault.`;
      } else if (round != null) {
        strength = `The cut came ${durShort(k.offsetS)} after ${from}, within 2 % of a round ${round} s: that looks like a configured timeout, not a network fault.`;
      } else {
        strength = `Only one cut at this offset is visible, so it may be a timeout or an application decision; look for other connections cut at ${durShort(k.offsetS)}.`;
      }
      const by = k.cutBy === 's2c' ? 'server' : 'client';
      const suspects =
        by === 'server'
          ? `Usual suspects on the server side (${k.c.server}): a reverse proxy or server read/write timeout — Go http.Server ReadTimeout/WriteTimeout, ` +
            `Node.js server.requestTimeout (300 s default) / headersTimeout (60 s), nginx proxy_read_timeout / client_body_timeout (60 s), ` +
            `a load balancer idle or request timeout, or a handler deadline.`
          : `Usual suspects on the client side (${k.c.client}): a client timeout or deadline (HTTP client Timeout, gRPC deadline, curl --max-time, ` +
            `an SDK's request timeout) that gave up while the transfer was still running.`;
      out.push({
        kind: K.deadlineCut,
        severity: 'error',
        title: `Transfer cut by the ${by} ${durShort(k.offsetS)} after ${from}${peers.length ? ` (same offset on ${plural(peers.length + 1, 'connection')})` : ''}`,
        explanation:
          `On ${connName(k.c)}, ${sender(k.c, k.cutBy)} ${k.how === 'RST_STREAM' ? 'reset the stream' : k.how === 'RST' ? 'reset the connection' : 'closed the connection (FIN)'} ` +
          `at ${at(k.cutS)}, ${dur(k.offsetS)} after ${from} at ${at(k.startS)}, ${k.what}. ${strength} ` +
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
        },
      });
    }
    return out;
  },
};
