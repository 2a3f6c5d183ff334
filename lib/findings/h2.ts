/**
 * HTTP/2 and gRPC (captures and debug logs alike; evidence is frame numbers, plus log lines).
 * - h2.empty-data-end-stream (warning): gRPC response HEADERS without END_STREAM, then DATA of
 *   length 0 with END_STREAM, no trailing HEADERS. (Plain HTTP responses ending that way are legal
 *   and common — Node/nghttp2 do it — so only gRPC streams are flagged.)
 * - grpc.trailers-missing (error): a gRPC stream ended (END_STREAM from the server, RST_STREAM
 *   from the server, or the connection closed) without grpc-status in trailers or Trailers-Only.
 *   Not flagged: calls the client side abandoned (its RST_STREAM, or its FIN/RST ending the
 *   connection first), streams the server declared unprocessed (above its GOAWAY last-stream-id,
 *   REFUSED_STREAM), streams across a capture gap (H2Stream.captureGap: the trailers may be
 *   among the lost frames).
 * - one finding per H2ConnectionInfo.violations entry (kind from the violation; settings/ping
 *   unacked are warnings, the rest errors).
 * - h2.rst-stream (info): the first RST_STREAM per stream and sender, code named, sender named,
 *   code explained; repeats (STREAM_CLOSED answers to late frames) folded into it.
 * - h2.goaway-error (warning): GOAWAY with a code other than NO_ERROR.
 */
import type { AnalysisOptions, Connection, Dir, Finding, H2Frame, H2Stream, Trace } from '../trace';
import type { Detector } from './types';
import { frameIndex, headerValue } from './common';
import { at, cap, connName, dur, sender, side } from './text';
import { K, type FindingKind } from './kinds';

export const H2_ERROR_NAMES: Record<number, string> = {
  0: 'NO_ERROR',
  1: 'PROTOCOL_ERROR',
  2: 'INTERNAL_ERROR',
  3: 'FLOW_CONTROL_ERROR',
  4: 'SETTINGS_TIMEOUT',
  5: 'STREAM_CLOSED',
  6: 'FRAME_SIZE_ERROR',
  7: 'REFUSED_STREAM',
  8: 'CANCEL',
  9: 'COMPRESSION_ERROR',
  10: 'CONNECT_ERROR',
  11: 'ENHANCE_YOUR_CALM',
  12: 'INADEQUATE_SECURITY',
  13: 'HTTP_1_1_REQUIRED',
};

export function errorName(code: number): string {
  return H2_ERROR_NAMES[code] ?? `0x${code.toString(16)}`;
}

const ERROR_MEANING: Record<number, string> = {
  0: 'NO_ERROR: a graceful end, nothing went wrong (a server may use it to stop a response it no longer needs the request body for).',
  1: 'PROTOCOL_ERROR: the sender saw its peer break an HTTP/2 rule (bad frame order, malformed headers, invalid stream state); look for a rule-violation finding just before it.',
  2: 'INTERNAL_ERROR: the sender hit an internal failure (a crashed handler, a proxy that lost its upstream); check its logs at that time.',
  3: 'FLOW_CONTROL_ERROR: the peer sent more DATA than the advertised window allowed.',
  4: 'SETTINGS_TIMEOUT: a SETTINGS frame was not acknowledged in time.',
  5: 'STREAM_CLOSED: a frame arrived on a stream that was already half-closed or closed.',
  6: 'FRAME_SIZE_ERROR: a frame was larger than SETTINGS_MAX_FRAME_SIZE or had an invalid length.',
  7: 'REFUSED_STREAM: the sender refused the stream before doing any processing (e.g. over its concurrent-stream limit or shutting down); the request is safe to retry, on another connection if needed.',
  8: 'CANCEL: the sender no longer wants the stream — usually the client gave up (its deadline or timeout expired, the user navigated away, a gRPC context was cancelled); a server sends it when it abandons a response.',
  9: 'COMPRESSION_ERROR: the HPACK header compression state broke; the connection cannot be used further.',
  10: 'CONNECT_ERROR: a CONNECT tunnel was reset or closed abnormally.',
  11: 'ENHANCE_YOUR_CALM: the sender thinks its peer is generating excessive load (too many pings, resets or streams) and is pushing back.',
  12: 'INADEQUATE_SECURITY: the TLS parameters do not meet HTTP/2 requirements.',
  13: 'HTTP_1_1_REQUIRED: the endpoint wants this request over HTTP/1.1.',
};

export function errorMeaning(code: number): string {
  return (
    ERROR_MEANING[code] ??
    `0x${code.toString(16)}: an unknown error code (treated like INTERNAL_ERROR by RFC 9113 §7).`
  );
}

/** The rule book (shared/reference/h2-rules.md), per violation kind: title and rule text. */
export const H2_RULES: Partial<
  Record<FindingKind, { severity: 'error' | 'warning'; title: string; rule: string; matters: string }>
> = {
  [K.frameOnClosedStream]: {
    severity: 'error',
    title: 'Frame sent on a reset stream',
    rule: 'RFC 9113 §5.1: once a stream is reset (RST_STREAM sent or received) only PRIORITY may be sent on it, and DATA/HEADERS on a stream that was never opened is sent on an implicitly closed stream. Frames the peer had already sent or enqueued before it read the RST_STREAM are allowed and ignored (its TCP acknowledges at once, but a busy process may write for a while before it reads its socket): only frames sent after the peer provably read it — it had answered something sent after the RST_STREAM, and frames are read in order — or after the sender reset the stream itself, are reported.',
    matters:
      'The receiver will reset the stream or the whole connection with STREAM_CLOSED; often a server that keeps writing a response after the client cancelled it, wasting the connection.',
  },
  [K.headersAfterEndStream]: {
    severity: 'error',
    title: 'HEADERS after the sender ended the stream',
    rule: 'RFC 9113 §5.1 (half-closed) and §8.1: after a sender set END_STREAM it may send only WINDOW_UPDATE, PRIORITY and RST_STREAM on that stream; a HEADERS after the end (a second trailer block, headers written twice) is malformed.',
    matters:
      'The peer answers with a stream error STREAM_CLOSED or a connection PROTOCOL_ERROR, or drops the headers silently (trailers lost). Usually a server that writes headers or trailers twice, or a proxy that re-sends them.',
  },
  [K.streamIdRegression]: {
    severity: 'error',
    title: 'Stream id not greater than earlier ones (or wrong parity)',
    rule: 'RFC 9113 §5.1.1: a new stream id must be greater than every id the same side opened or reserved; clients use odd ids, servers even; a violation is a connection PROTOCOL_ERROR.',
    matters:
      'A conforming peer closes the connection; a lenient one silently ignores the request, which then hangs until a timeout.',
  },
  [K.settingsUnacked]: {
    severity: 'warning',
    title: 'SETTINGS never acknowledged',
    rule: 'RFC 9113 §6.5.3: every SETTINGS without ACK must be answered with a SETTINGS ACK; the sender may end the connection with SETTINGS_TIMEOUT.',
    matters:
      'The sender cannot rely on its settings (window size, concurrency, header table size) being in force; clients like Go and nghttp2 close the connection after a timeout.',
  },
  [K.pingUnacked]: {
    severity: 'warning',
    title: 'PING never acknowledged',
    rule: 'RFC 9113 §6.7: a PING without ACK must be answered, as soon as possible, with a PING ACK carrying the same 8-byte payload.',
    matters:
      'Keep-alive and health checks based on PING (gRPC keepalive, Go ReadIdleTimeout) will declare the connection dead and close it, failing in-flight requests.',
  },
  [K.flowControlViolation]: {
    severity: 'error',
    title: 'Flow-control window exceeded',
    rule: "RFC 9113 §6.9.1: a sender must not send DATA beyond the receiver's window (per stream and per connection; starts at SETTINGS_INITIAL_WINDOW_SIZE, 65535 until changed, grows only by WINDOW_UPDATE); no window may exceed 2^31-1 and a WINDOW_UPDATE of 0 is an error.",
    matters:
      'The receiver resets the stream or connection with FLOW_CONTROL_ERROR; typically an implementation that ignores a reduced INITIAL_WINDOW_SIZE.',
  },
  [K.frameSizeError]: {
    severity: 'error',
    title: 'Frame larger than the peer allows',
    rule: 'RFC 9113 §4.2: a frame whose length exceeds SETTINGS_MAX_FRAME_SIZE (16384 until the receiver raises it) is a FRAME_SIZE_ERROR; on HEADERS, SETTINGS or stream 0 it is a connection error.',
    matters:
      "The receiver resets the stream or closes the connection; typically a sender that ignores the peer's SETTINGS or a proxy that re-frames without checking.",
  },
  [K.frameOnWrongStream]: {
    severity: 'error',
    title: 'Frame on a stream its type forbids',
    rule: 'RFC 9113 §6: DATA, HEADERS, PRIORITY, RST_STREAM, PUSH_PROMISE and CONTINUATION belong to a stream and must not be sent on stream 0; SETTINGS, PING and GOAWAY belong to the connection and must be sent on stream 0. Either is a connection error of type PROTOCOL_ERROR (§6.4: "If a RST_STREAM frame is received with a stream identifier of 0x0, the recipient MUST treat this as a connection error").',
    matters:
      'The receiver ends the whole connection with GOAWAY, failing every stream on it. Usually a proxy or client that resets a request it never forwarded (its stream id still 0), or a hand-rolled frame writer.',
  },
  [K.continuationInterleaved]: {
    severity: 'error',
    title: 'Header block interrupted (CONTINUATION expected)',
    rule: 'RFC 9113 §6.10: a HEADERS or PUSH_PROMISE without END_HEADERS must be followed directly by CONTINUATION frames of the same stream, with no other frame in between; anything else is a connection PROTOCOL_ERROR.',
    matters:
      'The receiver cannot decode the header block and closes the connection, failing every stream on it.',
  },
  [K.goawayThenNewStream]: {
    severity: 'error',
    title: 'New stream opened after GOAWAY',
    rule: 'RFC 9113 §6.8: after receiving GOAWAY a sender must not open new streams on that connection; streams above the last-stream-id were not processed and may be retried elsewhere. A stream opened before the GOAWAY was read (it crossed it) is an allowed race: only streams opened after the opener provably read the GOAWAY (it had answered something sent after it, e.g. a PING) are reported.',
    matters:
      'The request is ignored by the peer and hangs or fails; clients must move new requests to a fresh connection after GOAWAY (common during server restarts and deploys).',
  },
};

/**
 * Rules that share a contract kind with a broader one (shared/contracts/trace-json.md): the violation
 * names its rule in `details.rule`, and the finding is worded by it.
 */
const H2_RULE_VARIANTS: Record<string, { title: string; rule: string; matters: string }> = {
  'data-after-end-stream': {
    title: 'DATA after the sender ended the stream',
    rule: 'RFC 9113 §5.1 (half-closed): after a sender set END_STREAM it may send only WINDOW_UPDATE, PRIORITY and RST_STREAM on that stream; DATA after it is a STREAM_CLOSED error.',
    matters:
      'The body bytes after the end are dropped or the stream is reset: a truncated or garbled message. Usually a server that ends a body-less response (HEADERS with END_STREAM) and then writes a body anyway, or a proxy that forwards END_STREAM too early.',
  },
  'answered-above-last-stream-id': {
    title: 'Stream answered above the GOAWAY last-stream-id',
    rule: 'RFC 9113 §6.8: the last-stream-id of a GOAWAY tells the peer which of its streams may have been processed; streams above it were not and will not be, so the peer may retry them on another connection. Sending HEADERS or DATA on such a stream after the GOAWAY contradicts it.',
    matters:
      'The client may already have retried the request elsewhere: a non-idempotent request (a POST, a payment) can be processed twice, or the client drops a response that really was produced. Usually a server whose shutdown path announces a last-stream-id lower than the streams it still serves.',
  },
};

/** Rules reported once per stream: the frames after the reported one are counted in it. */
const PER_STREAM_RULES = new Set<FindingKind>([
  K.frameOnClosedStream,
  K.headersAfterEndStream,
  K.goawayThenNewStream,
]);

/** DATA/HEADERS the offending frame's sender sent on the stream after it. */
function framesAfter(
  trace: Trace,
  connection: string,
  id: number,
  fs: H2Frame[],
): { dir: Dir; count: number; lastS: number } | null {
  const last = fs[fs.length - 1];
  if (!last) return null;
  const s = trace.streams.find((x) => x.connection === connection && x.id === id);
  if (!s) return null;
  let count = 0;
  let lastS = last.tS;
  for (const f of s.frames) {
    if (f.number <= last.number || f.dir !== last.dir || !(isHeaders(f) || isData(f))) continue;
    count++;
    lastS = f.tS;
  }
  return { dir: last.dir, count, lastS };
}

function isGrpc(s: H2Stream): boolean {
  if (s.grpc) return true;
  const ct = headerValue(s.responseHeaders, 'content-type') ?? headerValue(s.requestHeaders, 'content-type');
  return ct != null && ct.toLowerCase().startsWith('application/grpc');
}

function ev(f: H2Frame, note: string): Finding['evidence'][number] {
  return f.line != null ? { frame: f.number, line: f.line, note } : { frame: f.number, note };
}

function who(c: Connection | undefined, dir: Dir): string {
  return c ? sender(c, dir) : side(dir);
}

function cname(c: Connection | undefined, id: string): string {
  return c ? connName(c) : `connection ${id}`;
}

const isHeaders = (f: H2Frame): boolean => f.type === 'HEADERS' || f.typeId === 1;
const isData = (f: H2Frame): boolean => f.type === 'DATA' || f.typeId === 0;
const endStream = (f: H2Frame): boolean => f.flags.includes('END_STREAM') || (f.flagsRaw & 1) === 1;

/** Both gRPC checks: on a stream that is not gRPC (most of them) there is nothing to look at. */
function grpcEnding(s: H2Stream, c: Connection | undefined, serverLastStreamId: number | null): Finding[] {
  // Frames of a stream across a capture gap may be lost (its trailers among them): not judged.
  if (!isGrpc(s) || s.captureGap) return [];
  const out: Finding[] = [];
  const e = emptyDataEnd(s, c);
  if (e) out.push(e);
  const t = trailersMissing(s, c, serverLastStreamId);
  if (t) out.push(t);
  return out;
}

function emptyDataEnd(s: H2Stream, c: Connection | undefined): Finding | null {
  // Loops rather than filtered copies: this runs on every gRPC stream.
  let h: H2Frame | undefined;
  for (const f of s.frames)
    if (f.dir === 's2c' && isHeaders(f)) {
      h = f;
      break;
    }
  if (!h || endStream(h)) return null;
  let d: H2Frame | undefined;
  for (const f of s.frames) {
    if (f.dir !== 's2c' || f.number <= h.number) continue;
    // Trailers after the response HEADERS: the stream did not end without them.
    if (isHeaders(f)) return null;
    if (!d && isData(f) && endStream(f) && (f.info?.dataLength ?? f.length) === 0) d = f;
  }
  if (!d) return null;
  const dataBytes = s.dataBytes.s2c;
  return {
    kind: K.emptyDataEndStream,
    severity: 'warning',
    title: `gRPC response on stream ${s.id} ended with an empty DATA frame instead of trailers`,
    explanation:
      `On ${cname(c, s.connection)}, stream ${s.id} (${s.method ?? '?'} ${s.path ?? '?'}): ${who(c, 's2c')} sent the response HEADERS (status ${s.status ?? '?'}) at ${at(h.tS)} without END_STREAM, ` +
      `then ended the stream at ${at(d.tS)} with a zero-length DATA frame carrying END_STREAM${dataBytes ? ` (after ${dataBytes} bytes of DATA)` : ''}, and no trailing HEADERS. ` +
      `That is legal HTTP/2, but gRPC requires every response to end with trailers (HEADERS + END_STREAM carrying grpc-status); ` +
      `gRPC clients fail the call with "server closed the stream without sending trailers" (Go: codes.Internal; other stacks: UNKNOWN/INTERNAL), whatever status the server meant to send. ` +
      `Usual cause: a proxy between client and server — Go httputil.ReverseProxy (especially with FlushInterval -1), an Envoy or nginx route not configured for gRPC ` +
      `(nginx needs grpc_pass, not proxy_pass) — turning a Trailers-Only response (one HEADERS with END_STREAM and grpc-status) into response headers plus an empty body. ` +
      `What to try: capture the hop behind the proxy to confirm the backend sent Trailers-Only; use a gRPC-aware proxy configuration or copy grpc-status/grpc-message into trailers.`,
    connection: s.connection,
    stream: s.id,
    startS: h.tS,
    endS: d.tS,
    evidence: [
      ev(h, 'response HEADERS without END_STREAM'),
      ev(d, 'DATA length 0 with END_STREAM, no trailers follow'),
    ],
    details: { headersFrame: h.number, dataFrame: d.number, status: s.status, dataBytes },
  };
}

/** Which side began ending the connection (its first FIN or RST), if it ended. */
function closedFirstBy(c: Connection): Dir | null {
  const at = (d: Dir): number => Math.min(c.firstFin?.[d]?.tS ?? Infinity, c.firstRst?.[d]?.tS ?? Infinity);
  const a = at('c2s');
  const b = at('s2c');
  if (a === Infinity && b === Infinity) return null;
  return a <= b ? 'c2s' : 's2c';
}

function trailersMissing(
  s: H2Stream,
  c: Connection | undefined,
  serverLastStreamId: number | null,
): Finding | null {
  if (s.grpc?.statusFrom || s.grpcStatus != null || s.grpc?.grpcStatus != null) return null;
  // Not processed, by the server's own word: above its GOAWAY's last-stream-id (§6.8), or refused
  // (REFUSED_STREAM, §8.7). gRPC clients retry those transparently; nothing failed.
  if (serverLastStreamId !== null && s.id > serverLastStreamId && !s.responseHeaders) return null;
  if (s.reset?.by === 's2c' && s.reset.errorCode === 7) return null;
  if (s.trailers && headerValue(s.trailers, 'grpc-status') != null) return null;
  const resp = s.frames.filter((f) => f.dir === 's2c');
  // grpc-status in the response headers counts only as Trailers-Only (HEADERS with END_STREAM).
  const firstResp = resp.find(isHeaders);
  const statusInHeaders = headerValue(s.responseHeaders, 'grpc-status');
  if (statusInHeaders != null && firstResp && endStream(firstResp)) return null;
  let how: string | null = null;
  let endF: H2Frame | null = null;
  const endFrame = resp.find(endStream);
  if (s.reset) {
    if (s.reset.by === 'c2s') return null; // the client cancelled: its own choice
    endF = s.frames.find((f) => f.number === s.reset?.frame) ?? null;
    how = `${who(c, s.reset.by)} reset the stream with RST_STREAM(${s.reset.errorName || errorName(s.reset.errorCode)})`;
  } else if (endFrame) {
    endF = endFrame;
    how = `${who(c, 's2c')} ended the stream with ${endFrame.type}${endFrame.type === 'DATA' ? ` (length ${endFrame.length})` : ''} + END_STREAM`;
  } else if (c && c.end !== 'open' && !s.endStream.s2c) {
    // The client side ending the connection first (FIN or RST: the client, its proxy, or a
    // middlebox in its name) abandons the call, as an RST_STREAM would — nginx's grpc_pass
    // cancels upstream calls that way. The server had no chance to send trailers: not its
    // omission; the cut itself is the TCP detectors' (tcp.deadline-cut, tcp.rst-after-idle).
    if (closedFirstBy(c) === 'c2s') return null;
    how = `the connection ${c.end === 'reset' ? 'was reset' : 'closed'} while the stream was still open`;
  }
  if (!how) return null;
  const first = s.frames[0];
  const evidence: Finding['evidence'] = [];
  if (first) evidence.push(ev(first, `stream ${s.id} opens`));
  const h = resp.find(isHeaders);
  if (h && h !== endF) evidence.push(ev(h, 'response HEADERS, no grpc-status'));
  if (endF) evidence.push(ev(endF, 'stream ends here without grpc-status'));
  if (evidence.length === 0) return null;
  const endS = endF?.tS ?? s.endS;
  return {
    kind: K.trailersMissing,
    severity: 'error',
    title: `gRPC call on stream ${s.id} ended without grpc-status`,
    explanation:
      `On ${cname(c, s.connection)}, the gRPC call ${s.path ?? '?'} on stream ${s.id} (started ${at(s.startS)}) ended at ${at(endS)} — ${how} — ` +
      `without any HEADERS carrying grpc-status (neither trailers nor a Trailers-Only response). ` +
      (statusInHeaders != null
        ? `grpc-status ${statusInHeaders} does appear in the response headers, but those headers did not end the stream, so they are not trailers and clients ignore it — the sign of a proxy that turned a Trailers-Only response into headers plus body. `
        : '') +
      `gRPC over HTTP/2 requires Response = headers, messages, trailers with grpc-status (or Trailers-Only); without it the client cannot know whether the call succeeded: ` +
      `it reports "server closed the stream without sending trailers" or UNKNOWN/INTERNAL, and the server's real status and message are lost. ` +
      `Usual causes: a proxy that is not gRPC-aware dropping or converting trailers (HTTP/1.1 hops, nginx proxy_pass instead of grpc_pass, Go ReverseProxy), ` +
      `a server handler that crashed or wrote a plain HTTP response, or an upstream reset. What to try: capture the hop behind the proxy, and configure it for gRPC (trailers support end to end).`,
    connection: s.connection,
    stream: s.id,
    startS: s.startS,
    endS,
    evidence,
    details: {
      path: s.path,
      status: s.status,
      endedBy: s.reset ? 'rst-stream' : endFrame ? 'end-stream' : 'connection-close',
    },
  };
}

export const detector: Detector = {
  id: 'h2',
  kinds: [
    K.emptyDataEndStream,
    K.trailersMissing,
    ...(Object.keys(H2_RULES) as FindingKind[]),
    K.rstStream,
    K.goawayError,
  ],
  detect(trace: Trace, _opts: AnalysisOptions): Finding[] {
    const out: Finding[] = [];
    const conns = new Map(trace.connections.map((c) => [c.id, c]));
    // The lowest last-stream-id the server announced per connection (GOAWAY).
    const serverLast = new Map<string, number>();
    for (const h of trace.h2)
      for (const g of h.goaway)
        if (g.by === 's2c')
          serverLast.set(h.connection, Math.min(serverLast.get(h.connection) ?? Infinity, g.lastStreamId));
    for (const s of trace.streams) {
      const c = conns.get(s.connection);
      for (const g of grpcEnding(s, c, serverLast.get(s.connection) ?? null)) out.push(g);
      // RST_STREAM, one finding per stream and sender: later ones (a peer answering each frame
      // that still arrives on the reset stream with STREAM_CLOSED) are folded into the first.
      const firstRst: Partial<Record<Dir, Finding>> = {};
      for (const f of s.frames) {
        if (f.type !== 'RST_STREAM' && f.typeId !== 3) continue;
        const code = f.info?.errorCode ?? (s.reset?.frame === f.number ? s.reset.errorCode : 0);
        const name = f.info?.errorName ?? errorName(code);
        const prev = firstRst[f.dir];
        if (prev) {
          const more = Number(prev.details.moreResets ?? 0) + 1;
          prev.details.moreResets = more;
          if (prev.evidence.length < 6) prev.evidence.push(ev(f, `RST_STREAM ${name} again`));
          prev.endS = f.tS;
          continue;
        }
        out.push({
          kind: K.rstStream,
          severity: 'info',
          title: `Stream ${s.id} reset by the ${f.dir === 'c2s' ? 'client' : 'server'} with ${name}`,
          explanation:
            `On ${cname(c, s.connection)}, ${who(c, f.dir)} reset stream ${s.id} (${s.method ?? '?'} ${s.path ?? '?'}) with RST_STREAM ${name} at ${at(f.tS)}, ` +
            `${dur(f.tS - s.startS)} after the stream opened. ${errorMeaning(code)}`,
          connection: s.connection,
          stream: s.id,
          startS: s.startS,
          endS: f.tS,
          evidence: [ev(f, `RST_STREAM ${name} from ${side(f.dir)}`)],
          details: {
            errorCode: name,
            errorCodeValue: code,
            by: f.dir === 'c2s' ? 'client' : 'server',
            afterS: Number((f.tS - s.startS).toFixed(6)),
          },
        });
        firstRst[f.dir] = out[out.length - 1];
      }
      // Nearly every stream has no reset: nothing to fold (no values array per stream).
      if (firstRst.c2s === undefined && firstRst.s2c === undefined) continue;
      for (const r of Object.values(firstRst)) {
        const more = Number(r.details.moreResets ?? 0);
        if (more > 0)
          r.explanation += ` It sent ${more} more RST_STREAM on this stream up to ${at(r.endS)} (typically STREAM_CLOSED answers to frames that kept arriving after the reset).`;
      }
    }
    // Frames by number, for the violations' evidence: built only when there is a violation.
    const frames = trace.h2.some((h) => h.violations.length > 0)
      ? frameIndex(trace)
      : new Map<number, H2Frame>();
    for (const h of trace.h2) {
      const c = conns.get(h.connection);
      const vfs: { v: (typeof h.violations)[number]; f: Finding; senders: Dir[] }[] = [];
      for (const v of h.violations) {
        const base = H2_RULES[v.kind];
        const variant = typeof v.details?.rule === 'string' ? H2_RULE_VARIANTS[v.details.rule] : undefined;
        const rule = base && variant ? { ...variant, severity: base.severity } : base;
        const fs = v.frames.map((n) => frames.get(n)).filter((f): f is H2Frame => f != null);
        const evidence: Finding['evidence'] = v.frames.map((n) => {
          const f = frames.get(n);
          return f
            ? ev(f, `${f.type} from ${side(f.dir)}${f.stream ? ` on stream ${f.stream}` : ''}`)
            : { frame: n };
        });
        if (evidence.length === 0) continue;
        const endS = fs.length ? Math.max(...fs.map((f) => f.tS)) : v.tS;
        const startS = fs.length ? Math.min(v.tS, ...fs.map((f) => f.tS)) : v.tS;
        const vf: Finding = {
          kind: v.kind,
          severity: rule?.severity ?? 'error',
          title: `${rule?.title ?? v.kind} (${v.stream != null ? `stream ${v.stream}, ` : ''}at ${at(v.tS)})`,
          explanation:
            `On ${cname(c, h.connection)} at ${at(v.tS)}: ${v.message}. ` +
            (rule
              ? `Rule: ${rule.rule} Why it matters: ${rule.matters[0].toLowerCase() + rule.matters.slice(1)}`
              : 'This breaks an HTTP/2 rule; the peer may reset the stream or the connection.'),
          connection: h.connection,
          stream: v.stream,
          startS,
          endS,
          evidence,
          details: { ...(v.details ?? {}), message: v.message },
        };
        const followed =
          v.stream !== null && PER_STREAM_RULES.has(v.kind)
            ? framesAfter(trace, h.connection, v.stream, fs)
            : null;
        if (followed && followed.count > 0) {
          vf.explanation += ` ${cap(who(c, followed.dir))} sent ${followed.count} more DATA/HEADERS frame${followed.count === 1 ? '' : 's'} on stream ${v.stream} after this one, up to ${at(followed.lastS)}.`;
          vf.details.framesAfter = followed.count;
          vf.endS = Math.max(vf.endS, followed.lastS);
        }
        out.push(vf);
        vfs.push({ v, f: vf, senders: fs.map((x) => x.dir) });
      }
      for (const g of h.goaway) {
        if (g.errorCode === 0) continue;
        const f = frames.get(g.frame);
        const debug = f?.info?.debugData ?? '';
        const name = g.errorName || errorName(g.errorCode);
        // A GOAWAY that answers a violation already reported (the peer complaining about it) is
        // its consequence: told in that finding, not as a separate one.
        const cause = vfs.find((x) => {
          if (x.v.tS > g.tS + 0.001 || x.senders.length === 0) return false;
          // Unacked SETTINGS/PING: the sender complains; other violations: the peer complains.
          const selfComplains = x.v.kind === K.settingsUnacked || x.v.kind === K.pingUnacked;
          return selfComplains ? x.senders.includes(g.by) : !x.senders.includes(g.by);
        });
        if (cause) {
          cause.f.explanation += ` ${cap(who(c, g.by))} answered with GOAWAY ${name} at ${at(g.tS)}${debug ? ` ("${debug}")` : ''}, ending the connection (last processed stream ${g.lastStreamId}).`;
          cause.f.evidence.push(
            f ? ev(f, `GOAWAY ${name} in response`) : { frame: g.frame, note: `GOAWAY ${name} in response` },
          );
          cause.f.endS = Math.max(cause.f.endS, g.tS);
          cause.f.details.goaway = name;
          continue;
        }
        const calm =
          g.errorCode === 11
            ? ` ${/too_many_pings/i.test(debug) ? 'The debug data says "too_many_pings": ' : ''}` +
              `gRPC servers answer client keep-alive pings sent more often than they allow (grpc-go default: at most one every 5 minutes without active calls, ` +
              `EnforcementPolicy MinTime / PermitWithoutStream; C core: GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS) with GOAWAY ENHANCE_YOUR_CALM "too_many_pings". ` +
              `Fix: raise the client's keepalive time (e.g. ≥ 5 min, or ≥ the server's MinTime) or relax the server's enforcement policy to match.`
            : '';
        out.push({
          kind: K.goawayError,
          severity: 'warning',
          title: `GOAWAY ${name} from the ${g.by === 'c2s' ? 'client' : 'server'} at ${at(g.tS)}${debug ? ` ("${debug.slice(0, 40)}")` : ''}`,
          explanation:
            `On ${cname(c, h.connection)}, ${who(c, g.by)} sent GOAWAY with error ${name} at ${at(g.tS)} (last processed stream ${g.lastStreamId}${debug ? `, debug data "${debug}"` : ''}). ` +
            `GOAWAY ends the connection: streams above ${g.lastStreamId} were not processed and clients must retry them on a new connection; an error code means the shutdown was not graceful. ` +
            `${errorMeaning(g.errorCode)}${calm}`,
          connection: h.connection,
          stream: null,
          startS: g.tS,
          endS: g.tS,
          evidence: [f ? ev(f, `GOAWAY ${name}`) : { frame: g.frame, note: `GOAWAY ${name}` }],
          details: {
            errorCode: name,
            errorCodeValue: g.errorCode,
            lastStreamId: g.lastStreamId,
            by: g.by === 'c2s' ? 'client' : 'server',
            debugData: debug || null,
          },
        });
      }
    }
    return out;
  },
};
