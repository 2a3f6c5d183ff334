/**
 * Per-packet check against a live tshark (skipped when tshark is not installed): for every TCP
 * packet of every shared capture, the tcp.analysis.* flags tracelens sets must equal tshark's, and
 * packets must be grouped into connections the way tshark numbers tcp.stream (except where
 * tracelens splits a stream by VLAN, see truth.test.ts).
 *
 * Developed against TShark 4.0.17 (the version of the truth files): 0 differences.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_CAPTURES, ZEEK_CAPTURES, HAS_CORPUS, listCorpus } from '../../tests/shared';
import * as P from '../packets';
import { type NetworkDecoder, trackCapture } from './run';

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const FIELDS: [string, number][] = [
  ['tcp.analysis.retransmission', P.A_RETRANSMISSION | P.A_FAST_RETRANSMISSION | P.A_SPURIOUS_RETRANSMISSION],
  ['tcp.analysis.fast_retransmission', P.A_FAST_RETRANSMISSION],
  ['tcp.analysis.spurious_retransmission', P.A_SPURIOUS_RETRANSMISSION],
  ['tcp.analysis.out_of_order', P.A_OUT_OF_ORDER],
  ['tcp.analysis.duplicate_ack', P.A_DUP_ACK],
  ['tcp.analysis.keep_alive', P.A_KEEP_ALIVE],
  ['tcp.analysis.keep_alive_ack', P.A_KEEP_ALIVE_ACK],
  ['tcp.analysis.lost_segment', P.A_LOST_SEGMENT],
  ['tcp.analysis.zero_window', P.A_ZERO_WINDOW],
  ['tcp.analysis.zero_window_probe', P.A_ZERO_WINDOW_PROBE],
  ['tcp.analysis.window_full', P.A_WINDOW_FULL],
  ['tcp.analysis.window_update', P.A_WINDOW_UPDATE],
];

const withoutVlan =
  (d: NetworkDecoder): NetworkDecoder =>
  (lt, data) => {
    const n = d(lt, data);
    return 'reason' in n ? n : { ...n, vlan: [] };
  };
const totals = { packets: 0, checks: 0 };

/** Captures where one tshark stream is several tracelens connections (VLAN ids differ). */
const VLAN_SPLIT = new Set(['zeek-vlan-collisions.pcap', 'zeek-ldap-126-interfaces.pcapng']);

const files = [
  ...listCorpus(REAL_CAPTURES).map((f) => path.join(REAL_CAPTURES, f)),
  ...listCorpus(ZEEK_CAPTURES).map((f) => path.join(ZEEK_CAPTURES, f)),
]
  .filter((f) => /\.(pcap|pcapng)$/.test(f) && !f.endsWith('suricata-fuzz-corrupt.pcap'))
  .sort();

describe.skipIf(!hasTshark() || !HAS_CORPUS)('tcp.analysis flags and tcp.stream vs live tshark', () => {
  it.each(files)('%s', (file) => {
    const out = execFileSync(
      'tshark',
      [
        '-r',
        file,
        '-Y',
        'tcp',
        '-T',
        'fields',
        '-e',
        'frame.number',
        '-e',
        'tcp.stream',
        ...FIELDS.flatMap(([f]) => ['-e', f]),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    // Where VLANs split a stream, run with VLAN ids removed: that is tshark's keying, and then
    // its flags (which treat the copies on other VLANs as retransmissions) must be reproduced too.
    const split = VLAN_SPLIT.has(path.basename(file));
    const r = trackCapture(new Uint8Array(readFileSync(file)), split ? { decode: withoutVlan } : {});
    const diffs: string[] = [];
    let packets = 0;
    const streamToConns = new Map<string, Set<number>>();
    const connToStreams = new Map<number, Set<string>>();
    for (const line of out.split('\n')) {
      if (!line) continue;
      const cols = line.split('\t');
      const row = Number(cols[0]) - 1;
      packets++;
      const a = r.packets.analysis[row];
      FIELDS.forEach(([name, bits], i) => {
        const want = cols[i + 2] !== '';
        const got = (a & bits) !== 0;
        if (want !== got && diffs.length < 20)
          diffs.push(`packet ${cols[0]} ${name}: tshark ${want}, tracelens ${got}`);
      });
      const conn = r.packets.conn[row];
      (streamToConns.get(cols[1]) ?? streamToConns.set(cols[1], new Set()).get(cols[1]))?.add(conn);
      (connToStreams.get(conn) ?? connToStreams.set(conn, new Set()).get(conn))?.add(cols[1]);
    }
    expect(diffs).toEqual([]);
    // Packets are grouped into connections exactly as tshark numbers tcp.stream.
    for (const [conn, streams] of connToStreams) expect([conn, streams.size]).toEqual([conn, 1]);
    for (const [stream, conns] of streamToConns) expect([stream, conns.size]).toEqual([stream, 1]);
    totals.packets += packets;
    totals.checks += packets * FIELDS.length;
  });

  it('reports the totals', () => {
    console.log(`live tshark: ${totals.packets} TCP packets, ${totals.checks} flag checks, all equal`);
  });
});
