/**
 * Through a terminating proxy the two points see two different TCP connections: nothing on the
 * wire is shared but the requests. Requests are matched by what a proxy forwards unchanged —
 * the method and path (HTTP/1 request line, HTTP/2 :method/:path, which for gRPC is the
 * service/method) — in order of appearance, and their connections paired by the requests they share.
 */
import type { Trace } from '../trace';

export interface RequestRef {
  connection: string;
  key: string;
  requestS: number;
  /** End of the request (HTTP/1: its last byte; HTTP/2: the frame with END_STREAM), when known. */
  requestEndS: number | null;
  responseS: number | null;
  status: number | null;
  /** Packet numbers: the request's last, the response's first (0 when unknown). */
  requestEndPacket: number;
  responsePacket: number;
}

export function requestsOf(trace: Trace, skip: Set<string>): RequestRef[] {
  const out: RequestRef[] = [];
  for (const x of trace.exchanges) {
    if (x.method === null || x.path === null || x.requestS === null || skip.has(x.connection)) continue;
    out.push({
      connection: x.connection,
      key: `${x.method} ${x.path}`,
      requestS: x.requestS,
      requestEndS: x.requestEndS,
      responseS: x.responseS,
      status: x.status,
      requestEndPacket: x.request?.packets[1] ?? 0,
      responsePacket: x.response?.packets[0] ?? 0,
    });
  }
  for (const s of trace.streams) {
    if (s.method === null || s.path === null || skip.has(s.connection)) continue;
    out.push({
      connection: s.connection,
      key: `${s.method} ${s.path}`,
      requestS: s.startS,
      // The request's END_STREAM: where a proxy's read timeout starts counting.
      requestEndS: s.frames.find((f) => f.dir === 'c2s' && f.flags.includes('END_STREAM'))?.tS ?? null,
      responseS: s.responseS,
      status: s.status,
      requestEndPacket: s.frames.filter((f) => f.dir === 'c2s').at(-1)?.packets[0] ?? 0,
      responsePacket: s.frames.find((f) => f.dir === 's2c' && f.type === 'HEADERS')?.packets[0] ?? 0,
    });
  }
  out.sort((a, b) => a.requestS - b.requestS);
  return out;
}

export interface RequestPair {
  a: RequestRef;
  b: RequestRef;
}

/** Pairs the k-th request of each key on one side with the k-th on the other. */
export function pairRequests(a: RequestRef[], b: RequestRef[]): RequestPair[] {
  const byKey = new Map<string, RequestRef[]>();
  for (const r of b) {
    const l = byKey.get(r.key);
    if (l) l.push(r);
    else byKey.set(r.key, [r]);
  }
  const used = new Map<string, number>();
  const out: RequestPair[] = [];
  for (const r of a) {
    const l = byKey.get(r.key);
    if (!l) continue;
    const u = used.get(r.key) ?? 0;
    if (u >= l.length) continue;
    used.set(r.key, u + 1);
    out.push({ a: r, b: l[u] });
  }
  return out;
}
