/**
 * Compare two runs: line connections (and their HTTP/2 streams / HTTP/1 exchanges) up across two
 * Traces and say what changed that matters — how a connection ended, keep-alives, idle gaps,
 * statuses, frame sequences, findings — without the noise of ports, timestamps and byte counts
 * that differ in every run. Output follows shared/contracts/trace-json.md ("tracelens compare").
 */
import type { Connection, Finding, H2Stream, Http1Exchange, InputInfo, Trace } from './trace';
import { K } from './findings/kinds';

export interface Difference {
  what: string;
  a: string | number | null;
  b: string | number | null;
}

export interface ConnectionMatch {
  a: string;
  b: string;
  /** How the pair was matched: same server endpoint, same server port, or protocol and order. */
  basis: 'endpoint' | 'port' | 'request' | 'order';
  differences: Difference[];
  streams: { a: number; b: number; path: string | null; differences: Difference[] }[];
}

export interface CompareResult {
  a: InputSummary;
  b: InputSummary;
  matches: ConnectionMatch[];
  onlyInA: string[];
  onlyInB: string[];
  findings: { onlyA: Finding[]; onlyB: Finding[]; both: Finding[] };
  summary: string[];
}

export interface InputSummary {
  name: string;
  format: InputInfo['format'];
  packets: number;
  durationS: number;
  connections: number;
  streams: number;
  exchanges: number;
  findings: { error: number; warning: number; info: number };
}

function summarize(t: Trace): InputSummary {
  const findings = { error: 0, warning: 0, info: 0 };
  for (const f of t.findings) findings[f.severity]++;
  return {
    name: t.input.name,
    format: t.input.format,
    packets: t.input.packets,
    durationS: t.input.durationS,
    connections: t.connections.length,
    streams: t.streams.length,
    exchanges: t.exchanges.length,
    findings,
  };
}

/** What a connection's first request was, for matching runs whose ports differ. */
function firstRequest(t: Trace, c: Connection): string | null {
  const s = t.streams.find((x) => x.connection === c.id && x.path !== null);
  if (s) return `${s.method ?? ''} ${s.path}`;
  const e = t.exchanges.find((x) => x.connection === c.id && x.path !== null);
  return e ? `${e.method ?? ''} ${e.path}` : null;
}

/** Median spacing of a connection's keep-alives in seconds, or null when none were sent. */
export function keepaliveInterval(t: Trace, c: Connection): number | null {
  const f = t.findings.find((x) => x.kind === K.keepalivePresent && x.connection === c.id);
  const v = f?.details?.intervalS;
  if (typeof v === 'number') return v;
  if (!t.packets) return null;
  const times: number[] = [];
  for (const dir of ['c2s', 's2c'] as const) {
    for (const n of c.keepalivePackets[dir]) times.push(t.packets.time[n - 1]);
  }
  if (times.length < 2) return null;
  times.sort((x, y) => x - y);
  const gaps = times
    .slice(1)
    .map((x, i) => x - times[i])
    .sort((x, y) => x - y);
  return gaps[Math.floor(gaps.length / 2)];
}

function endWords(c: Connection): string {
  switch (c.end) {
    case 'reset':
      return 'reset';
    case 'closed':
      return 'closed (FIN both ways)';
    case 'open':
      return 'open at capture end';
    case 'half-closed-by-client':
      return 'half-closed by client';
    case 'half-closed-by-server':
      return 'half-closed by server';
  }
}

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Numbers that differ by this much are a change worth a line; smaller ones are run-to-run noise. */
function materiallyDifferent(a: number, b: number, ratio: number, abs: number): boolean {
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  return hi - lo >= abs && (lo === 0 || hi / lo >= ratio);
}

function connectionDifferences(ta: Trace, a: Connection, tb: Trace, b: Connection): Difference[] {
  const d: Difference[] = [];
  if (a.end !== b.end) d.push({ what: 'how it ended', a: endWords(a), b: endWords(b) });
  const ka = keepaliveInterval(ta, a);
  const kb = keepaliveInterval(tb, b);
  const kaSent = a.keepalives.c2s + a.keepalives.s2c > 0;
  const kbSent = b.keepalives.c2s + b.keepalives.s2c > 0;
  if (kaSent !== kbSent || (ka !== null && kb !== null && materiallyDifferent(ka, kb, 1.5, 1))) {
    d.push({
      what: 'keepalive interval',
      a: kaSent ? (ka === null ? 'one probe' : round(ka, 1)) : null,
      b: kbSent ? (kb === null ? 'one probe' : round(kb, 1)) : null,
    });
  }
  const idleThreshold = Math.min(ta.options.idleThresholdS, tb.options.idleThresholdS);
  if (
    (a.maxIdleS >= idleThreshold || b.maxIdleS >= idleThreshold) &&
    materiallyDifferent(a.maxIdleS, b.maxIdleS, 1.5, 1)
  ) {
    d.push({ what: 'max idle gap s', a: round(a.maxIdleS, 1), b: round(b.maxIdleS, 1) });
  }
  const durA = a.endS - a.startS;
  const durB = b.endS - b.startS;
  if (materiallyDifferent(durA, durB, 2, 1))
    d.push({ what: 'duration s', a: round(durA, 2), b: round(durB, 2) });
  const bytesA = a.bytes.c2s + a.bytes.s2c;
  const bytesB = b.bytes.c2s + b.bytes.s2c;
  if (materiallyDifferent(bytesA, bytesB, 1.5, 4096)) d.push({ what: 'payload bytes', a: bytesA, b: bytesB });
  const rA = a.retransmissions.c2s + a.retransmissions.s2c;
  const rB = b.retransmissions.c2s + b.retransmissions.s2c;
  if (materiallyDifferent(rA, rB, 2, 3)) d.push({ what: 'retransmissions', a: rA, b: rB });
  if (a.protocol !== b.protocol) d.push({ what: 'protocol', a: a.protocol, b: b.protocol });
  return d;
}

/** Frame sequence in words, e.g. "HEADERS, DATA(0,END_STREAM)" for the server's side of a stream. */
export function frameSequence(s: H2Stream, dir: 'c2s' | 's2c'): string {
  return (
    s.frames
      .filter((f) => f.dir === dir && f.type !== 'WINDOW_UPDATE' && f.type !== 'PRIORITY')
      .map((f) => {
        const es = f.flags.includes('END_STREAM');
        if (f.type === 'DATA')
          return es || f.length === 0 ? `DATA(${f.length}${es ? ',END_STREAM' : ''})` : 'DATA';
        return es ? `${f.type}(END_STREAM)` : f.type;
      })
      // Runs of plain DATA frames are one "DATA+" so chunking differences are not a change.
      .reduce<string[]>((acc, x) => {
        if (x === 'DATA' && (acc[acc.length - 1] === 'DATA' || acc[acc.length - 1] === 'DATA+'))
          acc[acc.length - 1] = 'DATA+';
        else acc.push(x);
        return acc;
      }, [])
      .join(', ')
  );
}

function streamDifferences(a: H2Stream, b: H2Stream): Difference[] {
  const d: Difference[] = [];
  if (a.status !== b.status) d.push({ what: 'HTTP status', a: a.status, b: b.status });
  if (a.grpcStatus !== b.grpcStatus) d.push({ what: 'grpc-status', a: a.grpcStatus, b: b.grpcStatus });
  const sa = frameSequence(a, 's2c');
  const sb = frameSequence(b, 's2c');
  if (sa !== sb) d.push({ what: 'response frame sequence', a: sa, b: sb });
  if ((a.reset === null) !== (b.reset === null))
    d.push({ what: 'stream reset', a: a.reset?.errorName ?? null, b: b.reset?.errorName ?? null });
  return d;
}

function exchangeDifferences(a: Http1Exchange, b: Http1Exchange): Difference[] {
  const d: Difference[] = [];
  if (a.status !== b.status) d.push({ what: 'HTTP status', a: a.status, b: b.status });
  if (a.outcome !== b.outcome) d.push({ what: 'exchange outcome', a: a.outcome, b: b.outcome });
  return d;
}

function matchConnections(
  ta: Trace,
  tb: Trace,
): { pairs: [Connection, Connection, ConnectionMatch['basis']][]; onlyA: Connection[]; onlyB: Connection[] } {
  const freeB = new Set(tb.connections.map((c) => c.id));
  const pairs: [Connection, Connection, ConnectionMatch['basis']][] = [];
  const matchedA = new Set<string>();
  const passes: [ConnectionMatch['basis'], (t: Trace, c: Connection) => string][] = [
    ['endpoint', (_t, c) => `${c.protocol}|${c.server}|${firstRequest(_t, c) ?? ''}`],
    ['port', (_t, c) => `${c.protocol}|${c.serverPort}|${firstRequest(_t, c) ?? ''}`],
    ['request', (_t, c) => `${c.protocol}|${firstRequest(_t, c) ?? ''}`],
    ['order', (_t, c) => c.protocol],
  ];
  for (const [basis, key] of passes) {
    const byKey = new Map<string, Connection[]>();
    for (const c of tb.connections) {
      if (!freeB.has(c.id)) continue;
      const k = key(tb, c);
      const list = byKey.get(k);
      if (list) list.push(c);
      else byKey.set(k, [c]);
    }
    for (const c of ta.connections) {
      if (matchedA.has(c.id)) continue;
      const list = byKey.get(key(ta, c));
      const m = list?.shift();
      if (!m) continue;
      matchedA.add(c.id);
      freeB.delete(m.id);
      pairs.push([c, m, basis]);
    }
  }
  pairs.sort((x, y) => x[0].startS - y[0].startS);
  return {
    pairs,
    onlyA: ta.connections.filter((c) => !matchedA.has(c.id)),
    onlyB: tb.connections.filter((c) => freeB.has(c.id)),
  };
}

function matchStreams(ta: Trace, a: Connection, tb: Trace, b: Connection): ConnectionMatch['streams'] {
  const out: ConnectionMatch['streams'] = [];
  const sa = ta.streams.filter((s) => s.connection === a.id && s.path !== null);
  const sb = tb.streams.filter((s) => s.connection === b.id && s.path !== null);
  const used = new Set<number>();
  for (const s of sa) {
    const m = sb.find((x) => !used.has(x.id) && x.path === s.path && x.method === s.method);
    if (!m) continue;
    used.add(m.id);
    out.push({ a: s.id, b: m.id, path: s.path, differences: streamDifferences(s, m) });
  }
  const ea = ta.exchanges.filter((e) => e.connection === a.id);
  const eb = tb.exchanges.filter((e) => e.connection === b.id);
  for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
    if (ea[i].path !== eb[i].path) continue;
    const diffs = exchangeDifferences(ea[i], eb[i]);
    if (diffs.length) out.push({ a: ea[i].index, b: eb[i].index, path: ea[i].path, differences: diffs });
  }
  return out;
}

/** A finding's identity across runs: its kind and the matched connection it sits on. */
function findingKey(f: Finding, connMap: Map<string, string>): string {
  return `${f.kind}|${f.connection === null ? '-' : (connMap.get(f.connection) ?? `unmatched:${f.connection}`)}`;
}

function describeConnection(t: Trace, c: Connection): string {
  const parts: string[] = [];
  const fs = t.findings.filter((f) => f.connection === c.id && f.severity !== 'info');
  const rstIdle = fs.find((f) => f.kind === K.rstAfterIdle);
  const idle = fs.find((f) => f.kind === K.idleGapNoKeepalive);
  if (rstIdle) {
    const idleS = (rstIdle.details as Record<string, unknown>).idleS;
    parts.push(
      `reset after ${typeof idleS === 'number' ? Math.round(idleS) : Math.round(c.maxIdleS)} s idle`,
    );
  } else if (c.end === 'reset') parts.push('reset');
  const ka = keepaliveInterval(t, c);
  const kaSent = c.keepalives.c2s + c.keepalives.s2c > 0;
  if (kaSent) parts.push(ka !== null ? `keep-alive every ${round(ka, 1)} s` : 'keep-alive sent');
  else if (rstIdle || idle) parts.push('no keep-alives');
  if (!rstIdle && c.end !== 'reset' && kaSent) parts.push('connection survived');
  const cut = fs.find((f) => f.kind === K.deadlineCut);
  if (cut) {
    const off = (cut.details as Record<string, unknown>).offsetS;
    parts.push(`cut ${typeof off === 'number' ? round(off, 1) : '?'} s after the request began`);
  }
  for (const f of fs) {
    if (f.kind === K.rstAfterIdle || f.kind === K.idleGapNoKeepalive || f.kind === K.deadlineCut) continue;
    parts.push(f.title.charAt(0).toLowerCase() + f.title.slice(1));
  }
  if (parts.length === 0) parts.push(endWords(c));
  return [...new Set(parts)].join(', ');
}

export function compareTraces(ta: Trace, tb: Trace): CompareResult {
  const { pairs, onlyA, onlyB } = matchConnections(ta, tb);
  const aToB = new Map<string, string>();
  for (const [a, b] of pairs) aToB.set(a.id, b.id);
  const identity = new Map<string, string>(pairs.map(([, b]) => [b.id, b.id]));

  const matches: ConnectionMatch[] = pairs.map(([a, b, basis]) => ({
    a: a.id,
    b: b.id,
    basis,
    differences: connectionDifferences(ta, a, tb, b),
    streams: matchStreams(ta, a, tb, b).filter((s) => s.differences.length > 0),
  }));

  const keysB = new Map<string, Finding[]>();
  for (const f of tb.findings) {
    const k = findingKey(f, identity);
    keysB.set(k, [...(keysB.get(k) ?? []), f]);
  }
  const onlyAF: Finding[] = [];
  const both: Finding[] = [];
  for (const f of ta.findings) {
    const list = keysB.get(findingKey(f, aToB));
    if (list && list.length) {
      list.shift();
      both.push(f);
    } else onlyAF.push(f);
  }
  const onlyBF = [...keysB.values()].flat();

  const summary: string[] = [];
  const bById = new Map(tb.connections.map((c) => [c.id, c]));
  for (const m of matches) {
    const changed = m.differences.length > 0 || m.streams.length > 0;
    const aFindings = onlyAF.some((f) => f.connection === m.a && f.severity !== 'info');
    const bFindings = onlyBF.some((f) => f.connection === m.b && f.severity !== 'info');
    if (!changed && !aFindings && !bFindings) continue;
    const ca = ta.connections.find((c) => c.id === m.a);
    const cb = bById.get(m.b);
    if (!ca || !cb) continue;
    let line = `${ca.server} (${m.a} vs ${m.b}): A: ${describeConnection(ta, ca)}; B: ${describeConnection(tb, cb)}`;
    for (const s of m.streams) {
      for (const d of s.differences)
        line += `; ${s.path ?? 'stream'} ${d.what}: A ${d.a ?? 'none'} vs B ${d.b ?? 'none'}`;
    }
    summary.push(line);
  }
  if (onlyA.length)
    summary.push(
      `only in A: ${onlyA.length} connection(s) (${onlyA
        .slice(0, 5)
        .map((c) => c.server)
        .join(', ')})`,
    );
  if (onlyB.length)
    summary.push(
      `only in B: ${onlyB.length} connection(s) (${onlyB
        .slice(0, 5)
        .map((c) => c.server)
        .join(', ')})`,
    );
  const tw = (fs: Finding[], side: string) => {
    for (const f of fs)
      if (f.connection === null && f.severity !== 'info') summary.push(`${side} only: ${f.title}`);
  };
  tw(onlyAF, 'A');
  tw(onlyBF, 'B');
  if (summary.length === 0)
    summary.push('no differences that matter: same connections, outcomes and findings');

  return {
    a: summarize(ta),
    b: summarize(tb),
    matches,
    onlyInA: onlyA.map((c) => c.id),
    onlyInB: onlyB.map((c) => c.id),
    findings: { onlyA: onlyAF, onlyB: onlyBF, both },
    summary,
  };
}

export function renderCompareText(r: CompareResult): string {
  const out: string[] = [];
  out.push(
    `A: ${r.a.name} — ${r.a.connections} connections, ${r.a.findings.error} error / ${r.a.findings.warning} warning findings`,
  );
  out.push(
    `B: ${r.b.name} — ${r.b.connections} connections, ${r.b.findings.error} error / ${r.b.findings.warning} warning findings`,
  );
  out.push('');
  out.push('What changed:');
  for (const s of r.summary) out.push(`  - ${s}`);
  const detailed = r.matches.filter((m) => m.differences.length || m.streams.length);
  if (detailed.length) {
    out.push('');
    out.push('Differences per matched connection:');
    for (const m of detailed) {
      out.push(`  ${m.a} ~ ${m.b} (matched by ${m.basis})`);
      for (const d of m.differences) out.push(`    ${d.what}: ${d.a ?? 'none'} -> ${d.b ?? 'none'}`);
      for (const s of m.streams)
        for (const d of s.differences)
          out.push(`    ${s.path}: ${d.what}: ${d.a ?? 'none'} -> ${d.b ?? 'none'}`);
    }
  }
  return out.join('\n') + '\n';
}
