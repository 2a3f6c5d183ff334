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
 *   at a middlebox.
 * - tcp.keepalive-present (info): keep-alives were seen; details.intervalS = median spacing.
 */
import type { AnalysisOptions, Connection, Finding, IdleGap, RstInfo, Trace } from '../trace';
import type { Detector } from './types';
import { exceededTimeouts, KEEPALIVE_ADVICE, shortestTimeout } from './idle-timeouts';
import {
  hasTcp,
  median,
  packetsByConnection,
  packetTime,
  type ConnectionPackets,
  type PacketRow,
} from './common';
import { at, cap, connName, dur, durShort, fig, list, other, sender, side } from './text';
import { DIR_C2S } from '../packets';
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

function idleGapFinding(c: Connection, g: IdleGap): Finding {
  const gapWords = g.untilCaptureEnd
    ? `${connName(c)} carried nothing from ${at(g.startS)} on and was still silent when the capture ended ${dur(g.durationS)} later`
    : `${connName(c)} carried nothing for ${dur(g.durationS)}, from ${at(g.startS)} to ${at(g.endS)}, although it was still open`;
  const explanation =
    `${gapWords}, and no TCP keep-alive was sent in that time. ` +
    `Why it matters: NATs, firewalls and load balancers forget flows that stay quiet longer than their idle timeout; ` +
    `the next packet on a forgotten flow is dropped or answered with an RST, and the application sees a hang or ECONNRESET long after the real cause. ` +
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
export function rstOrigin(r: RstInfo): {
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
  let words: string;
  if (ttlDiffers) {
    words = `The RST arrived with IP TTL ${r.ttl} while earlier packets in the same direction had TTL ${r.prevTtl}: it was likely generated by a middlebox (NAT, firewall or load balancer) at a different hop count, not by the peer.`;
    if (ipIdDiffers)
      words += ` Its IP ID (${r.ipId}) does not continue the earlier packets' (${r.prevIpId}) either.`;
  } else if (ipIdDiffers) {
    words = `The RST's IP ID (${r.ipId}) does not continue the same direction's earlier IP IDs (last ${r.prevIpId}), so it was likely sent by a middlebox rather than the peer's TCP stack${r.prevTtl != null ? ` (the TTL, ${r.ttl}, matches)` : ''}.`;
  } else if (r.prevTtl != null) {
    words = `The RST's IP TTL (${r.ttl}) matches the same direction's earlier packets${r.prevIpId != null && r.ipId != null ? ' and its IP ID continues theirs' : ''}, which suggests the peer itself (or a box at the same hop distance, such as a proxy that terminates TCP) sent it.`;
  } else {
    words = `There is no earlier packet in the RST's direction to compare its TTL with, so the capture cannot tell whether the peer or a middlebox sent it.`;
  }
  return { middlebox, ttlDiffers, ipIdDiffers, words };
}

function rstAfterIdleFindings(trace: Trace, c: Connection, thr: number): Finding[] {
  const out: Finding[] = [];
  const p = trace.packets;
  for (const r of c.rsts) {
    let mode: 'alone' | 'answer' | null = null;
    let gap: IdleGap | null = null;
    if (r.silenceBeforeS >= thr) {
      mode = 'alone';
      gap = c.idleGaps.find((g) => g.toPacket === r.packet) ?? null;
    } else {
      for (const g of c.idleGaps) {
        if (g.durationS < thr || g.toPacket == null || g.toPacket >= r.packet) continue;
        if (r.tS - g.endS > RST_ANSWER_WINDOW_S || r.tS < g.endS) continue;
        // The RST must come from the side that did not break the silence.
        if (p && g.toPacket <= p.length) {
          const d = p.dir[g.toPacket - 1] === DIR_C2S ? 'c2s' : 's2c';
          if (d === r.dir) continue;
        }
        mode = 'answer';
        gap = g;
      }
    }
    if (!mode) continue;
    // One finding per connection: the first qualifying RST.
    const silence = mode === 'alone' ? r.silenceBeforeS : (gap as IdleGap).durationS;
    const silenceStart = mode === 'alone' ? r.tS - r.silenceBeforeS : (gap as IdleGap).startS;
    const origin = rstOrigin(r);
    const rstFrom = sender(c, r.dir);
    let what: string;
    let usual: string;
    const evidence: Finding['evidence'] = [];
    if (mode === 'alone') {
      const from = gap?.fromPacket;
      if (from != null) evidence.push({ packet: from, note: 'last packet before the silence' });
      evidence.push({
        packet: r.packet,
        note: `RST from ${side(r.dir)} after ${durShort(silence)} of silence, unprompted`,
      });
      what =
        `${connName(c)} was silent for ${dur(silence)} (from ${at(silenceStart)}), then an RST from ${rstFrom} arrived at ${at(r.tS)} on its own: ` +
        `no packet from ${side(other(r.dir))} came before it.`;
      usual =
        `An unprompted RST after a long silence fits a load balancer or firewall with "reset on idle" (e.g. Azure Load Balancer's TCP reset on idle, an AWS NLB) ` +
        `closing the flow when its idle timer expired; often both ends receive one at the same moment.`;
    } else {
      const g = gap as IdleGap;
      evidence.push({ packet: g.fromPacket, note: 'last packet before the silence' });
      evidence.push({
        packet: g.toPacket as number,
        note: `first packet after ${durShort(g.durationS)} of silence`,
      });
      evidence.push({ packet: r.packet, note: `RST from ${side(r.dir)} answering it` });
      what =
        `${connName(c)} was silent for ${dur(g.durationS)} (${at(g.startS)} to ${at(g.endS)}); the first packet after the silence, from ${side(other(r.dir))}, ` +
        `was answered ${dur(r.tS - g.endS)} later by an RST from ${rstFrom} at ${at(r.tS)}.`;
      usual =
        `An RST answering the first packet after a silence fits a NAT or firewall that forgot the flow during the silence (AWS NAT Gateway does exactly this), ` +
        `or a peer that closed the socket long ago without the close reaching this side.`;
    }
    const kaNote =
      mode === 'answer' && gap?.keepaliveInside
        ? ` TCP keep-alives were sent during this silence and the flow was still forgotten: some boxes count data only (AWS Classic/Application Load Balancer, 60 s), so an application-level heartbeat is needed there.`
        : '';
    const explanation =
      `${cap(what)}${kaNote} ${origin.words} Why it matters: the application sees ECONNRESET ("connection reset by peer") on a request it believes is fine, ` +
      `and pooled connections fail on first reuse after a quiet period. ${usual} ${timeoutSentence(silence)} ${keepaliveFix()}`;
    out.push({
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
        exceeds: exceededTimeouts(silence).map((t) => ({ where: t.where, defaultS: t.defaultS })),
      },
    });
    break;
  }
  return out;
}

function keepaliveFinding(trace: Trace, c: Connection, rows: PacketRow[]): Finding | null {
  const p = trace.packets;
  const total = c.keepalivePackets.c2s.length + c.keepalivePackets.s2c.length;
  if (!p || total === 0) return null;
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
  kinds: [K.idleGapNoKeepalive, K.rstAfterIdle, K.keepalivePresent],
  detect(trace: Trace, opts: AnalysisOptions): Finding[] {
    if (!hasTcp(trace)) return [];
    const thr = opts.idleThresholdS;
    const out: Finding[] = [];
    let rows: ConnectionPackets | null = null;
    for (const [ci, c] of trace.connections.entries()) {
      for (const g of c.idleGaps) if (gapIsEligible(c, g, thr)) out.push(idleGapFinding(c, g));
      out.push(...rstAfterIdleFindings(trace, c, thr));
      const hasKa = c.keepalivePackets.c2s.length + c.keepalivePackets.s2c.length > 0;
      if (hasKa) rows ??= packetsByConnection(trace);
      const ka = hasKa && rows ? keepaliveFinding(trace, c, rows.rows(ci)) : null;
      if (ka) out.push(ka);
    }
    return out;
  },
};
