/**
 * Display-filter fields of HTTP/1.x (http.*), with Wireshark's names. As tshark reassembles a
 * message (headers and body) before dissecting it, a request or response belongs to the packet
 * that carried its last byte; a packet that ends two pipelined messages has both.
 */
import { def } from '../capture/fields';
import type { FieldContext, FieldLayer, FieldValue } from '../filter/types';
import type { Http1Exchange, Http1Message } from '../trace';

/** A message ending in a packet: its exchange and which side it is. */
export interface Http1Occurrence {
  exchange: Http1Exchange;
  request: boolean;
}

/** Packet row -> the HTTP/1 messages that end in it, built once per trace. */
export function http1MessagesByRow(ctx: FieldContext): Map<number, Http1Occurrence[]> {
  const key = 'http1.byRow';
  let m = ctx.cache.get(key) as Map<number, Http1Occurrence[]> | undefined;
  if (m) return m;
  m = new Map();
  const add = (msg: Http1Message | null, exchange: Http1Exchange, request: boolean): void => {
    const last = msg?.packets[1] ?? 0;
    if (!msg || last <= 0) return;
    const list = m?.get(last - 1);
    if (list) list.push({ exchange, request });
    else m?.set(last - 1, [{ exchange, request }]);
  };
  for (const x of ctx.trace.exchanges) {
    // A placeholder for a request the capture lost has no request line: nothing was seen of it.
    if (x.method !== null) add(x.request, x, true);
    add(x.response, x, false);
  }
  for (const list of m.values())
    list.sort((a, b) => endOffset(a) - endOffset(b) || Number(b.request) - Number(a.request));
  ctx.cache.set(key, m);
  return m;
}

function endOffset(o: Http1Occurrence): number {
  const msg = o.request ? o.exchange.request : o.exchange.response;
  return msg ? msg.streamOffset : 0;
}

/** First value of a header (case-insensitive name). */
export function headerValue(headers: [string, string][], name: string): string | null {
  for (const [n, v] of headers) if (n.toLowerCase() === name) return v;
  return null;
}

type Pick = (o: Http1Occurrence, msg: Http1Message, ctx: FieldContext) => FieldValue | null | undefined;

function http(pick: Pick, which: 'request' | 'response' | 'both' = 'both') {
  return (ctx: FieldContext, row: number, out: FieldValue[]): void => {
    const list = http1MessagesByRow(ctx).get(row);
    if (!list) return;
    for (const o of list) {
      if ((which === 'request' && !o.request) || (which === 'response' && o.request)) continue;
      const msg = o.request ? o.exchange.request : o.exchange.response;
      if (!msg) continue;
      const v = pick(o, msg, ctx);
      if (v !== null && v !== undefined) out.push(v);
    }
  };
}

const header =
  (name: string): Pick =>
  (_o, msg) =>
    headerValue(msg.headers, name);

export const HTTP_LAYER: FieldLayer = {
  protocol: 'http',
  fields: [
    def(
      'http',
      'none',
      'Hypertext Transfer Protocol',
      (c, row, out) => void (http1MessagesByRow(c).has(row) && out.push(true)),
    ),
    def(
      'http.request',
      'bool',
      'Request',
      http(() => true, 'request'),
    ),
    def(
      'http.response',
      'bool',
      'Response',
      http(() => true, 'response'),
    ),
    def(
      'http.request.method',
      'string',
      'Request Method',
      http((o) => o.exchange.method, 'request'),
    ),
    def(
      'http.request.uri',
      'string',
      'Request URI',
      http((o) => o.exchange.path, 'request'),
    ),
    def(
      'http.request.version',
      'string',
      'Request Version',
      http((o) => o.exchange.version, 'request'),
    ),
    def(
      'http.response.version',
      'string',
      'Response Version',
      // The exchange keeps the request's version; the response's own is not kept apart.
      http((o) => o.exchange.version, 'response'),
    ),
    def(
      'http.response.code',
      'uint',
      'Status Code',
      http((o) => o.exchange.status, 'response'),
    ),
    def(
      'http.response.phrase',
      'string',
      'Response Phrase',
      http((o) => o.exchange.reason, 'response'),
    ),
    def('http.host', 'string', 'Host', http(header('host'))),
    def('http.user_agent', 'string', 'User-Agent', http(header('user-agent'))),
    def('http.content_type', 'string', 'Content-Type', http(header('content-type'))),
    def('http.content_length_header', 'string', 'Content-Length', http(header('content-length'))),
    def(
      'http.content_length',
      'uint',
      'Content length',
      http((_o, msg) => {
        const v = headerValue(msg.headers, 'content-length');
        return v !== null && /^\s*\d+\s*$/.test(v) ? Number(v) : null;
      }),
    ),
    def('http.transfer_encoding', 'string', 'Transfer-Encoding', http(header('transfer-encoding'))),
    def('http.connection', 'string', 'Connection', http(header('connection'))),
    def('http.server', 'string', 'Server', http(header('server'))),
    def('http.location', 'string', 'Location', http(header('location'))),
    def('http.cookie', 'string', 'Cookie', http(header('cookie'))),
    def('http.upgrade', 'string', 'Upgrade', http(header('upgrade'))),
    def(
      'http.request_in',
      'uint',
      'Request in frame',
      http((o) => (o.exchange.method !== null ? o.exchange.request?.packets[1] : null), 'response'),
    ),
    def(
      'http.response_in',
      'uint',
      'Response in frame',
      http((o) => o.exchange.response?.packets[1], 'request'),
    ),
    def(
      'http.time',
      'float',
      'Time since request',
      http((o, msg, ctx) => {
        const req = o.exchange.method !== null ? o.exchange.request?.packets[1] : undefined;
        if (!req) return null;
        return ctx.packets.time[msg.packets[1] - 1] - ctx.packets.time[req - 1];
      }, 'response'),
    ),
  ],
};
