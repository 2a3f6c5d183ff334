// The packet list's rows and colouring rules against tshark: Protocol and Info (`_ws.col.*`) on the
// real-capture corpus, every column of the TCP segments and the colouring rule tshark applies with
// --color (`frame.coloring_rule.name`) on the repository's samples, and hand-made segments.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeCorpus, listCorpus, REAL_CAPTURES } from '../tests/shared';
import { decodeAsArgs, hasTshark, loadCapture } from '../tests/tshark-fields';
import { fieldContext } from './filter/registry';
import { coloringRule, packetRow } from './packet-list';
import { analyzeBytes } from './analyze';
import { buildPcap } from './capture/test-bytes';

/** tshark's Protocol and Info columns, one [protocol, info] per packet. */
function tsharkColumns(file: string, extra: string[]): Map<number, [string, string]> {
  const run = spawnSync(
    'tshark',
    [
      '-r',
      file,
      '-o',
      'tls.keylog_file:',
      ...extra,
      '-T',
      'fields',
      '-e',
      'frame.number',
      '-e',
      '_ws.col.Protocol',
      '-e',
      '_ws.col.Info',
    ],
    { maxBuffer: 1 << 30 },
  );
  const m = new Map<number, [string, string]>();
  for (const line of run.stdout.toString().split('\n')) {
    const [n, proto, info] = line.split('\t');
    if (n) m.set(Number(n), [proto, info ?? '']);
  }
  return m;
}

function compare(name: string): { same: number; total: number; first: string[] } {
  const file = `${REAL_CAPTURES}/${name}`;
  const l = loadCapture(file);
  const cols = tsharkColumns(file, decodeAsArgs(l.trace));
  let same = 0;
  const first: string[] = [];
  for (const [n, [proto, info]] of cols) {
    const r = packetRow(l.ctx, n - 1);
    if (r.protocol === proto && r.info === info) same++;
    else if (first.length < 3) first.push(`#${n}: tshark ${proto} "${info}", ours ${r.protocol} "${r.info}"`);
  }
  return { same, total: cols.size, first };
}

describeCorpus('packet list against tshark one-line output', () => {
  it.skipIf(!hasTshark())(
    'exact Protocol and Info on captures of TCP, TLS 1.2/1.3, HTTP/1 and gRPC',
    () => {
      for (const name of [
        'tcpdump-tcp-handshake-nano.pcap',
        'tls12-http1-keylog-zeek.pcap',
        'tls12-http2-16-ssl.pcapng',
        'tls13-illustrated.pcap',
        'grpc-go-bidi-streaming.pcapng',
      ]) {
        const r = compare(name);
        expect(r.first, name).toEqual([]);
        expect(r.same).toBe(r.total);
      }
    },
    120_000,
  );

  it.skipIf(!hasTshark())(
    'nine rows in ten the same over the whole corpus',
    () => {
      let same = 0;
      let total = 0;
      for (const name of listCorpus(REAL_CAPTURES).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f))) {
        const r = compare(name);
        same += r.same;
        total += r.total;
      }
      // Known differences: tshark's media sniffing ("(PNG)"), its SSH and LDAP dissectors, HTTP/2
      // settings of an h2c upgrade, and the VLAN-keyed connections of zeek-vlan-collisions.
      expect(same / total).toBeGreaterThan(0.9);
    },
    180_000,
  );
});

describe('packet rows and colouring rules', () => {
  const seg = (
    src: number,
    dst: number,
    sport: number,
    dport: number,
    seq: number,
    ack: number,
    flags: number,
  ) => {
    const b = new Uint8Array(40);
    const dv = new DataView(b.buffer);
    b.set([0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6]);
    dv.setUint32(12, src);
    dv.setUint32(16, dst);
    dv.setUint16(20, sport);
    dv.setUint16(22, dport);
    dv.setUint32(24, seq);
    dv.setUint32(28, ack);
    b[32] = 0x50;
    b[33] = flags;
    dv.setUint16(34, 1000);
    return b;
  };
  const A = 0xc0a80001;
  const B = 0xc0a80002;
  const pcap = buildPcap({
    linkType: 101,
    records: [
      seg(A, B, 5000, 8443, 100, 0, 0x02),
      seg(B, A, 8443, 5000, 900, 101, 0x12),
      seg(A, B, 5000, 8443, 101, 901, 0x10),
      seg(B, A, 8443, 5000, 901, 101, 0x14),
    ].map((data, i) => ({ sec: 1, sub: i * 1000, data })),
  });
  const trace = analyzeBytes('t.pcap', pcap);

  it('TCP rows read like tshark with or without the packet bytes', () => {
    const ctx = fieldContext(trace);
    expect(packetRow(ctx, 1)).toEqual({
      number: 2,
      timeS: 0.001,
      src: '192.168.0.2',
      dst: '192.168.0.1',
      protocol: 'TCP',
      length: 40,
      info: '8443 → 5000 [SYN, ACK] Seq=0 Ack=1 Win=1000 Len=0',
    });
    expect(packetRow(ctx, 3).info).toBe('8443 → 5000 [RST, ACK] Seq=1 Ack=1 Win=1000 Len=0');
  });

  it('colours SYN/FIN, RST and plain TCP as Wireshark does', () => {
    const ctx = fieldContext(trace);
    expect([0, 1, 2, 3].map((r) => coloringRule(ctx, r))).toEqual([
      'TCP SYN/FIN',
      'TCP SYN/FIN',
      'TCP',
      'TCP RST',
    ]);
  });
});

const SAMPLES = [
  'deadline-cut',
  'healthy-h2c',
  'idle-reset-nat',
  'connect-refused-timeout',
  'http1-socket-swap',
];
if (!hasTshark()) console.log('packet-list.test: tshark not found, the comparisons with tshark are skipped');

function loadSample(name: string) {
  const path = join(__dirname, '../public/samples', `${name}.pcap`);
  const bytes = new Uint8Array(readFileSync(path));
  const trace = analyzeBytes(`${name}.pcap`, bytes);
  const p = trace.packets!;
  const ctx = fieldContext(trace, (r) => bytes.subarray(p.fileOffset[r], p.fileOffset[r] + p.caplen[r]));
  return { path, trace, ctx };
}

function tsharkFields(path: string, ...fields: string[]): string[][] {
  const args = ['-r', path, '--color', '-T', 'fields', '-E', 'separator=\t'];
  for (const f of fields) args.push('-e', f);
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .trimEnd()
    .split('\n')
    .map((l) => l.split('\t'));
}

describe.skipIf(!hasTshark())('packet list rows of the samples as tshark prints them', () => {
  for (const name of SAMPLES) {
    it(`${name}: Info of TCP segments, addresses, lengths`, () => {
      const { path, trace, ctx } = loadSample(name);
      const ts = tsharkFields(
        path,
        '_ws.col.Protocol',
        '_ws.col.Info',
        '_ws.col.Source',
        '_ws.col.Destination',
        'frame.len',
      );
      expect(ts.length).toBe(trace.packets!.length);
      let compared = 0;
      for (let r = 0; r < ts.length; r++) {
        const [proto, info, src, dst, len] = ts[r];
        const row = packetRow(ctx, r);
        expect([row.number, row.src, row.dst, row.length]).toEqual([r + 1, src, dst, Number(len)]);
        // tshark shows the start of a PDU it is still reassembling by its first line; tracelens
        // shows that segment as TCP and the PDU where it completes.
        if (proto !== 'TCP' || info.includes('[TCP segment of a reassembled PDU]')) continue;
        // tshark decodes HTTP/2 on its known ports only (h2c on 7810 is TCP there).
        if (row.protocol === 'HTTP2' || row.protocol === 'GRPC') continue;
        expect(`${r + 1} ${row.protocol} ${row.info}`).toBe(
          `${r + 1} ${proto} ${info.replace(/\s+/g, ' ').trim()}`,
        );
        compared++;
      }
      expect(compared).toBeGreaterThanOrEqual(ts.length / 2);
    });

    it(`${name}: Wireshark's default colouring rule`, () => {
      const { path, trace, ctx } = loadSample(name);
      const ts = tsharkFields(path, 'frame.coloring_rule.name', '_ws.col.Protocol');
      for (let r = 0; r < trace.packets!.length; r++) {
        const [rule, proto] = ts[r];
        const ours = coloringRule(ctx, r);
        // tshark decodes HTTP/2 on its known ports only: h2c elsewhere is "TCP" there, "HTTP" here.
        if (rule === 'TCP' && ours === 'HTTP' && proto === 'TCP') continue;
        expect(`${r + 1} ${ours}`).toBe(`${r + 1} ${rule}`);
      }
    });
  }
});
