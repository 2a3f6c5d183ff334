/**
 * Idle connections and what kills them.
 *
 * - tcp.idle-gap-no-keepalive (warning): an open connection silent >= idleThresholdS with no TCP
 *   keep-alive inside the silence. A silence that runs to the end of the capture counts only when
 *   it reaches the threshold too, and is worded "still silent when the capture ended".
 * - tcp.rst-after-idle (error): an RST right after such a silence: either it is the first packet
 *   after the silence ("arrived on its own", typical of "reset on idle") or it answers the first
 *   packet after the silence within RST_ANSWER_WINDOW_S ("answered", typical of a forgotten
 *   NAT/firewall flow). A TTL or IP-ID change versus the same direction's earlier packets points
 *   at a middlebox. Below the threshold the evidence decides, not the threshold (HAProxy
 *   `timeout client 30s`, a NAT set to 20 s cut at or below it): a reset from another hop (TTL,
 *   IP ID) answering the first packet after a silence >= MIN_CUT_SILENCE_S, or unprompted
 *   resets after the same silence on several connections to one server (a timer).
 * - tcp.keepalive-present (info): keep-alives were seen; details.intervalS = median spacing.
 * - tcp.path-idle-timeout (info): >= 2 connections to one server died after a silence the same
 *   way (FIN or RST from the same side with nothing outstanding, an RST answering the first packet
 *   after it, or that packet retransmitted into a black hole): the timeout lies between the
 *   longest silence that survived on that server's connections and the shortest that died, with
 *   the table's defaults that fit. Resets and drops are compared with the middlebox table, FINs
 *   (only programs send them) with the program table, their silences counted from the last data.
 *   The related rst-after-idle and idle-gap findings repeat the bound.
 *
 * Which closes are idle cuts (and not deadlines) is decided once, in common.ts classifyCuts,
 * shared with the deadline detector.
 */
import type { AnalysisOptions, Connection, Finding, IdleGap, RstInfo, Trace } from '../trace';
import type { Detector } from './types';
import {
  ENDPOINT_IDLE_TIMEOUTS,
  exceededTimeouts,
  KEEPALIVE_ADVICE,
  MIDDLEBOX_IDLE_TIMEOUTS,
  nearestTimeout,
  shortestTimeout,
  timeoutsBetween,
  type IdleTimeout,
} from './idle-timeouts';
import {
  classifyCuts,
  firstClose,
  groupBy,
  hasTcp,
  MIN_CUT_SILENCE_S,
  relSpread,
  SHARED_ABS_S,
  SHARED_REL,
  sharesOffset,
  median,
  packetsByConnection,
  packetTime,
  type ConnectionPackets,
  type PacketRow,
} from './common';
import { at, cap, connName, dur, durRange, durShort, fig, list, other, sender, side } from './text';
import {
  A_KEEP_ALIVE,
  A_KEEP_ALIVE_ACK,
  A_RETRANSMISSION,
  A_ZERO_WINDOW,
  DIR_C2S,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  type PacketTable,
} from '../packets';
import { K } from './kinds';

/** An RST this soon after the first packet that ended a silence "answers" it. */
export const RST_ANSWER_WINDOW_S = 1.0;

export function timeoutSentence(silenceS: number): string {
  const over = exceededTimeouts(silenceS);
  if (over.length === 0) {
    const s = shortestTimeout();
    return (
      `${dur(silenceS)} is shorter than every default middlebox idle timeout we know (the shortest is ${s.where}, ${s.defaultS} s), ` +
      `so only a middlebox configured with a shorter timeout (or a test setup) would drop it; those timeouts are configurable and may have been lowered.`
    );
  }
  const names = over.map((t) => `${t.where} (${t.defaultS} s${t.effect === 'rst' ? ', sends RST' : ''})`);
  return (
    `A silence of ${dur(silenceS)} exceeds the default idle timeout of ${list(names, 10)}. ` +
    `These are vendor defaults that may have been changed on your path; any of these boxes between the two ends would forget the flow and then drop or reset its next packet.`
  );
}

export function keepaliveFix(): string {
  return (
    `Fix: enable TCP keep-alives on both ends with an interval below the shortest idle timeout on the path ` +
    `(e.g. 30-60 s, and under 350 s for AWS NAT/NLB, 240 s for Azure, 600 s for Google Cloud), or have the application send its own heartbeat. ` +
    `${KEEPALIVE_ADVICE.go}. ${KEEPALIVE_ADVICE.node}. ${KEEPALIVE_ADVICE.linux}. ` +
    `Alternatively raise the middlebox idle timeout, or make the client reconnect/retry on ECONNRESET after idle.`
  );
}

function gapIsEligible(c: Connection, g: IdleGap, thr: number): boolean {
  if (g.durationS < thr || g.keepaliveInside) return false;
  // One direction never seen (half-duplex capture): silence of the other side is unknowable.
  if (c.packets.c2s === 0 || c.packets.s2c === 0) return false;
  // A trailing silence only counts when the connection was still open at capture end.
  if (g.untilCaptureEnd && (c.end === 'closed' || c.end === 'reset')) return false;
  // A silence ended by a FIN that completed a graceful close (no RST) is an idle pooled connection
  // being closed on purpose (Go IdleConnTimeout, nginx keepalive_timeout): the path kept the flow.
  if (g.toPacket != null && c.end === 'closed' && c.rsts.length === 0) {
    const fin = [c.firstFin.c2s, c.firstFin.s2c].filter(
      (f): f is { packet: number; tS: number } => f != null,
    );
    if (fin.length === 2 && Math.min(...fin.map((f) => f.packet)) === g.toPacket) return false;
  }
  return true;
}

function idleGapFinding(c: Connection, g: IdleGap, path: PathBound | undefined): Finding {
  const gapWords = g.untilCaptureEnd
    ? `${connName(c)} carried nothing from ${at(g.startS)} on and was still silent when the capture ended ${dur(g.durationS)} later`
    : `${connName(c)} carried nothing for ${dur(g.durationS)}, from ${at(g.startS)} to ${at(g.endS)}, although it was still open`;
  const explanation =
    `${gapWords}, and no TCP keep-alive was sent in that time. ` +
    `Why it matters: NATs, firewalls and load balancers forget flows that stay quiet longer than their idle timeout; ` +
    `the next packet on a forgotten flow is dropped or answered with an RST, and the application sees a hang or ECONNRESET long after the real cause. ` +
    (path
      ? `Across the capture (see the path idle-timeout finding), ${boundWords(path)}${path.consistent && g.durationS >= path.hiS ? `. This silence is at least as long as the shortest that died there` : ''}. `
      : '') +
    `${timeoutSentence(g.durationS)} ${keepaliveFix()}`;
  const evidence: Finding['evidence'] = [{ packet: g.fromPacket, note: 'last packet before the silence' }];
  if (g.toPacket != null)
    evidence.push({ packet: g.toPacket, note: `first packet after ${durShort(g.durationS)} of silence` });
  return {
    kind: K.idleGapNoKeepalive,
    severity: 'warning',
    title: g.untilCaptureEnd
      ? `Connection silent for ${durShort(g.durationS)} without keep-alives (still silent at capture end)`
      : `Connection silent for ${durShort(g.durationS)} without keep-alives`,
    explanation: cap(explanation),
    connection: c.id,
    stream: null,
    startS: g.startS,
    endS: g.endS,
    evidence,
    details: {
      idleS: fig(g.durationS),
      untilCaptureEnd: g.untilCaptureEnd,
      exceeds: exceededTimeouts(g.durationS).map((t) => ({ where: t.where, defaultS: t.defaultS })),
    },
  };
}

/** Whether the RST looks generated by another hop (TTL or IP ID do not continue the direction's packets). */
export function rstOrigin(
  r: RstInfo,
  ipv6 = false,
): {
  middlebox: boolean;
  ttlDiffers: boolean;
  ipIdDiffers: boolean;
  words: string;
} {
  const ttlDiffers = r.prevTtl != null && r.ttl > 0 && r.prevTtl > 0 && r.ttl !== r.prevTtl;
  let ipIdDiffers = false;
  // IP ID 0 carries no information (many stacks send 0 on DF packets and kernel-generated RSTs).
  if (r.prevIpId != null && r.ipId != null && r.ipId !== 0 && r.prevIpId !== 0) {
    const fwd = (r.ipId - r.prevIpId + 65536) % 65536;
    // The sender's own counter moves forward by a little; a jump (or going back) suggests another device.
    ipIdDiffers = fwd === 0 || fwd > 1024;
  }
  const middlebox = ttlDiffers || ipIdDiffers;
  // IPv6 calls the TTL the hop limit.
  const TTL = ipv6 ? 'hop limit' : 'TTL';
  let words: string;
  if (ttlDiffers) {
    words = `The RST arrived with IP ${TTL} ${r.ttl} while earlier packets in the same direction had ${TTL} ${r.prevTtl}: it was likely generated by a middlebox (NAT, firewall or load balancer) at a different hop count, not by the peer.`;
    if (ipIdDiffers)
      words += ` Its IP ID (${r.ipId}) does not continue the earlier packets' (${r.prevIpId}) either.`;
  } else if (ipIdDiffers) {
    words = `The RST's IP ID (${r.ipId}) does not continue the same direction's earlier IP IDs (last ${r.prevIpId}), so it was likely sent by a middlebox rather than the peer's TCP stack${r.prevTtl != null ? ` (the ${TTL}, ${r.ttl}, matches)` : ''}.`;
  } else if (r.prevTtl != null) {
    words = `The RST's IP ${TTL} (${r.ttl}) matches the same direction's earlier packets${r.prevIpId != null && r.ipId != null ? ' and its IP ID continues theirs' : ''}, which suggests the peer itself (or a box at the same hop distance, such as a proxy that terminates TCP) sent it.`;
  } else {
    words = `There is no earlier packet in the RST's direction to compare its ${TTL} with, so the capture cannot tell whether the peer or a middlebox sent it.`;
  }
  return { middlebox, ttlDiffers, ipIdDiffers, words };
}

/** One reset that ended a silence, however it was found. */
interface IdleRst {
  r: RstInfo;
  mode: 'alone' | 'answered';
  silenceS: number;
  silenceStartS: number;
  fromPacket: number | null;
  breakPacket: number | null;
  keepaliveInside: boolean;
  /** Why a silence below the idle threshold still counts (empty at or above it). */
  belowThreshold: string;
}

/** The first RST of the connection that ends a silence >= the idle threshold (the original rule). */
function longSilenceRst(trace: Trace, c: Connection, thr: number): IdleRst | null {
  const p = trace.packets;
  for (const r of c.rsts) {
    if (r.silenceBeforeS >= thr) {
      const gap = c.idleGaps.find((g) => g.toPacket === r.packet) ?? null;
      return {
        r,
        mode: 'alone',
        silenceS: r.silenceBeforeS,
        silenceStartS: r.tS - r.silenceBeforeS,
        fromPacket: gap?.fromPacket ?? null,
        breakPacket: null,
        keepaliveInside: false,
        belowThreshold: '',
      };
    }
    let found: IdleGap | null = null;
    for (const g of c.idleGaps) {
      if (g.durationS < thr || g.toPacket == null || g.toPacket >= r.packet) continue;
      if (r.tS - g.endS > RST_ANSWER_WINDOW_S || r.tS < g.endS) continue;
      // The RST must come from the side that did not break the silence.
      if (p && g.toPacket <= p.length) {
        const d = p.dir[g.toPacket - 1] === DIR_C2S ? 'c2s' : 's2c';
        if (d === r.dir) continue;
      }
      found = g;
    }
    if (found)
      return {
        r,
        mode: 'answered',
        silenceS: found.durationS,
        silenceStartS: found.startS,
        fromPacket: found.fromPacket,
        breakPacket: found.toPacket,
        keepaliveInside: found.keepaliveInside,
        belowThreshold: '',
      };
  }
  return null;
}

function rstAfterIdleFinding(c: Connection, x: IdleRst, pathWords: string): Finding {
  const { r, mode } = x;
  const silence = x.silenceS;
  const silenceStart = x.silenceStartS;
  const origin = rstOrigin(r, c.serverIp.includes(':'));
  const rstFrom = sender(c, r.dir);
  let what: string;
  let usual: string;
  const evidence: Finding['evidence'] = [];
  if (x.fromPacket != null) evidence.push({ packet: x.fromPacket, note: 'last packet before the silence' });
  if (mode === 'alone') {
    evidence.push({
      packet: r.packet,
      note: `RST from ${side(r.dir)} after ${durShort(silence)} of silence, unprompted`,
    });
    what =
      `${connName(c)} was silent for ${dur(silence)} (from ${at(silenceStart)}), then an RST from ${rstFrom} arrived at ${at(r.tS)} on its own: ` +
      `no packet from ${side(other(r.dir))} came before it.`;
    usual =
      `An unprompted RST after a silence fits a load balancer, proxy or firewall with "reset on idle" (e.g. Azure Load Balancer's TCP reset on idle, an AWS NLB, HAProxy with option nolinger) ` +
      `closing the flow when its idle timer expired; often both ends receive one at the same moment.`;
  } else {
    const breakT = silenceStart + silence;
    if (x.breakPacket != null)
      evidence.push({ packet: x.breakPacket, note: `first packet after ${durShort(silence)} of silence` });
    evidence.push({ packet: r.packet, note: `RST from ${side(r.dir)} answering it` });
    what =
      `${connName(c)} was silent for ${dur(silence)} (${at(silenceStart)} to ${at(breakT)}); the first packet after the silence, from ${side(other(r.dir))}, ` +
      `was answered ${dur(r.tS - breakT)} later by an RST from ${rstFrom} at ${at(r.tS)}.`;
    usual =
      `An RST answering the first packet after a silence fits a NAT or firewall that forgot the flow during the silence (AWS NAT Gateway does exactly this), ` +
      `or a peer that closed the socket long ago without the close reaching this side.`;
  }
  const kaNote =
    mode === 'answered' && x.keepaliveInside
      ? ` TCP keep-alives were sent during this silence and the flow was still forgotten: some boxes count data only (AWS Classic/Application Load Balancer, 60 s), so an application-level heartbeat is needed there.`
      : '';
  const below = x.belowThreshold ? ` ${x.belowThreshold}` : '';
  const explanation =
    `${cap(what)}${kaNote}${below} ${origin.words} Why it matters: the application sees ECONNRESET ("connection reset by peer") on a request it believes is fine, ` +
    `and pooled connections fail on first reuse after a quiet period. ${usual}${pathWords ? ` ${pathWords}` : ''} ${timeoutSentence(silence)} ${keepaliveFix()}`;
  return {
    kind: K.rstAfterIdle,
    severity: 'error',
    title:
      mode === 'alone'
        ? `Connection reset after ${durShort(silence)} of silence (RST arrived unprompted)`
        : `Connection reset after ${durShort(silence)} of silence (RST answered the first packet after it)`,
    explanation,
    connection: c.id,
    stream: null,
    startS: silenceStart,
    endS: r.tS,
    evidence,
    details: {
      idleS: fig(silence),
      mode: mode === 'alone' ? 'unprompted' : 'answered',
      rstBy: r.dir === 'c2s' ? 'client' : 'server',
      ttl: r.ttl,
      prevTtl: r.prevTtl,
      ipId: r.ipId,
      prevIpId: r.prevIpId,
      likelyMiddlebox: origin.middlebox,
      belowIdleThreshold: x.belowThreshold !== '',
      exceeds: exceededTimeouts(silence).map((t) => ({ where: t.where, defaultS: t.defaultS })),
    },
  };
}

/**
 * Connections cut after a silence, grouped by server, how (FIN/RST) and who cut: the idle timer
 * of the path (or of the program that closed) lies between the longest silence that survived on
 * those connections and the shortest that died.
 */
/** A connection that died after a silence: closed (FIN/RST) or black-holed (never answered again). */
export interface Death {
  c: Connection;
  ci: number;
  how: 'FIN' | 'RST' | 'drop';
  /** The closer, or for a black hole the side whose packets went unanswered. */
  by: 'c2s' | 's2c';
  mode: 'alone' | 'answered' | 'dropped';
  silenceS: number;
  silenceStartS: number;
  /** Silence since the last data-carrying packet (what a program's inactivity timer counts). */
  dataSilenceS: number;
  fromPacket: number;
  /** The close, or the first unanswered packet. */
  closePacket: number;
  closeS: number;
}

/**
 * A connection whose last packets, after a silence, all came from one side, were retransmitted
 * and never answered: the path dropped them (a NAT or firewall that forgot the flow and drops
 * instead of resetting). Only when the other side had answered before the silence.
 */
export function blackHole(c: Connection, ci: number, rows: PacketRow[]): Death | null {
  if (rows.length < 3) return null;
  const d = rows[rows.length - 1].dir;
  let i = rows.length - 1;
  while (i >= 0 && rows[i].dir === d) i--;
  if (i < 0) return null;
  // The unanswered tail may begin with the last ACKs before the silence: the silence is its
  // longest gap, and what came after it went unanswered.
  let j = i + 1;
  for (let k = i + 2; k < rows.length; k++) if (rows[k].t - rows[k - 1].t > rows[j].t - rows[j - 1].t) j = k;
  const tail = rows.slice(j);
  if (
    tail.some((r) => r.flags & (TCP_SYN | TCP_RST)) ||
    rows.slice(0, j).some((r) => r.flags & (TCP_FIN | TCP_RST))
  )
    return null;
  if (!tail.some((r) => r.analysis & A_RETRANSMISSION) || !tail.some((r) => r.len > 0)) return null;
  const silenceS = tail[0].t - rows[j - 1].t;
  if (silenceS < MIN_CUT_SILENCE_S) return null;
  return {
    c,
    ci,
    how: 'drop',
    by: d,
    mode: 'dropped',
    silenceS,
    dataSilenceS: silenceS,
    silenceStartS: rows[j - 1].t,
    fromPacket: rows[j - 1].n,
    closePacket: tail[0].n,
    closeS: tail[0].t,
  };
}

export interface PathBound {
  server: string;
  how: 'FIN' | 'RST' | 'drop';
  by: 'c2s' | 's2c';
  deaths: Death[];
  /** Longest silence on these connections after which both sides went on talking. */
  survivedS: number;
  survivedConn: string | null;
  survivedPacket: number | null;
  loS: number;
  hiS: number;
  consistent: boolean;
  /** Every death came right when its silence ended (no answering): the timer fired on its own. */
  unprompted: boolean;
  /** All deaths' silences agree (a single timer). */
  shared: boolean;
  candidates: IdleTimeout[];
}

/**
 * The longest silence on a connection (up to packet `limit`, exclusive) that both sides
 * survived: one side broke it and the other answered afterwards.
 */
function longestSurvived(
  all: PacketRow[],
  limit: number,
  dataOnly: boolean,
): { s: number; packet: number | null } {
  const rows = dataOnly ? all.filter((r) => r.len > 0 || r.flags & (TCP_SYN | TCP_FIN)) : all;
  let best = 0;
  let bestPacket: number | null = null;
  const pending: Record<'c2s' | 's2c', { s: number; packet: number | null }> = {
    c2s: { s: 0, packet: null },
    s2c: { s: 0, packet: null },
  };
  for (let i = 0; i < rows.length && rows[i].n < limit; i++) {
    const r = rows[i];
    const o = pending[other(r.dir)];
    if (o.s > best) {
      best = o.s;
      bestPacket = o.packet;
    }
    pending[other(r.dir)] = { s: 0, packet: null };
    if (i > 0) {
      const g = r.t - rows[i - 1].t;
      if (g > pending[r.dir].s) pending[r.dir] = { s: g, packet: r.n };
    }
  }
  return { s: best, packet: bestPacket };
}

export function pathBounds(trace: Trace & { packets: PacketTable }, thr: number): PathBound[] {
  const deaths: Death[] = classifyCuts(trace, thr).filter((k) => k.verdict === 'idle');
  const cut = new Set(deaths.map((k) => k.ci));
  let rows: ConnectionPackets | null = null;
  // Black holes: only connections that never closed and whose last packets were retransmitted.
  trace.connections.forEach((c, ci) => {
    if (cut.has(ci) || c.end !== 'open' || c.retransmissions.c2s + c.retransmissions.s2c === 0) return;
    rows ??= packetsByConnection(trace);
    const h = blackHole(c, ci, rows.rows(ci));
    if (h) deaths.push(h);
  });
  // Drops have no sender: whichever side spoke into the black hole, it is the same path.
  const groups = groupBy(deaths, (k) => `${k.c.server}|${k.how}|${k.how === 'drop' ? '' : k.by}`);
  const out: PathBound[] = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    rows ??= packetsByConnection(trace);
    const server = group[0].c.server;
    const dead = new Map(group.map((k) => [k.ci, k]));
    // A FIN comes from a program, whose inactivity timer counts data, not bare ACKs.
    const byProgram = group[0].how === 'FIN';
    let survivedS = 0;
    let survivedConn: string | null = null;
    let survivedPacket: number | null = null;
    trace.connections.forEach((c, ci) => {
      if (c.server !== server) return;
      const k = dead.get(ci);
      const close = firstClose(c);
      const limit = k ? k.fromPacket + 1 : close ? close.packet : Infinity;
      const s = longestSurvived(rows!.rows(ci), limit, byProgram);
      if (s.s > survivedS) {
        survivedS = s.s;
        survivedConn = c.id;
        survivedPacket = s.packet;
      }
    });
    const sil = group.map((k) => (byProgram ? k.dataSilenceS : k.silenceS));
    const hiS = Math.min(...sil);
    const unprompted = group.every((k) => k.mode === 'alone');
    const shared = sil.every((x) => sharesOffset(x, hiS));
    const table = group[0].how === 'FIN' ? ENDPOINT_IDLE_TIMEOUTS : MIDDLEBOX_IDLE_TIMEOUTS;
    // (A drop or reset could be any middlebox; a FIN only a program that terminates TCP.)
    // A timer that fired on its own fired at its value (measured a little short when the last
    // packet before the cut came late, e.g. a delayed ACK): only entries near the cut fit.
    let candidates = timeoutsBetween(
      survivedS,
      unprompted && shared ? hiS * (1 + SHARED_REL) + SHARED_ABS_S : hiS,
      table,
    );
    if (unprompted && shared) candidates = candidates.filter((t) => sharesOffset(t.defaultS, hiS));
    out.push({
      server,
      how: group[0].how,
      by: group[0].by,
      deaths: group.sort((a, b) => a.closeS - b.closeS),
      survivedS,
      survivedConn,
      survivedPacket,
      loS: survivedS,
      hiS,
      consistent: survivedS < hiS,
      unprompted,
      shared,
      candidates,
    });
  }
  return out;
}

function boundWords(b: PathBound): string {
  const closer = b.by === 's2c' ? 'the server side' : 'the client side';
  if (!b.consistent)
    return (
      `no single idle timer explains these cuts: a silence of ${dur(b.survivedS)} survived on ${b.survivedConn} while one of ${dur(b.hiS)} died — ` +
      `the cuts may come from different paths or boxes, or from something other than an idle timer`
    );
  const range =
    b.survivedS > 0
      ? `between ${durShort(b.survivedS)} (the longest silence that survived, on ${b.survivedConn}) and ${durShort(b.hiS)} (the shortest that died)`
      : `at most ${durShort(b.hiS)} (the shortest silence that died; no silence that long survived on these connections)`;
  const noun = b.how === 'FIN' ? `${closer} closes connections idle` : 'the path forgets flows idle';
  let fit: string;
  if (b.candidates.length)
    fit = `Defaults that fit: ${list(
      b.candidates.map((t) => `${t.where} (${t.defaultS} s)`),
      8,
    )} — or any box configured to that value`;
  else {
    const n = nearestTimeout(b.hiS, b.how === 'FIN' ? ENDPOINT_IDLE_TIMEOUTS : MIDDLEBOX_IDLE_TIMEOUTS);
    fit = `No default we know fits (the nearest is ${n.where}, ${n.defaultS} s): a configured value`;
  }
  return `${noun} ${range}. ${fit}`;
}

function pathFinding(b: PathBound): Finding {
  const n = b.deaths.length;
  const measure = (k: Death): number => (b.how === 'FIN' ? k.dataSilenceS : k.silenceS);
  const sil = b.deaths.map(measure);
  const lo = Math.min(...sil);
  const hi = Math.max(...sil);
  const closer = b.by === 's2c' ? `the server side (${b.server})` : 'the client side';
  const modeWords =
    b.how === 'drop'
      ? `the first packet after each silence was retransmitted and never answered: the path dropped it`
      : b.unprompted
        ? `each ${b.how} came from ${closer} as the first packet after the silence`
        : `the RSTs answered the first packet sent after the silence`;
  const timer =
    b.unprompted && b.shared
      ? ` The cuts came ${durRange(lo, hi)} after the last ${b.how === 'FIN' ? 'data' : 'packet'}: a timer of about ${durShort(lo)} that fired on its own.`
      : '';
  // Idle timer or deadline: the silence is steady where the age of the connection is not.
  const ages = b.deaths.map((k) => k.closeS - k.c.startS);
  const versus =
    b.deaths.length >= 2 && relSpread(ages) > relSpread(sil)
      ? ` Not a deadline: the time since each connection began spreads ${durRange(Math.min(...ages), Math.max(...ages))} while the silence before the cut spreads ${durRange(lo, hi)} — the silence is the steadier figure.`
      : '';
  const who =
    b.how === 'drop'
      ? `A flow that goes dark right after a silence was forgotten by a NAT or firewall that drops what it no longer knows (Linux conntrack with INVALID packets dropped, cloud NATs and firewalls); the sender retransmits into the void until its retry limit (ETIMEDOUT).`
      : b.how === 'RST'
        ? b.by === 'c2s' && b.unprompted
          ? `An unprompted RST from the client side after a silence is usually the client — or a proxy's pool of upstream connections (HAProxy, Envoy) — discarding an idle connection abortively, or a middlebox that resets on idle.`
          : `A reset after a silence comes from a NAT, firewall or load balancer that forgot the flow (or resets on idle), or from a peer that went away.`
        : `A FIN after a fixed silence comes from a program that terminates TCP — the server, or a proxy in front of it (HAProxy timeout client / timeout http-keep-alive, nginx keepalive_timeout, Node.js keepAliveTimeout) — NATs and firewalls never send FINs. ` +
          `It is an ordinary close for idle keep-alive connections, but it cuts tunnels and long-lived quiet streams, and a client that reuses the connection just as it closes sees a reset.`;
  const evidence: Finding['evidence'] = b.deaths.slice(0, 20).map((k) => ({
    packet: k.closePacket,
    note:
      k.how === 'drop'
        ? `${k.c.id}: first packet after ${durShort(measure(k))} of silence, never answered`
        : `${k.c.id}: ${k.how} from ${side(k.by)} after ${durShort(measure(k))} of silence`,
  }));
  if (b.survivedPacket != null)
    evidence.push({
      packet: b.survivedPacket,
      note: `${b.survivedConn}: went on after ${durShort(b.survivedS)} of silence`,
    });
  return {
    kind: K.pathIdleTimeout,
    severity: 'info',
    title: b.consistent
      ? b.survivedS > 0
        ? `${n} connections to ${b.server} cut after silence: idle timeout between ${durShort(b.survivedS)} and ${durShort(b.hiS)}`
        : `${n} connections to ${b.server} cut after ${durRange(lo, hi)} of silence`
      : `${n} connections to ${b.server} cut after silence, but a longer silence (${durShort(b.survivedS)}) survived`,
    explanation:
      `${n} connections to ${b.server} died after ${durRange(lo, hi)} of silence (${list(
        b.deaths.map((k) => `${k.c.id} ${durShort(measure(k))}`),
        8,
      )}); ` +
      `${modeWords}${b.how === 'FIN' ? " (silences counted from the last packet that carried data: bare ACKs do not restart a program's inactivity timer)" : ''}.${timer}${versus} From the whole population, ${boundWords(b)}. ${who} ` +
      `What to try: keep connections busier than that (TCP keep-alives or application heartbeats at less than ${durShort(b.hiS)}), raise the timeout, or make clients retry on a connection closed while idle.`,
    connection: null,
    stream: null,
    startS: Math.min(...b.deaths.map((k) => k.silenceStartS)),
    endS: Math.max(...b.deaths.map((k) => k.closeS)),
    evidence,
    details: {
      server: b.server,
      how: b.how,
      closedBy: b.by === 's2c' ? 'server' : 'client',
      count: n,
      silencesS: sil.map((x) => fig(x, 3)),
      longestSurvivedS: fig(b.survivedS, 3),
      lowerBoundS: fig(b.loS, 3),
      upperBoundS: fig(b.hiS, 3),
      consistent: b.consistent,
      candidates: b.candidates.map((t) => ({ where: t.where, defaultS: t.defaultS })),
      connections: b.deaths.map((k) => k.c.id),
    },
  };
}

function rstAfterIdleFindings(
  trace: Trace & { packets: PacketTable },
  thr: number,
  bounds: PathBound[],
): Finding[] {
  const out: Finding[] = [];
  const cuts = new Map(classifyCuts(trace, thr).map((k) => [k.ci, k]));
  const boundOf = new Map<number, PathBound>();
  for (const b of bounds) for (const k of b.deaths) boundOf.set(k.ci, b);
  trace.connections.forEach((c, ci) => {
    const b = boundOf.get(ci);
    const pathWords = b
      ? `Across the capture, ${b.deaths.length} connections to ${b.server} were cut after a silence (see the path idle-timeout finding): ${boundWords(b)}.`
      : '';
    let x = longSilenceRst(trace, c, thr);
    // A reset that cut a waiting request where nothing moved since it began is the deadline
    // detector's: the request failed, whichever timer fired.
    const own = cuts.get(ci);
    if (x && own && own.verdict === 'deadline' && own.closePacket === x.r.packet) return;
    if (!x) {
      // Below the threshold, the evidence decides: a reset that answered the first packet after
      // the silence, or a timer that cut several connections after the same silence.
      const k = cuts.get(ci);
      if (!k || k.verdict !== 'idle' || k.how !== 'RST' || k.silenceS >= thr) return;
      const r = c.rsts.find((q) => q.packet === k.closePacket);
      if (!r) return;
      const timer = b != null && b.unprompted && b.shared && b.consistent;
      // A lone answering reset from the peer itself (TTL and IP ID continue its packets) after a
      // short silence is as likely a pool discarding an idle connection on unexpected input (nginx
      // upstream keepalive) as a failure; from another hop it is a middlebox that forgot the flow.
      if (!timer && !(k.mode === 'answered' && rstOrigin(r).middlebox)) return;
      x = {
        r,
        mode: k.mode,
        silenceS: k.silenceS,
        silenceStartS: k.silenceStartS,
        fromPacket: k.fromPacket,
        breakPacket: k.breakPacket,
        keepaliveInside: false,
        belowThreshold:
          k.mode === 'answered'
            ? `The silence (${dur(k.silenceS)}) is below the idle threshold (${dur(thr)}), but a reset from another hop answering the first packet after it shows the flow was forgotten during it.`
            : `The silence (${dur(k.silenceS)}) is below the idle threshold (${dur(thr)}), but ${b!.deaths.length} connections were reset after the same silence: an idle timer, not a coincidence.`,
      };
    }
    out.push(rstAfterIdleFinding(c, x, pathWords));
  });
  return out;
}

/**
 * Keep-alive-shaped packets sent while the other side advertised a zero window: Linux's persist
 * timer probes a closed window with exactly that shape (seq = last acknowledged - 1, no payload),
 * and tshark flags it as a keep-alive too. They are window probes, not keep-alives.
 */
function windowProbes(rows: PacketRow[]): Set<number> {
  const probes = new Set<number>();
  const closed = { c2s: false, s2c: false }; // receiver in that direction advertised zero
  for (const r of rows) {
    if ((r.analysis & A_KEEP_ALIVE) !== 0) {
      const peer = r.dir === 'c2s' ? 's2c' : 'c2s';
      if (closed[peer]) probes.add(r.n);
      continue;
    }
    if ((r.analysis & A_ZERO_WINDOW) !== 0) closed[r.dir] = true;
    else if ((r.analysis & A_KEEP_ALIVE_ACK) === 0) closed[r.dir] = false;
  }
  return probes;
}

function keepaliveFinding(trace: Trace, c0: Connection, rows: PacketRow[]): Finding | null {
  const p = trace.packets;
  if (!p) return null;
  const probes = windowProbes(rows);
  const c: Connection =
    probes.size === 0
      ? c0
      : {
          ...c0,
          keepalivePackets: {
            c2s: c0.keepalivePackets.c2s.filter((n) => !probes.has(n)),
            s2c: c0.keepalivePackets.s2c.filter((n) => !probes.has(n)),
          },
        };
  const total = c.keepalivePackets.c2s.length + c.keepalivePackets.s2c.length;
  if (total === 0) return null;
  const perDir: { dir: 'c2s' | 's2c'; count: number; intervalS: number | null }[] = [];
  for (const dir of ['c2s', 's2c'] as const) {
    const nums = c.keepalivePackets[dir];
    if (nums.length === 0) continue;
    const times = nums
      .map((n) => packetTime(p, n))
      .filter((t): t is number => t != null)
      .sort((a, b) => a - b);
    let interval: number | null = null;
    if (times.length >= 2) {
      const diffs: number[] = [];
      for (let i = 1; i < times.length; i++) diffs.push(times[i] - times[i - 1]);
      interval = median(diffs);
    } else if (times.length === 1) {
      // One probe: its period is the silence before it (the keep-alive idle time).
      const n = nums[0];
      const k = rows.findIndex((r) => r.n === n);
      if (k > 0) interval = times[0] - rows[k - 1].t;
    }
    perDir.push({ dir, count: nums.length, intervalS: interval });
  }
  const main = [...perDir].sort((a, b) => b.count - a.count)[0];
  const intervalS = main.intervalS;
  const evidence = [...c.keepalivePackets.c2s, ...c.keepalivePackets.s2c]
    .sort((a, b) => a - b)
    .slice(0, 10)
    .map((n) => ({ packet: n, note: `keep-alive from ${side(p.dir[n - 1] === DIR_C2S ? 'c2s' : 's2c')}` }));
  const firstT = packetTime(p, evidence[0].packet) ?? c.startS;
  const lastN = Math.max(...c.keepalivePackets.c2s, ...c.keepalivePackets.s2c);
  const lastT = packetTime(p, lastN) ?? c.endS;
  const dirWords = perDir
    .map(
      (d) =>
        `${d.count} from ${sender(c, d.dir)}${d.intervalS != null ? ` about every ${dur(d.intervalS)}` : ''}`,
    )
    .join('; ');
  let verdict = '';
  if (intervalS != null) {
    const over = exceededTimeouts(intervalS);
    verdict =
      over.length === 0
        ? ` An interval of ${dur(intervalS)} is below every default middlebox idle timeout we know (shortest: ${shortestTimeout().where}, ${shortestTimeout().defaultS} s), so this connection should survive quiet periods — except behind boxes that count data only (AWS Classic/Application Load Balancer ignore keep-alives).`
        : ` An interval of ${dur(intervalS)} is longer than the default idle timeout of ${list(over.map((t) => `${t.where} (${t.defaultS} s)`))}: those would still forget the flow between probes; shorten the interval.`;
  }
  return {
    kind: K.keepalivePresent,
    severity: 'info',
    title:
      intervalS != null ? `TCP keep-alives every ${durShort(intervalS)}` : `TCP keep-alives seen (${total})`,
    explanation:
      `${cap(connName(c))} carried ${total} TCP keep-alive probe${total === 1 ? '' : 's'} between ${at(firstT)} and ${at(lastT)}: ${dirWords}. ` +
      `A keep-alive is an empty (or 1-byte) segment re-sending the last acknowledged byte; it keeps NAT and firewall state alive and detects dead peers.${verdict}`,
    connection: c.id,
    stream: null,
    startS: firstT,
    endS: lastT,
    evidence,
    details: {
      intervalS: intervalS == null ? null : fig(intervalS, 3),
      count: total,
      byDirection: Object.fromEntries(
        perDir.map((d) => [
          d.dir,
          { count: d.count, intervalS: d.intervalS == null ? null : fig(d.intervalS, 3) },
        ]),
      ),
    },
  };
}

export const detector: Detector = {
  id: 'idle',
  kinds: [K.idleGapNoKeepalive, K.rstAfterIdle, K.keepalivePresent, K.pathIdleTimeout],
  detect(trace: Trace, opts: AnalysisOptions): Finding[] {
    if (!hasTcp(trace)) return [];
    const thr = opts.idleThresholdS;
    const out: Finding[] = [];
    let rows: ConnectionPackets | null = null;
    const bounds = pathBounds(trace, thr);
    out.push(...rstAfterIdleFindings(trace, thr, bounds));
    for (const b of bounds) out.push(pathFinding(b));
    // The path's bound (from resets and drops: middleboxes) for every connection to that server.
    const pathOf = new Map<string, PathBound>();
    for (const b of bounds) if (b.how !== 'FIN' && !pathOf.has(b.server)) pathOf.set(b.server, b);
    for (const [ci, c] of trace.connections.entries()) {
      for (const g of c.idleGaps)
        if (gapIsEligible(c, g, thr)) out.push(idleGapFinding(c, g, pathOf.get(c.server)));
      const hasKa = c.keepalivePackets.c2s.length + c.keepalivePackets.s2c.length > 0;
      if (hasKa) rows ??= packetsByConnection(trace);
      const ka = hasKa && rows ? keepaliveFinding(trace, c, rows.rows(ci)) : null;
      if (ka) out.push(ka);
    }
    return out;
  },
};
