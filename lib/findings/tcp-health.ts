/**
 * TCP and HTTP health checks network engineers expect besides the bug families.
 *
 * | kind | severity | fires when |
 * | --- | --- | --- |
 * | tcp.connection-refused | error | the server answered the SYN with an RST (no SYN-ACK): nothing listening, or a firewall REJECT |
 * | tcp.connect-timeout | error | the SYN was sent >= 2 times (retransmitted) and never answered by anything |
 * | tcp.retransmission-burst | warning | one direction of a connection had >= 3 retransmissions within 1 s AND retransmissions are >= 5 % of its data segments (SYN retransmits excluded) |
 * | tcp.zero-window-stall | warning | a receiver advertised a zero window for >= 0.5 s at a time, or in >= 3 separate episodes |
 * | http.slow-response | warning | time to first response byte > slowFactor x the endpoint's median and > slowMinS, with >= 3 samples of that endpoint (HTTP/1 exchanges and HTTP/2 streams) |
 *
 * The TCP kinds need packet facts and stay silent on debug-log traces.
 */
import type { AnalysisOptions, Connection, Dir, Finding, H2Frame, Trace } from '../trace';
import type { Detector } from './types';
import {
  A_FAST_RETRANSMISSION,
  A_KEEP_ALIVE,
  A_RETRANSMISSION,
  A_SPURIOUS_RETRANSMISSION,
  A_ZERO_WINDOW,
  A_ZERO_WINDOW_PROBE,
} from '../packets';
import {
  captureEnd,
  EndpointKeys,
  hasTcp,
  isRst,
  isSyn,
  median,
  packetsByConnection,
  type PacketRow,
} from './common';
import { at, cap, connName, dur, durShort, fig, list, pct, sender, side, trim } from './text';
import { K } from './kinds';

export const BURST_COUNT = 3;
export const BURST_WINDOW_S = 1;
export const BURST_MIN_RATIO = 0.05;
export const ZERO_WINDOW_STALL_S = 0.5;
export const ZERO_WINDOW_EPISODES = 3;
export const SLOW_MIN_SAMPLES = 3;

function refused(c: Connection, rows: PacketRow[]): Finding | null {
  const syns = rows.filter((r) => r.dir === 'c2s' && isSyn(r) && !isRst(r));
  if (syns.length === 0 || c.handshake.synAck != null) return null;
  if (rows.some((r) => r.dir === 's2c' && isSyn(r))) return null;
  const rst = rows.find((r) => r.dir === 's2c' && isRst(r) && r.n > syns[0].n);
  if (!rst) return null;
  if (rows.some((r) => r.dir === 'c2s' && r.len > 0)) return null; // data flowed: not a refused connect
  const after = rst.t - syns[0].t;
  return {
    kind: K.connectionRefused,
    severity: 'error',
    title: `Connection to ${c.server} refused (SYN answered by RST after ${durShort(after)})`,
    explanation:
      `${cap(sender(c, 'c2s'))} tried to connect to ${c.server} at ${at(syns[0].t)}${syns.length > 1 ? ` (${syns.length} SYNs)` : ''}; ` +
      `the answer, ${dur(after)} later, was an RST instead of a SYN-ACK: the client gets ECONNREFUSED ("connection refused"). ` +
      `Usual causes: nothing is listening on port ${c.serverPort} at that address (the service is down, restarting, or listening on 127.0.0.1 instead of 0.0.0.0/the pod IP), ` +
      `a Kubernetes Service with no ready endpoints, or a firewall rule that REJECTs with tcp-reset. ` +
      `${after < 0.001 ? `An RST this fast (${dur(after)}) comes from a host very close by — often the target host's own kernel. ` : ''}` +
      `What to try: \`ss -ltn 'sport = :${c.serverPort}'\` on the server, check the service's health and the endpoints behind the address, and firewall rules on the path.`,
    connection: c.id,
    stream: null,
    startS: syns[0].t,
    endS: rst.t,
    evidence: [
      { packet: syns[0].n, note: 'SYN from the client' },
      { packet: rst.n, note: `RST from ${c.server}: refused` },
    ],
    details: { rttS: fig(after), syns: syns.length, serverPort: c.serverPort },
  };
}

function connectTimeout(c: Connection, rows: PacketRow[], end: number): Finding | null {
  if (c.handshake.synAck != null) return null;
  if (rows.some((r) => r.dir === 's2c')) return null;
  const syns = rows.filter((r) => r.dir === 'c2s' && isSyn(r));
  if (syns.length < 2 || rows.some((r) => r.dir === 'c2s' && !isSyn(r))) return null;
  const span = syns[syns.length - 1].t - syns[0].t;
  const offsets = syns.slice(1).map((s) => trim(s.t - syns[0].t, 2) + ' s');
  return {
    kind: K.connectTimeout,
    severity: 'error',
    title: `Connection to ${c.server} never answered (${syns.length} SYNs over ${durShort(span)})`,
    explanation:
      `${cap(sender(c, 'c2s'))} sent a SYN to ${c.server} at ${at(syns[0].t)} and retransmitted it ${syns.length - 1} time${syns.length > 2 ? 's' : ''} (at +${list(offsets)}), ` +
      `with no answer at all — no SYN-ACK, no RST, until the capture ended at ${at(end)}. The client eventually fails with a connect timeout (ETIMEDOUT / "i/o timeout" / "context deadline exceeded"). ` +
      `Usual causes: a firewall or security group silently DROPping the traffic, no route to the host or a wrong IP (the host is down), ` +
      `a full SYN backlog on the server, or asymmetric routing. Unlike "refused", a silent drop means something on the path is discarding packets. ` +
      `What to try: check security groups / network policies / iptables for a DROP rule on port ${c.serverPort}, \`traceroute -T -p ${c.serverPort} ${c.serverIp}\`, ` +
      `and capture on the server to see whether the SYNs arrive at all.`,
    connection: c.id,
    stream: null,
    startS: syns[0].t,
    endS: syns[syns.length - 1].t,
    evidence: syns.slice(0, 10).map((s, i) => ({
      packet: s.n,
      note: i === 0 ? 'SYN' : `SYN retransmission ${i} (+${trim(s.t - syns[0].t, 2)} s)`,
    })),
    details: { attempts: syns.length, spanS: fig(span), serverPort: c.serverPort },
  };
}

const RTX_BITS = A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION;

function retransBurst(c: Connection, rows: PacketRow[]): Finding[] {
  const out: Finding[] = [];
  for (const dir of ['c2s', 's2c'] as Dir[]) {
    // Most connections have no retransmission at all: count before building the row lists
    // (two arrays per direction and connection were a tenth of the time on many-packet captures).
    let nRtx = 0;
    for (const r of rows) {
      if (r.dir === dir && r.len > 0 && !isSyn(r) && !(r.analysis & A_KEEP_ALIVE) && r.analysis & RTX_BITS)
        nRtx++;
    }
    if (nRtx < BURST_COUNT) continue;
    const data = rows.filter((r) => r.dir === dir && r.len > 0 && !isSyn(r) && !(r.analysis & A_KEEP_ALIVE));
    const rtx = data.filter(
      (r) => r.analysis & (A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION),
    );
    if (rtx.length < BURST_COUNT || data.length === 0) continue;
    const ratio = rtx.length / data.length;
    if (ratio < BURST_MIN_RATIO) continue;
    // Densest window of BURST_WINDOW_S.
    let best = { i: 0, j: 0, n: 0 };
    for (let i = 0, j = 0; i < rtx.length; i++) {
      while (j + 1 < rtx.length && rtx[j + 1].t - rtx[i].t <= BURST_WINDOW_S) j++;
      if (j - i + 1 > best.n) best = { i, j, n: j - i + 1 };
    }
    if (best.n < BURST_COUNT) continue;
    const w = rtx.slice(best.i, best.j + 1);
    const fast = rtx.filter((r) => r.analysis & A_FAST_RETRANSMISSION).length;
    out.push({
      kind: K.retransmissionBurst,
      severity: 'warning',
      title: `${w.length} retransmissions within ${durShort(Math.max(w[w.length - 1].t - w[0].t, 0.001))} from the ${dir === 'c2s' ? 'client' : 'server'} (${pct(ratio)} of its segments)`,
      explanation:
        `On ${connName(c)}, ${sender(c, dir)} retransmitted ${w.length} segments between ${at(w[0].t)} and ${at(w[w.length - 1].t)}, ` +
        `and ${rtx.length} of its ${data.length} data segments overall (${pct(ratio)}${fast ? `, ${fast} fast retransmissions` : ''}). ` +
        `Why it matters: each loss stalls the transfer for at least a round trip (an RTO costs 200 ms or more and halves throughput), so users see latency spikes and timeouts. ` +
        `Usual causes: packet loss on a congested or faulty link, a policer/shaper dropping bursts, an MTU black hole (large segments lost, small ones pass), ` +
        `or a receiver/NIC dropping under load. What to try: \`mtr\`/\`ping -M do -s 1472\` towards ${dir === 'c2s' ? c.server : c.client}, interface error counters (\`ip -s link\`, \`ethtool -S\`), ` +
        `MSS clamping on tunnels/VPNs, and whether the capture point itself dropped packets (check for "previous segment not captured").`,
      connection: c.id,
      stream: null,
      startS: w[0].t,
      endS: w[w.length - 1].t,
      evidence: w.slice(0, 10).map((r) => ({ packet: r.n, note: `retransmission (${r.len} bytes)` })),
      details: {
        dir,
        inWindow: w.length,
        windowS: BURST_WINDOW_S,
        retransmissions: rtx.length,
        segments: data.length,
        ratio: fig(ratio, 4),
      },
    });
  }
  return out;
}

function zeroWindow(c: Connection, rows: PacketRow[], end: number): Finding[] {
  const out: Finding[] = [];
  // Most connections never advertise a zero window: skip them without building row lists.
  if (!rows.some((r) => r.analysis & A_ZERO_WINDOW)) return [];
  for (const dir of ['c2s', 's2c'] as Dir[]) {
    const mine = rows.filter((r) => r.dir === dir && !isRst(r));
    if (!mine.some((r) => r.analysis & A_ZERO_WINDOW)) continue;
    const episodes: { start: PacketRow; endS: number; reopened: PacketRow | null; zws: PacketRow[] }[] = [];
    let cur: (typeof episodes)[number] | null = null;
    for (const r of mine) {
      if (r.analysis & A_ZERO_WINDOW) {
        if (!cur) cur = { start: r, endS: r.t, reopened: null, zws: [r] };
        else cur.zws.push(r);
      } else if (cur) {
        cur.endS = r.t;
        cur.reopened = r;
        episodes.push(cur);
        cur = null;
      }
    }
    if (cur) {
      cur.endS = end;
      episodes.push(cur);
    }
    const longest = Math.max(...episodes.map((e) => e.endS - e.start.t));
    if (longest < ZERO_WINDOW_STALL_S && episodes.length < ZERO_WINDOW_EPISODES) continue;
    const probes = rows.filter((r) => r.dir !== dir && r.analysis & A_ZERO_WINDOW_PROBE);
    const total = episodes.reduce((a, e) => a + (e.endS - e.start.t), 0);
    const e0 = episodes.reduce((a, e) => (e.endS - e.start.t > a.endS - a.start.t ? e : a));
    const evidence: Finding['evidence'] = [];
    for (const e of episodes.slice(0, 5)) {
      evidence.push({ packet: e.start.n, note: `zero window from ${side(dir)}` });
      if (e.reopened)
        evidence.push({ packet: e.reopened.n, note: `window reopens after ${durShort(e.endS - e.start.t)}` });
    }
    for (const p of probes.slice(0, 5))
      evidence.push({ packet: p.n, note: `zero-window probe from ${side(dir === 'c2s' ? 's2c' : 'c2s')}` });
    evidence.sort((a, b) => (a.packet ?? 0) - (b.packet ?? 0));
    out.push({
      kind: K.zeroWindowStall,
      severity: 'warning',
      title: `The ${dir === 'c2s' ? 'client' : 'server'} stopped reading: zero window for ${durShort(longest)}${episodes.length > 1 ? ` (${episodes.length} times)` : ''}`,
      explanation:
        `On ${connName(c)}, ${sender(c, dir)} advertised a zero receive window ${episodes.length} time${episodes.length > 1 ? 's' : ''}, ${dur(total)} in total; ` +
        `the longest stall began at ${at(e0.start.t)} and lasted ${dur(e0.endS - e0.start.t)}${e0.reopened ? '' : ' (still closed when the capture ended)'}` +
        `${probes.length ? `, while ${side(dir === 'c2s' ? 's2c' : 'c2s')} sent ${probes.length} zero-window probes` : ''}. ` +
        `A zero window means the receiving application is not reading from its socket fast enough, so its buffer is full and the sender must wait. ` +
        `Why it matters: the transfer stalls although the network is fine; long stalls trip read/write timeouts on the other side. ` +
        `Usual causes: a slow or blocked consumer on ${dir === 'c2s' ? c.client : c.server} (GC pauses, CPU saturation, a blocked event loop, a downstream write that is itself stalled), ` +
        `or a too-small receive buffer. What to try: profile the receiving process during the stall, check its CPU and event-loop lag, and apply back-pressure upstream.`,
      connection: c.id,
      stream: null,
      startS: episodes[0].start.t,
      endS: episodes[episodes.length - 1].endS,
      evidence,
      details: {
        dir,
        episodes: episodes.length,
        longestS: fig(longest),
        totalS: fig(total),
        probes: probes.length,
      },
    });
  }
  return out;
}

interface Sample {
  key: string;
  connection: string;
  stream: number | null;
  label: string;
  sentS: number;
  firstByteS: number;
  ttfb: number;
  /** Made only for the few slow ones: one array per request was most of this check's cost. */
  evidence: () => Finding['evidence'];
}

function exchangeEvidence(x: Trace['exchanges'][number]): Finding['evidence'] {
  const evidence: Finding['evidence'] = [];
  if (x.request?.packets.length)
    evidence.push({ packet: x.request.packets[x.request.packets.length - 1], note: 'request sent' });
  if (x.response?.packets.length)
    evidence.push({ packet: x.response.packets[0], note: 'first response byte' });
  return evidence;
}

function streamEvidence(s: Trace['streams'][number], reqEnd: H2Frame | undefined): Finding['evidence'] {
  const first = s.frames.find((f) => f.dir === 'c2s');
  const resp = s.frames.find((f) => f.dir === 's2c' && (f.type === 'HEADERS' || f.typeId === 1));
  const evidence: Finding['evidence'] = [];
  const add = (f: H2Frame | undefined, note: string): void => {
    if (f)
      evidence.push(f.line != null ? { frame: f.number, line: f.line, note } : { frame: f.number, note });
  };
  add(reqEnd ?? first, 'request sent');
  add(resp, 'response HEADERS');
  return evidence;
}

function slowResponses(trace: Trace, opts: AnalysisOptions): Finding[] {
  const samples: Sample[] = [];
  const keys = new EndpointKeys();
  for (const x of trace.exchanges) {
    if (x.responseS == null || x.requestS == null) continue;
    const key = keys.of(x.method, x.path);
    if (!key) continue;
    const sentS = x.requestEndS ?? x.requestS;
    samples.push({
      key,
      connection: x.connection,
      stream: null,
      label: `${x.method} ${x.path}`,
      sentS,
      firstByteS: x.responseS,
      ttfb: x.responseS - sentS,
      evidence: () => exchangeEvidence(x),
    });
  }
  for (const s of trace.streams) {
    if (s.responseS == null) continue;
    const key = keys.of(s.method, s.path);
    if (!key) continue;
    const reqEnd = s.frames.find(
      (f) => f.dir === 'c2s' && ((f.flagsRaw & 1) === 1 || f.flags.includes('END_STREAM')),
    );
    const sentS = reqEnd?.tS ?? s.startS;
    samples.push({
      key,
      connection: s.connection,
      stream: s.id,
      label: `${s.method} ${s.path}`,
      sentS,
      firstByteS: s.responseS,
      ttfb: s.responseS - sentS,
      evidence: () => streamEvidence(s, reqEnd),
    });
  }
  const byKey = new Map<string, Sample[]>();
  for (const s of samples) {
    const a = byKey.get(s.key);
    if (a) a.push(s);
    else byKey.set(s.key, [s]);
  }
  const out: Finding[] = [];
  for (const [key, xs] of byKey) {
    if (xs.length < SLOW_MIN_SAMPLES) continue;
    const med = median(xs.map((x) => x.ttfb));
    for (const x of xs) {
      if (x.ttfb <= opts.slowMinS || x.ttfb <= opts.slowFactor * med) continue;
      const evidence = x.evidence();
      if (evidence.length === 0) continue;
      out.push({
        kind: K.slowResponse,
        severity: 'warning',
        title: `${x.label} took ${durShort(x.ttfb)} to first byte (${trim(x.ttfb / Math.max(med, 1e-6), 0)}x the usual ${durShort(med)})`,
        explanation:
          `The request ${x.label}${x.stream != null ? ` on stream ${x.stream}` : ''} of connection ${x.connection} was sent at ${at(x.sentS)} and its first response byte came at ${at(x.firstByteS)}: ` +
          `${dur(x.ttfb)}, while the median of the ${xs.length} ${key} requests in this trace is ${dur(med)} (threshold: more than ${opts.slowFactor}x the median and more than ${dur(opts.slowMinS)}). ` +
          `The time is spent between the request reaching the server and the server starting to answer, so it is server-side work, not the network. ` +
          `Usual causes: a slow database query or lock, a cold cache, a slow upstream dependency, a GC pause, or a saturated worker pool (several slow responses at the same moment point to a server-wide stall). ` +
          `What to try: look up this request in the server's logs/traces at ${at(x.sentS)} and compare with a fast one.`,
        connection: x.connection,
        stream: x.stream,
        startS: x.sentS,
        endS: x.firstByteS,
        evidence,
        details: {
          endpoint: key,
          ttfbS: fig(x.ttfb),
          medianS: fig(med),
          samples: xs.length,
          factor: fig(x.ttfb / Math.max(med, 1e-6), 2),
        },
      });
    }
  }
  return out;
}

export const detector: Detector = {
  id: 'tcp-health',
  kinds: [
    K.connectionRefused,
    K.connectTimeout,
    K.retransmissionBurst,
    K.zeroWindowStall,
    K.slowResponse,
  ],
  detect(trace: Trace, opts: AnalysisOptions): Finding[] {
    const out: Finding[] = [];
    if (hasTcp(trace)) {
      const rows = packetsByConnection(trace);
      const end = captureEnd(trace);
      trace.connections.forEach((c, i) => {
        // The connection's counters say whether any check below can fire: a refusal needs an RST
        // from the server, a connect timeout a silent server, a burst BURST_COUNT retransmissions
        // in one direction, a stall a zero window. Most connections have none of these, and their
        // rows are never made.
        const a = c.analysis;
        if (
          c.rst.s2c === 0 &&
          c.packets.s2c > 0 &&
          Math.max(c.retransmissions.c2s, c.retransmissions.s2c) < BURST_COUNT &&
          a.c2s.zeroWindow + a.s2c.zeroWindow === 0
        )
          return;
        const r = rows.rows(i);
        if (r.length === 0) return;
        const ref = refused(c, r);
        if (ref) out.push(ref);
        const to = connectTimeout(c, r, end);
        if (to) out.push(to);
        out.push(...retransBurst(c, r), ...zeroWindow(c, r, end));
      });
    }
    out.push(...slowResponses(trace, opts));
    return out;
  },
};
