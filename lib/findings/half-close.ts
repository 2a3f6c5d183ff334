/**
 * tcp.half-close-leak (warning): one side sent FIN and the other did not FIN within
 * halfCloseThresholdS (or by the end of the capture, when it ended at least that long after the
 * FIN), and the connection was not reset. The silent side is typically stuck in CLOSE_WAIT: its
 * application never closed the socket after reading EOF.
 *
 * A side that keeps sending data after the peer's FIN and closes within BUSY_GRACE_S of its last
 * data (or is still sending at capture end) is finishing its answer, which is legal: not a leak.
 *
 * Plus one trace-wide finding (connection null) when >= AGGREGATE_MIN connections leak, with
 * details.series = [[tS, count], ...]: half-closed-not-yet-closed connections over time.
 */
import type { AnalysisOptions, Connection, Dir, Finding, Trace } from '../trace';
import type { Detector } from './types';
import { A_KEEP_ALIVE } from '../packets';
import { captureEnd, hasTcp, packetsByConnection } from './common';
import { at, cap, connName, dur, durShort, fig, list, other, plural, sender, side } from './text';
import { K } from './kinds';

export const AGGREGATE_MIN = 3;
export const BUSY_GRACE_S = 1;

interface Leak {
  c: Connection;
  finDir: Dir;
  finPacket: number;
  finS: number;
  closedS: number | null; // the other side's FIN, when it came late
  heldS: number;
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
    for (const c of trace.connections) {
      if (c.firstRst.c2s || c.firstRst.s2c || c.rst.c2s > 0 || c.rst.s2c > 0) continue;
      // One direction never seen (half-duplex capture, asymmetric routing): its state is unknowable.
      if (c.packets.c2s === 0 || c.packets.s2c === 0) continue;
      const fins = (['c2s', 's2c'] as const)
        .map((d) => ({ d, f: c.firstFin[d] }))
        .filter((x): x is { d: Dir; f: { packet: number; tS: number } } => x.f != null)
        .sort((a, b) => a.f.tS - b.f.tS);
      if (fins.length === 0) continue;
      const first = fins[0];
      const answer = c.firstFin[other(first.d)];
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
          });
      } else {
        const held = end - first.f.tS;
        if (held >= thr)
          leaks.push({
            c,
            finDir: first.d,
            finPacket: first.f.packet,
            finS: first.f.tS,
            closedS: null,
            heldS: held,
          });
      }
    }
    if (leaks.length === 0) return [];
    const rows = packetsByConnection(trace);
    const idx = new Map(trace.connections.map((c, i) => [c.id, i]));
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
      return l.closedS != null ? l.closedS - lastData.t > BUSY_GRACE_S : end - lastData.t >= thr;
    });
    if (leaks.length === 0) return [];
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
      const late = l.closedS != null ? c.firstFin[silent] : null;
      if (late)
        evidence.push({
          packet: late.packet,
          note: `${side(silent)} finally closes, ${durShort(l.heldS)} later`,
        });
      const what =
        l.closedS != null
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
        },
      });
    }
    if (leaks.length >= AGGREGATE_MIN) {
      const events: [number, number][] = [];
      for (const l of leaks) {
        events.push([l.finS, 1]);
        if (l.closedS != null) events.push([l.closedS, -1]);
      }
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
      const byEndpoint = new Map<string, number>();
      for (const l of leaks) {
        const ep = other(l.finDir) === 'c2s' ? l.c.client.replace(/:\d+$/, '') + ' (clients)' : l.c.server;
        byEndpoint.set(ep, (byEndpoint.get(ep) ?? 0) + 1);
      }
      const eps = [...byEndpoint.entries()].sort((a, b) => b[1] - a[1]).map(([e, k]) => `${e}: ${k}`);
      const stillOpen = leaks.filter((l) => l.closedS == null).length;
      const firstS = Math.min(...leaks.map((l) => l.finS));
      out.push({
        kind: K.halfCloseLeak,
        severity: 'warning',
        title: `${leaks.length} connections left half-closed (CLOSE_WAIT leak), up to ${peak} at once`,
        explanation:
          `${leaks.length} connections received a FIN that their other side did not answer with its own FIN within ${dur(thr)}; ` +
          `${stillOpen} were still half-closed when the capture ended, and the count peaked at ${peak} at ${at(peakS)}. ` +
          `Sides that did not close (CLOSE_WAIT): ${list(eps)}. ` +
          `A count that only grows is a descriptor leak: the process will eventually hit its open-files limit and fail to accept or open connections ("too many open files", EMFILE), ` +
          `long after the clients went away. ${FIX}`,
        connection: null,
        stream: null,
        startS: firstS,
        endS: end,
        evidence: leaks.slice(0, 50).map((l) => ({
          packet: l.finPacket,
          note: `${l.c.id}: FIN from ${side(l.finDir)}, never answered in time`,
        })),
        details: {
          count: leaks.length,
          stillOpenAtEnd: stillOpen,
          peak,
          connections: leaks.map((l) => l.c.id),
          byEndpoint: Object.fromEntries(byEndpoint),
          series,
        },
      });
    }
    return out;
  },
};
