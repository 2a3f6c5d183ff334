/**
 * HTTP/1.x exchanges.
 * - http1.unanswered-request (error): a request with no response before the connection ended
 *   (FIN/RST: says who) or the capture ended (only when the capture ran >= slowMinS past the
 *   request, so a capture stopped mid-request stays quiet). Never for an exchange a capture gap
 *   touched (outcome 'capture-gap'), a request sent before the last server bytes the capture
 *   missed on its connection, or a connection the capture saw in one direction only (a
 *   capture.not-inspected finding says so).
 * - http1.response-mismatch (error): (a) a response with no request outstanding (orphan), or
 *   (b) a 2xx response whose shape (status, content type, JSON top-level keys, or body-size range
 *   for non-JSON) matches none of its own endpoint's other 2xx responses but matches another
 *   endpoint's: responses crossed between sockets.
 */
import type { AnalysisOptions, Connection, Finding, Http1Exchange, Trace } from '../trace';
import type { Detector } from './types';
import {
  EndpointKeys,
  captureEnd,
  connIndex,
  endpointKey,
  firstClose,
  hasTcp,
  packetsByConnection,
} from './common';
import type { PacketRow } from './common';
import { A_RETRANSMISSION } from '../packets';
import { captureLoss } from '../tcp/gaps';
import { at, connName, dur, durShort, fig, list, plural, sender } from './text';
import { K } from './kinds';

interface Shape {
  status: number | null;
  contentType: string | null;
  keys: string | null; // sorted, comma-joined JSON keys
  bytes: number;
}

function shapeOf(x: Http1Exchange): Shape {
  return {
    status: x.status,
    contentType: x.contentType ? x.contentType.split(';')[0].trim().toLowerCase() : null,
    keys: x.jsonKeys ? [...x.jsonKeys].sort().join(',') : null,
    bytes: x.response?.bodyBytes ?? 0,
  };
}

function shapeWords(s: Shape): string {
  const parts = [`status ${s.status ?? '?'}`, s.contentType ?? 'no content type'];
  if (s.keys != null) parts.push(`JSON keys {${s.keys}}`);
  else parts.push(`${s.bytes} body bytes`);
  return parts.join(', ');
}

/** Same shape: status and content type equal; JSON keys equal; or, without JSON, size within x2. */
function sameShape(a: Shape, b: Shape): boolean {
  if (a.status !== b.status || a.contentType !== b.contentType) return false;
  if (a.keys != null || b.keys != null) return a.keys === b.keys;
  const lo = Math.min(a.bytes, b.bytes);
  const hi = Math.max(a.bytes, b.bytes);
  return hi <= Math.max(2 * lo, lo + 64);
}

const is2xx = (x: Http1Exchange): boolean => x.status != null && x.status >= 200 && x.status < 300;

function reqLabel(x: Http1Exchange): string {
  return `${x.method ?? '?'} ${x.path ?? '?'}`;
}

/** What the server did after a request was sent, from the connection's packets. */
interface AfterRequest {
  /** The server sent payload bytes (something, even if not a parsable response). */
  serverSpoke: boolean;
  /** The client retransmitted data (its request, or data after it) with the server silent. */
  blackHoled: boolean;
}

function afterRequest(rows: PacketRow[], reqS: number): AfterRequest {
  let serverSpoke = false;
  let clientRetrans = false;
  for (const r of rows) {
    if (r.t < reqS) continue;
    if (r.dir === 's2c' && r.len > 0) serverSpoke = true;
    if (r.dir === 'c2s' && r.len > 0 && (r.analysis & A_RETRANSMISSION) !== 0) clientRetrans = true;
  }
  return { serverSpoke, blackHoled: clientRetrans && !serverSpoke };
}

/** Per endpoint (method + path pattern), the longest time to first response byte it took. */
function longestAnswered(trace: Trace): Map<string, number> {
  const out = new Map<string, number>();
  const keys = new EndpointKeys();
  for (const x of trace.exchanges) {
    if (x.responseS == null || x.requestS == null) continue;
    const key = keys.of(x.method, x.path);
    if (key === null) continue;
    out.set(key, Math.max(out.get(key) ?? 0, x.responseS - x.requestS));
  }
  return out;
}

function unanswered(trace: Trace, conns: Map<string, Connection>, opts: AnalysisOptions): Finding[] {
  const out: Finding[] = [];
  const end = captureEnd(trace);
  const orphans = trace.exchanges.filter((o) => o.outcome === 'orphan-response');
  // Per connection, the time of the last server bytes the capture missed (when any).
  let lastLoss: Map<string, number> | null = null;
  let longest: Map<string, number> | null = null;
  let ci: Map<string, number> | null = null;
  // A connection's packet rows, made once however many of its requests go unanswered.
  const rowCache = new Map<string, PacketRow[]>();
  const rowsOf = (id: string): PacketRow[] => {
    let rows = rowCache.get(id);
    if (!rows && hasTcp(trace)) {
      rows = packetsByConnection(trace).rows((ci ??= connIndex(trace)).get(id) ?? -1);
      rowCache.set(id, rows);
    }
    return rows ?? [];
  };
  for (const x of trace.exchanges) {
    // A reply with no HTTP/1 status line (HTTP/2 frames from an h2-only server, TLS on a plain
    // port, garbage from a broken proxy) answers nothing: the request failed all the same.
    const garbled = x.outcome === 'incomplete-response' && x.status === null && x.response !== null;
    if (!x.request || ((x.response || x.responseS != null) && !garbled)) continue;
    if (x.outcome !== 'unanswered' && x.outcome !== 'incomplete-request' && !garbled) continue;
    const c = conns.get(x.connection);
    // Seen one way only: no answer could have been captured (capture.not-inspected says so).
    if (c && c.packets.s2c === 0 && hasTcp(trace)) continue;
    if (c && c.analysis.s2c.missingBytes > 0) {
      // Server bytes the capture missed after this request was sent may have been its response
      // (the HTTP/1 layer marks what it knows; this covers what it cannot, e.g. a parser stopped
      // by a malformed message after a gap). A request sent after the last hole is judged as usual.
      lastLoss ??= new Map(
        captureLoss(trace.connections, trace.packets).map((r) => [
          r.conn.id,
          Number.isNaN(r.s2c.lastS) ? Infinity : r.s2c.lastS,
        ]),
      );
      const lossS = lastLoss.get(x.connection) ?? Infinity;
      if ((x.requestS ?? x.request.startS) <= lossS) continue;
    }
    const reqS = x.requestS ?? x.request.startS;
    const close = c && hasTcp(trace) ? firstClose(c) : null;
    const after: AfterRequest =
      c && hasTcp(trace) ? afterRequest(rowsOf(c.id), reqS) : { serverSpoke: false, blackHoled: false };
    const evidence: Finding['evidence'] = [];
    if (x.request.packets.length)
      evidence.push({ packet: x.request.packets[0], note: `request ${reqLabel(x)}` });
    if (x.request.packets.length > 1 && x.request.packets[1] !== x.request.packets[0])
      evidence.push({
        packet: x.request.packets[x.request.packets.length - 1],
        note: 'last packet of the request',
      });
    let how: string;
    let endS: number;
    let endedBy: string;
    // The client hung up first, before a response could be expected: a cancel (passed on by a
    // proxy, a user navigating away), not the server's failure. A client that waited past
    // max(slowMinS, 1 s) gave up on a request that failed, and one whose answer went to another
    // connection (orphan responses elsewhere) was failed by the server: both are still reported.
    // Cuts at a shared offset are tcp.deadline-cut's.
    if (
      close &&
      close.tS >= reqS &&
      close.dir === 'c2s' &&
      close.tS - reqS < Math.max(opts.slowMinS, 1) &&
      !after.serverSpoke &&
      !orphans.some((o) => o.connection !== x.connection)
    )
      continue;
    if (close && close.tS >= reqS) {
      endS = close.tS;
      endedBy = 'connection';
      how =
        `the connection ended first: ${c ? sender(c, close.dir) : close.dir} ${close.how === 'RST' ? 'reset it' : 'closed it (FIN)'} at ${at(close.tS)}, ` +
        `${dur(close.tS - reqS)} after the request began${x.outcome === 'incomplete-request' ? ', before the request was even complete' : ''}` +
        (garbled && x.responseS != null
          ? `; what the server sent at ${at(x.responseS)} was not an HTTP/1 response (no status line) — typically an HTTP/2-only (h2c prior-knowledge or gRPC) server answering an HTTP/1.1 request with its SETTINGS and GOAWAY, TLS spoken to a plain-text port, or a broken proxy; check the upstream protocol (e.g. nginx grpc_pass instead of proxy_pass)`
          : '');
      evidence.push({
        packet: close.packet,
        note: `${close.how} from the ${close.dir === 'c2s' ? 'client' : 'server'}`,
      });
    } else {
      const waited = end - reqS;
      if (waited < Math.max(opts.slowMinS, 1)) continue;
      // Still within what this endpoint takes when it does answer (a long-poll, a report that
      // runs for a minute): waiting, not failed.
      longest ??= longestAnswered(trace);
      const key = endpointKey(x.method, x.path);
      if (!after.blackHoled && key !== null && waited <= (longest.get(key) ?? 0) * 1.5) continue;
      endS = end;
      endedBy = 'capture';
      how = `the capture ended ${dur(waited)} after the request began with the connection still open and no response byte received`;
    }
    if (evidence.length === 0) continue;
    const cname = c ? connName(c) : `connection ${x.connection}`;
    const others = orphans.filter((o) => o.connection !== x.connection);
    out.push({
      kind: K.unansweredRequest,
      // A request still open when the capture stopped has not failed yet: a risk, not a failure.
      // One the client kept retransmitting into silence has failed all the same.
      severity: endedBy === 'capture' && !after.blackHoled ? 'warning' : 'error',
      title: `${reqLabel(x)} got no ${garbled ? 'HTTP/1 ' : ''}response (${endedBy === 'capture' ? 'capture ended' : 'connection closed'} after ${durShort(endS - reqS)})`,
      explanation:
        `The request ${reqLabel(x)} (exchange ${x.index} on ${cname}) was sent at ${at(reqS)} and no response came back: ${how}. ` +
        `Why it matters: the caller sees a timeout, "socket hang up" or ECONNRESET, and may retry a non-idempotent request. ` +
        `Usual causes: the server or a proxy timed out (see any deadline-cut finding on the same connection), the handler hung or crashed, ` +
        `the response was written to the wrong socket${others.length ? ` (this trace also has ${plural(others.length, 'response')} that answered no request on other connections — look at the response-mismatch findings)` : ''}, ` +
        `or the server closed an idle keep-alive socket just as the client reused it. What to try: check the server and proxy logs at ${at(reqS)}, ` +
        `compare timeouts on each hop, and make clients retry idempotent requests on a fresh connection.`,
      connection: x.connection,
      stream: null,
      startS: reqS,
      endS,
      evidence,
      details: {
        method: x.method,
        path: x.path,
        endedBy,
        waitedS: fig(endS - reqS),
        requestComplete: x.outcome !== 'incomplete-request',
      },
    });
  }
  return out;
}

function mismatches(trace: Trace, conns: Map<string, Connection>): Finding[] {
  const out: Finding[] = [];
  // (a) orphans
  for (const x of trace.exchanges) {
    if (x.outcome !== 'orphan-response' || !x.response) continue;
    const c = conns.get(x.connection);
    const prev = trace.exchanges.filter(
      (o) => o.connection === x.connection && o.index < x.index && o.request,
    );
    const s = shapeOf(x);
    const evidence: Finding['evidence'] = [];
    if (x.response.packets.length)
      evidence.push({ packet: x.response.packets[0], note: 'response with no request outstanding' });
    const lastReq = prev[prev.length - 1];
    if (lastReq?.request?.packets.length)
      evidence.push({
        packet: lastReq.request.packets[0],
        note: `last request on this connection: ${reqLabel(lastReq)}`,
      });
    if (lastReq?.response?.packets.length)
      evidence.push({
        packet: lastReq.response.packets[0],
        note: `the response already taken as its answer`,
      });
    if (evidence.length === 0) continue;
    // Which request elsewhere might it belong to? Unanswered requests on other connections.
    const stray = trace.exchanges.filter(
      (o) =>
        o.connection !== x.connection && o.request && !o.response && (o.requestS ?? 0) <= x.response!.startS,
    );
    out.push({
      kind: K.responseMismatch,
      severity: 'error',
      title: `Response ${x.status ?? ''} arrived with no request outstanding`.replace('  ', ' '),
      explanation:
        `On ${c ? connName(c) : `connection ${x.connection}`}, a response (${shapeWords(s)}) arrived at ${at(x.response.startS)} although every request on this connection ` +
        `(${plural(prev.length, 'request')}) had already been answered. ` +
        `Why it matters: HTTP/1.1 pairs responses with requests by order only, so an extra response means the previous answers on this connection may belong to other requests: ` +
        `clients may have received someone else's data. ` +
        (stray.length
          ? `Meanwhile ${list(stray.map((o) => `${reqLabel(o)} on ${o.connection}`))} never got an answer — the missing responses likely went to this connection. `
          : '') +
        `Usual causes: a server or proxy that writes to a shared or stale socket reference (a global "last connection", a connection object reused across requests), ` +
        `a pooled connection returned before its response was fully read, or a response sent twice. What to try: audit how the handler picks the socket/response writer, ` +
        `and check the proxy's connection-pool logs at that time.`,
      connection: x.connection,
      stream: null,
      startS: x.response.startS,
      endS: x.response.endS ?? x.response.startS,
      evidence,
      details: {
        reason: 'orphan-response',
        observed: s,
        strayRequests: stray.map((o) => ({ connection: o.connection, request: reqLabel(o) })),
      },
    });
  }
  // (b) shape crossing
  const byEp = new Map<string, Http1Exchange[]>();
  for (const x of trace.exchanges) {
    if (x.outcome !== 'complete' || !is2xx(x)) continue;
    const k = endpointKey(x.method, x.path);
    if (!k) continue;
    const arr = byEp.get(k) ?? [];
    arr.push(x);
    byEp.set(k, arr);
  }
  // Distinct shapes per endpoint, with counts (keeps this linear in the number of exchanges).
  const classes = new Map<string, Map<string, { shape: Shape; count: number }>>();
  const sig = (sh: Shape): string =>
    `${sh.status}|${sh.contentType}|${sh.keys ?? `~${Math.floor(Math.log2(sh.bytes + 1))}`}`;
  for (const [ep, xs] of byEp) {
    const m = new Map<string, { shape: Shape; count: number }>();
    for (const x of xs) {
      const sh = shapeOf(x);
      const k = sig(sh);
      const e = m.get(k);
      if (e) e.count++;
      else m.set(k, { shape: sh, count: 1 });
    }
    classes.set(ep, m);
  }
  for (const [ep, xs] of byEp) {
    const mine = classes.get(ep)!;
    for (const x of xs) {
      if (xs.length < 2) continue;
      const s = shapeOf(x);
      const selfKey = sig(s);
      const ownShapes = [...mine.entries()]
        .filter(([k, v]) => (k === selfKey ? v.count - 1 : v.count) > 0)
        .map(([, v]) => v.shape);
      if (ownShapes.some((o) => sameShape(o, s))) continue;
      // Own endpoint's other responses must agree among themselves.
      if (!ownShapes.every((o) => sameShape(o, ownShapes[0]))) continue;
      let match: string | null = null;
      for (const [ep2, m2] of classes) {
        if (ep2 === ep) continue;
        if ([...m2.values()].some((o) => sameShape(o.shape, s))) {
          match = ep2;
          break;
        }
      }
      if (!match || !x.request || !x.response) continue;
      const c = conns.get(x.connection);
      const evidence: Finding['evidence'] = [];
      if (x.request.packets.length)
        evidence.push({ packet: x.request.packets[0], note: `request ${reqLabel(x)}` });
      if (x.response.packets.length)
        evidence.push({ packet: x.response.packets[0], note: `response shaped like ${match}` });
      if (evidence.length === 0) continue;
      out.push({
        kind: K.responseMismatch,
        severity: 'error',
        title: `${reqLabel(x)} was answered with a ${match} response`,
        explanation:
          `On ${c ? connName(c) : `connection ${x.connection}`}, the request ${reqLabel(x)} (at ${at(x.requestS ?? x.request.startS)}) got a response with ${shapeWords(s)}, ` +
          `but the ${plural(xs.length - 1, 'other response')} of ${ep} in this trace have ${shapeWords(ownShapes[0])} — and ${match} responses look exactly like this one. ` +
          `Why it matters: this is the "responses crossed between sockets" symptom: a client received data meant for another request (possibly another user's). ` +
          `Usual causes: a server writing to a shared or stale socket, a connection pool that hands out a connection before the previous response was fully read, ` +
          `or a cache keyed without the path. What to try: look for unanswered or orphan responses at the same time, and audit response-writer/socket reuse.`,
        connection: x.connection,
        stream: null,
        startS: x.requestS ?? x.request.startS,
        endS: x.responseEndS ?? x.response.startS,
        evidence,
        details: {
          reason: 'shape',
          endpoint: ep,
          expected: ownShapes[0],
          observed: s,
          matchingEndpoint: match,
          samples: xs.length - 1,
        },
      });
    }
  }
  return out;
}

export const detector: Detector = {
  id: 'http1',
  kinds: [K.unansweredRequest, K.responseMismatch],
  detect(trace: Trace, opts: AnalysisOptions): Finding[] {
    if (trace.exchanges.length === 0) return [];
    const conns = new Map(trace.connections.map((c) => [c.id, c]));
    return [...unanswered(trace, conns, opts), ...mismatches(trace, conns)];
  },
};
