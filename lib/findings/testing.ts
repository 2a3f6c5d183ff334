/**
 * Test builder: hand-made Traces for detector tests. Describe connections as packet lists; the
 * builder numbers packets in time order, fills the PacketTable and derives the Connection facts
 * the TCP layer would (FIN/RST, rsts with TTL/IP ID, idle gaps, keep-alives, handshake).
 * Not used by production code.
 */
import {
  A_KEEP_ALIVE,
  A_KEEP_ALIVE_ACK,
  A_RETRANSMISSION,
  A_ZERO_WINDOW,
  DIR_C2S,
  DIR_S2C,
  PacketTable,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
} from '../packets';
import {
  DEFAULT_OPTIONS,
  emptyCounts,
  type AnalysisOptions,
  type Connection,
  type Dir,
  type Finding,
  type H2ConnectionInfo,
  type H2Frame,
  type H2Stream,
  type Http1Exchange,
  type IdleGap,
  type Protocol,
  type RstInfo,
  type Trace,
} from '../trace';

export interface PktSpec {
  t: number;
  dir: Dir;
  /** Letters: S SYN, A ACK, F FIN, R RST, P PSH. Default "A" (or "PA" with payload). */
  flags?: string;
  len?: number;
  ttl?: number;
  ipId?: number;
  /** Extra analysis bits (A_*). */
  a?: number;
}

export interface ConnSpec {
  id?: string;
  client?: string;
  server?: string;
  protocol?: Protocol;
  packets: PktSpec[];
}

export interface TraceSpec {
  connections?: ConnSpec[];
  /** Capture duration; default: last packet time. */
  durationS?: number;
  exchanges?: Http1Exchange[];
  streams?: H2Stream[];
  h2?: H2ConnectionInfo[];
  /** Threshold the builder uses to derive idle gaps (like the TCP layer would). */
  idleThresholdS?: number;
  /** A debug-log trace: no packet table, connections without TCP facts. */
  log?: boolean;
}

function flagBits(p: PktSpec): number {
  const f = p.flags ?? ((p.len ?? 0) > 0 ? 'PA' : 'A');
  let b = 0;
  if (f.includes('S')) b |= TCP_SYN;
  if (f.includes('A')) b |= TCP_ACK;
  if (f.includes('F')) b |= TCP_FIN;
  if (f.includes('R')) b |= TCP_RST;
  if (f.includes('P')) b |= TCP_PSH;
  return b;
}

function splitEp(ep: string): [string, number] {
  const i = ep.lastIndexOf(':');
  return [ep.slice(0, i).replace(/^\[|\]$/g, ''), Number(ep.slice(i + 1))];
}

export function buildTrace(spec: TraceSpec, opts: AnalysisOptions = DEFAULT_OPTIONS): Trace {
  const thr = spec.idleThresholdS ?? opts.idleThresholdS;
  const cspecs = spec.connections ?? [];
  const all: { ci: number; p: PktSpec }[] = [];
  cspecs.forEach((c, ci) => c.packets.forEach((p) => all.push({ ci, p })));
  all.sort((a, b) => a.p.t - b.p.t);
  const table = new PacketTable();
  const numbered: { n: number; p: PktSpec }[][] = cspecs.map(() => []);
  all.forEach(({ ci, p }) => {
    const i = table.add(p.t, 0, 60 + (p.len ?? 0), 60 + (p.len ?? 0), 0, 1);
    table.conn[i] = ci;
    table.dir[i] = p.dir === 'c2s' ? DIR_C2S : DIR_S2C;
    table.tcpFlags[i] = flagBits(p);
    table.payloadLen[i] = p.len ?? 0;
    table.ttl[i] = p.ttl ?? 64;
    table.l4[i] = 6;
    table.analysis[i] = p.a ?? 0;
    numbered[ci].push({ n: i + 1, p });
  });
  const durationS = spec.durationS ?? (all.length ? all[all.length - 1].p.t : 0);
  const connections = cspecs.map((cs, ci) =>
    deriveConnection(cs, ci, numbered[ci], durationS, thr, spec.log === true),
  );
  return {
    tool: 'tracelens',
    version: '0.1.0',
    input: {
      name: 'test',
      format: spec.log ? 'go-http2debug' : 'pcap',
      compression: null,
      bytes: 0,
      packets: all.length,
      linkTypes: spec.log ? [] : [1],
      start: null,
      durationS,
      warnings: [],
    },
    options: opts,
    connections,
    streams: spec.streams ?? [],
    exchanges: spec.exchanges ?? [],
    findings: [],
    h2: spec.h2 ?? [],
    packets: spec.log ? null : table,
  };
}

function deriveConnection(
  cs: ConnSpec,
  ci: number,
  pk: { n: number; p: PktSpec }[],
  durationS: number,
  thr: number,
  log: boolean,
): Connection {
  const client = cs.client ?? `10.0.0.1:${50000 + ci}`;
  const server = cs.server ?? '10.0.0.2:80';
  const [clientIp, clientPort] = splitEp(client);
  const [serverIp, serverPort] = splitEp(server);
  const c: Connection = {
    id: cs.id ?? `c${ci + 1}`,
    client,
    server,
    clientIp,
    clientPort,
    serverIp,
    serverPort,
    vlan: [],
    directionBasis: log ? 'log' : 'syn',
    startS: pk[0]?.p.t ?? 0,
    endS: pk[pk.length - 1]?.p.t ?? 0,
    firstPacket: pk[0]?.n ?? 0,
    lastPacket: pk[pk.length - 1]?.n ?? 0,
    packets: { c2s: 0, s2c: 0 },
    bytes: { c2s: 0, s2c: 0 },
    fin: { c2s: 0, s2c: 0 },
    rst: { c2s: 0, s2c: 0 },
    keepalives: { c2s: 0, s2c: 0 },
    retransmissions: { c2s: 0, s2c: 0 },
    end: 'open',
    protocol: cs.protocol ?? 'unknown',
    maxIdleS: 0,
    handshake: { syn: null, synAck: null, ack: null, rttS: null },
    firstFin: { c2s: null, s2c: null },
    firstRst: { c2s: null, s2c: null },
    rsts: [],
    idleGaps: [],
    analysis: { c2s: emptyCounts(), s2c: emptyCounts() },
    keepalivePackets: { c2s: [], s2c: [] },
    tls: null,
    upgrade: null,
    warnings: [],
  };
  if (log) return c;
  const prevByDir: Record<Dir, PktSpec | null> = { c2s: null, s2c: null };
  let prev: PktSpec | null = null;
  for (const { n, p } of pk) {
    const f = flagBits(p);
    const d = p.dir;
    c.packets[d]++;
    c.bytes[d] += p.len ?? 0;
    const a = p.a ?? 0;
    if (a & A_KEEP_ALIVE) {
      c.keepalives[d]++;
      c.keepalivePackets[d].push(n);
      c.analysis[d].keepAlive++;
    }
    if (a & A_RETRANSMISSION) {
      c.retransmissions[d]++;
      c.analysis[d].retransmission++;
    }
    if (a & A_ZERO_WINDOW) c.analysis[d].zeroWindow++;
    if (f & TCP_SYN && !(f & TCP_ACK) && c.handshake.syn == null) c.handshake.syn = n;
    else if (f & TCP_SYN && f & TCP_ACK && c.handshake.synAck == null) c.handshake.synAck = n;
    else if (c.handshake.synAck != null && c.handshake.ack == null && d === 'c2s' && f & TCP_ACK)
      c.handshake.ack = n;
    if (f & TCP_FIN) {
      c.fin[d]++;
      c.firstFin[d] ??= { packet: n, tS: p.t };
    }
    if (f & TCP_RST) {
      c.rst[d]++;
      c.firstRst[d] ??= { packet: n, tS: p.t };
      const pd = prevByDir[d];
      const r: RstInfo = {
        packet: n,
        tS: p.t,
        dir: d,
        ttl: p.ttl ?? 64,
        ipId: p.ipId ?? null,
        prevTtl: pd ? (pd.ttl ?? 64) : null,
        prevIpId: pd ? (pd.ipId ?? null) : null,
        silenceBeforeS: prev ? p.t - prev.t : 0,
      };
      c.rsts.push(r);
    }
    prevByDir[d] = p;
    prev = p;
  }
  c.end =
    c.rst.c2s || c.rst.s2c
      ? 'reset'
      : c.fin.c2s && c.fin.s2c
        ? 'closed'
        : c.fin.c2s
          ? 'half-closed-by-client'
          : c.fin.s2c
            ? 'half-closed-by-server'
            : 'open';
  // Idle gaps over packets that are not keep-alives (or their ACKs).
  const gaps: IdleGap[] = [];
  const real = pk.filter(({ p }) => !((p.a ?? 0) & (A_KEEP_ALIVE | A_KEEP_ALIVE_ACK)));
  const kaTimes = pk.filter(({ p }) => (p.a ?? 0) & (A_KEEP_ALIVE | A_KEEP_ALIVE_ACK)).map(({ p }) => p.t);
  for (let i = 1; i < real.length; i++) {
    const g = real[i].p.t - real[i - 1].p.t;
    c.maxIdleS = Math.max(c.maxIdleS, g);
    if (g >= thr)
      gaps.push({
        startS: real[i - 1].p.t,
        endS: real[i].p.t,
        durationS: g,
        fromPacket: real[i - 1].n,
        toPacket: real[i].n,
        keepaliveInside: kaTimes.some((t) => t > real[i - 1].p.t && t < real[i].p.t),
        untilCaptureEnd: false,
      });
  }
  const last = real[real.length - 1];
  if (last && c.end !== 'closed' && c.end !== 'reset' && durationS - last.p.t >= thr) {
    gaps.push({
      startS: last.p.t,
      endS: durationS,
      durationS: durationS - last.p.t,
      fromPacket: last.n,
      toPacket: null,
      keepaliveInside: kaTimes.some((t) => t > last.p.t),
      untilCaptureEnd: true,
    });
  }
  c.idleGaps = gaps;
  return c;
}

/** A normal TCP handshake at t (client SYN, server SYN-ACK, client ACK, 1 ms apart). */
export function handshake(t: number): PktSpec[] {
  return [
    { t, dir: 'c2s', flags: 'S' },
    { t: t + 0.001, dir: 's2c', flags: 'SA' },
    { t: t + 0.002, dir: 'c2s', flags: 'A' },
  ];
}

/** A graceful close: FIN from `first`, FIN from the other side `delay` later, final ACK. */
export function gracefulClose(t: number, first: Dir = 'c2s', delay = 0.001): PktSpec[] {
  const second: Dir = first === 'c2s' ? 's2c' : 'c2s';
  return [
    { t, dir: first, flags: 'FA' },
    { t: t + delay, dir: second, flags: 'FA' },
    { t: t + delay + 0.001, dir: first, flags: 'A' },
  ];
}

/** Packet number of the k-th packet (0-based) of connection index ci in a built trace. */
export function pkt(trace: Trace, ci: number, k: number): number {
  const p = trace.packets as PacketTable;
  let seen = 0;
  for (let i = 0; i < p.length; i++) if (p.conn[i] === ci && seen++ === k) return i + 1;
  throw new Error(`no packet ${k} on connection ${ci}`);
}

export function exchange(x: Partial<Http1Exchange> & { connection: string }): Http1Exchange {
  return {
    index: 1,
    method: 'GET',
    path: '/',
    version: 'HTTP/1.1',
    status: 200,
    reason: 'OK',
    requestS: 0,
    requestEndS: 0,
    responseS: 0.01,
    responseEndS: 0.011,
    request: {
      startS: x.requestS ?? 0,
      endS: x.requestEndS ?? x.requestS ?? 0,
      headers: [],
      bodyBytes: 0,
      chunked: false,
      streamOffset: 0,
      packets: [4, 4],
    },
    response: {
      startS: x.responseS ?? 0.01,
      endS: x.responseEndS ?? 0.011,
      headers: [],
      bodyBytes: 50,
      chunked: false,
      streamOffset: 0,
      packets: [5, 5],
    },
    interim: [],
    outcome: 'complete',
    contentType: 'application/json',
    jsonKeys: null,
    ...x,
  };
}

let frameNo = 1;
export function resetFrames(): void {
  frameNo = 1;
}

export function frame(f: Partial<H2Frame> & { type: string; dir: Dir; tS: number }): H2Frame {
  const typeIds: Record<string, number> = {
    DATA: 0,
    HEADERS: 1,
    PRIORITY: 2,
    RST_STREAM: 3,
    SETTINGS: 4,
    PUSH_PROMISE: 5,
    PING: 6,
    GOAWAY: 7,
    WINDOW_UPDATE: 8,
    CONTINUATION: 9,
  };
  const flags = f.flags ?? [];
  return {
    number: frameNo++,
    connection: 'c1',
    stream: 1,
    typeId: typeIds[f.type] ?? 255,
    flags,
    flagsRaw: (flags.includes('END_STREAM') ? 1 : 0) | (flags.includes('END_HEADERS') ? 4 : 0),
    length: 10,
    packets: [],
    ...f,
  };
}

export function stream(s: Partial<H2Stream> & { frames: H2Frame[] }): H2Stream {
  const fr = s.frames;
  return {
    connection: 'c1',
    id: 1,
    method: 'POST',
    path: '/pkg.Service/Method',
    authority: 'localhost',
    status: 200,
    grpcStatus: null,
    requestHeaders: null,
    responseHeaders: null,
    trailers: null,
    startS: fr[0]?.tS ?? 0,
    endS: fr[fr.length - 1]?.tS ?? 0,
    responseS: fr.find((f) => f.dir === 's2c' && f.type === 'HEADERS')?.tS ?? null,
    responseEndS: null,
    state: 'closed',
    endStream: {
      c2s: fr.some((f) => f.dir === 'c2s' && f.flags.includes('END_STREAM')),
      s2c: fr.some((f) => f.dir === 's2c' && f.flags.includes('END_STREAM')),
    },
    reset: null,
    dataBytes: { c2s: 0, s2c: 0 },
    grpc: null,
    sequence: '',
    ...s,
  };
}

export function grpcInfo(
  status: number | null,
  from: 'trailers' | 'trailers-only' | null,
): NonNullable<H2Stream['grpc']> {
  return {
    contentType: 'application/grpc',
    messages: { c2s: 1, s2c: 1 },
    messageBytes: { c2s: 5, s2c: 5 },
    compressedMessages: { c2s: 0, s2c: 0 },
    grpcStatus: status,
    grpcStatusName: status == null ? null : String(status),
    grpcMessage: null,
    statusFrom: from,
  };
}

export function h2conn(h: Partial<H2ConnectionInfo>): H2ConnectionInfo {
  return {
    connection: 'c1',
    frames: [],
    settings: { c2s: {}, s2c: {} },
    goaway: [],
    violations: [],
    prefaceSeen: true,
    via: 'preface',
    ...h,
  };
}

/** Common assertions every finding must pass: evidence, figures in the explanation. */
export function checkFinding(f: Finding): string[] {
  const problems: string[] = [];
  if (!f.evidence.length) problems.push(`${f.kind}: no evidence`);
  for (const e of f.evidence)
    if (e.packet == null && e.frame == null && e.line == null) problems.push(`${f.kind}: empty evidence ref`);
  if (!/\d/.test(f.explanation)) problems.push(`${f.kind}: explanation without figures`);
  if (!/\d/.test(f.title)) problems.push(`${f.kind}: title without figures`);
  if (f.explanation.length < 200) problems.push(`${f.kind}: explanation too short`);
  if (!(f.endS >= f.startS)) problems.push(`${f.kind}: endS before startS`);
  return problems;
}
