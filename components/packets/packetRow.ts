// One line of the packet list as Wireshark shows it (No., Time, Source, Destination, Protocol,
// Length, Info) and the default colouring rule that matches the packet, both from the registered
// display-filter fields (lib/filter/registry.ts) read for that one packet. The colouring rules are
// Wireshark's default `colorfilters`, compiled by the display-filter language itself (first match
// wins, as in Wireshark); the rules that name protocols tracelens does not decode are left out.
// Computed in the worker for the rows in view only.
import { FIELD_LAYERS } from '@/lib/filter/registry';
import { FieldIndex, compileFilter, type CompiledFilter } from '@/lib/filter';
import type { FieldContext, FieldValue } from '@/lib/filter/types';
import { h2FramesByRow } from '@/lib/http2/fields';
import { ipv6Text, macText } from './dissect';

export interface PacketRow {
  number: number;
  timeS: number;
  src: string;
  dst: string;
  protocol: string;
  length: number;
  info: string;
}

let index: FieldIndex | null = null;
const fields = () => (index ??= new FieldIndex(FIELD_LAYERS));

const out: FieldValue[] = [];
/** The occurrences of field `name` in packet `row` (a shared array: copy what must be kept). */
function read(ctx: FieldContext, name: string, row: number): FieldValue[] {
  out.length = 0;
  fields().get(name)?.read(ctx, row, out);
  return out;
}
const first = (ctx: FieldContext, name: string, row: number): FieldValue | undefined =>
  read(ctx, name, row)[0];
const has = (ctx: FieldContext, name: string, row: number) => read(ctx, name, row).length > 0;

function addr(v: FieldValue | undefined): string {
  if (typeof v === 'number') return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  if (v instanceof Uint8Array) return v.length === 16 ? ipv6Text(v, 0) : v.length === 6 ? macText(v, 0) : '';
  return v === undefined ? '' : String(v);
}

/** Wireshark's expert prefixes of the TCP Info column, in its order. */
const TCP_PREFIXES: [string, string][] = [
  ['tcp.analysis.retransmission', 'TCP Retransmission'],
  ['tcp.analysis.fast_retransmission', 'TCP Fast Retransmission'],
  ['tcp.analysis.spurious_retransmission', 'TCP Spurious Retransmission'],
  ['tcp.analysis.out_of_order', 'TCP Out-Of-Order'],
  ['tcp.analysis.lost_segment', 'TCP Previous segment not captured'],
  ['tcp.analysis.ack_lost_segment', 'TCP ACKed unseen segment'],
  ['tcp.analysis.window_update', 'TCP Window Update'],
  ['tcp.analysis.window_full', 'TCP Window Full'],
  ['tcp.analysis.zero_window', 'TCP ZeroWindow'],
  ['tcp.analysis.zero_window_probe', 'TCP ZeroWindowProbe'],
  ['tcp.analysis.keep_alive', 'TCP Keep-Alive'],
  ['tcp.analysis.keep_alive_ack', 'TCP Keep-Alive ACK'],
  ['tcp.analysis.duplicate_ack', 'TCP Dup ACK'],
];
const TCP_FLAG_NAMES: [number, string][] = [
  [0x01, 'FIN'],
  [0x02, 'SYN'],
  [0x04, 'RST'],
  [0x08, 'PSH'],
  [0x10, 'ACK'],
  [0x20, 'URG'],
  [0x40, 'ECE'],
  [0x80, 'CWR'],
];
const TLS_HANDSHAKES: Record<number, string> = {
  1: 'Client Hello',
  2: 'Server Hello',
  4: 'New Session Ticket',
  8: 'Encrypted Extensions',
  11: 'Certificate',
  12: 'Server Key Exchange',
  13: 'Certificate Request',
  14: 'Server Hello Done',
  15: 'Certificate Verify',
  16: 'Client Key Exchange',
  20: 'Finished',
};
const TLS_CONTENT: Record<number, string> = {
  20: 'Change Cipher Spec',
  21: 'Alert',
  23: 'Application Data',
  24: 'Heartbeat',
};
const TLS_VERSIONS: Record<string, string> = {
  'TLS 1.0': 'TLSv1',
  'TLS 1.1': 'TLSv1.1',
  'TLS 1.2': 'TLSv1.2',
  'TLS 1.3': 'TLSv1.3',
};

function tcpInfo(ctx: FieldContext, row: number): string {
  const sp = first(ctx, 'tcp.srcport', row);
  const dp = first(ctx, 'tcp.dstport', row);
  const flags = Number(first(ctx, 'tcp.flags', row) ?? 0);
  const names = TCP_FLAG_NAMES.filter(([b]) => flags & b).map(([, n]) => n);
  const prefixes = TCP_PREFIXES.filter(([f]) => has(ctx, f, row)).map(([, t]) => `[${t}] `);
  const seq = first(ctx, 'tcp.seq', row);
  const ack = flags & 0x10 ? first(ctx, 'tcp.ack', row) : undefined;
  const win = first(ctx, 'tcp.window_size', row);
  const len = first(ctx, 'tcp.len', row) ?? 0;
  return `${prefixes.join('')}${sp} → ${dp} [${names.join(', ')}] Seq=${seq ?? '?'}${
    ack !== undefined ? ` Ack=${ack}` : ''
  }${win !== undefined ? ` Win=${win}` : ''} Len=${len}${tcpOptions(ctx, row)}`;
}

/** The options tshark appends to the Info column: MSS, SACK_PERM, TSval/TSecr, WS (multiplier). */
function tcpOptions(ctx: FieldContext, row: number): string {
  let s = '';
  const mss = first(ctx, 'tcp.options.mss_val', row);
  if (mss !== undefined) s += ` MSS=${mss}`;
  if (has(ctx, 'tcp.options.sack_perm', row)) s += ' SACK_PERM';
  const tsval = first(ctx, 'tcp.options.timestamp.tsval', row);
  if (tsval !== undefined)
    s += ` TSval=${tsval} TSecr=${first(ctx, 'tcp.options.timestamp.tsecr', row) ?? 0}`;
  const ws = first(ctx, 'tcp.options.wscale.shift', row);
  if (ws !== undefined) s += ` WS=${2 ** Number(ws)}`;
  return s;
}

function http2Info(ctx: FieldContext, row: number): string | null {
  const frames = h2FramesByRow(ctx).get(row);
  if (!frames?.length) return null;
  const parts = frames.map(({ frame: f, stream: s }) => {
    let t = `${f.type}[${f.stream}]`;
    if (f.type === 'HEADERS' && s) {
      const req = f.dir === 'c2s' && s.method && !s.responseHeaders?.length;
      if (f.dir === 'c2s' && s.method && f.headers?.some(([k]) => k === ':method'))
        t += `: ${s.method} ${s.path ?? ''}`;
      else if (!req && f.headers?.some(([k]) => k === ':status')) t += `: ${s.status ?? ''}`;
    }
    if (f.type === 'RST_STREAM' || f.type === 'GOAWAY') t += ` ${f.info?.errorName ?? ''}`;
    return t.trimEnd();
  });
  return parts.join(', ');
}

function highest(ctx: FieldContext, row: number): { protocol: string; info: string | null } {
  if (has(ctx, 'grpc', row)) return { protocol: 'GRPC', info: http2Info(ctx, row) };
  if (has(ctx, 'http2', row)) return { protocol: 'HTTP2', info: http2Info(ctx, row) };
  if (has(ctx, 'http', row)) {
    const method = first(ctx, 'http.request.method', row);
    if (method !== undefined) {
      const uri = first(ctx, 'http.request.uri', row);
      const ver = first(ctx, 'http.request.version', row);
      return { protocol: 'HTTP', info: `${method} ${uri ?? ''} ${ver ?? ''}`.trimEnd() };
    }
    const code = first(ctx, 'http.response.code', row);
    if (code !== undefined) {
      const ver = first(ctx, 'http.response.version', row) ?? 'HTTP/1.1';
      const phrase = first(ctx, 'http.response.phrase', row) ?? '';
      return { protocol: 'HTTP', info: `${ver} ${code} ${phrase}`.trimEnd() };
    }
    return { protocol: 'HTTP', info: 'Continuation' };
  }
  if (has(ctx, 'tls', row)) {
    const conn = ctx.trace.connections[ctx.packets.conn[row]];
    const hs = read(ctx, 'tls.handshake.type', row).map((v) => TLS_HANDSHAKES[Number(v)] ?? `Handshake ${v}`);
    const ct = read(ctx, 'tls.record.content_type', row)
      .filter((v) => Number(v) !== 22)
      .map((v) => TLS_CONTENT[Number(v)] ?? `Record ${v}`);
    const proto = (conn?.tls?.version && TLS_VERSIONS[conn.tls.version]) || 'TLS';
    const items = [...hs, ...ct.filter((x, i, a) => a.indexOf(x) === i)];
    return { protocol: proto, info: items.length ? items.join(', ') : null };
  }
  if (has(ctx, 'tcp', row)) return { protocol: 'TCP', info: null };
  if (has(ctx, 'udp', row)) {
    const len = Number(first(ctx, 'udp.length', row) ?? 8) - 8;
    return {
      protocol: 'UDP',
      info: `${first(ctx, 'udp.srcport', row)} → ${first(ctx, 'udp.dstport', row)} Len=${len}`,
    };
  }
  if (has(ctx, 'ipv6', row)) return { protocol: 'IPv6', info: `Next header ${first(ctx, 'ipv6.nxt', row)}` };
  if (has(ctx, 'ip', row)) {
    const p = Number(first(ctx, 'ip.proto', row));
    return { protocol: p === 1 ? 'ICMP' : 'IPv4', info: `IP protocol ${p}` };
  }
  const et = first(ctx, 'eth.type', row);
  if (et === 0x0806) return { protocol: 'ARP', info: null };
  return { protocol: et !== undefined ? 'Ethernet' : 'Frame', info: null };
}

export function packetRow(ctx: FieldContext, row: number): PacketRow {
  const p = ctx.packets;
  let src = addr(first(ctx, 'ip.src', row) ?? first(ctx, 'ipv6.src', row));
  let dst = addr(first(ctx, 'ip.dst', row) ?? first(ctx, 'ipv6.dst', row));
  if (!src && !dst) {
    src = addr(first(ctx, 'eth.src', row));
    dst = addr(first(ctx, 'eth.dst', row));
  }
  const top = highest(ctx, row);
  const isTcp = p.conn[row] >= 0;
  // TCP segments that carry an application PDU show it; the bare TCP summary otherwise (and the
  // expert prefixes always, as Wireshark does for a retransmitted request).
  let info = top.info ?? (isTcp ? tcpInfo(ctx, row) : '');
  if (isTcp && top.info) {
    const pre = TCP_PREFIXES.filter(([f]) => has(ctx, f, row)).map(([, t]) => `[${t}] `);
    info = `${pre.join('')}${top.info}`;
  }
  return {
    number: row + 1,
    timeS: p.time[row],
    src,
    dst,
    protocol: top.protocol,
    length: p.origLen[row],
    info,
  };
}

/** Wireshark's default colouring rules (name, filter), in its order; first match wins. */
const RULES: [string, string][] = [
  [
    'Bad TCP',
    'tcp.analysis.flags && !tcp.analysis.window_update && !tcp.analysis.keep_alive && !tcp.analysis.keep_alive_ack',
  ],
  ['ARP', 'eth.type == 0x0806'],
  ['ICMP', 'ip.proto == 1 || ipv6.nxt == 58'],
  ['TCP RST', 'tcp.flags.reset eq 1'],
  ['TTL low or unexpected', '!(ip.dst == 224.0.0.0/4) && ip.ttl < 5'],
  ['HTTP', 'http || tcp.port == 80 || http2'],
  ['TCP SYN/FIN', 'tcp.flags.syn == 1 || tcp.flags.fin == 1'],
  ['TCP', 'tcp'],
  ['UDP', 'udp'],
];
let compiled: { name: string; filter: CompiledFilter }[] | null = null;

export function coloringRule(ctx: FieldContext, row: number): string | null {
  if (!compiled) {
    compiled = [];
    for (const [name, text] of RULES) {
      const c = compileFilter(text, fields());
      if (c.ok) compiled.push({ name, filter: c.filter });
    }
  }
  for (const r of compiled) if (r.filter.match(ctx, row)) return r.name;
  return null;
}
