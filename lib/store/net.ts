/**
 * Who is asking, and where links should point (server-only).
 *
 * X-Forwarded-For / -Host / -Proto are set by whoever sends the request, so they are believed only
 * when the connection comes from a configured proxy (`TRACELENS_TRUSTED_PROXIES`, IPs or CIDRs).
 * Route handlers do not see the socket, and Next.js keeps a client's X-Forwarded-For instead of
 * adding the peer to it, so instrumentation.ts stamps every request with its socket's address
 * (`installPeerStamp`) under a header name that a client's value is overwritten for.
 */
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { publicUrl } from './config';

export const PEER_HEADER = 'x-tracelens-peer';
export const PEER_PROTO_HEADER = 'x-tracelens-peer-proto';

const stamp = globalThis as unknown as { __tracelensPeerStamp?: boolean };

/** Headers of the one response this module makes itself (the rest come from next.config.js and proxy.ts). */
const REFUSAL_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** A path whose percent-encoding does not decode (`/api/traces/%ff%fe`): Next.js answers a bare 500. */
function malformedPath(url: string | undefined): boolean {
  const p = (url ?? '/').split('?')[0];
  try {
    decodeURIComponent(p);
    return false;
  } catch {
    return true;
  }
}

/**
 * Makes every HTTP(S) server of this process record each request's socket address and scheme,
 * and answer a path that cannot be decoded with a JSON 400 (with the security headers) before
 * Next.js sees it.
 */
export function installPeerStamp(): void {
  if (stamp.__tracelensPeerStamp) return;
  stamp.__tracelensPeerStamp = true;
  for (const proto of [http.Server.prototype, https.Server.prototype] as unknown as {
    emit: (event: string | symbol, ...args: unknown[]) => boolean;
  }[]) {
    const emit = proto.emit;
    proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'request') {
        const req = args[0] as http.IncomingMessage;
        if (malformedPath(req.url)) {
          const res = args[1] as http.ServerResponse;
          res.writeHead(400, { ...REFUSAL_HEADERS, connection: 'close' });
          res.end(JSON.stringify({ error: 'malformed percent-encoding in the path' }));
          req.resume();
          return true;
        }
        req.headers[PEER_HEADER] = req.socket?.remoteAddress ?? '';
        req.headers[PEER_PROTO_HEADER] = (req.socket as TLSSocket | undefined)?.encrypted ? 'https' : 'http';
      }
      return emit.call(this, event, ...args);
    };
  }
}

/** An address as a number (IPv4, 32 bits) or bigint (IPv6, 128 bits); IPv4-mapped IPv6 is IPv4. */
function parseIp(s: string): { v4: number } | { v6: bigint } | null {
  let a = s.trim();
  if (a.startsWith('[') && a.includes(']')) a = a.slice(1, a.indexOf(']'));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) a = mapped[1];
  if (/^\d+\.\d+\.\d+\.\d+$/.test(a)) {
    const parts = a.split('.').map(Number);
    if (parts.some((p) => p > 255)) return null;
    return { v4: ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0 };
  }
  if (!/^[0-9a-f:]+$/i.test(a) || !a.includes(':')) return null;
  const halves = a.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let v = 0n;
  for (const g of groups) {
    if (g.length === 0 || g.length > 4) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return { v6: v };
}

interface Cidr {
  ip: { v4: number } | { v6: bigint };
  bits: number;
}

function parseCidr(s: string): Cidr | null {
  const [addr, len] = s.split('/');
  const ip = parseIp(addr);
  if (!ip) return null;
  const max = 'v4' in ip ? 32 : 128;
  const bits = len === undefined ? max : Number(len);
  if (!Number.isInteger(bits) || bits < 0 || bits > max) return null;
  return { ip, bits };
}

function inCidr(ip: { v4: number } | { v6: bigint }, c: Cidr): boolean {
  if ('v4' in ip && 'v4' in c.ip) {
    if (c.bits === 0) return true;
    const mask = (0xffffffff << (32 - c.bits)) >>> 0;
    return (ip.v4 & mask) >>> 0 === (c.ip.v4 & mask) >>> 0;
  }
  if ('v6' in ip && 'v6' in c.ip) {
    const shift = BigInt(128 - c.bits);
    return ip.v6 >> shift === c.ip.v6 >> shift;
  }
  return false;
}

let cached: { raw: string; list: Cidr[] } | null = null;

/** `TRACELENS_TRUSTED_PROXIES`: comma- or space-separated IPs and CIDRs; none by default. */
export function trustedProxies(): Cidr[] {
  const raw = process.env.TRACELENS_TRUSTED_PROXIES ?? '';
  if (cached?.raw !== raw) {
    const list: Cidr[] = [];
    for (const item of raw.split(/[\s,]+/).filter(Boolean)) {
      const c = parseCidr(item);
      if (c) list.push(c);
      else console.error(`tracelens: TRACELENS_TRUSTED_PROXIES: ignoring ${JSON.stringify(item)}`);
    }
    cached = { raw, list };
  }
  return cached.list;
}

export function isTrusted(addr: string, proxies = trustedProxies()): boolean {
  const ip = parseIp(addr);
  return ip !== null && proxies.some((c) => inCidr(ip, c));
}

/** The socket's address, when instrumentation stamped it (else null: nothing is trusted). */
export function peerOf(headers: Headers): string | null {
  if (!stamp.__tracelensPeerStamp) return null;
  return headers.get(PEER_HEADER) || null;
}

/**
 * The client's address: the socket's, or — when the socket is a trusted proxy — the right-most
 * address of X-Forwarded-For that is not a trusted proxy (addresses to its left were written by
 * the client itself and prove nothing).
 */
export function clientAddress(headers: Headers): string {
  const peer = peerOf(headers);
  if (!peer) return 'unknown';
  if (!isTrusted(peer)) return peer;
  const chain = (headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!isTrusted(chain[i])) return parseIp(chain[i]) ? chain[i] : 'unknown';
  }
  return chain[0] ?? peer;
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The origin for links handed back to the client: `TRACELENS_PUBLIC_URL` when set; else the Host
 * the request was sent to, with X-Forwarded-Host/-Proto only from a trusted proxy — a forged
 * header must not make the server hand out an edit link (with its token) to another host.
 */
export function originOf(req: Request): string {
  const configured = publicUrl();
  if (configured) return configured;
  const h = req.headers;
  const peer = peerOf(h);
  const viaProxy = peer !== null && isTrusted(peer);
  const first = (v: string | null) => (v ?? '').split(',')[0].trim();
  let host = first(h.get('host'));
  let proto = first(h.get(PEER_PROTO_HEADER)) || 'http';
  if (viaProxy) {
    host = first(h.get('x-forwarded-host')) || host;
    proto = first(h.get('x-forwarded-proto')) || proto;
  }
  if (!HOST.test(host) || !/^https?$/.test(proto))
    return `${proto === 'https' ? 'https' : 'http'}://localhost`;
  return `${proto}://${host}`;
}
