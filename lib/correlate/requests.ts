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

/** How far from where the other point's clock puts it a forwarded request may be seen. */
const FORWARD_WINDOW_S = 2;

/**
 * Pairs requests of the same key across two points. Keys seen once on each side pair at once and
 * give a first clock estimate (the median of their time differences; the k-th of each key when
 * none is unique); then each request pairs with the unused one of its key nearest that moment on
 * the other side, within FORWARD_WINDOW_S — many identical calls (one gRPC method) through a proxy
 * that cancels some are not paired by count. `shiftB`: seconds to add to B's times to put them on
 * A's file clock.
 */
export function pairRequests(a: RequestRef[], b: RequestRef[], shiftB = 0): RequestPair[] {
  const byKey = (list: RequestRef[]): Map<string, RequestRef[]> => {
    const m = new Map<string, RequestRef[]>();
    for (const r of list) {
      const l = m.get(r.key);
      if (l) l.push(r);
      else m.set(r.key, [r]);
    }
    return m;
  };
  const ka = byKey(a);
  const kb = byKey(b);
  const diffs: number[] = [];
  for (const [k, la] of ka) {
    const lb = kb.get(k);
    if (lb && la.length === 1 && lb.length === 1) diffs.push(lb[0].requestS + shiftB - la[0].requestS);
  }
  if (diffs.length === 0)
    for (const [k, la] of ka) {
      const lb = kb.get(k);
      if (lb)
        for (let u = 0; u < Math.min(la.length, lb.length); u++)
          diffs.push(lb[u].requestS + shiftB - la[u].requestS);
    }
  if (diffs.length === 0) return [];
  diffs.sort((x, y) => x - y);
  const rough = diffs[diffs.length >> 1];
  const out: RequestPair[] = [];
  for (const [k, la] of ka) {
    const lb = kb.get(k);
    if (!lb) continue;
    const used = new Uint8Array(lb.length);
    let from = 0;
    for (const r of la) {
      const want = r.requestS + rough;
      while (from < lb.length && (used[from] || lb[from].requestS + shiftB < want - FORWARD_WINDOW_S)) from++;
      let best = -1;
      let bestGap = FORWARD_WINDOW_S;
      for (let j = from; j < lb.length; j++) {
        const tb = lb[j].requestS + shiftB;
        if (tb > want + FORWARD_WINDOW_S) break;
        if (used[j]) continue;
        const gap = Math.abs(tb - want);
        if (gap < bestGap) {
          best = j;
          bestGap = gap;
        }
      }
      if (best < 0) continue;
      used[best] = 1;
      out.push({ a: r, b: lb[best] });
    }
  }
  out.sort((x, y) => x.a.requestS - y.a.requestS);
  return out;
}
