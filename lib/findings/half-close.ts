/**
 * tcp.half-close-leak (warning): one side sent FIN and the other did not FIN within
 * halfCloseThresholdS (or by the end of the capture, when it ended at least that long after the
 * FIN), and the connection was not reset. The silent side is typically stuck in CLOSE_WAIT: its
 * application never closed the socket after reading EOF.
 *
 * A side that keeps sending data after the peer's FIN and closes within BUSY_GRACE_S of its last
 * data (or is still sending at capture end) is finishing its answer, which is legal: not a leak.
 *
 * Plus one trace-wide finding (connection null) when >= AGGREGATE_MIN connections leak or sit in
 * CLOSE_WAIT when the capture ends. It counts every connection whose FIN was still unanswered at
 * the end — what `ss -tan state close-wait` on the receiving host would show at that moment,
 * whatever their age — with each one's age; the threshold only decides which of them get a
 * finding of their own (and whether the trace-wide one is a warning or a fact). details.series =
 * [[tS, count], ...]: half-closed-not-yet-closed connections over time.
 */
import type { AnalysisOptions, Connection, Dir, Finding, Trace } from '../trace';
import type { Detector } from './types';
import { A_KEEP_ALIVE, DIR_C2S } from '../packets';
import { captureEnd, hasTcp, packetsByConnection } from './common';
import { at, cap, connName, dur, durShort, fig, list, other, plural, sender, side } from './text';
import { K } from './kinds';

export const AGGREGATE_MIN = 3;
export const BUSY_GRACE_S = 1;

/** A connection whose FIN was still unanswered when the capture ended (the receiver in CLOSE_WAIT). */
interface AtEnd {
  c: Connection;
  finDir: Dir;
  finPacket: number;
  finS: number;
  ageS: number;
  /** The side in CLOSE_WAIT was still sending data: a legal half-close being finished. */
  busy: boolean;
}

interface Leak {
  c: Connection;
  finDir: Dir;
  finPacket: number;
  finS: number;
  closedS: number | null; // the other side's FIN (or a reset), when it came late
  heldS: number;
  endedBy: 'FIN' | 'RST' | null;
  endPacket: number | null;
}

const FIX =
  `Fix: close the socket when the read side reports end-of-stream — Node.js: call socket.end()/destroy() in the 'end' handler ` +
  `(or leave allowHalfOpen false, the default); Go: Close() the conn when Read returns io.EOF; Java/Python: close() after read returns -1 / b''. ` +
  `Also put an idle timeout on server sockets so forgotten ones get closed. Confirm on the host with \`ss -tan state close-wait\` (count and owning process with \`ss -tanp state close-wait\`).`;

export const detector: Detector = {
  id: 'half-close',
  kinds: [K.halfCloseLeak],
  detect(trace: Trace, opts: AnalysisOptions): Finding[] {
    if (!hasTcp(trace)) return [];
    const thr = opts.halfCloseThresholdS;
    const end = captureEnd(trace);
    let leaks: Leak[] = [];
    let atEnd: AtEnd[] = [];
    for (const c of trace.connections) {
      // One direction never seen (half-duplex capture, asymmetric routing): its state is unknowable.
      if (c.packets.c2s === 0 || c.packets.s2c === 0) continue;
      const fins = (['c2s', 's2c'] as const)
        .map((d) => ({ d, f: c.firstFin[d] }))
        .filter((x): x is { d: Dir; f: { packet: number; tS: number } } => x.f != null)
        .sort((a, b) => a.f.tS - b.f.tS);
      if (fins.length === 0) continue;
      const first = fins[0];
      // A reset before (or with) the FIN makes the half-close moot; one after it ends the
      // half-close: the side in CLOSE_WAIT aborted, or wrote into the closed socket and was reset.
      const rsts = [c.firstRst.c2s, c.firstRst.s2c].filter(
        (r): r is { packet: number; tS: number } => r != null,
      );
      const rst = rsts.sort((a, b) => a.tS - b.tS)[0] ?? null;
      if (rst && rst.packet <= first.f.packet) continue;
      const fin = c.firstFin[other(first.d)];
      const answer = fin && (!rst || fin.tS <= rst.tS) ? fin : rst;
      if (answer) {
        const held = answer.tS - first.f.tS;
        if (held >= thr)
          leaks.push({
            c,
            finDir: first.d,
            finPacket: first.f.packet,
            finS: first.f.tS,
            closedS: answer.tS,
            heldS: held,
            endedBy: answer === fin ? 'FIN' : 'RST',
            endPacket: answer.packet,
          });
      } else {
        const held = end - first.f.tS;
        atEnd.push({
          c,
          finDir: first.d,
          finPacket: first.f.packet,
          finS: first.f.tS,
          ageS: held,
          busy: false,
        });
        if (held >= thr)
          leaks.push({
            c,
            finDir: first.d,
            finPacket: first.f.packet,
            finS: first.f.tS,
            closedS: null,
            heldS: held,
            endedBy: null,
            endPacket: null,
          });
      }
    }
    if (leaks.length === 0 && atEnd.length === 0) return [];
    const rows = packetsByConnection(trace);
    const idx = new Map(trace.connections.map((c, i) => [c.id, i]));
    // Still sending within the threshold before the end: finishing its answer (still CLOSE_WAIT for
    // ss, but not a leak).
    atEnd = atEnd.map((a) => {
      const silent = other(a.finDir);
      const data = rows
        .rows(idx.get(a.c.id) ?? -1)
        .filter((r) => r.n > a.finPacket && r.dir === silent && r.len > 0 && !(r.analysis & A_KEEP_ALIVE));
      const lastData = data[data.length - 1];
      return { ...a, busy: lastData != null && end - lastData.t < thr };
    });
    // A side that keeps sending data after the peer's FIN is finishing its answer (a legal
    // half-close, e.g. a client that shut down its write side after the request), not leaking:
    // it counts when its data stopped at least BUSY_GRACE_S before its own FIN, or at least the
    // threshold before the capture ended.
    leaks = leaks.filter((l) => {
      const silent = other(l.finDir);
      const data = rows
        .rows(idx.get(l.c.id) ?? -1)
        .filter((r) => r.n > l.finPacket && r.dir === silent && r.len > 0 && !(r.analysis & A_KEEP_ALIVE));
      const lastData = data[data.length - 1];
      if (!lastData) return true;
      // Idle in CLOSE_WAIT for the threshold before writing again is a leak, whatever came after.
      if (data[0].t - l.finS >= thr) return true;
      return l.closedS != null ? l.closedS - lastData.t > BUSY_GRACE_S : end - lastData.t >= thr;
    });
    const out: Finding[] = [];
    for (const l of leaks) {
      const c = l.c;
      const silent = other(l.finDir);
      const after = rows.rows(idx.get(c.id) ?? -1).filter((r) => r.n > l.finPacket && r.dir === silent);
      const evidence: Finding['evidence'] = [{ packet: l.finPacket, note: `FIN from ${side(l.finDir)}` }];
      for (const r of after.slice(0, 3))
        evidence.push({
          packet: r.n,
          note: `${side(silent)} still has the socket open (${r.len ? `${r.len} bytes` : 'ACK/keep-alive'})`,
        });
      const rstBy =
        l.endedBy === 'RST' && l.endPacket != null && trace.packets.dir[l.endPacket - 1] === DIR_C2S
          ? 'c2s'
          : 's2c';
      if (l.endPacket != null)
        evidence.push({
          packet: l.endPacket,
          note:
            l.endedBy === 'RST'
              ? `RST from ${side(rstBy)} ends the half-close, ${durShort(l.heldS)} later`
              : `${side(silent)} finally closes, ${durShort(l.heldS)} later`,
        });
      const rstWords =
        rstBy === l.finDir
          ? `${sender(c, silent)} never closed; ${dur(l.heldS)} later, at ${at(l.closedS ?? end)}, it wrote into the connection its peer had closed and got an RST from ${side(rstBy)} (the write was lost)`
          : `${sender(c, silent)} only aborted the connection (RST) ${dur(l.heldS)} later, at ${at(l.closedS ?? end)}`;
      const what =
        l.closedS != null && l.endedBy === 'RST'
          ? `${sender(c, l.finDir)} closed its side (FIN) at ${at(l.finS)}, but ${rstWords}`
          : l.closedS != null
            ? `${sender(c, l.finDir)} closed its side (FIN) at ${at(l.finS)}, but ${sender(c, silent)} only closed ${dur(l.heldS)} later, at ${at(l.closedS)}`
            : `${sender(c, l.finDir)} closed its side (FIN) at ${at(l.finS)}, and ${sender(c, silent)} never closed its side: the connection was still half-closed when the capture ended ${dur(l.heldS)} later`;
      out.push({
        kind: K.halfCloseLeak,
        severity: 'warning',
        title:
          l.closedS != null
            ? `${cap(side(silent).slice(4))} took ${durShort(l.heldS)} to close after the peer's FIN`
            : `Half-closed for ${durShort(l.heldS)}: ${side(silent).slice(4)} never closed after the peer's FIN`,
        explanation:
          `On ${connName(c)}, ${what}${after.length ? ` (it sent ${plural(after.length, 'more packet')} after the FIN, so it was alive)` : ''}. ` +
          `Why it matters: the side that received the FIN sits in CLOSE_WAIT until its application calls close(); each such socket holds a file descriptor and memory, ` +
          `and enough of them exhaust the process's descriptor limit ("too many open files") or the connection pool. ` +
          `Usual cause: the application on ${sender(c, silent)} does not close the socket when it reads EOF (a missing close/end handler, a leaked response body, allowHalfOpen without a matching end). ${FIX}`,
        connection: c.id,
        stream: null,
        startS: l.finS,
        endS: l.closedS ?? end,
        evidence,
        details: {
          halfClosedS: fig(l.heldS),
          finBy: l.finDir === 'c2s' ? 'client' : 'server',
          closeWaitSide: silent === 'c2s' ? 'client' : 'server',
          closeWaitEndpoint: silent === 'c2s' ? c.client : c.server,
          closedLaterS: l.closedS == null ? null : fig(l.closedS),
          endedBy: l.endedBy,
        },
      });
    }
    const idleAtEnd = atEnd.filter((a) => !a.busy);
    if (leaks.length >= AGGREGATE_MIN || idleAtEnd.length >= AGGREGATE_MIN) {
      out.push(aggregate(leaks, atEnd, thr, end));
    }
    return out;
  },
};

function aggregate(leaks: Leak[], atEnd: AtEnd[], thr: number, end: number): Finding {
  // Every half-close episode worth counting: the leaks (held past the threshold, closed late or
  // not at all) and every connection still half-closed at the end, however young.
  const events: [number, number][] = [];
  const counted = new Set<Connection>();
  for (const l of leaks) {
    counted.add(l.c);
    events.push([l.finS, 1]);
    if (l.closedS != null) events.push([l.closedS, -1]);
  }
  for (const a of atEnd) if (!counted.has(a.c)) events.push([a.finS, 1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const series: [number, number][] = [[0, 0]];
  let n = 0;
  let peak = 0;
  let peakS = 0;
  for (const [t, d] of events) {
    n += d;
    const tt = fig(t);
    if (series[series.length - 1][0] === tt) series[series.length - 1][1] = n;
    else series.push([tt, n]);
    if (n > peak) {
      peak = n;
      peakS = t;
    }
  }
  // Who sits in CLOSE_WAIT: the side that received the FIN and has not sent its own — counted per
  // host, since that is where `ss` would show them.
  const byHost = new Map<string, number>();
  for (const a of atEnd) {
    const silent = other(a.finDir);
    const host =
      silent === 'c2s'
        ? `${a.c.clientIp}, clients of ${a.c.server}`
        : `${a.c.serverIp}, server ${a.c.server}`;
    byHost.set(host, (byHost.get(host) ?? 0) + 1);
  }
  const byEndpoint = new Map<string, number>();
  for (const l of leaks) {
    const ep = other(l.finDir) === 'c2s' ? l.c.client.replace(/:\d+$/, '') + ' (clients)' : l.c.server;
    byEndpoint.set(ep, (byEndpoint.get(ep) ?? 0) + 1);
  }
  const old = atEnd.filter((a) => a.ageS >= thr);
  const young = atEnd.length - old.length;
  const busy = atEnd.filter((a) => a.busy).length;
  const ages = [...atEnd].sort((a, b) => b.ageS - a.ageS);
  const closedLate = leaks.filter((l) => l.closedS != null).length;
  const firstS = Math.min(...leaks.map((l) => l.finS), ...atEnd.map((a) => a.finS));
  const hosts = [...byHost.entries()].sort((a, b) => b[1] - a[1]).map(([h, k]) => `${h}: ${k}`);
  const atEndWords = atEnd.length
    ? `When the capture ended, ${plural(atEnd.length, 'connection')} had received a FIN and not answered it with their own — ` +
      `the number \`ss -tan state close-wait\` would have shown at that moment (by host: ${list(hosts)}): ` +
      `${old.length} half-closed for ${dur(thr)} or longer and ${young} younger than that; ages: ${list(
        ages.map((a) => `${a.c.id} ${durShort(a.ageS)}`),
        12,
      )}.${busy ? ` ${plural(busy, 'of them was', 'of them were')} still sending data after the FIN (a legal half-close being finished).` : ''} `
    : `No connection was still half-closed when the capture ended. `;
  const leakWords = leaks.length
    ? `${plural(leaks.length, 'connection')} stayed half-closed for ${dur(thr)} or longer (${closedLate} closed late, ${leaks.length - closedLate} never); the count peaked at ${peak} at ${at(peakS)}. `
    : `The count peaked at ${peak} at ${at(peakS)}. `;
  const title = atEnd.length
    ? `${plural(atEnd.length, 'connection')} in CLOSE_WAIT when the capture ended (${old.length} for ${durShort(thr)} or longer, oldest ${durShort(ages[0].ageS)})`
    : `${leaks.length} connections left half-closed (CLOSE_WAIT leak), up to ${peak} at once`;
  const evidence: Finding['evidence'] = [
    ...ages.slice(0, 50).map((a) => ({
      packet: a.finPacket,
      note: `${a.c.id}: FIN from ${side(a.finDir)}, unanswered at capture end (${durShort(a.ageS)} old)`,
    })),
    ...leaks
      .filter((l) => l.closedS != null)
      .slice(0, 50)
      .map((l) => ({
        packet: l.finPacket,
        note: `${l.c.id}: FIN from ${side(l.finDir)}, answered only ${durShort(l.heldS)} later`,
      })),
  ];
  return {
    kind: K.halfCloseLeak,
    // A fact when nothing has been held past the threshold yet; a risk once some have.
    severity: leaks.length > 0 ? 'warning' : 'info',
    title,
    explanation:
      `${atEndWords}${leakWords}` +
      `A count that only grows is a descriptor leak: the process will eventually hit its open-files limit and fail to accept or open connections ("too many open files", EMFILE), ` +
      `long after the clients went away. ${FIX}`,
    connection: null,
    stream: null,
    startS: firstS,
    endS: end,
    evidence,
    details: {
      count: leaks.length,
      closeWaitAtEnd: atEnd.length,
      olderThanThresholdAtEnd: old.length,
      youngerThanThresholdAtEnd: young,
      stillSendingAtEnd: busy,
      stillOpenAtEnd: atEnd.length,
      peak,
      connections: [...new Set([...leaks.map((l) => l.c.id), ...atEnd.map((a) => a.c.id)])],
      atEnd: ages.map((a) => ({
        connection: a.c.id,
        ageS: fig(a.ageS, 3),
        closeWaitSide: other(a.finDir) === 'c2s' ? 'client' : 'server',
        closeWaitEndpoint: other(a.finDir) === 'c2s' ? a.c.client : a.c.server,
        stillSending: a.busy,
      })),
      byHost: Object.fromEntries(byHost),
      byEndpoint: Object.fromEntries(byEndpoint),
      series,
    },
  };
}
