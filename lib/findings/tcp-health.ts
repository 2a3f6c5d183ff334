/**
 * TCP and HTTP health checks network engineers expect besides the bug families.
 *
 * | kind | severity | fires when |
 * | --- | --- | --- |
 * | tcp.connection-refused | error | the server answered the SYN with an RST (no SYN-ACK): nothing listening, or a firewall REJECT |
 * | tcp.connect-timeout | error | the SYN was sent >= 2 times (retransmitted) and never answered by anything |
 * | tcp.retransmission-burst | warning | one direction's loss cost time: retransmission timeouts (a data silence >= RTO_MIN_S and >= 3 RTT before the resend, outside any zero window) totalling >= RTO_LOST_S, or BACKOFF_CHAIN timeouts in a row for the same data, or >= LOSS_MIN_RATIO of some LOSS_WINDOW_SEGMENTS consecutive data segments retransmitted; spurious retransmissions never count. info: loss repaired quickly (a shorter timeout, or >= BURST_COUNT retransmissions including a fast one) |
 * | tcp.zero-window-stall | warning | a receiver kept a zero window >= ZERO_WINDOW_STALL_S (until it reopened or either side reset) while the sender had data waiting (window probes, or data within RESUME_S of the reopening); brief closures are pacing and never count. info: as long, with no sign of waiting data |
 * | http.slow-response | warning | time to first response byte > slowFactor x the endpoint's median and > slowMinS, with >= 3 samples of that endpoint (HTTP/1 exchanges and HTTP/2 streams) |
 *
 * Loss is judged by what it cost, not by how many segments were resent: a loss that fast
 * retransmit or SACK repairs costs one round trip while data keeps flowing, which is TCP working
 * (1 % random loss gives one every hundred segments); a retransmission timeout stalls the
 * transfer for 200 ms or more, a backoff chain for seconds, and sustained loss keeps the sending
 * rate low. Retransmissions with neither a timeout nor a fast retransmission are mostly tail-loss
 * probes racing a delayed ACK (sub-millisecond paths, proxies) and stay silent.
 *
 * The TCP kinds need packet facts and stay silent on debug-log traces.
 */
import type { AnalysisOptions, Connection, Dir, Finding, H2Frame, Trace } from '../trace';
import type { Detector } from './types';
import {
  A_FAST_RETRANSMISSION,
  A_KEEP_ALIVE,
  A_LOST_SEGMENT,
  A_RETRANSMISSION,
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
import { at, cap, connName, dur, durShort, fig, list, pct, plural, sender, side, trim } from './text';
import { K } from './kinds';

/** Retransmissions in one direction below which quickly repaired loss is not even worth an info. */
export const BURST_COUNT = 3;
/** Linux's minimum RTO (tcp_rto_min); other stacks use more. A retransmission after a silence this long (and >= 3 RTT) followed a timeout. */
export const RTO_MIN_S = 0.2;
/** Time a direction sat waiting on retransmission timeouts that makes its loss a risk. */
export const RTO_LOST_S = 1;
/** Timeouts in a row for the same data (exponential backoff) that make the loss a risk. */
export const BACKOFF_CHAIN = 2;
/** Sustained loss: at least LOSS_MIN_RATIO of some LOSS_WINDOW_SEGMENTS consecutive data segments retransmitted. */
export const LOSS_WINDOW_SEGMENTS = 200;
export const LOSS_MIN_RATIO = 0.1;
/** A zero window at least this long, while the sender had data waiting, is a stall. */
export const ZERO_WINDOW_STALL_S = 0.5;
/** A sender whose data follows the window's reopening within this (or 2 RTT) was waiting for it. */
export const RESUME_S = 0.2;
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

/** Spurious retransmissions (data the peer had already acknowledged) are proven not lost: not counted. */
const RTX_BITS = A_RETRANSMISSION | A_FAST_RETRANSMISSION;
/** Packets a sender puts into a closed window: Wireshark's zero-window probes, and Linux's persist probes (no data, one byte below the next), which look like keep-alives. */
const PROBE_BITS = A_ZERO_WINDOW_PROBE | A_KEEP_ALIVE;

interface Loss {
  data: number;
  rtx: PacketRow[];
  fast: number;
  /** Retransmissions sent after the sender had been silent for a retransmission timeout. */
  rtos: { r: PacketRow; waitS: number }[];
  /** Sum of the silences before the timeouts: time the transfer sat waiting for them. */
  lostS: number;
  /** Longest run of timeouts with no new data between them (the same data resent, backing off). */
  chain: PacketRow[];
  /** Densest LOSS_WINDOW_SEGMENTS consecutive data segments: retransmissions among them. */
  peak: { n: number; from: PacketRow; to: PacketRow } | null;
}

/**
 * One direction's retransmissions, sorted by what they cost. A retransmission's "wait" is the
 * silence of the sender's data before it: a fast retransmission (dupacks, SACK) or a tail-loss
 * probe comes within a few round trips while data keeps flowing, a retransmission timeout only
 * after the sender sat idle for its RTO (>= 200 ms on Linux, more elsewhere). Silences while the
 * peer's window was closed are flow control, not loss, and never count as timeouts.
 */
function lossOf(rows: PacketRow[], dir: Dir, rttS: number | null): Loss | null {
  const rtoMin = Math.max(RTO_MIN_S, 3 * (rttS ?? 0));
  const data: PacketRow[] = [];
  const rtx: PacketRow[] = [];
  const rtos: Loss['rtos'] = [];
  let chain: PacketRow[] = [];
  let run: PacketRow[] = [];
  let lastZeroS = -Infinity;
  let unseenS = -Infinity;
  let fast = 0;
  let lostS = 0;
  for (const r of rows) {
    if (r.dir !== dir) {
      if (r.analysis & A_ZERO_WINDOW) lastZeroS = r.t;
      continue;
    }
    if (r.len === 0 && r.analysis & A_LOST_SEGMENT) {
      // A bare ACK whose sequence number jumps past data the capture never saw: that data was
      // sent before it, so the sender's silence is known only from here.
      unseenS = r.t;
      run = [];
      continue;
    }
    if (r.len === 0 || isSyn(r) || r.analysis & PROBE_BITS) continue;
    const prev = data.length ? data[data.length - 1] : null;
    data.push(r);
    if (!(r.analysis & RTX_BITS)) {
      run = [];
      continue;
    }
    rtx.push(r);
    if (r.analysis & A_FAST_RETRANSMISSION) fast++;
    const waitS = prev ? r.t - Math.max(prev.t, unseenS) : 0;
    const rto =
      prev !== null && !(r.analysis & A_FAST_RETRANSMISSION) && waitS >= rtoMin && lastZeroS < prev.t;
    if (!rto) {
      run = [];
      continue;
    }
    rtos.push({ r, waitS });
    lostS += waitS;
    // A timeout right after a timeout, with nothing new sent between: the resent data was lost
    // (or unanswered) again and the sender doubled its RTO.
    run = run.length && prev === run[run.length - 1] ? [...run, r] : [r];
    if (run.length > chain.length) chain = run;
  }
  if (rtx.length === 0) return null;
  let peak: Loss['peak'] = null;
  if (data.length >= LOSS_WINDOW_SEGMENTS) {
    let n = 0;
    for (let i = 0; i < data.length; i++) {
      if (data[i].analysis & RTX_BITS) n++;
      const j = i - LOSS_WINDOW_SEGMENTS;
      if (j >= 0 && data[j].analysis & RTX_BITS) n--;
      if (i >= LOSS_WINDOW_SEGMENTS - 1 && (!peak || n > peak.n))
        peak = { n, from: data[i - LOSS_WINDOW_SEGMENTS + 1], to: data[i] };
    }
  }
  return { data: data.length, rtx, fast, rtos, lostS, chain, peak };
}

/**
 * A capture taken on a router with `tcpdump -i any` holds every forwarded packet twice: arriving on
 * one interface and leaving on the other microseconds later with its TTL one lower. tshark flags
 * the second copy as a retransmission; it is the same packet seen twice, not a resend. Dropped
 * here: same direction, same flags and length as the packet just before it, TTL exactly one
 * lower, within 2 ms.
 */
export function withoutForwardingCopies(rows: PacketRow[], ttl: Uint8Array): PacketRow[] {
  let out: PacketRow[] | null = null;
  const last: Partial<Record<Dir, PacketRow>> = {};
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    const prev = last[r.dir];
    last[r.dir] = r;
    const copy =
      prev !== undefined &&
      r.t - prev.t <= 0.002 &&
      r.len === prev.len &&
      r.flags === prev.flags &&
      ttl[r.n - 1] + 1 === ttl[prev.n - 1];
    if (copy) out ??= rows.slice(0, k);
    else if (out) out.push(r);
  }
  return out ?? rows;
}

function retransBurst(c: Connection, rows: PacketRow[]): Finding[] {
  const out: Finding[] = [];
  for (const dir of ['c2s', 's2c'] as Dir[]) {
    if (c.retransmissions[dir] === c.analysis[dir].spuriousRetransmission) continue;
    const l = lossOf(rows, dir, c.handshake.rttS);
    if (!l) continue;
    const sustained = l.peak !== null && l.peak.n >= LOSS_WINDOW_SEGMENTS * LOSS_MIN_RATIO;
    const backoff = l.chain.length >= BACKOFF_CHAIN;
    const costly = l.lostS >= RTO_LOST_S;
    const warn = sustained || backoff || costly;
    // Quickly repaired loss is a fact worth an info only when something shows a segment really
    // was lost: a timeout, or a fast retransmission (the receiver's dupacks reported a hole).
    // Retransmissions without either are mostly tail-loss probes racing a delayed ACK.
    if (!warn && l.rtos.length === 0 && (l.fast === 0 || l.rtx.length < BURST_COUNT)) continue;
    const ratio = l.rtx.length / Math.max(l.data, 1);
    const who = dir === 'c2s' ? 'client' : 'server';
    const rtoText = l.rtos.length
      ? `${plural(l.rtos.length, 'retransmission timeout')} (${durShort(l.lostS)} waiting${backoff ? `, ${l.chain.length} in a row` : ''})`
      : '';
    const rateText = `${plural(l.rtx.length, 'retransmission')} (${pct(ratio)} of ${l.data} segments${
      sustained && l.peak ? `, ${l.peak.n} of ${LOSS_WINDOW_SEGMENTS} in a row` : ''
    })`;
    const title = warn
      ? `${sustained ? 'Sustained loss' : 'Loss'} cost the ${who} ${l.lostS > 0 ? durShort(l.lostS) : 'throughput'}: ${
          rtoText ? `${rtoText}, ` : ''
        }${rateText}`
      : `The ${who}'s losses were repaired quickly: ${rateText}, ${l.rtos.length ? rtoText : 'no timeout'}`;
    // The timeouts first, then the densest stretch of a sustained loss, then the rest.
    const peakRtx =
      sustained && l.peak
        ? l.rtx.filter((r) => r.n >= (l.peak?.from.n ?? 0) && r.n <= (l.peak?.to.n ?? 0))
        : [];
    const shown = warn
      ? [...l.chain, ...l.rtos.map((x) => x.r), ...peakRtx, ...l.rtx].filter((r, i, a) => a.indexOf(r) === i)
      : l.rtx;
    const waitOf = new Map(l.rtos.map((x) => [x.r, x.waitS]));
    const evidence = shown
      .slice(0, 10)
      .sort((a, b) => a.n - b.n)
      .map((r) => ({
        packet: r.n,
        note: waitOf.has(r)
          ? `retransmission after ${durShort(waitOf.get(r) ?? 0)} of silence: a timeout (${r.len} bytes)`
          : `${r.analysis & A_FAST_RETRANSMISSION ? 'fast ' : ''}retransmission (${r.len} bytes)`,
      }));
    const first = l.rtx[0];
    const last = l.rtx[l.rtx.length - 1];
    const why: string[] = [];
    if (costly || l.rtos.length)
      why.push(
        `${plural(l.rtos.length, 'retransmission')} came only after a retransmission timeout — ${sender(c, dir)} sat silent for ${dur(l.lostS)} in total waiting for acknowledgements that never came` +
          `${backoff ? `, ${l.chain.length} of them in a row for the same data with nothing new between (the timer backs off, doubling each time)` : ''}`,
      );
    if (sustained && l.peak)
      why.push(
        `the loss was sustained: ${l.peak.n} of ${LOSS_WINDOW_SEGMENTS} consecutive segments between ${at(l.peak.from.t)} and ${at(l.peak.to.t)} were retransmissions (${pct(l.peak.n / LOSS_WINDOW_SEGMENTS)}), which keeps the congestion window small and throughput low`,
      );
    out.push({
      kind: K.retransmissionBurst,
      severity: warn ? 'warning' : 'info',
      title,
      explanation: warn
        ? `On ${connName(c)}, ${sender(c, dir)} retransmitted ${l.rtx.length} of its ${l.data} data segments (${pct(ratio)}${l.fast ? `, ${l.fast} fast retransmissions` : ''}) between ${at(first.t)} and ${at(last.t)}: ${list(why)}. ` +
          `Why it matters: a loss that fast retransmit or SACK repairs costs one round trip, but a timeout stalls the transfer for 200 ms or more and collapses the sending rate, and sustained loss keeps it low — users see latency spikes and timeouts. ` +
          `Usual causes: packet loss on a congested or faulty link, a policer/shaper dropping bursts, an MTU black hole (large segments lost, small ones pass), ` +
          `a receiver/NIC dropping under load, or a peer that has gone away (timeouts repeating with nothing acknowledged). What to try: \`mtr\`/\`ping -M do -s 1472\` towards ${dir === 'c2s' ? c.server : c.client}, interface error counters (\`ip -s link\`, \`ethtool -S\`), ` +
          `\`ss -ti\` (retrans, rto) on the sender, MSS clamping on tunnels/VPNs, and whether the capture point itself dropped packets (check for "previous segment not captured").`
        : `On ${connName(c)}, ${sender(c, dir)} retransmitted ${l.rtx.length} of its ${l.data} data segments (${pct(ratio)}${l.fast ? `, ${l.fast} fast retransmissions` : ''}) between ${at(first.t)} and ${at(last.t)}. ` +
          `Each was sent within a few round trips of the original while data kept flowing (fast retransmit, SACK recovery or a tail-loss probe)${l.rtos.length ? `; ${rtoText} cost little time` : ', with no retransmission timeout'}, and the loss rate stayed low: TCP repaired the loss as designed. ` +
          `Some of these may be spurious (sent before a delayed ACK arrived; the receiver then reports them with D-SACK). Worth a look only if the rate grows: check the path for loss (\`mtr\`, \`ip -s link\`).`,
      connection: c.id,
      stream: null,
      startS: first.t,
      endS: last.t,
      evidence,
      details: {
        dir,
        retransmissions: l.rtx.length,
        segments: l.data,
        ratio: fig(ratio, 4),
        fast: l.fast,
        timeouts: l.rtos.length,
        timeoutWaitS: fig(l.lostS),
        backoffChain: l.chain.length,
        peakInWindow: l.peak?.n ?? 0,
        windowSegments: LOSS_WINDOW_SEGMENTS,
      },
    });
  }
  return out;
}

interface Episode {
  start: PacketRow;
  endS: number;
  /** The receiver's packet that reopened the window, or null (reset, or the capture ended). */
  reopened: PacketRow | null;
  reset: PacketRow | null;
  probes: PacketRow[];
  /** The sender's first data after the window reopened. */
  resumed: PacketRow | null;
}

/**
 * A zero window is flow control: a receiver that reads at its own pace closes it for milliseconds
 * again and again, and that is by design (RFC 9293 §3.8.6). It becomes a stall when the window
 * stays closed long (ZERO_WINDOW_STALL_S) while the sender has data waiting — it probes the
 * window (persist timer) or sends at once when the window reopens. An episode ends when the
 * receiver reopens the window or when either side resets the connection: a proxy that advertised
 * zero and then reset the connection (cancelling) did not stall anything after the reset.
 */
function zeroWindow(c: Connection, rows: PacketRow[], end: number): Finding[] {
  const out: Finding[] = [];
  // Most connections never advertise a zero window: skip them without building row lists.
  if (!rows.some((r) => r.analysis & A_ZERO_WINDOW)) return [];
  for (const dir of ['c2s', 's2c'] as Dir[]) {
    if (!rows.some((r) => r.dir === dir && r.analysis & A_ZERO_WINDOW)) continue;
    const episodes: Episode[] = [];
    let cur: Episode | null = null;
    let waiting: Episode | null = null; // last reopened episode, until the sender's next data
    let lastS = rows[0].t;
    for (const r of rows) {
      lastS = r.t;
      if (isRst(r)) {
        if (cur) {
          cur.endS = r.t;
          cur.reset = r;
          episodes.push(cur);
          cur = null;
        }
        waiting = null;
        continue;
      }
      if (r.dir !== dir) {
        if (cur && r.analysis & PROBE_BITS) cur.probes.push(r);
        else if (r.len > 0 && waiting) {
          waiting.resumed = r;
          waiting = null;
        }
        continue;
      }
      if (r.analysis & A_ZERO_WINDOW) {
        if (!cur) cur = { start: r, endS: r.t, reopened: null, reset: null, probes: [], resumed: null };
      } else if (cur) {
        cur.endS = r.t;
        cur.reopened = r;
        episodes.push(cur);
        waiting = cur;
        cur = null;
      }
    }
    if (cur) {
      // Still closed at the end: a sender that kept probing was blocked until the capture ended;
      // without probes nothing shows it had anything to send after the last packet.
      cur.endS = cur.probes.length ? Math.max(end, lastS) : lastS;
      episodes.push(cur);
    }
    const len = (e: Episode): number => e.endS - e.start.t;
    // Seen near the receiver, the sender's answer to the reopening comes a round trip later.
    const resumeS = Math.max(RESUME_S, 2 * (c.handshake.rttS ?? 0));
    const blocked = (e: Episode): boolean =>
      e.probes.length > 0 ||
      (e.resumed !== null && e.reopened !== null && e.resumed.t - e.reopened.t <= resumeS);
    const stalls = episodes.filter((e) => len(e) >= ZERO_WINDOW_STALL_S);
    if (stalls.length === 0) continue;
    const warn = stalls.some(blocked);
    const longest = stalls.reduce((a, e) => (len(e) > len(a) ? e : a));
    const total = stalls.reduce((a, e) => a + len(e), 0);
    const probes = stalls.reduce((a, e) => a + e.probes.length, 0);
    const brief = episodes.length - stalls.length;
    const peer = side(dir === 'c2s' ? 's2c' : 'c2s');
    const evidence: Finding['evidence'] = [];
    for (const e of stalls.slice(0, 5)) {
      evidence.push({ packet: e.start.n, note: `zero window from ${side(dir)}` });
      for (const p of e.probes.slice(0, 2)) evidence.push({ packet: p.n, note: `window probe from ${peer}` });
      if (e.reopened)
        evidence.push({ packet: e.reopened.n, note: `window reopens after ${durShort(len(e))}` });
      else if (e.reset)
        evidence.push({ packet: e.reset.n, note: `connection reset after ${durShort(len(e))}` });
    }
    evidence.sort((a, b) => (a.packet ?? 0) - (b.packet ?? 0));
    out.push({
      kind: K.zeroWindowStall,
      severity: warn ? 'warning' : 'info',
      title: `The ${dir === 'c2s' ? 'client' : 'server'} stopped reading: zero window for ${durShort(len(longest))}${stalls.length > 1 ? ` (${stalls.length} times, ${durShort(total)} in all)` : ''}`,
      explanation:
        `On ${connName(c)}, ${sender(c, dir)} kept its receive window at zero for ${ZERO_WINDOW_STALL_S} s or more ${stalls.length} time${stalls.length > 1 ? 's' : ''}, ${dur(total)} in total; ` +
        `the longest began at ${at(longest.start.t)} and lasted ${dur(len(longest))}${longest.reopened ? '' : longest.reset ? ' (until the connection was reset)' : ' (still closed when the capture ended)'}` +
        `${probes ? `, while ${peer} sent ${probes} window probes` : ''}` +
        `${brief > 0 ? ` (besides ${brief} brief closures, ordinary flow control)` : ''}. ` +
        (warn
          ? `${cap(peer)} had data waiting (it probed the window or sent the moment it reopened), so the transfer stood still: the receiving application was not reading from its socket, its buffer was full and the sender had to wait. ` +
            `Why it matters: the network is fine but nothing moves; long stalls trip read/write timeouts on the other side. ` +
            `Usual causes: a slow or blocked consumer on ${dir === 'c2s' ? c.client : c.server} (GC pauses, CPU saturation, a blocked event loop, a downstream write that is itself stalled — a proxy whose own client stopped reading), ` +
            `or a too-small receive buffer. What to try: profile the receiving process during the stall, check its CPU and event-loop lag, and apply back-pressure upstream.`
          : `Nothing shows that ${peer} had more to send (no window probes, no data right after the window reopened), so this is recorded as a fact: the reader paused while the sender was idle anyway.`),
      connection: c.id,
      stream: null,
      startS: stalls[0].start.t,
      endS: stalls[stalls.length - 1].endS,
      evidence,
      details: {
        dir,
        episodes: stalls.length,
        briefEpisodes: brief,
        longestS: fig(len(longest)),
        totalS: fig(total),
        probes,
      },
    });
  }
  return out;
}

/**
 * The requests of one endpoint with a response: the source of each (an exchange's index, or a
 * stream's as -1 - index) and its time to first byte. Columns rather than an object per request:
 * a request-heavy capture has ~100,000 of them and only a few are ever slow.
 */
interface EndpointSamples {
  src: number[];
  ttfb: number[];
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

function streamRequestEnd(s: Trace['streams'][number]): H2Frame | undefined {
  return s.frames.find((f) => f.dir === 'c2s' && ((f.flagsRaw & 1) === 1 || f.flags.includes('END_STREAM')));
}

function slowResponses(trace: Trace, opts: AnalysisOptions): Finding[] {
  const keys = new EndpointKeys();
  const byKey = new Map<string, EndpointSamples>();
  const add = (key: string, src: number, ttfb: number): void => {
    const g = byKey.get(key);
    if (g) {
      g.src.push(src);
      g.ttfb.push(ttfb);
    } else byKey.set(key, { src: [src], ttfb: [ttfb] });
  };
  trace.exchanges.forEach((x, i) => {
    if (x.responseS == null || x.requestS == null) return;
    const key = keys.of(x.method, x.path);
    if (key) add(key, i, x.responseS - (x.requestEndS ?? x.requestS));
  });
  trace.streams.forEach((s, i) => {
    if (s.responseS == null) return;
    const key = keys.of(s.method, s.path);
    if (key) add(key, -1 - i, s.responseS - (streamRequestEnd(s)?.tS ?? s.startS));
  });
  const out: Finding[] = [];
  for (const [key, g] of byKey) {
    const n = g.ttfb.length;
    if (n < SLOW_MIN_SAMPLES) continue;
    const med = median(g.ttfb);
    for (let j = 0; j < n; j++) {
      const ttfb = g.ttfb[j];
      if (ttfb <= opts.slowMinS || ttfb <= opts.slowFactor * med) continue;
      const src = g.src[j];
      let connection: string;
      let stream: number | null;
      let label: string;
      let sentS: number;
      let firstByteS: number;
      let evidence: Finding['evidence'];
      if (src >= 0) {
        const x = trace.exchanges[src];
        connection = x.connection;
        stream = null;
        label = `${x.method} ${x.path}`;
        sentS = x.requestEndS ?? (x.requestS as number);
        firstByteS = x.responseS as number;
        evidence = exchangeEvidence(x);
      } else {
        const s = trace.streams[-1 - src];
        const reqEnd = streamRequestEnd(s);
        connection = s.connection;
        stream = s.id;
        label = `${s.method} ${s.path}`;
        sentS = reqEnd?.tS ?? s.startS;
        firstByteS = s.responseS as number;
        evidence = streamEvidence(s, reqEnd);
      }
      if (evidence.length === 0) continue;
      out.push({
        kind: K.slowResponse,
        severity: 'warning',
        title: `${label} took ${durShort(ttfb)} to first byte (${trim(ttfb / Math.max(med, 1e-6), 0)}x the usual ${durShort(med)})`,
        explanation:
          `The request ${label}${stream != null ? ` on stream ${stream}` : ''} of connection ${connection} was sent at ${at(sentS)} and its first response byte came at ${at(firstByteS)}: ` +
          `${dur(ttfb)}, while the median of the ${n} ${key} requests in this trace is ${dur(med)} (threshold: more than ${opts.slowFactor}x the median and more than ${dur(opts.slowMinS)}). ` +
          `The time is spent between the request reaching the server and the server starting to answer, so it is server-side work, not the network. ` +
          `Usual causes: a slow database query or lock, a cold cache, a slow upstream dependency, a GC pause, or a saturated worker pool (several slow responses at the same moment point to a server-wide stall). ` +
          `What to try: look up this request in the server's logs/traces at ${at(sentS)} and compare with a fast one.`,
        connection,
        stream,
        startS: sentS,
        endS: firstByteS,
        evidence,
        details: {
          endpoint: key,
          ttfbS: fig(ttfb),
          medianS: fig(med),
          samples: n,
          factor: fig(ttfb / Math.max(med, 1e-6), 2),
        },
      });
    }
  }
  return out;
}

export const detector: Detector = {
  id: 'tcp-health',
  kinds: [K.connectionRefused, K.connectTimeout, K.retransmissionBurst, K.zeroWindowStall, K.slowResponse],
  detect(trace: Trace, opts: AnalysisOptions): Finding[] {
    const out: Finding[] = [];
    if (hasTcp(trace)) {
      const rows = packetsByConnection(trace);
      const end = captureEnd(trace);
      trace.connections.forEach((c, i) => {
        // The connection's counters say whether any check below can fire: a refusal needs an RST
        // from the server, a connect timeout a silent server, a loss finding a retransmission
        // (one timeout can cost a second), a stall a zero window. Most connections have none of these, and their
        // rows are never made.
        const a = c.analysis;
        if (
          c.rst.s2c === 0 &&
          c.packets.s2c > 0 &&
          c.retransmissions.c2s + c.retransmissions.s2c === 0 &&
          a.c2s.zeroWindow + a.s2c.zeroWindow === 0
        )
          return;
        const r = rows.rows(i);
        if (r.length === 0) return;
        const ref = refused(c, r);
        if (ref) out.push(ref);
        const to = connectTimeout(c, r, end);
        if (to) out.push(to);
        out.push(...retransBurst(c, withoutForwardingCopies(r, trace.packets.ttl)), ...zeroWindow(c, r, end));
      });
    }
    out.push(...slowResponses(trace, opts));
    return out;
  },
};
