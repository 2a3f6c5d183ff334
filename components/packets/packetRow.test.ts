// The packet list's rows and colouring against tshark on the repository's samples: the Protocol and
// Info columns of every TCP-only packet as tshark prints them (tshark's `_ws.col.*`), and the
// colouring rule tshark applies with --color (`frame.coloring_rule.name`).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeBytes } from '@/lib/analyze';
import { fieldContext } from '@/lib/filter/registry';
import { coloringRule, packetRow } from './packetRow';

const SAMPLES = [
  'deadline-cut',
  'healthy-h2c',
  'idle-reset-nat',
  'connect-refused-timeout',
  'http1-socket-swap',
];
let tshark = true;
try {
  execFileSync('tshark', ['--version'], { stdio: 'ignore' });
} catch {
  tshark = false;
}
if (!tshark) console.log('packetRow.test: tshark not found, the comparisons with tshark are skipped');

function load(name: string) {
  const path = join(__dirname, '../../public/samples', `${name}.pcap`);
  const bytes = new Uint8Array(readFileSync(path));
  const trace = analyzeBytes(`${name}.pcap`, bytes);
  const p = trace.packets!;
  const ctx = fieldContext(trace, (r) => bytes.subarray(p.fileOffset[r], p.fileOffset[r] + p.caplen[r]));
  return { path, trace, ctx };
}
function tsharkColumns(path: string, ...fields: string[]): string[][] {
  const args = ['-r', path, '--color', '-T', 'fields', '-E', 'separator=\t'];
  for (const f of fields) args.push('-e', f);
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .trimEnd()
    .split('\n')
    .map((l) => l.split('\t'));
}

describe.skipIf(!tshark)('packet list rows as tshark prints them', () => {
  for (const name of SAMPLES) {
    it(`${name}: Info of TCP segments, addresses, lengths`, () => {
      const { path, trace, ctx } = load(name);
      const ts = tsharkColumns(
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
      const { path, trace, ctx } = load(name);
      const ts = tsharkColumns(path, 'frame.coloring_rule.name', '_ws.col.Protocol');
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
