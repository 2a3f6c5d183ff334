// `tracelens packets` and `analyze --filter` as a user runs them.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import path from 'node:path';
import { main } from './tracelens';
import { LAB_DIR, REAL_CAPTURES, itCorpus } from '../tests/shared';
import { hasTshark } from '../tests/tshark-fields';

class Sink extends Writable {
  text = '';
  _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new Sink();
  const err = new Sink();
  const code = await main(args, out, err);
  return { code, out: out.text, err: err.text };
}

const SAMPLE = path.join(__dirname, '../samples/tls/h2-tls13.pcap');

/** Frame numbers tshark -Y selects. */
function tsharkNumbers(file: string, filter: string, extra: string[] = []): number[] {
  const r = spawnSync('tshark', ['-r', file, ...extra, '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
  return r.stdout.toString().split('\n').filter(Boolean).map(Number);
}

describe('tracelens packets', () => {
  it('lists every packet, one line each, as tshark does', async () => {
    const r = await run(['packets', SAMPLE]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    expect(lines[0]).toMatch(/^\s+1\s+0\.000000\s+\S+ → \S+\s+TCP \d+ \d+ → \d+ \[SYN\] Seq=0 Win=\d+ Len=0/);
    expect(lines.map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual(lines.map((_, i) => i + 1));
  });

  it('--json prints the contract array', async () => {
    const r = await run(['packets', SAMPLE, '-Y', 'tcp.flags.syn == 1', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Record<string, unknown>[];
    expect(rows.length).toBe(2);
    expect(Object.keys(rows[0])).toEqual(['number', 'timeS', 'src', 'dst', 'protocol', 'length', 'info']);
    expect(rows[0]).toMatchObject({ number: 1, timeS: 0, protocol: 'TCP' });
    const none = await run(['packets', SAMPLE, '-Y', 'udp', '--json']);
    expect(JSON.parse(none.out)).toEqual([]);
  });

  it('an invalid filter exits 2 with one line saying what and where', async () => {
    const r = await run(['packets', SAMPLE, '-Y', 'tcp.port == 443 &&']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^tracelens: invalid filter at column \d+: /);
    const typo = await run(['packets', SAMPLE, '-Y', 'tcp.prot == 1']);
    expect(typo.code).toBe(2);
    expect(typo.err).toContain('column 1');
    expect(typo.err).toContain('tcp.port');
  });

  it('usage errors and unreadable input', async () => {
    expect((await run(['packets'])).code).toBe(2);
    expect((await run(['packets', SAMPLE, '--bogus'])).code).toBe(2);
    const missing = await run(['packets', '/nonexistent/x.pcap']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^tracelens: cannot read/);
  });

  itCorpus(
    'selects the packets tshark -Y selects, byte-level fields included (gzip capture too)',
    async () => {
      if (!hasTshark()) return;
      const cases: [string, string, string[]][] = [
        [
          `${REAL_CAPTURES}/zeek-http-pipelined-requests.pcap`,
          'http.request.method == "GET" && tcp.len > 380',
          [],
        ],
        [
          `${REAL_CAPTURES}/tls13-illustrated.pcap`,
          'tls.handshake.type == 1 || tcp.flags.syn == 1',
          ['-o', 'tls.keylog_file:'],
        ],
        [`${REAL_CAPTURES}/zeek-vlan-collisions.pcap`, 'vlan.id == 10 && eth.src', []],
        [`${LAB_DIR}/link-vxlan/vxlan.pcap.gz`, 'udp.dstport == 4789 && tcp.window_size > 70000', []],
        [
          `${REAL_CAPTURES}/grpc-go-server-streaming.pcapng`,
          'http2.type == 0 && tcp.srcport == 50051',
          ['-d', 'tcp.port==50051,http2'],
        ],
      ];
      for (const [file, filter, extra] of cases) {
        const want = tsharkNumbers(file, filter, extra);
        const r = await run(['packets', file, '-Y', filter, '--json']);
        expect(r.code, r.err).toBe(0);
        const got = (JSON.parse(r.out) as { number: number }[]).map((x) => x.number);
        expect(got, `${path.basename(file)}: ${filter}`).toEqual(want);
        expect(want.length).toBeGreaterThan(0);
      }
    },
    120_000,
  );
});

describe('tracelens analyze --filter', () => {
  itCorpus('keeps the connections, exchanges and findings with a matching packet', async () => {
    const file = `${REAL_CAPTURES}/zeek-http-pipelined-requests.pcap`;
    const all = JSON.parse((await run(['analyze', file, '--json'])).out) as { exchanges: unknown[] };
    const r = await run(['analyze', file, '--json', '--filter', 'http.request.uri contains "urchin"']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { connections: unknown[]; exchanges: { path: string }[] };
    expect(all.exchanges.length).toBeGreaterThan(1);
    expect(doc.exchanges.map((x) => x.path)).toEqual(['/script/urchin.js']);
    expect(doc.connections).toHaveLength(1);
    const nothing = JSON.parse((await run(['analyze', file, '--json', '--filter', 'udp'])).out) as {
      connections: unknown[];
      findings: unknown[];
    };
    expect(nothing.connections).toEqual([]);
    expect(nothing.findings).toEqual([]);
  });

  it('an invalid filter exits 2 before reading the capture', async () => {
    const r = await run(['analyze', '/nonexistent/x.pcap', '--filter', 'tcp.port ==']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tracelens: invalid filter at column \d+/);
  });
});
