/**
 * Test helper: a few packets described as objects and a small set of fields over them (one of
 * each field type and the repeated fields that make quantifiers matter), so the language is tested
 * on its own, independently of the real layers.
 */
import { PacketTable } from '../packets';
import type { Trace } from '../trace';
import { ipv6Bytes, parseEther, parseIpv4 } from './literals';
import { FieldIndex } from './field-index';
import type { FieldContext, FieldDef, FieldLayer, FieldType, FieldValue } from './types';

export interface TestPacket {
  time?: number;
  len?: number;
  eth?: { src: string; dst: string };
  ip?: { src: string; dst: string };
  ipv6?: { src: string; dst: string };
  tcp?: { srcport: number; dstport: number; flags?: number; payload?: string; retransmission?: boolean };
  udp?: { srcport: number; dstport: number };
  http?: { method?: string; uri?: string; host?: string };
  /** HTTP/2 frame types in the packet (several frames per packet repeat the field). */
  http2?: number[];
  /** A signed test field (`test.delta`). */
  delta?: number;
}

const KEY = 'test-fields';
const pkts = (ctx: FieldContext): TestPacket[] => ctx.cache.get(KEY) as TestPacket[];

const ip4 = (s: string): number => {
  const r = parseIpv4(s);
  if (!r.ok) throw new Error(r.message);
  return r.value.net;
};
const mac = (s: string): Uint8Array => {
  const r = parseEther(s);
  if (!r.ok) throw new Error(r.message);
  return r.value;
};
const ip6 = (s: string): Uint8Array => {
  const b = ipv6Bytes(s);
  if (!b) throw new Error(`bad IPv6 ${s}`);
  return b;
};

function field(
  name: string,
  type: FieldType,
  get: (p: TestPacket, row: number) => FieldValue | FieldValue[] | undefined,
  valueNames?: Record<number, string>,
): FieldDef {
  return {
    name,
    type,
    title: name,
    valueNames,
    read(ctx, row, out) {
      const v = get(pkts(ctx)[row], row);
      if (v === undefined) return;
      if (Array.isArray(v)) for (const x of v) out.push(x);
      else out.push(v);
    },
  };
}

const payloadBytes = (p: TestPacket) =>
  p.tcp?.payload !== undefined ? new TextEncoder().encode(p.tcp.payload) : undefined;

export const TEST_LAYERS: FieldLayer[] = [
  {
    protocol: 'frame',
    fields: [
      field('frame', 'bytes', (p) => payloadBytes(p) ?? new Uint8Array(0)),
      field('frame.number', 'uint', (_p, row) => row + 1),
      field('frame.len', 'uint', (p) => p.len ?? 60),
      field('frame.time_relative', 'float', (p, row) => p.time ?? row),
    ],
  },
  {
    protocol: 'eth',
    fields: [
      field('eth', 'none', (p) => (p.eth ? true : undefined)),
      field('eth.src', 'ether', (p) => (p.eth ? mac(p.eth.src) : undefined)),
      field('eth.dst', 'ether', (p) => (p.eth ? mac(p.eth.dst) : undefined)),
      field('eth.addr', 'ether', (p) => (p.eth ? [mac(p.eth.src), mac(p.eth.dst)] : undefined)),
    ],
  },
  {
    protocol: 'ip',
    fields: [
      field('ip', 'none', (p) => (p.ip ? true : undefined)),
      field('ip.src', 'ipv4', (p) => (p.ip ? ip4(p.ip.src) : undefined)),
      field('ip.dst', 'ipv4', (p) => (p.ip ? ip4(p.ip.dst) : undefined)),
      field('ip.addr', 'ipv4', (p) => (p.ip ? [ip4(p.ip.src), ip4(p.ip.dst)] : undefined)),
    ],
  },
  {
    protocol: 'ipv6',
    fields: [
      field('ipv6', 'none', (p) => (p.ipv6 ? true : undefined)),
      field('ipv6.src', 'ipv6', (p) => (p.ipv6 ? ip6(p.ipv6.src) : undefined)),
      field('ipv6.addr', 'ipv6', (p) => (p.ipv6 ? [ip6(p.ipv6.src), ip6(p.ipv6.dst)] : undefined)),
    ],
  },
  {
    protocol: 'tcp',
    fields: [
      field('tcp', 'none', (p) => (p.tcp ? true : undefined)),
      field('tcp.srcport', 'uint', (p) => p.tcp?.srcport),
      field('tcp.dstport', 'uint', (p) => p.tcp?.dstport),
      field('tcp.port', 'uint', (p) => (p.tcp ? [p.tcp.srcport, p.tcp.dstport] : undefined)),
      field('tcp.flags', 'uint', (p) => (p.tcp ? (p.tcp.flags ?? 0x10) : undefined)),
      // A boolean pushed as a JS boolean (the other layers push 0/1): both must work.
      field('tcp.flags.syn', 'bool', (p) => (p.tcp ? ((p.tcp.flags ?? 0x10) & 2) !== 0 : undefined)),
      field('tcp.len', 'uint', (p) => (p.tcp ? (p.tcp.payload?.length ?? 0) : undefined)),
      field('tcp.payload', 'bytes', (p) => (p.tcp?.payload ? payloadBytes(p) : undefined)),
      field('tcp.analysis.retransmission', 'none', (p) => (p.tcp?.retransmission ? true : undefined)),
    ],
  },
  {
    protocol: 'udp',
    fields: [
      field('udp', 'none', (p) => (p.udp ? true : undefined)),
      field('udp.port', 'uint', (p) => (p.udp ? [p.udp.srcport, p.udp.dstport] : undefined)),
    ],
  },
  {
    protocol: 'http',
    fields: [
      field('http', 'none', (p) => (p.http ? true : undefined)),
      field('http.request.method', 'string', (p) => p.http?.method),
      field('http.request.uri', 'string', (p) => p.http?.uri),
      field('http.host', 'string', (p) => p.http?.host),
    ],
  },
  {
    protocol: 'http2',
    fields: [
      field('http2', 'none', (p) => (p.http2 ? true : undefined)),
      field('http2.type', 'uint', (p) => p.http2, {
        0: 'DATA',
        1: 'HEADERS',
        3: 'RST_STREAM',
        4: 'SETTINGS',
        7: 'GOAWAY',
      }),
    ],
  },
  {
    protocol: 'test',
    fields: [
      field('test', 'none', (p) => (p.delta !== undefined ? true : undefined)),
      field('test.delta', 'int', (p) => p.delta),
    ],
  },
];

export const TEST_INDEX = new FieldIndex(TEST_LAYERS);

/** A field context over `packets` (row i = packets[i]). */
export function testContext(packets: TestPacket[]): FieldContext {
  const table = new PacketTable();
  for (let i = 0; i < packets.length; i++) table.add(packets[i].time ?? i, 0, 60, 60, 0, 1);
  const cache = new Map<string, unknown>([[KEY, packets]]);
  return { trace: { packets: table } as unknown as Trace, packets: table, bytes: () => null, cache };
}

/** A small mixed capture: handshake, HTTP/1 requests, HTTP/2, UDP, IPv6, a retransmission. */
export const SAMPLE: TestPacket[] = [
  /* 1 */ {
    eth: { src: '00:11:22:33:44:55', dst: 'aa:bb:cc:dd:ee:ff' },
    ip: { src: '10.0.0.1', dst: '192.168.1.10' },
    tcp: { srcport: 50000, dstport: 80, flags: 0x02 },
  },
  /* 2 */ {
    eth: { src: 'aa:bb:cc:dd:ee:ff', dst: '00:11:22:33:44:55' },
    ip: { src: '192.168.1.10', dst: '10.0.0.1' },
    tcp: { srcport: 80, dstport: 50000, flags: 0x12 },
  },
  /* 3 */ {
    ip: { src: '10.0.0.1', dst: '192.168.1.10' },
    tcp: { srcport: 50000, dstport: 80, payload: 'GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n' },
    http: { method: 'GET', uri: '/index.html', host: 'example.com' },
    len: 1000,
  },
  /* 4 */ {
    ip: { src: '192.168.1.10', dst: '10.0.0.1' },
    tcp: { srcport: 80, dstport: 50000, payload: 'HTTP/1.1 200 OK\r\n\r\n' },
    time: 4.5,
  },
  /* 5 */ {
    ip: { src: '10.0.0.1', dst: '192.168.1.10' },
    tcp: { srcport: 50000, dstport: 80, payload: 'POST /api/v1 HTTP/1.1\r\n\r\n', retransmission: true },
    http: { method: 'POST', uri: '/api/v1' },
    len: 1500,
  },
  /* 6 */ { ip: { src: '172.16.5.4', dst: '8.8.8.8' }, udp: { srcport: 5353, dstport: 53 } },
  /* 7 */ {
    ipv6: { src: '2001:db8::1', dst: 'fe80::2' },
    tcp: { srcport: 443, dstport: 40000, flags: 0x18, payload: 'PRI' },
    http2: [4, 1, 0],
  },
  /* 8 */ {
    ipv6: { src: 'fe80::2', dst: '2001:db8::1' },
    tcp: { srcport: 40000, dstport: 443, flags: 0x14 },
    http2: [7],
  },
  /* 9 */ { delta: -5, time: 9 },
  /* 10 */ {
    ip: { src: '10.1.2.3', dst: '10.1.2.3' },
    tcp: { srcport: 8080, dstport: 8080, flags: 0x04 },
    delta: 3,
  },
];
