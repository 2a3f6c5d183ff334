/**
 * A program's debug log against a capture of its traffic: HTTP/2 frames the log reports matched
 * to the frames on the wire by (direction, stream, type, flags, length) in order, the log's clock
 * estimated from them (frames the program wrote reach the wire after the log line; frames it read
 * were on the wire before), then what only the two together show:
 * - a frame the program logged writing that the wire never carried (K.pathLogFrameNotOnWire);
 * - a stream the program cancelled (RST_STREAM it wrote) while the wire had already brought the
 *   response (K.pathLogDeadlineEarly);
 * - the peer's FIN on the wire, after which the program still wrote new streams on the connection
 *   (K.pathLogFinIgnored).
 */
import { K } from '../findings/kinds';
import type { Finding, H2Frame, Trace } from '../trace';
import { estimateOffset, round9, type OneWaySamples } from './clock';
import type { LoadedInput } from './input';
import type { CaptureSide } from './match';

const MAX_FINDINGS = 20;

function framesOf(trace: Trace): H2Frame[] {
  const out: H2Frame[] = [];
  for (const s of trace.streams) out.push(...s.frames);
  for (const h of trace.h2) out.push(...h.frames);
  out.sort((a, b) => a.tS - b.tS || a.number - b.number);
  return out;
}

function frameKey(f: H2Frame): string {
  return `${f.dir}|${f.stream}|${f.typeId}|${f.flagsRaw}|${f.length}`;
}

/** Time resolution of each log format's timestamps: part of the log clock's uncertainty. */
const LOG_RESOLUTION_S: Record<string, number> = { 'nghttp-verbose': 0.001, 'go-http2debug': 1e-6 };

export function correlateLogs(
  inputs: LoadedInput[],
  sides: (CaptureSide | null)[],
  pairOffsets: Map<string, { offsetS: number; uncertaintyS: number | null }>,
  /** Per input: seconds from input A's first packet to the input's own start by its wall clock (0 without one). */
  shifts: number[],
): { findings: Finding[]; notes: string[] } {
  const findings: Finding[] = [];
  const notes: string[] = [];
  for (let l = 0; l < inputs.length; l++) {
    if (sides[l]) continue;
    const log = inputs[l];
    const logFrames = framesOf(log.trace);
    const logShift = shifts[l] ?? 0;
    if (logFrames.length === 0) {
      notes.push(`${log.name}: no HTTP/2 frames in the log to compare with the wire`);
      continue;
    }
    let best: { w: number; pairs: [H2Frame, H2Frame][]; wireFrames: H2Frame[] } | null = null;
    for (let w = 0; w < inputs.length; w++) {
      const side = sides[w];
      if (!side) continue;
      const wireFrames = framesOf(inputs[w].trace);
      const byKey = new Map<string, H2Frame[]>();
      for (const f of wireFrames) {
        const k = frameKey(f);
        const list = byKey.get(k);
        if (list) list.push(f);
        else byKey.set(k, [f]);
      }
      // Connections first (each log connection to the wire connection most of its frames fit),
      // then frames within each pair of connections, in order.
      const votes = new Map<string, Map<string, number>>();
      for (const f of logFrames) {
        const list = byKey.get(frameKey(f));
        if (!list) continue;
        let v = votes.get(f.connection);
        if (!v) votes.set(f.connection, (v = new Map()));
        for (const c of new Set(list.map((x) => x.connection))) v.set(c, (v.get(c) ?? 0) + 1);
      }
      const connOf = new Map<string, string>();
      const taken = new Set<string>();
      const ranked = [...votes].map(([lc, v]) => [lc, [...v].sort((x, y) => y[1] - x[1])] as const);
      ranked.sort((x, y) => (y[1][0]?.[1] ?? 0) - (x[1][0]?.[1] ?? 0));
      for (const [lc, cands] of ranked) {
        const pick = cands.find(([wc]) => !taken.has(wc));
        if (!pick) continue;
        connOf.set(lc, pick[0]);
        taken.add(pick[0]);
      }
      const used = new Map<string, number>();
      const pairs: [H2Frame, H2Frame][] = [];
      for (const f of logFrames) {
        const wc = connOf.get(f.connection);
        if (!wc) continue;
        const k = frameKey(f);
        const list = byKey.get(k)?.filter((x) => x.connection === wc);
        const uk = `${wc}|${k}`;
        const u = used.get(uk) ?? 0;
        if (!list || u >= list.length) continue;
        used.set(uk, u + 1);
        pairs.push([f, list[u]]);
      }
      if (!best || pairs.length > best.pairs.length) best = { w, pairs, wireFrames };
    }
    if (!best || best.pairs.length === 0) {
      notes.push(
        sides.some((x) => x)
          ? `${log.name}: none of its frames matched a capture's frames`
          : `${log.name}: no capture among the inputs to compare its frames with`,
      );
      continue;
    }
    const side = sides[best.w] as CaptureSide;
    const wire = inputs[best.w];
    // The program is the client when the frames it wrote (log first) are c2s: try both roles and
    // keep the one whose delays come out non-negative.
    const attempt = (programIsClient: boolean) => {
      const s: OneWaySamples = { forward: { t: [], d: [] }, backward: { t: [], d: [] } };
      for (const [lf, wf] of best!.pairs) {
        const wrote = (lf.dir === 'c2s') === programIsClient;
        const tw = wf.tS + side.epochShiftS;
        // forward = log → wire (written); backward = wire → log (read). Offset: wire clock minus log clock.
        if (wrote) {
          s.forward.t.push(lf.tS + logShift);
          s.forward.d.push(tw - lf.tS - logShift);
        } else {
          s.backward.t.push(lf.tS + logShift);
          s.backward.d.push(lf.tS + logShift - tw);
        }
      }
      return estimateOffset(s, 2 * (LOG_RESOLUTION_S[log.trace.input.format] ?? 0.001));
    };
    const asClient = attempt(true);
    const asServer = attempt(false);
    const programIsClient = (asClient.uncertaintyS ?? -1) >= (asServer.uncertaintyS ?? -1);
    const raw = programIsClient ? asClient : asServer;
    const resolution = LOG_RESOLUTION_S[log.trace.input.format] ?? 0.001;
    const est = {
      ...raw,
      uncertaintyS: raw.uncertaintyS === null ? null : round9(raw.uncertaintyS + resolution),
    };
    if (est.offsetS !== null)
      // Clock of the log minus clock of the capture (the log's own times, shifted by its wall clock if any).
      pairOffsets.set(`${best.w},${l}`, { offsetS: round9(-est.offsetS), uncertaintyS: est.uncertaintyS });
    // wire time (A base) = log time + wireMinusLog + wire's shift to A base.
    const wireMinusLog = est.offsetS ?? 0;
    const wireOff = pairOffsets.get(`0,${best.w}`)?.offsetS ?? 0;
    const toBase = (logT: number): number => logT + logShift + wireMinusLog - wireOff;
    const wireToBase = (wireT: number): number => wireT + side.epochShiftS - wireOff;
    notes.push(
      `${log.name} matched ${wire.name}: ${best.pairs.length} of ${logFrames.length} frames; the program is the ${programIsClient ? 'client' : 'server'}; log clock offset ${est.offsetS === null ? 'unknown' : `${(wireMinusLog * 1e3).toFixed(3)} ms ± ${est.uncertaintyS === null ? '?' : (est.uncertaintyS * 1e3).toFixed(3)} ms`}`,
    );
    const matched = new Set(best.pairs.map(([lf]) => lf));
    const wroteDir = programIsClient ? 'c2s' : 's2c';
    const wireWindow: [number, number] = [wireToBase(0), wireToBase(wire.trace.input.durationS)];
    const names = { log: log.name, wire: wire.name };

    // Frames the program wrote that the wire never carried: inside the capture's window (beyond the
    // log clock's uncertainty), or followed by frames the program wrote later that the wire did carry.
    const unc = est.uncertaintyS ?? 0.05;
    const lastMatchedWrite = new Map<string, number>();
    best.pairs.forEach(([lf]) => {
      if (lf.dir === wroteDir)
        lastMatchedWrite.set(
          lf.connection,
          Math.max(lastMatchedWrite.get(lf.connection) ?? -1, logFrames.indexOf(lf)),
        );
    });
    const missing = logFrames.filter((f, k) => {
      if (f.dir !== wroteDir || matched.has(f)) return false;
      const t = toBase(f.tS);
      const inWindow = t - unc > wireWindow[0] && t + unc < wireWindow[1];
      return inWindow || k < (lastMatchedWrite.get(f.connection) ?? -1);
    });
    if (missing.length > 0) {
      const t0 = toBase(missing[0].tS);
      findings.push({
        kind: K.pathLogFrameNotOnWire,
        severity: 'warning',
        title: `${missing.length} frame${missing.length === 1 ? '' : 's'} the program logged writing never appeared on the wire (${names.wire})`,
        explanation:
          `${names.log} reports writing ${missing.length} HTTP/2 frame${missing.length === 1 ? '' : 's'} (first: ${missing[0].type} on stream ${missing[0].stream} at ${t0.toFixed(3)} s) that ${names.wire} never carried while it was capturing. ` +
          `The peer never received them: the write may have been buffered and lost when the connection closed, gone to another connection, or the capture filter missed it. ` +
          `What to try: check that the capture covers every connection of the program, and whether the connection was closed right after the write.`,
        connection: null,
        stream: missing[0].stream,
        startS: round9(t0),
        endS: round9(toBase(missing[missing.length - 1].tS)),
        evidence: missing
          .slice(0, MAX_FINDINGS)
          .map((f) => ({ line: f.line ?? f.number, input: l, note: `${f.type} stream ${f.stream}` })),
        details: { observedAt: [names.log], missingAt: [names.wire], frames: missing.length },
      });
    }

    // Cancels written by the program after the response had reached its host.
    const wireByStream = new Map<string, H2Frame[]>();
    for (const f of best.wireFrames) {
      if (f.dir === wroteDir) continue;
      const k = `${f.connection}|${f.stream}`;
      const list = wireByStream.get(k);
      if (list) list.push(f);
      else wireByStream.set(k, [f]);
    }
    const logToWireConn = new Map<string, string>();
    for (const [lf, wf] of best.pairs) logToWireConn.set(lf.connection, wf.connection);
    let early = 0;
    for (const f of logFrames) {
      if (early >= MAX_FINDINGS) break;
      if (f.dir !== wroteDir || f.type !== 'RST_STREAM') continue;
      const wc = logToWireConn.get(f.connection);
      const resp = wc ? wireByStream.get(`${wc}|${f.stream}`) : undefined;
      const first = resp?.find((x) => x.type === 'HEADERS' || x.type === 'DATA');
      if (!first) continue;
      const tCancel = toBase(f.tS);
      const tResp = wireToBase(first.tS);
      const lead = tCancel - tResp;
      // Beyond the clock's uncertainty: the response was on the host before the program gave up.
      if (lead <= (est.uncertaintyS ?? Infinity) + 0.001) continue;
      early++;
      findings.push({
        kind: K.pathLogDeadlineEarly,
        severity: 'error',
        title: `Stream ${f.stream} cancelled by the program ${(lead * 1e3).toFixed(1)} ms after its response had reached the host`,
        explanation:
          `${names.wire} shows the response to stream ${f.stream} (${first.type}) arriving at ${tResp.toFixed(3)} s; ${names.log} shows the program resetting the stream (${f.info?.errorName ?? 'RST_STREAM'}) at ${tCancel.toFixed(3)} s. ` +
          `The request failed although the answer was there: the program did not read it in time — a busy event loop or thread pool, a deadline that counts time spent queued, or a reader that stopped consuming. ` +
          `What to try: look at what the program was doing in that interval; raise the deadline only once the reading side is known to keep up.`,
        connection: null,
        stream: f.stream,
        startS: round9(tResp),
        endS: round9(tCancel),
        evidence: [
          { packet: first.packets[0], input: best.w, note: 'response on the wire' },
          { line: f.line ?? f.number, input: l, note: 'cancel in the log' },
        ],
        details: {
          observedAt: [names.wire, names.log],
          missingAt: [],
          leadS: round9(lead),
          errorCode: f.info?.errorCode ?? null,
        },
      });
    }

    // New streams written after the peer's FIN had reached the host.
    for (const [logConn, wc] of logToWireConn) {
      const c = wire.trace.connections.find((x) => x.id === wc);
      if (!c) continue;
      const finPeer = programIsClient ? c.firstFin.s2c : c.firstFin.c2s;
      if (!finPeer) continue;
      const tFin = wireToBase(finPeer.tS);
      const after = logFrames.filter(
        (f) =>
          f.connection === logConn &&
          f.dir === wroteDir &&
          f.type === 'HEADERS' &&
          toBase(f.tS) > tFin + (est.uncertaintyS ?? 0) + 0.01,
      );
      if (after.length === 0) continue;
      findings.push({
        kind: K.pathLogFinIgnored,
        severity: 'warning',
        title: `The program opened ${after.length} stream${after.length === 1 ? '' : 's'} on a connection the peer had closed ${(toBase(after[0].tS) - tFin).toFixed(3)} s earlier`,
        explanation:
          `${names.wire} shows the peer's FIN on ${wc} at ${tFin.toFixed(3)} s; ${names.log} shows the program still writing new requests on that connection afterwards. ` +
          `Those requests cannot be answered: they fail with a reset or a timeout. Usual cause: the program's connection pool does not watch for the peer's close (an idle connection reused after the server's keep-alive timeout). ` +
          `What to try: have the client close idle connections before the server does (idle timeout below the server's), or retry idempotent requests on a fresh connection.`,
        connection: null,
        stream: after[0].stream,
        startS: round9(tFin),
        endS: round9(toBase(after[after.length - 1].tS)),
        evidence: [
          { packet: finPeer.packet, input: best.w, note: "peer's FIN" },
          ...after
            .slice(0, MAX_FINDINGS)
            .map((f) => ({ line: f.line ?? f.number, input: l, note: `HEADERS stream ${f.stream}` })),
        ],
        details: { observedAt: [names.wire, names.log], missingAt: [], streams: after.map((f) => f.stream) },
      });
    }
  }
  return { findings, notes };
}
