/**
 * Coverage: what the analysis could not see, so that "no findings" is never read as "checked and
 * fine" where nothing was checked.
 * - capture.not-inspected (info): connections whose content was not inspected, grouped by reason
 *   and server, each with what would lift it: TLS without keys (no key log, or a key log without
 *   these sessions), TLS whose keys did not decrypt it, TLS that tracelens does not decrypt, an
 *   application protocol tracelens does not read, packets cut by the snapshot length, and
 *   connections seen in one direction only.
 * - capture.gap (info): bytes the capture never saw (lib/tcp/gaps.ts), with the HTTP/1 exchanges
 *   and HTTP/2 streams the holes touched (outcome 'capture-gap' / captureGap), which are therefore
 *   never reported as unanswered or mismatched.
 */
import { A_TRUNCATED, type PacketTable } from '../packets';
import type { Connection, Finding, Trace } from '../trace';
import { captureLoss, type ConnectionLoss } from '../tcp/gaps';
import type { Detector } from './types';
import { K } from './kinds';
import { at, connName, list, plural } from './text';

/** Connections named one by one in an explanation before the rest is summed up. */
const NAMED = 5;
/** Connections listed in a finding's details (the count says how many there were). */
const MAX_LISTED = 100;
/** Evidence packets per finding. */
const MAX_EVIDENCE = 10;

type Reason =
  'tls-no-keylog' | 'tls-no-key' | 'tls-wrong-key' | 'tls-unsupported' | 'unknown-protocol' | 'one-direction';

interface Group {
  reason: Reason;
  /** How the title names the servers: one name, or "7 servers". */
  server: string;
  /** The servers, most connections first. */
  servers: string[];
  conns: Connection[];
}

/** Above this many servers for one reason, one finding for the reason instead of one per server. */
const MAX_SERVER_GROUPS = 3;

const num = (n: number): string => n.toLocaleString('en-US');
/** Min / max without spreading (a trace can hold more connections than a call has arguments). */
const minOf = (xs: number[]): number => xs.reduce((a, b) => Math.min(a, b), Infinity);
const maxOf = (xs: number[]): number => xs.reduce((a, b) => Math.max(a, b), -Infinity);
/** Lower-cases the first letter (the phrases follow a colon). */
const lc = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** The name a reader knows the server by: the TLS SNI with the port, else the address. */
function serverName(c: Connection): string {
  return c.tls?.sni ? `${c.tls.sni}:${c.serverPort}` : c.server;
}

const hasPayload = (c: Connection): boolean => c.bytes.c2s + c.bytes.s2c > 0;

/** The TLS session could not be read, and why; null when it was (or carried nothing to read). */
function tlsReason(c: Connection): Reason | null {
  const d = c.tls?.decryption;
  if (!d || d === 'decrypted' || d === 'not-attempted') return null;
  if (d === 'wrong-key') return 'tls-wrong-key';
  if (d === 'unsupported') return 'tls-unsupported';
  // 'no-key': the TLS layer says so in a connection warning when a key log was given but lacks
  // this session (lib/tls/session.ts); otherwise there was no key log at all.
  return c.warnings.some((w) => w.includes('no key for this session')) ? 'tls-no-key' : 'tls-no-keylog';
}

function reasonOf(c: Connection): Reason | null {
  if (c.protocol === 'tls' || c.tls) return tlsReason(c);
  const seen = c.packets.c2s > 0 && c.packets.s2c > 0;
  // Data one way and not a single packet the other way: the capture saw one side of the path.
  if (!seen && hasPayload(c)) return 'one-direction';
  if (c.protocol === 'unknown' && hasPayload(c)) return 'unknown-protocol';
  return null;
}

function lift(reason: Reason, n: number): { what: string; hint: string; why: string; fix: string } {
  const these = n === 1 ? 'it' : 'them';
  switch (reason) {
    case 'tls-no-keylog':
      return {
        what: 'were not decrypted: no TLS key log was given',
        hint: 'pass the NSS key log with --keylog; SSLKEYLOGFILE makes programs write one',
        why: `The HTTP inside ${these} was not checked, so a failure there (an unanswered request, a reset stream, missing gRPC trailers) would not appear in these findings.`,
        fix: 'Pass the NSS key log with --keylog (in the app: drop it beside the capture). Programs write one when started with SSLKEYLOGFILE=/path/keys.txt (curl, Firefox, Chrome, Node with --tls-keylog, Go with a KeyLogWriter); editcap --inject-secrets can embed it in a pcapng.',
      };
    case 'tls-no-key':
      return {
        what: 'were not decrypted: the key log given has no secrets for these sessions',
        hint: 'use the key log written during this capture',
        why: `The HTTP inside ${these} was not checked. The key log's client randoms match none of these handshakes.`,
        fix: 'Use the key log written by the process that made these connections, during the same run (SSLKEYLOGFILE must be set before the program starts; a key log from another run or host does not match).',
      };
    case 'tls-wrong-key':
      return {
        what: 'were not decrypted: the key log has entries for these sessions but they do not decrypt them',
        hint: 'take the key log and the capture from the same run',
        why: `The HTTP inside ${these} was not checked. The secrets found for these client randoms do not open the records, so the key log does not belong to this traffic (edited, mixed up, or from a program that reuses client randoms).`,
        fix: 'Take the key log and the capture from the same run again.',
      };
    case 'tls-unsupported':
      return {
        what: 'use TLS that tracelens does not decrypt',
        hint: 'read them in Wireshark',
        why: `The HTTP inside ${these} was not checked: tracelens decrypts TLS 1.2 and 1.3 with AES-GCM and ChaCha20-Poly1305 suites (see the connection warnings for the version or suite used here).`,
        fix: 'Read these connections in Wireshark, which decrypts more versions and suites with the same key log, or capture the traffic behind the proxy that terminates TLS.',
      };
    case 'unknown-protocol':
      return {
        what: 'carry an application protocol tracelens does not read',
        hint: 'only TCP was checked',
        why: `Their bytes are neither HTTP/1.x, HTTP/2 nor TLS from their first byte, so only TCP facts (resets, idle gaps, retransmissions) were checked. A capture that began in the middle of an HTTP/2 or TLS connection looks like this too.`,
        fix: 'If this is HTTP, capture from before the connection opens (its first bytes decide the protocol); otherwise nothing is missing for a TCP-level analysis.',
      };
    case 'one-direction':
      return {
        what: 'were seen in one direction only',
        hint: 'capture where both directions pass',
        why: `Not one packet came back the other way in the capture, so requests there look unanswered and data unacknowledged although the peer may have answered: this is how asymmetric routing, a capture filter on one address, or a mirror port of one link looks.`,
        fix: 'Capture where both directions pass (on the client or server host, or on both links of a multi-path route), or widen the capture filter.',
      };
  }
}

function groups(trace: Trace): Group[] {
  const byKey = new Map<string, Group>();
  for (const c of trace.connections) {
    const reason = reasonOf(c);
    if (!reason) continue;
    const server = serverName(c);
    const key = `${reason}|${server}`;
    const g = byKey.get(key);
    if (g) g.conns.push(c);
    else byKey.set(key, { reason, server, servers: [server], conns: [c] });
  }
  // A trace with many servers for one reason (an ssh scan, a busy proxy) gets one finding for it.
  const out: Group[] = [];
  const byReason = new Map<Reason, Group[]>();
  for (const g of byKey.values()) {
    const gs = byReason.get(g.reason);
    if (gs) gs.push(g);
    else byReason.set(g.reason, [g]);
  }
  for (const [reason, gs] of byReason) {
    if (gs.length <= MAX_SERVER_GROUPS) {
      out.push(...gs);
      continue;
    }
    gs.sort((a, b) => b.conns.length - a.conns.length);
    const conns = gs.flatMap((g) => g.conns).sort((a, b) => a.startS - b.startS);
    out.push({ reason, server: `${gs.length} servers`, servers: gs.map((g) => g.server), conns });
  }
  return out;
}

function notInspected(trace: Trace): Finding[] {
  const out: Finding[] = [];
  for (const g of groups(trace)) {
    const n = g.conns.length;
    const l = lift(g.reason, n);
    const { why, fix } = l;
    // The phrases are written for several connections; one takes the singular verb.
    const what =
      n === 1
        ? l.what
            .replace(/^were /, 'was ')
            .replace(/^use /, 'uses ')
            .replace(/^carry /, 'carries ')
        : l.what;
    const kindWord = g.reason.startsWith('tls') ? 'TLS connection' : 'connection';
    const evidence = g.conns.slice(0, MAX_EVIDENCE).map((c) => ({
      packet: c.tls?.clientHelloPacket ?? c.firstPacket,
      note: `${c.id}${c.tls?.clientHelloPacket ? ' ClientHello' : ' first packet'}`,
    }));
    const startS = minOf(g.conns.map((c) => c.startS));
    const endS = maxOf(g.conns.map((c) => c.endS));
    const bytes = g.conns.reduce((s, c) => s + c.bytes.c2s + c.bytes.s2c, 0);
    const named = g.conns.slice(0, NAMED).map((c) => c.id);
    out.push({
      kind: K.notInspected,
      severity: 'info',
      title: `${plural(n, kindWord)} to ${g.server} ${what} (${l.hint})`,
      explanation:
        `${plural(n, kindWord)} to ${g.servers.length > 1 ? `${g.server} (${list(g.servers, NAMED)})` : g.server} (${list(named, NAMED)}${n > NAMED ? ` and ${n - NAMED} more` : ''}; ${num(bytes)} payload bytes, ${at(startS)} to ${at(endS)}) ${what}. ` +
        `Why it matters: ${lc(why)} What would lift it: ${lc(fix)}`,
      connection: n === 1 ? g.conns[0].id : null,
      stream: null,
      startS,
      endS,
      evidence,
      details: {
        reason: g.reason,
        servers: g.servers.slice(0, MAX_LISTED),
        serverCount: g.servers.length,
        connections: g.conns.slice(0, MAX_LISTED).map((c) => c.id),
        connectionCount: n,
        payloadBytes: bytes,
      },
    });
  }
  return out;
}

/** Packets cut by the snapshot length: one finding for the trace. */
function snaplenCut(trace: Trace, loss: ConnectionLoss[]): Finding[] {
  const cut = loss.filter((r) => r.c2s.truncatedPackets + r.s2c.truncatedPackets > 0);
  const packets = trace.packets;
  if (!cut.length || !packets) return [];
  const nPackets = cut.reduce((s, r) => s + r.c2s.truncatedPackets + r.s2c.truncatedPackets, 0);
  const nBytes = cut.reduce((s, r) => s + r.c2s.truncatedBytes + r.s2c.truncatedBytes, 0);
  const evidence = truncatedEvidence(packets);
  const snaplens = [...new Set((trace.input.interfaces ?? []).map((i) => i.snaplen).filter((s) => s > 0))];
  const startS = minOf(cut.map((r) => r.conn.startS));
  const endS = maxOf(cut.map((r) => r.conn.endS));
  return [
    {
      kind: K.notInspected,
      severity: 'info',
      title: `${plural(nPackets, 'packet')} on ${plural(cut.length, 'connection')} cut by the capture's snapshot length: ${num(nBytes)} payload bytes not captured (capture with -s 0)`,
      explanation:
        `The capture kept only the first bytes of ${plural(nPackets, 'packet')}${snaplens.length ? ` (snapshot length ${snaplens.join(', ')} bytes)` : ''} on ${list(
          cut.slice(0, NAMED).map((r) => connName(r.conn)),
          NAMED,
        )}${cut.length > NAMED ? ` and ${cut.length - NAMED} more connections` : ''}: ${num(nBytes)} payload bytes were never written to the file. ` +
        `Why it matters: what was in those bytes (headers, bodies, HTTP/2 frames, TLS records) could not be read, so the application-level analysis of these connections is partial; the TCP facts (sequence numbers, flags, timing) are complete. ` +
        `What would lift it: capture full packets (tcpdump -s 0, which is the default in current tcpdump; dumpcap -s 0), or a snapshot length above the MTU.`,
      connection: cut.length === 1 ? cut[0].conn.id : null,
      stream: null,
      startS,
      endS,
      evidence,
      details: {
        reason: 'snaplen',
        truncatedPackets: nPackets,
        truncatedBytes: nBytes,
        snaplen: snaplens,
        connections: cut.slice(0, MAX_LISTED).map((r) => r.conn.id),
        connectionCount: cut.length,
      },
    },
  ];
}

function truncatedEvidence(p: PacketTable): Finding['evidence'] {
  const out: Finding['evidence'] = [];
  for (let i = 0; i < p.length && out.length < MAX_EVIDENCE; i++)
    if (p.analysis[i] & A_TRUNCATED) out.push({ packet: i + 1, note: 'cut by the snapshot length' });
  return out;
}

/** One finding for the capture's loss, with what it touched. */
function captureGap(trace: Trace, loss: ConnectionLoss[]): Finding[] {
  const lossy = loss.filter((r) => r.c2s.bytes + r.s2c.bytes > 0);
  if (!lossy.length) return [];
  const ids = new Set(lossy.map((r) => r.conn.id));
  const exchanges = trace.exchanges.filter((x) => x.captureGap && ids.has(x.connection));
  const streams = trace.streams.filter((s) => ids.has(s.connection) && s.captureGap === true);
  const segments = lossy.reduce((s, r) => s + r.c2s.segments + r.s2c.segments, 0);
  const bytes = lossy.reduce((s, r) => s + r.c2s.bytes + r.s2c.bytes, 0);
  // The first holes in capture order: the segment after each one; ACKs of bytes never seen fill
  // in (tshark flags every ACK past a hole until the sender catches up, so they are many).
  const after: { packet: number; note: string }[] = [];
  const acks: { packet: number; note: string }[] = [];
  for (const r of lossy.slice(0, MAX_EVIDENCE))
    for (const dir of ['c2s', 's2c'] as const) {
      const who = dir === 'c2s' ? 'client' : 'server';
      for (const p of r[dir].evidence)
        after.push({ packet: p, note: `${r.conn.id}: ${who} bytes missing before this segment` });
      for (const p of r[dir].ackEvidence)
        acks.push({ packet: p, note: `${r.conn.id}: ACK of ${who} bytes never captured` });
    }
  const byPacket = (a: { packet: number }, b: { packet: number }): number => a.packet - b.packet;
  const evidence: Finding['evidence'] = [...after.sort(byPacket), ...acks.sort(byPacket)]
    .slice(0, MAX_EVIDENCE)
    .sort(byPacket);
  const times = lossy
    .flatMap((r) => [r.c2s.firstS, r.c2s.lastS, r.s2c.firstS, r.s2c.lastS])
    .filter((t) => !Number.isNaN(t));
  const startS = times.length ? minOf(times) : minOf(lossy.map((r) => r.conn.startS));
  const endS = times.length ? maxOf(times) : maxOf(lossy.map((r) => r.conn.endS));
  const perConn = lossy.slice(0, NAMED).map((r) => {
    const dirs = (['c2s', 's2c'] as const)
      .filter((d) => r[d].bytes > 0)
      .map(
        (d) =>
          `${num(r[d].bytes)} ${d === 'c2s' ? 'client' : 'server'} bytes in ${plural(r[d].segments, 'hole')}`,
      );
    return `${connName(r.conn)}: ${dirs.join(', ')}`;
  });
  const touched: string[] = [];
  if (exchanges.length) {
    const sample = exchanges
      .slice(0, 4)
      .map((x) => `${x.method ?? '(request not captured)'} ${x.path ?? ''} on ${x.connection}`.trim());
    touched.push(
      `${plural(exchanges.length, 'HTTP/1 exchange')} (${list(sample, 4)}${exchanges.length > 4 ? ', ...' : ''})`,
    );
  }
  if (streams.length) {
    const sample = streams.slice(0, 4).map((st) => `stream ${st.id} on ${st.connection}`);
    touched.push(
      `${plural(streams.length, 'HTTP/2 stream')} (${list(sample, 4)}${streams.length > 4 ? ', ...' : ''})`,
    );
  }
  const answered = trace.exchanges.filter((x) => ids.has(x.connection) && x.outcome === 'complete').length;
  return [
    {
      kind: K.captureGap,
      severity: 'info',
      title: `${plural(segments, 'segment')} (${num(bytes)} bytes) never captured on ${plural(lossy.length, 'connection')}`,
      explanation:
        `The capture missed ${plural(segments, 'TCP segment')} (${num(bytes)} bytes) that the peers did exchange — the receiver acknowledged them, or later bytes arrived after a hole — ` +
        `between ${at(startS)} and ${at(endS)}: ${perConn.join('; ')}${lossy.length > NAMED ? `; and ${lossy.length - NAMED} more connections` : ''}. ` +
        (touched.length
          ? `They touched ${touched.join(' and ')}: these are marked "capture gap" rather than failed, and are not reported as unanswered or mismatched. `
          : 'No HTTP message was cut by them. ') +
        (answered
          ? `Parsing resumed after the holes: ${plural(answered, 'exchange')} on these connections paired normally. `
          : '') +
        `Why it matters: what was in the holes is unknown, so the analysis around them is partial. ` +
        `Usual causes: the capturing host dropped packets (tcpdump reports "dropped by kernel": a busy CPU or a small buffer), a mirror/SPAN port oversubscribed, or a capture started or filtered mid-flow. ` +
        `What to try: capture with a larger buffer (tcpdump -B 65536), write to fast storage, filter to the traffic of interest, or capture on the host itself.`,
      connection: lossy.length === 1 ? lossy[0].conn.id : null,
      stream: null,
      startS,
      endS: Math.max(startS, endS),
      evidence,
      details: {
        segments,
        bytes,
        connectionCount: lossy.length,
        connections: lossy.slice(0, MAX_LISTED).map((r) => ({
          connection: r.conn.id,
          c2s: { segments: r.c2s.segments, bytes: r.c2s.bytes },
          s2c: { segments: r.s2c.segments, bytes: r.s2c.bytes },
        })),
        exchanges: exchanges.length,
        streams: streams.length,
      },
    },
  ];
}

/**
 * One line for a report's summary: what was not inspected (null when everything was), so that an
 * empty list of problems is not read as "checked and fine".
 */
export function coverageSummary(trace: Trace): string | null {
  const parts = trace.findings.filter((f) => f.kind === K.notInspected).map((f) => f.title);
  if (!parts.length) return null;
  return `not inspected: ${parts.slice(0, 4).join('; ')}${parts.length > 4 ? `; and ${parts.length - 4} more (see the capture.not-inspected findings)` : ''}`;
}

export const detector: Detector = {
  id: 'coverage',
  kinds: [K.captureGap, K.notInspected],
  detect(trace: Trace): Finding[] {
    if (!trace.packets) return [];
    const loss = captureLoss(trace.connections, trace.packets, trace.input.truncatedPackets ?? 0);
    return [...notInspected(trace), ...snaplenCut(trace, loss), ...captureGap(trace, loss)];
  },
};
