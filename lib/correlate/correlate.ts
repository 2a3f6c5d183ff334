/**
 * `correlate(inputs)`: several captures (and debug logs) of the same traffic lined up — matched
 * connections, clock offsets, a fate for every packet, and the findings only two points together
 * can prove (see README.md). Linear in packets: hash joins and typed-array columns.
 */
import { K, type FindingKind } from '../findings/kinds';
import { DIR_C2S, TCP_FIN, TCP_RST, TCP_SYN } from '../packets';
import { TOOL_VERSION, type Finding } from '../trace';
import { estimateOffset, round9, type OneWaySamples } from './clock';
import type { LoadedInput } from './input';
import { correlateLogs } from './logs';
import { buildSide, matchPackets, resolveDeferred, type CaptureSide, type PacketPairMatch } from './match';
import { pairRequests, requestsOf } from './requests';
import {
  FATE,
  type ConnectionMatch,
  type CorrelateInputSummary,
  type CorrelationDoc,
  type FateCounts,
  type NatMapping,
  type PairDetail,
} from './types';

/** The finding kinds only a correlation of several inputs emits (module `correlate` in the registry). */
export const CORRELATION_KINDS: readonly FindingKind[] = [
  K.pathInjectedRst,
  K.pathLoss,
  K.pathNat,
  K.pathMssClamp,
  K.pathProxyGaveUp,
  K.pathLogFrameNotOnWire,
  K.pathLogFinIgnored,
  K.pathLogDeadlineEarly,
];

/** Extra one-way delay (beyond the path's minimum) that makes a delivered packet "delayed". */
export const DELAYED_EXTRA_S = 0.05;
/**
 * Slack at the edges of a capture's time window (its first and last packet) before a missing
 * packet counts as lost or injected: the clock's uncertainty twice, plus this.
 */
const WINDOW_SLACK_S = 0.0001;
/** A repeated packet pairs with a copy at most this far from where the path's minimum delay puts it. */
const DEFERRED_MAX_GAP_S = 1;
/** Findings listed one by one per pair before they are summed up. */
const MAX_RST_FINDINGS = 20;
const MAX_EVIDENCE = 20;

export function emptyFates(): FateCounts {
  return { delivered: 0, lost: 0, injected: 0, rewritten: 0, delayed: 0, reordered: 0, notObserved: 0 };
}

function addFates(into: FateCounts, f: FateCounts): void {
  for (const k of Object.keys(into) as (keyof FateCounts)[]) into[k] += f[k];
}

/** Seconds between two [sec, ns] epochs. */
function epochDiff(a: [number, number], b: [number, number]): number {
  return b[0] - a[0] + (b[1] - a[1]) / 1e9;
}

function fmt(t: number): string {
  return t.toFixed(3);
}

export function correlate(inputs: LoadedInput[]): CorrelationDoc {
  const notes: string[] = [];
  const epoch0 = inputs.find((x) => x.trace.input.startEpoch)?.trace.input.startEpoch ?? null;
  const sides: (CaptureSide | null)[] = inputs.map((inp, k) => {
    const tr = inp.trace;
    if (!tr.packets || !inp.extras) return null;
    const ep = tr.input.startEpoch ?? null;
    const shift = epoch0 && ep ? epochDiff(epoch0, ep) : 0;
    return buildSide(k, inp.name, tr.packets, inp.extras, tr.connections, shift);
  });

  const pairs: PairDetail[] = [];
  const matches: ConnectionMatch[] = [];
  const findings: Finding[] = [];
  const fates = emptyFates();
  const pairOffsets = new Map<string, { offsetS: number; uncertaintyS: number | null }>();

  const pairFindings: { inputs: [number, number]; findings: Finding[] }[] = [];
  for (let a = 0; a < inputs.length; a++)
    for (let b = a + 1; b < inputs.length; b++) {
      const A = sides[a];
      const B = sides[b];
      if (!A || !B) continue;
      const r = correlatePair(A, B, inputs, notes);
      pairs.push(r.detail);
      matches.push(...r.matches);
      pairFindings.push({ inputs: [a, b], findings: r.findings });
      addFates(fates, r.detail.fates);
      if (r.detail.offsetS !== null)
        pairOffsets.set(`${a},${b}`, {
          offsetS: r.detail.offsetS,
          uncertaintyS: r.detail.offsetUncertaintyS,
        });
    }

  // Three or more points on one path: a loss, an injected RST or a NAT between two points shows
  // in every pair that straddles it. The points in path order (nearer the client first) make it
  // one finding, between the two neighbours it lies between.
  const order = pathOrder(inputs.length, sides, matches);
  if (order) {
    const adjacent = new Set(order.slice(1).map((x, k) => [order[k], x].sort((p, q) => p - q).join(',')));
    for (const pf of pairFindings) if (adjacent.has(pf.inputs.join(','))) findings.push(...pf.findings);
    notes.push(`path order, nearest the client first: ${order.map((k) => inputs[k].name).join(' → ')}`);
  } else for (const pf of pairFindings) findings.push(...pf.findings);

  // Debug logs against the captures (frames the program logged vs frames on the wire).
  const shifts = inputs.map((inp) => {
    const ep = inp.trace.input.startEpoch ?? null;
    return epoch0 && ep ? epochDiff(epoch0, ep) : 0;
  });
  const logResult = correlateLogs(inputs, sides, pairOffsets, shifts);
  findings.push(...logResult.findings);
  notes.push(...logResult.notes);

  // Offsets of every input against A, through other inputs when A saw nothing in common with it.
  const offsets: ({ offsetS: number; uncertaintyS: number | null } | null)[] = inputs.map((_, k) =>
    k === 0 ? { offsetS: 0, uncertaintyS: 0 } : null,
  );
  for (let round = 0; round < inputs.length; round++)
    for (const [key, o] of pairOffsets) {
      const [a, b] = key.split(',').map(Number);
      const oa = offsets[a];
      const ob = offsets[b];
      const sumUnc = (u: number | null, v: number | null): number | null =>
        u === null || v === null ? null : u + v;
      if (oa && !ob)
        offsets[b] = {
          offsetS: round9(oa.offsetS + o.offsetS),
          uncertaintyS: sumUnc(oa.uncertaintyS, o.uncertaintyS),
        };
      else if (ob && !oa)
        offsets[a] = {
          offsetS: round9(ob.offsetS - o.offsetS),
          uncertaintyS: sumUnc(ob.uncertaintyS, o.uncertaintyS),
        };
    }

  const summaries: CorrelateInputSummary[] = inputs.map((inp, k) => {
    const tr = inp.trace;
    const side = sides[k];
    const shift = side ? side.epochShiftS : shifts[k];
    const off = offsets[k];
    const toBase = round9(shift - (off?.offsetS ?? 0));
    return {
      name: inp.name,
      format: tr.input.format,
      kind: tr.packets ? 'capture' : 'log',
      packets: tr.input.packets,
      connections: tr.connections.length,
      durationS: tr.input.durationS,
      start: tr.input.start,
      offsetS: off ? off.offsetS : null,
      offsetUncertaintyS: off ? off.uncertaintyS : null,
      toTimeBaseS: toBase,
      windowS: [toBase, round9(toBase + tr.input.durationS)],
      warnings: tr.input.warnings.slice(0, 20),
    };
  });
  for (let k = 1; k < inputs.length; k++)
    if (!offsets[k])
      notes.push(
        `${inputs[k].name}: nothing matched with the other inputs; its clock is taken as is (file timestamps), not estimated`,
      );

  findings.sort((x, y) => x.startS - y.startS);
  return {
    tool: 'tracelens',
    version: TOOL_VERSION,
    command: 'correlate',
    timeBase: `seconds on ${inputs[0]?.name ?? 'input A'}'s clock since its first ${inputs[0]?.trace.packets ? 'packet' : 'line'}`,
    inputs: summaries,
    offsetS: summaries[1]?.offsetS ?? null,
    offsetUncertaintyS: summaries[1]?.offsetUncertaintyS ?? null,
    matches,
    fates,
    pairs,
    findings,
    notes,
  };
}

/**
 * The capture inputs in path order (nearest the client first) when there are three or more and
 * every pair of them matched connections by their packets; otherwise null (pairs stand alone).
 */
function pathOrder(n: number, sides: (CaptureSide | null)[], matches: ConnectionMatch[]): number[] | null {
  const caps = sides.filter((x): x is CaptureSide => x !== null).map((x) => x.index);
  if (caps.length < 3) return null;
  const nearer = new Map<string, number>();
  for (const m of matches) {
    if (m.via !== 'packets') continue;
    const key = m.inputs.join(',');
    nearer.set(key, (nearer.get(key) ?? 0) + (m.nearClient === 'a' ? 1 : -1));
  }
  const wins = new Array<number>(n).fill(0);
  for (let x = 0; x < caps.length; x++)
    for (let y = x + 1; y < caps.length; y++) {
      const v = nearer.get(`${caps[x]},${caps[y]}`);
      if (v === undefined || v === 0) return null;
      wins[v > 0 ? caps[x] : caps[y]]++;
    }
  const order = [...caps].sort((p, q) => wins[q] - wins[p]);
  // A consistent order gives each point a different number of wins.
  return new Set(order.map((k) => wins[k])).size === order.length ? order : null;
}

interface PairResult {
  detail: PairDetail;
  matches: ConnectionMatch[];
  findings: Finding[];
}

const INITIAL_TTLS = [32, 64, 128, 255];
function hopsFrom(ttl: number): number {
  for (const i of INITIAL_TTLS) if (ttl <= i) return i - ttl;
  return 0;
}

function median(v: number[]): number | null {
  if (v.length === 0) return null;
  const s = [...v].sort((x, y) => x - y);
  return s[s.length >> 1];
}

function correlatePair(A: CaptureSide, B: CaptureSide, inputs: LoadedInput[], notes: string[]): PairResult {
  const ta = A.table;
  const tb = B.table;
  const m = matchPackets(A, B);
  const tA = (i: number): number => ta.time[i] + A.epochShiftS;
  const tB = (j: number): number => tb.time[j] + B.epochShiftS;

  // Which point is nearer the client, per connection pair: TTL first (routers decrement it on the
  // way), else the handshake (SYN → SYN-ACK spans the round trip only near the client).
  const nearA = new Map<number, boolean>();
  const hopsOf = new Map<number, number | null>();
  for (const p of m.pairs) {
    let va = 0;
    let vb = 0;
    const hops = new Map<number, number>();
    for (let r = A.connStart[p.ca]; r < A.connStart[p.ca + 1]; r++) {
      const i = A.connRows[r];
      const j = m.peerA[i];
      if (j < 0) continue;
      const c2s = ta.dir[i] === DIR_C2S;
      const diff = ta.ttl[i] - tb.ttl[j];
      if (diff !== 0) {
        if (diff > 0 === c2s) va++;
        else vb++;
        hops.set(Math.abs(diff), (hops.get(Math.abs(diff)) ?? 0) + 1);
      }
    }
    let near: boolean;
    if (va !== vb) near = va > vb;
    else {
      const hsA = A.connections[p.ca].handshake;
      const hsB = B.connections[p.cb].handshake;
      const span = (s: CaptureSide, h: typeof hsA): number | null =>
        h.syn !== null && h.synAck !== null ? s.table.time[h.synAck - 1] - s.table.time[h.syn - 1] : null;
      const sa = span(A, hsA);
      const sb = span(B, hsB);
      near = sa !== null && sb !== null ? sa >= sb : true;
    }
    nearA.set(p.ca, near);
    let best: number | null = null;
    let bestN = 0;
    for (const [h, n] of hops)
      if (n > bestN) {
        best = h;
        bestN = n;
      }
    hopsOf.set(p.ca, va === 0 && vb === 0 ? 0 : best);
  }

  // Does a packet of A travel toward B? (c2s from the point nearer the client, or s2c from the other.)
  const aToB = (ca: number, i: number): boolean => (ta.dir[i] === DIR_C2S) === (nearA.get(ca) ?? true);

  // Clock offset from matched packets.
  const packetSamples = (): OneWaySamples => {
    const samples: OneWaySamples = { forward: { t: [], d: [] }, backward: { t: [], d: [] } };
    for (const p of m.pairs)
      for (let r = A.connStart[p.ca]; r < A.connStart[p.ca + 1]; r++) {
        const i = A.connRows[r];
        const j = m.peerA[i];
        if (j < 0) continue;
        if (aToB(p.ca, i)) {
          samples.forward.t.push(tA(i));
          samples.forward.d.push(tB(j) - tA(i));
        } else {
          samples.backward.t.push(tA(i));
          samples.backward.d.push(tA(i) - tB(j));
        }
      }
    return samples;
  };
  let est = estimateOffset(packetSamples());
  // Packets whose key repeats unequally (a copy lost, a resend in the same TSval tick): nearest in
  // time, now that the clocks are known; then the offset again with them.
  if (est.offsetS !== null && m.pairs.some((p) => p.deferred.length > 0)) {
    const th = est.offsetS;
    const fwd = est.minForwardS ?? 0;
    const back = est.minBackwardS ?? 0;
    for (const p of m.pairs)
      resolveDeferred(
        p,
        m.peerA,
        m.peerB,
        (i) => (aToB(p.ca, i) ? tA(i) + th + fwd : tA(i) + th - back),
        tB,
        DEFERRED_MAX_GAP_S,
        (i, j) =>
          (ta.ipId[i] !== tb.ipId[j] ? 2 * DEFERRED_MAX_GAP_S : 0) +
          (ta.window[i] !== tb.window[j] ? DEFERRED_MAX_GAP_S : 0),
      );
    est = estimateOffset(packetSamples());
  }
  let offsetFrom: PairDetail['offsetFrom'] = est.offsetS !== null ? 'packets' : null;

  // Connections no packet matched: a terminating proxy's two sides, matched by their requests.
  const matches: ConnectionMatch[] = [];
  const matchedA = new Set(m.pairs.map((p) => A.connections[p.ca].id));
  const matchedB = new Set(m.pairs.map((p) => B.connections[p.cb].id));
  const proxied: PairDetail['proxied'] = [];
  let proxyNearA = true;
  const reqPairs = pairRequests(
    requestsOf(inputs[A.index].trace, matchedA),
    requestsOf(inputs[B.index].trace, matchedB),
    B.epochShiftS - A.epochShiftS,
  );
  if (reqPairs.length > 0) {
    // Time to first byte is longer nearer the client (it includes the far side's wait).
    let va = 0;
    let vb = 0;
    // Only answers both points saw alike: a proxy's own 502/504 is not the upstream's answer.
    const sameAnswer = (rp: (typeof reqPairs)[number]): boolean =>
      rp.a.responseS !== null && rp.b.responseS !== null && rp.a.status === rp.b.status;
    for (const rp of reqPairs) {
      if (!sameAnswer(rp)) continue;
      const da = (rp.a.responseS as number) - rp.a.requestS;
      const db = (rp.b.responseS as number) - rp.b.requestS;
      if (da > db) va++;
      else if (db > da) vb++;
    }
    const reqNearA = va >= vb;
    proxyNearA = reqNearA;
    if (est.offsetS === null) {
      const s: OneWaySamples = { forward: { t: [], d: [] }, backward: { t: [], d: [] } };
      for (const rp of reqPairs) {
        const ar = rp.a.requestS + A.epochShiftS;
        const br = rp.b.requestS + B.epochShiftS;
        // A → B: d = t_B - t_A; B → A: d = t_A - t_B.
        const sample = (toB: boolean, ta: number, tb: number): void => {
          const bucket = toB ? s.forward : s.backward;
          bucket.t.push(ta);
          bucket.d.push(toB ? tb - ta : ta - tb);
        };
        // The request travels from the near point to the far one; the response back.
        sample(reqNearA, ar, br);
        if (sameAnswer(rp))
          sample(
            !reqNearA,
            (rp.a.responseS as number) + A.epochShiftS,
            (rp.b.responseS as number) + B.epochShiftS,
          );
      }
      est = estimateOffset(s);
      if (est.offsetS !== null) offsetFrom = 'requests';
      else if (est.contradictory) {
        notes.push(
          `${A.name} and ${B.name}: the requests through the proxy could not be paired consistently in time (many identical requests); no connection is matched through it and the clock offset is not estimated (the files' clocks are used)`,
        );
        // Pairs that contradict each other would name wrong connections and wrong answers.
        reqPairs.length = 0;
      }
    }
    // A time of input A (isA) or B on A's clock.
    const onA = (isA: boolean, t: number): number =>
      isA ? t + A.epochShiftS : t + B.epochShiftS - (est.offsetS ?? 0);
    // Did the far point's answer come after the near point's (clock offset removed)?
    const farLater = (nearIsA: boolean, nearS: number, farS: number): boolean => {
      const th = est.offsetS ?? 0;
      const nearOnA = nearIsA ? nearS + A.epochShiftS : nearS + B.epochShiftS - th;
      const farOnA = nearIsA ? farS + B.epochShiftS - th : farS + A.epochShiftS;
      return farOnA > nearOnA;
    };
    for (const rp of reqPairs) {
      const [near, far] = reqNearA ? [rp.a, rp.b] : [rp.b, rp.a];
      if (near.status === far.status) continue;
      proxied.push({
        request: rp.a.key,
        a: rp.a.connection,
        b: rp.b.connection,
        statusA: rp.a.status,
        statusB: rp.b.status,
        requestS: round9(rp.a.requestS + A.epochShiftS),
        proxyWaitedS:
          near.responseS !== null && far.requestEndS !== null
            ? round9(onA(reqNearA, near.responseS) - onA(!reqNearA, far.requestEndS))
            : null,
        nearPackets: [near.responsePacket],
        farPackets: [far.requestEndPacket, far.responsePacket].filter((n) => n > 0),
        // What a proxy says when it gives up: 5xx (502/503/504). A 2xx only at the near point is a
        // pairing the timing did not settle, not a proxy's own answer.
        answeredByProxy:
          near.status !== null &&
          near.status >= 500 &&
          near.responseS !== null &&
          (far.status === null ||
            far.responseS === null ||
            farLater(near === rp.a, near.responseS, far.responseS)),
        nearAnswerAfterS: near.responseS !== null ? round9(near.responseS - near.requestS) : null,
      });
    }
    const byConn = new Map<string, number>();
    for (const rp of reqPairs) {
      const k = `${rp.a.connection}\u0000${rp.b.connection}`;
      byConn.set(k, (byConn.get(k) ?? 0) + 1);
    }
    const connA = new Map(A.connections.map((c) => [c.id, c]));
    const connB = new Map(B.connections.map((c) => [c.id, c]));
    for (const [k, n] of byConn) {
      const [ia, ib] = k.split('\u0000');
      const ca = connA.get(ia);
      const cb = connB.get(ib);
      if (!ca || !cb) continue;
      matches.push({
        a: ia,
        b: ib,
        inputs: [A.index, B.index],
        via: 'request',
        matched: n,
        aClient: ca.client,
        aServer: ca.server,
        bClient: cb.client,
        bServer: cb.server,
        nearClient: reqNearA ? 'a' : 'b',
        hops: null,
        seqDelta: null,
        mss: null,
      });
    }
  }
  const theta = est.offsetS ?? 0;
  const minF = est.minForwardS ?? 0;
  const minB = est.minBackwardS ?? 0;

  // Windows of each capture on A's clock.
  const winA: [number, number] = [tA(0), tA(Math.max(0, ta.length - 1))];
  const winB: [number, number] = [tB(0) - theta, tB(Math.max(0, tb.length - 1)) - theta];
  const slack = 2 * (est.uncertaintyS ?? 0.05) + WINDOW_SLACK_S;
  const inside = (w: [number, number], t: number): boolean => t > w[0] + slack && t < w[1] - slack;

  const fateA = new Uint8Array(ta.length);
  const fateB = new Uint8Array(tb.length);
  const delayA = new Int32Array(ta.length).fill(-1);
  const delayB = new Int32Array(tb.length).fill(-1);
  const counts = emptyFates();
  const nat: NatMapping[] = [];
  const mssChanges: MssChange[] = [];

  for (const p of m.pairs) {
    const ca = A.connections[p.ca];
    const cb = B.connections[p.cb];
    const bClient = p.flip ? cb.server : cb.client;
    const bServer = p.flip ? cb.client : cb.server;
    const rewrittenAddr = ca.client !== bClient || ca.server !== bServer;
    if (rewrittenAddr)
      nat.push({ a: ca.id, b: cb.id, aClient: ca.client, aServer: ca.server, bClient, bServer });
    let mss: { a: number; b: number } | null = null;
    const near = nearA.get(p.ca) ?? true;
    // Sender order → receiver order, per direction of travel, for reordering.
    const maxPeer = [-1, -1];
    for (let r = A.connStart[p.ca]; r < A.connStart[p.ca + 1]; r++) {
      const i = A.connRows[r];
      const j = m.peerA[i];
      const toB = aToB(p.ca, i);
      if (j >= 0) {
        const delay = toB ? tB(j) - theta - tA(i) : tA(i) - (tB(j) - theta);
        delayA[i] = delayB[j] = Math.round(delay * 1e6);
        let fate: number = FATE.delivered;
        counts.delivered++;
        const mssA = i < A.extras.length ? A.extras.mss[i] : 0;
        const mssB = j < B.extras.length ? B.extras.mss[j] : 0;
        if (ta.tcpFlags[i] & TCP_SYN && mssA !== mssB) {
          mss = { a: mssA, b: mssB };
          mssChanges.push({
            p,
            a: mssA,
            b: mssB,
            rowA: i,
            rowB: j,
            sent: toB ? mssA : mssB,
            received: toB ? mssB : mssA,
          });
        }
        if (rewrittenAddr || ta.window[i] !== tb.window[j] || mssA !== mssB) {
          fate = FATE.rewritten;
          counts.rewritten++;
        }
        const minDir = toB ? minF : minB;
        if (delay > minDir + Math.max(DELAYED_EXTRA_S, 2 * minDir)) {
          fate = FATE.delayed;
          counts.delayed++;
        }
        // Reordering: in the sender's order, the receiver's rows must grow.
        if (toB) {
          const d = ta.dir[i] === DIR_C2S ? 0 : 1;
          if (j < maxPeer[d]) {
            fate = FATE.reordered;
            counts.reordered++;
          } else maxPeer[d] = j;
        }
        fateA[i] = fateB[j] = fate;
      } else {
        const t = tA(i);
        if (!inside(winB, toB ? t + minF : t - minB)) {
          fateA[i] = FATE.notObserved;
          counts.notObserved++;
        } else if (toB) {
          fateA[i] = FATE.lost;
          counts.lost++;
        } else {
          fateA[i] = FATE.injected;
          counts.injected++;
        }
      }
    }
    // Reordering B → A, in B's (the sender's) order.
    const maxPeerB = [-1, -1];
    for (let r = B.connStart[p.cb]; r < B.connStart[p.cb + 1]; r++) {
      const j = B.connRows[r];
      const i = m.peerB[j];
      if (i >= 0) {
        if (!aToB(p.ca, i)) {
          const d = ta.dir[i] === DIR_C2S ? 0 : 1;
          if (i < maxPeerB[d] && fateA[i] !== FATE.reordered) {
            fateA[i] = fateB[j] = FATE.reordered;
            counts.reordered++;
          } else if (i > maxPeerB[d]) maxPeerB[d] = i;
        }
        continue;
      }
      // Unmatched in B: does it travel toward A? (B's c2s, corrected for flip, from the point nearer the client.)
      const bC2s = (tb.dir[j] === DIR_C2S) !== p.flip;
      const towardA = bC2s === !near;
      const t = tB(j) - theta;
      if (!inside(winA, towardA ? t + minB : t - minF)) {
        fateB[j] = FATE.notObserved;
        counts.notObserved++;
      } else if (towardA) {
        fateB[j] = FATE.lost;
        counts.lost++;
      } else {
        fateB[j] = FATE.injected;
        counts.injected++;
      }
    }
    matches.push({
      a: ca.id,
      b: cb.id,
      inputs: [A.index, B.index],
      via: 'packets',
      matched: p.matched,
      aClient: ca.client,
      aServer: ca.server,
      bClient,
      bServer,
      nearClient: near ? 'a' : 'b',
      hops: hopsOf.get(p.ca) ?? null,
      seqDelta: { c2s: p.seqDelta[0] | 0, s2c: p.seqDelta[1] | 0 },
      mss,
    });
  }

  // Connections seen only at the point nearer the client, to a server the other point saw
  // through it: their packets toward the other point were lost there (a firewall dropping SYNs),
  // and whatever came back "from the server" was made in between (a firewall's RST).
  const lone: { side: 'a' | 'b'; conn: number; hereNearClient: boolean }[] = [];
  if (m.pairs.length > 0) {
    let votes = 0;
    for (const p of m.pairs) votes += nearA.get(p.ca) ? 1 : -1;
    const aNear = votes >= 0;
    const [S, fateS, win, delayTo, delayFrom] = aNear
      ? ([A, fateA, winB, minF, minB] as const)
      : ([B, fateB, winA, minB, minF] as const);
    const pairedS = new Set(m.pairs.map((p) => (aNear ? p.ca : p.cb)));
    const viaRequest = new Set(matches.filter((x) => x.via === 'request').map((x) => (aNear ? x.a : x.b)));
    const served = new Set<string>();
    const clients = new Set<string>();
    for (const p of m.pairs) {
      const c = S.connections[aNear ? p.ca : p.cb];
      served.add(c.server);
      clients.add(c.clientIp);
    }
    const toS = (j: number): number => S.table.time[j] + S.epochShiftS - (aNear ? 0 : theta);
    for (let c = 0; c < S.connections.length; c++) {
      const conn = S.connections[c];
      if (
        pairedS.has(c) ||
        viaRequest.has(conn.id) ||
        !served.has(conn.server) ||
        !clients.has(conn.clientIp)
      )
        continue;
      let counted = false;
      for (let r = S.connStart[c]; r < S.connStart[c + 1]; r++) {
        const i = S.connRows[r];
        const towardOther = S.table.dir[i] === DIR_C2S;
        const t = towardOther ? toS(i) + delayTo : toS(i) - delayFrom;
        if (!inside(win, t)) {
          fateS[i] = FATE.notObserved;
          counts.notObserved++;
        } else if (towardOther) {
          fateS[i] = FATE.lost;
          counts.lost++;
          counted = true;
        } else {
          fateS[i] = FATE.injected;
          counts.injected++;
          counted = true;
        }
      }
      if (counted) lone.push({ side: aNear ? 'a' : 'b', conn: c, hereNearClient: true });
    }
  }
  const names: [string, string] = [A.name, B.name];
  const findings: Finding[] = [];
  const views = connViews(A, B, m.pairs, lone, fateA, fateB, [m.peerA, m.peerB], nearA, theta);
  findings.push(...injectedRsts(A, views, names, theta));
  const loss = lossFindings(A, B, views, names, findings);
  if (nat.length > 0) findings.push(natFinding(A, B, nat, names, winA));
  const byProxy = proxied.filter((x) => x.answeredByProxy);
  if (byProxy.length > 0) findings.push(proxyFinding(A, B, byProxy, proxyNearA, names));
  if (mssChanges.length > 0) findings.push(mssFinding(A, B, mssChanges, names, theta));
  if (m.pairs.length === 0 && matches.length === 0 && !est.contradictory)
    notes.push(`${A.name} and ${B.name}: no connection in common (no shared packets, no shared requests)`);

  const columns = (fate: Uint8Array, peer: Int32Array, delay: Int32Array): PairDetail['columns'][0] => {
    // Packet numbers on the other side (rows + 1), 0 for none: in place, the rows are not needed after.
    for (let i = 0; i < peer.length; i++) peer[i] += 1;
    return { fate, peer, delayUs: delay };
  };
  return {
    detail: {
      inputs: [A.index, B.index],
      offsetS: est.offsetS,
      offsetUncertaintyS: est.uncertaintyS,
      driftPpm: est.driftPpm,
      minDelayS: { forward: est.minForwardS, backward: est.minBackwardS },
      offsetFrom,
      fates: counts,
      loss,
      nat,
      proxied,
      columns: [columns(fateA, m.peerA, delayA), columns(fateB, m.peerB, delayB)],
    },
    matches,
    findings,
  };
}

function roleOf(c2s: boolean): { from: string; to: string } {
  return c2s ? { from: 'client', to: 'server' } : { from: 'server', to: 'client' };
}

/**
 * One connection at one point, as the findings walk them: matched at the other point
 * (`otherConn` ≥ 0), or seen at one point only though the other point saw its server
 * (`otherConn` -1: its packets toward the other point were lost, those from it injected).
 */
interface ConnView {
  side: CaptureSide;
  other: CaptureSide;
  conn: number;
  otherConn: number;
  fate: Uint8Array;
  peer: Int32Array;
  /** Seconds to subtract from this side's (epoch-shifted) times to get A's base. */
  shift: number;
  /** This side's client/server roles are the other way round from A's view. */
  flip: boolean;
  /** Is this side nearer the client than the other one? */
  hereNearClient: boolean;
}

function connViews(
  A: CaptureSide,
  B: CaptureSide,
  pairs: PacketPairMatch[],
  lone: { side: 'a' | 'b'; conn: number; hereNearClient: boolean }[],
  fateA: Uint8Array,
  fateB: Uint8Array,
  peers: [Int32Array, Int32Array],
  nearA: Map<number, boolean>,
  theta: number,
): ConnView[] {
  const out: ConnView[] = [];
  for (const p of pairs) {
    const near = nearA.get(p.ca) ?? true;
    out.push({
      side: A,
      other: B,
      conn: p.ca,
      otherConn: p.cb,
      fate: fateA,
      peer: peers[0],
      shift: 0,
      flip: false,
      hereNearClient: near,
    });
    out.push({
      side: B,
      other: A,
      conn: p.cb,
      otherConn: p.ca,
      fate: fateB,
      peer: peers[1],
      shift: theta,
      flip: p.flip,
      hereNearClient: !near,
    });
  }
  for (const l of lone)
    out.push(
      l.side === 'a'
        ? {
            side: A,
            other: B,
            conn: l.conn,
            otherConn: -1,
            fate: fateA,
            peer: peers[0],
            shift: 0,
            flip: false,
            hereNearClient: l.hereNearClient,
          }
        : {
            side: B,
            other: A,
            conn: l.conn,
            otherConn: -1,
            fate: fateB,
            peer: peers[1],
            shift: theta,
            flip: false,
            hereNearClient: l.hereNearClient,
          },
    );
  return out;
}

/** Median TTL of the genuine packets one direction of a connection's claimed sender shows at this point, else of its other connections to the same server. */
function genuineTtl(v: ConnView, row: number, views: ConnView[]): number | null {
  const t = v.side.table;
  const collect = (conn: number, dir: number, fate: Uint8Array, skip: number): number[] => {
    const out: number[] = [];
    for (let q = v.side.connStart[conn]; q < v.side.connStart[conn + 1]; q++) {
      const k = v.side.connRows[q];
      if (
        k !== skip &&
        t.dir[k] === dir &&
        fate[k] !== FATE.injected &&
        fate[k] !== FATE.lost &&
        t.ttl[k] > 0
      )
        out.push(t.ttl[k]);
    }
    return out;
  };
  const own = collect(v.conn, t.dir[row], v.fate, row);
  if (own.length > 0) return median(own);
  const server = v.side.connections[v.conn].server;
  const others: number[] = [];
  for (const w of views)
    if (w.side === v.side && w.otherConn >= 0 && w.side.connections[w.conn].server === server)
      others.push(...collect(w.conn, t.dir[row], w.fate, -1));
  return median(others);
}

function injectedRsts(A: CaptureSide, views: ConnView[], names: [string, string], theta: number): Finding[] {
  const out: Finding[] = [];
  let extra = 0;
  for (const v of views) {
    {
      const { side, other, conn, otherConn, fate, shift, flip } = v;
      const t = side.table;
      for (let r = side.connStart[conn]; r < side.connStart[conn + 1]; r++) {
        const i = side.connRows[r];
        if (fate[i] !== FATE.injected || !(t.tcpFlags[i] & TCP_RST)) continue;
        if (out.length >= MAX_RST_FINDINGS) {
          extra++;
          continue;
        }
        const c2s = (t.dir[i] === DIR_C2S) !== flip;
        const role = roleOf(c2s);
        // Genuine packets of the claimed sender, as this point saw them.
        const gTtl = genuineTtl(v, i, views);
        const hopsRst = hopsFrom(t.ttl[i]);
        const hopsReal = gTtl !== null ? hopsFrom(gTtl) : null;
        const here = names[side === A ? 0 : 1];
        const there = names[side === A ? 1 : 0];
        const tS = t.time[i] + side.epochShiftS - shift;
        const localS = t.time[i];
        const sideName = v.hereNearClient ? 'client' : 'server';
        // An RST answering a SYN, before any data: the connection was refused, not forgotten.
        let refusesConnect = false;
        for (let q = side.connStart[conn]; q < side.connStart[conn + 1]; q++) {
          const k = side.connRows[q];
          if (k >= i) break;
          if (t.payloadLen[k] > 0) {
            refusesConnect = false;
            break;
          }
          if (t.tcpFlags[k] & TCP_SYN) refusesConnect = true;
        }
        // The other point's last packets of this connection before the RST reached this one.
        const ot = other.table;
        const otherShift = other === A ? 0 : theta;
        let lastOther = -1;
        const otherRsts: number[] = [];
        if (otherConn >= 0)
          for (let q = other.connStart[otherConn]; q < other.connStart[otherConn + 1]; q++) {
            const k = other.connRows[q];
            if (ot.time[k] + other.epochShiftS - otherShift <= tS) lastOther = k;
            if (ot.tcpFlags[k] & TCP_RST) otherRsts.push(k + 1);
          }
        const ttlNote =
          gTtl !== null && hopsReal !== null
            ? `TTL ${t.ttl[i]} vs ${gTtl} on the ${role.from}'s real packets puts its sender ${hopsRst} hop${hopsRst === 1 ? '' : 's'} from ${here}, the ${role.from} ${hopsReal}`
            : `TTL ${t.ttl[i]}`;
        const hopText =
          hopsReal !== null && hopsRst < hopsReal
            ? `a box between ${here} and ${there}, ${hopsRst} hop${hopsRst === 1 ? '' : 's'} from ${here}`
            : `a box between ${here} and ${there}`;
        const sideInput = side.index;
        const evidence: Finding['evidence'] = [{ packet: i + 1, input: sideInput, note: `RST at ${here}` }];
        if (lastOther >= 0)
          evidence.push({
            packet: lastOther + 1,
            input: other.index,
            note: `last packet at ${there} before it`,
          });
        out.push({
          kind: K.pathInjectedRst,
          severity: 'error',
          title:
            `RST that reached the ${sideName} side at ${fmt(localS)} s (${here}) was never sent by the ${role.from}: ${there} shows no such RST` +
            (gTtl !== null && hopsReal !== null && hopsRst !== hopsReal
              ? ` (TTL ${t.ttl[i]} vs ${gTtl}: its sender is ${hopsRst} hop${hopsRst === 1 ? '' : 's'} from ${here}, the ${role.from} ${hopsReal})`
              : ''),
          explanation:
            `${here} saw an RST from the ${role.from} (${c2s ? side.connections[conn].client : side.connections[conn].server}) on connection ${side.connections[conn].id} at ${fmt(localS)} s; ` +
            `${there}, which watches the path nearer the ${role.from}, never saw it pass (${otherConn < 0 ? `it saw no packet of this connection at all, though it saw the ${role.from}'s other connections` : otherRsts.length ? `its RSTs on this connection are other packets: ${otherRsts.slice(0, 5).join(', ')}` : 'no RST at all on this connection'}). ` +
            (refusesConnect
              ? `${ttlNote}: it was made by ${hopText} refusing the connection — a firewall rule (REJECT with tcp-reset), an IPS, a load balancer without a healthy backend, a connection limit. ` +
                `The ${role.to} reports "connection refused" although the ${role.from} never refused anything. ` +
                `What to try: look for the rule or limit on that box that matches this connection (source, port, rate), and at its logs at that moment.`
              : `${ttlNote}: it was made by ${hopText} — a NAT or firewall that lost the connection's state (idle timeout, conntrack table full, failover), ` +
                `an IPS, or a load balancer. The ${role.to} believes the ${role.from} hung up; the ${role.from} never did. ` +
                `What to try: find that box's idle timeout and keep the connection busy below it (TCP keep-alive, application pings), or look at its logs at that moment.`),
          connection: null,
          stream: null,
          startS: round9(tS),
          endS: round9(tS),
          evidence,
          details: {
            observedAt: [here],
            missingAt: [there],
            connections: {
              [here]: side.connections[conn].id,
              [there]: otherConn >= 0 ? other.connections[otherConn].id : null,
            },
            claimedSender: role.from,
            ttl: t.ttl[i],
            senderTtl: gTtl,
            hopsFromObserver: hopsRst,
            senderHopsFromObserver: hopsReal,
          },
        });
      }
    }
  }
  if (extra > 0 && out.length > 0) out[out.length - 1].details.moreNotListed = extra;
  return out;
}

function lossFindings(
  A: CaptureSide,
  B: CaptureSide,
  views: ConnView[],
  names: [string, string],
  findings: Finding[],
): PairDetail['loss'] {
  const loss: PairDetail['loss'] = [];
  for (const side of [A, B]) {
    const other = side === A ? B : A;
    const t = side.table;
    const shift = views.find((v) => v.side === side)?.shift ?? 0;
    // Split by direction of the connection (client → server or back) as the engineer thinks of it.
    const groups = new Map<
      string,
      { rows: number[]; retrans: number; conns: Set<string>; resentAt: Map<number, number> }
    >();
    for (const v of views) {
      if (v.side !== side) continue;
      const { conn, flip, fate, peer } = v;
      let anyLost = false;
      for (let r = side.connStart[conn]; r < side.connStart[conn + 1] && !anyLost; r++)
        anyLost = fate[side.connRows[r]] === FATE.lost;
      if (!anyLost) continue;
      // Resends: the same sequence number sent again on this connection and direction.
      const seqKey = (i: number): number => t.dir[i] * 0x100000000 + t.seq[i];
      const sent = new Map<number, number[]>();
      for (let r = side.connStart[conn]; r < side.connStart[conn + 1]; r++) {
        const i = side.connRows[r];
        if (t.payloadLen[i] > 0 || t.tcpFlags[i] & (TCP_SYN | TCP_FIN)) {
          const list = sent.get(seqKey(i));
          if (list) list.push(i);
          else sent.set(seqKey(i), [i]);
        }
      }
      for (let r = side.connStart[conn]; r < side.connStart[conn + 1]; r++) {
        const i = side.connRows[r];
        if (fate[i] !== FATE.lost) continue;
        const c2s = (t.dir[i] === DIR_C2S) !== flip;
        const g = c2s ? 'c2s' : 's2c';
        let e = groups.get(g);
        if (!e) groups.set(g, (e = { rows: [], retrans: 0, conns: new Set(), resentAt: new Map() }));
        e.rows.push(i);
        e.conns.add(side.connections[conn].id);
        const copies = sent.get(seqKey(i)) ?? [];
        if (copies.length > 1) {
          e.retrans++;
          // The resend that made it: the other point's packet number, for the evidence.
          const resend = copies.find((k) => k > i && peer[k] >= 0);
          if (resend !== undefined) e.resentAt.set(i, peer[resend]);
        }
      }
    }
    const here = names[side === A ? 0 : 1];
    const there = names[side === A ? 1 : 0];
    for (const [g, e] of groups) {
      e.rows.sort((x, y) => x - y);
      const role = roleOf(g === 'c2s');
      loss.push({ from: side.index, to: other.index, packets: e.rows.length, retransmitted: e.retrans });
      const t0 = t.time[e.rows[0]] + side.epochShiftS - shift;
      const t1 = t.time[e.rows[e.rows.length - 1]] + side.epochShiftS - shift;
      const n = e.rows.length;
      findings.push({
        kind: K.pathLoss,
        severity: 'warning',
        title: `${n} packet${n === 1 ? '' : 's'} ${role.from} → ${role.to} lost between ${here} and ${there}, ${e.retrans} of them sent again`,
        explanation:
          `${here} saw ${n} packet${n === 1 ? '' : 's'} travelling from the ${role.from} toward ${there} that ${there} never saw, while it was capturing (${e.conns.size} connection${e.conns.size === 1 ? '' : 's'}). ` +
          `They were dropped on the path between the two points — by a congested link or queue, a policer, or a firewall/NAT that no longer recognised the connection (then usually answered by an RST or followed by silence). ` +
          `${e.retrans} were retransmitted by the ${role.from} (each resend costs the connection at least a round trip, a retransmission timeout when no later segment triggered a fast retransmit)${e.resentAt.size ? `; the evidence pairs each lost packet with its resend as ${there} received it` : ''}. ` +
          `What to try: check the interface and queue drop counters of the boxes between the points, and the firewall/NAT state tables if the drops end connections.`,
        connection: null,
        stream: null,
        startS: round9(t0),
        endS: round9(t1),
        evidence: e.rows.slice(0, MAX_EVIDENCE).flatMap((i) => {
          const got = e.resentAt.get(i);
          return [
            { packet: i + 1, input: side.index, note: `not at ${there}` },
            ...(got !== undefined
              ? [{ packet: got + 1, input: other.index, note: 'its resend, received' }]
              : []),
          ];
        }),
        details: {
          observedAt: [here],
          missingAt: [there],
          direction: `${role.from}-to-${role.to}`,
          packets: n,
          retransmitted: e.retrans,
          connections: [...e.conns],
        },
      });
    }
  }
  return loss;
}

function natFinding(
  A: CaptureSide,
  B: CaptureSide,
  nat: NatMapping[],
  names: [string, string],
  winA: [number, number],
): Finding {
  const ports = nat.filter((r) => r.aClient.replace(/.*:/, '') !== r.bClient.replace(/.*:/, '')).length;
  const servers = nat.filter((r) => r.aServer !== r.bServer).length;
  const first = nat[0];
  return {
    kind: K.pathNat,
    severity: 'info',
    title: `NAT between ${names[0]} and ${names[1]}: ${nat.length} connection${nat.length === 1 ? '' : 's'} rewritten (${first.aClient} → ${first.bClient}${nat.length > 1 ? ', …' : ''})`,
    explanation:
      `The same connections carry other addresses at the two points: a box between them rewrites them (source NAT / masquerade${servers ? ', destination NAT or a load balancer' : ''}). ` +
      `${ports} of ${nat.length} also had their client port changed. Everything the server side logs names the NAT's address, not the client's; the table in details.mapping gives the correspondence. ` +
      `A NAT keeps per-connection state: when it forgets an idle connection, later packets are dropped or answered by the NAT itself.`,
    connection: null,
    stream: null,
    startS: round9(winA[0]),
    endS: round9(winA[1]),
    // The first packet of the first few connections at each point: the same packet, two addresses.
    evidence: nat.slice(0, 5).flatMap((r) => {
      const ca = A.connections.find((c) => c.id === r.a);
      const cb = B.connections.find((c) => c.id === r.b);
      return ca && cb
        ? [
            { packet: ca.firstPacket, input: A.index, note: `${r.aClient} → ${r.aServer}` },
            { packet: cb.firstPacket, input: B.index, note: `${r.bClient} → ${r.bServer}` },
          ]
        : [];
    }),
    details: {
      observedAt: [names[0], names[1]],
      missingAt: [],
      mapping: nat.slice(0, 200),
      connections: nat.length,
      portsRewritten: ports,
      serversRewritten: servers,
      inputs: [A.index, B.index],
    },
  };
}

interface MssChange {
  p: PacketPairMatch;
  /** The MSS option at A and at B. */
  a: number;
  b: number;
  rowA: number;
  rowB: number;
  /** As its sender wrote it, and as its receiver's side saw it. */
  sent: number;
  received: number;
}

function mssFinding(
  A: CaptureSide,
  B: CaptureSide,
  changes: MssChange[],
  names: [string, string],
  theta: number,
): Finding {
  const c = changes[0];
  const conns = new Set(changes.map((x) => A.connections[x.p.ca].id));
  const t0 = A.table.time[c.rowA] + A.epochShiftS;
  const t1 = B.table.time[changes[changes.length - 1].rowB] + B.epochShiftS - theta;
  return {
    kind: K.pathMssClamp,
    severity: 'info',
    title: `MSS ${c.sent} lowered to ${c.received} between ${names[0]} and ${names[1]} on ${changes.length} SYN${changes.length === 1 ? '' : 's'}`,
    explanation:
      `A box between the two points rewrites the MSS option of SYNs (MSS clamping: iptables TCPMSS, a router's "ip tcp adjust-mss", a VPN or PPPoE gateway). ` +
      `It lowers the largest segment the peers send to fit a smaller MTU on the way; it is how such paths avoid black holes, and it is a fact, not a fault. ` +
      `If large transfers stall while small ones work, compare the clamp with the path's real MTU.`,
    connection: null,
    stream: null,
    startS: round9(Math.min(t0, t1)),
    endS: round9(Math.max(t0, t1)),
    evidence: changes.slice(0, MAX_EVIDENCE).flatMap((x) => [
      { packet: x.rowA + 1, input: A.index, note: `MSS ${x.a}` },
      { packet: x.rowB + 1, input: B.index, note: `MSS ${x.b}` },
    ]),
    details: {
      observedAt: [names[0], names[1]],
      missingAt: [],
      changes: changes.slice(0, 200).map((x) => ({
        a: A.connections[x.p.ca].id,
        b: B.connections[x.p.cb].id,
        mssA: x.a,
        mssB: x.b,
        sent: x.sent,
        received: x.received,
      })),
      connections: conns.size,
    },
  };
}

function proxyFinding(
  A: CaptureSide,
  B: CaptureSide,
  cases: PairDetail['proxied'],
  nearA: boolean,
  names: [string, string],
): Finding {
  const [near, far] = nearA ? [names[0], names[1]] : [names[1], names[0]];
  const nearIdx = nearA ? A.index : B.index;
  const farIdx = nearA ? B.index : A.index;
  const statuses = [...new Set(cases.map((c) => (nearA ? c.statusA : c.statusB)))].join('/');
  const waited = cases.map((c) => c.proxyWaitedS).filter((v): v is number => v !== null);
  const lo = waited.length ? Math.min(...waited) : null;
  const hi = waited.length ? Math.max(...waited) : null;
  const late = cases.filter((c) => (nearA ? c.statusB : c.statusA) !== null).length;
  const n = cases.length;
  const waitText =
    lo !== null && hi !== null ? `${lo.toFixed(3)}${hi - lo > 0.001 ? `–${hi.toFixed(3)}` : ''} s` : null;
  return {
    kind: K.pathProxyGaveUp,
    severity: 'error',
    title: `The proxy between ${near} and ${far} answered ${n} request${n === 1 ? '' : 's'} ${statuses} itself${waitText ? `, ${waitText} after forwarding ${n === 1 ? 'it' : 'them'}` : ''}; the upstream ${late ? `answered ${late} later` : 'never answered'}`,
    explanation:
      `${n} request${n === 1 ? '' : 's'} seen at both points (${cases
        .slice(0, 3)
        .map((c) => c.request)
        .join(
          ', ',
        )}${n > 3 ? ', …' : ''}) got ${statuses} at ${near}, an answer ${far} never saw the upstream send: ` +
      `the proxy between the two points gave up on the upstream and answered by itself${waitText ? `, ${waitText} after it had forwarded the whole request — its read timeout (nginx proxy_read_timeout, HAProxy timeout server, Envoy route timeout)` : ''}. ` +
      `${late ? `The upstream did answer ${late} of them, later, to a connection the proxy had already closed: the work was done and thrown away.` : 'The upstream never answered before the captures ended.'} ` +
      `What to try: raise that proxy timeout for this route above the upstream's real processing time, or make the upstream answer sooner (stream progress, or accept and process asynchronously).`,
    connection: null,
    stream: null,
    startS: cases[0].requestS,
    endS: cases[n - 1].requestS,
    evidence: cases.slice(0, MAX_EVIDENCE).flatMap((c) => [
      ...c.nearPackets
        .filter((p) => p > 0)
        .map((p) => ({ packet: p, input: nearIdx, note: `${nearA ? c.statusA : c.statusB} from the proxy` })),
      ...c.farPackets.map((p, k) => ({
        packet: p,
        input: farIdx,
        note: k === 0 ? 'request forwarded' : 'upstream answer, too late',
      })),
    ]),
    details: {
      observedAt: [near],
      missingAt: [far],
      requests: n,
      proxyWaitedS: waited,
      answeredLaterByUpstream: late,
      connections: cases.map((c) => ({ [names[0]]: c.a, [names[1]]: c.b })),
    },
  };
}
