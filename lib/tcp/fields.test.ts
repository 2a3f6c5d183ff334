import { describe, expect, it } from 'vitest';
import { describeCorpus, LAB_DIR, listCorpus, REAL_CAPTURES } from '../../tests/shared';
import { hasTshark, loadCapture, unexplained } from '../../tests/tshark-fields';
import { fieldContext, fieldIndex, readField } from '../filter/registry';
import { analyzeBytes } from '../analyze';
import { buildPcap } from '../capture/test-bytes';

/** A raw-IP (link type 101) IPv4 TCP packet. */
function segment(o: {
  src: number;
  dst: number;
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  flags: number;
  payload?: string;
}): Uint8Array {
  const payload = new TextEncoder().encode(o.payload ?? '');
  const b = new Uint8Array(40 + payload.length);
  const dv = new DataView(b.buffer);
  b.set([0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 6]);
  dv.setUint16(2, b.length);
  dv.setUint32(12, o.src);
  dv.setUint32(16, o.dst);
  dv.setUint16(20, o.sport);
  dv.setUint16(22, o.dport);
  dv.setUint32(24, o.seq);
  dv.setUint32(28, o.ack ?? 0);
  b[32] = 0x50;
  b[33] = o.flags;
  dv.setUint16(34, 64240);
  b.set(payload, 40);
  return b;
}

const FIELDS = [
  'tcp',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.port',
  'tcp.stream',
  'tcp.len',
  'tcp.seq',
  'tcp.seq_raw',
  'tcp.nxtseq',
  'tcp.ack',
  'tcp.ack_raw',
  'tcp.hdr_len',
  'tcp.flags',
  'tcp.flags.fin',
  'tcp.flags.syn',
  'tcp.flags.reset',
  'tcp.flags.push',
  'tcp.flags.ack',
  'tcp.flags.urg',
  'tcp.flags.ece',
  'tcp.flags.cwr',
  'tcp.window_size_value',
  'tcp.window_size',
  'tcp.window_size_scalefactor',
  'tcp.payload',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.sack_perm',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
  'tcp.time_relative',
  'tcp.time_delta',
  'tcp.analysis.flags',
  'tcp.analysis.retransmission',
  'tcp.analysis.fast_retransmission',
  'tcp.analysis.spurious_retransmission',
  'tcp.analysis.out_of_order',
  'tcp.analysis.duplicate_ack',
  'tcp.analysis.zero_window',
  'tcp.analysis.zero_window_probe',
  'tcp.analysis.window_full',
  'tcp.analysis.window_update',
  'tcp.analysis.keep_alive',
  'tcp.analysis.keep_alive_ack',
  'tcp.analysis.lost_segment',
  'tcp.analysis.ack_lost_segment',
  'tcp.analysis.reused_ports',
];

/** Where tracelens answers otherwise than tshark, and why. */
const KNOWN: Record<string, string> = {
  // tshark keys a stream on the 4-tuple alone: the same tuple on two VLANs is one stream there, so
  // each packet's copy on the other VLAN looks like a retransmission to it; tracelens keeps two
  // connections (tcp.stream still maps both to tshark's number).
  'zeek-vlan-collisions.pcap tcp.analysis.flags': 'VLAN copies are not retransmissions',
  'zeek-vlan-collisions.pcap tcp.analysis.retransmission': 'same',
  'zeek-vlan-collisions.pcap tcp.analysis.spurious_retransmission': 'same',
  'zeek-vlan-collisions.pcap tcp.analysis.duplicate_ack': 'same',
  'zeek-vlan-collisions.pcap tcp.analysis.keep_alive': 'same',
  // An injected segment with reserved bits set, which tshark takes for a new sequence space.
  'zeek-tcp-rst-inject.pcap *': 'an injected RST with reserved flag bits',
  // The TCP header of a reassembled IP datagram is not in the bytes of the packet that completed it.
  'ipv4_fragmented-4.pcap tcp.payload': 'TCP in a reassembled datagram',
  'ipv6-http-atomic-frag.pcap tcp.payload': 'same',
  'ipv4_fragmented-syn.pcap tcp.options.mss_val': 'same',
  'ipv4_fragmented-syn.pcap tcp.options.wscale.shift': 'same',
  'ipv4_fragmented-syn.pcap tcp.options.sack_perm': 'same',
  'ipv4_fragmented-syn.pcap tcp.options.timestamp.tsval': 'same',
  'ipv4_fragmented-syn.pcap tcp.options.timestamp.tsecr': 'same',
  'tunnels_gre-sample.pcap *': 'an ICMP error quoting a TCP header',
  'erspan.pcap *': 'ERSPAN frames tshark reads with a heuristic the decoder does not follow',
};

const captures = (dir: string): string[] => listCorpus(dir).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f));

describeCorpus('tcp fields against tshark -T fields', () => {
  it.skipIf(!hasTshark())(
    'real captures: every packet, every occurrence',
    () => {
      expect(unexplained(REAL_CAPTURES, captures(REAL_CAPTURES), FIELDS, KNOWN)).toEqual([]);
    },
    180_000,
  );
  it.skipIf(!hasTshark())(
    'lab captures: tunnels, fragments, TCP options, port reuse',
    () => {
      const problems: string[] = [];
      for (const sub of ['link-zeek', 'benign-tcp-stack-options', 'benign-port-reuse']) {
        const dir = `${LAB_DIR}/${sub}`;
        problems.push(...unexplained(dir, captures(dir), FIELDS, KNOWN));
      }
      expect(problems).toEqual([]);
    },
    300_000,
  );
  it('tcp.stream equals tshark numbering also where VLANs split a tuple into two connections', () => {
    const l = loadCapture(`${REAL_CAPTURES}/zeek-ldap-126-interfaces.pcapng`);
    const f = fieldIndex().get('tcp.stream');
    expect(l.trace.connections.length).toBe(2);
    const streams = new Set<unknown>();
    for (let row = 0; row < (l.trace.packets?.length ?? 0); row++)
      if (f) streams.add(readField(l.ctx, f, row)[0]);
    expect([...streams]).toEqual([0]);
  });
});

describe('tcp fields without the packet bytes', () => {
  it('answer from the columns; byte-level fields are absent', () => {
    const [a, b] = [0x0a000001, 0x0a000002];
    const pcap = buildPcap({
      linkType: 101,
      records: [
        segment({ src: a, dst: b, sport: 40000, dport: 80, seq: 1000, flags: 0x02 }),
        segment({ src: b, dst: a, sport: 80, dport: 40000, seq: 5000, ack: 1001, flags: 0x12 }),
        segment({
          src: a,
          dst: b,
          sport: 40000,
          dport: 80,
          seq: 1001,
          ack: 5001,
          flags: 0x18,
          payload: 'GET / HTTP/1.1\r\n\r\n',
        }),
      ].map((data, i) => ({ sec: 1, sub: i, data })),
    });
    const trace = analyzeBytes('t.pcap', pcap);
    const ctx = fieldContext(trace);
    const idx = fieldIndex();
    const read = (name: string, row: number) => {
      const f = idx.get(name);
      if (!f) throw new Error(name);
      return readField(ctx, f, row);
    };
    expect(read('tcp.seq', 2)).toEqual([1]);
    expect(read('tcp.ack', 2)).toEqual([1]);
    expect(read('tcp.seq_raw', 1)).toEqual([5000]);
    expect(read('tcp.srcport', 1)).toEqual([80]);
    expect(read('tcp.len', 2)).toEqual([18]);
    expect(read('tcp.nxtseq', 2)).toEqual([19]);
    expect(read('tcp.flags.push', 2)).toEqual([true]);
    expect(read('ip.src', 1)).toEqual([0x0a000002]);
    expect(read('tcp.payload', 2)).toEqual([]);
    expect(read('tcp.window_size_scalefactor', 2)).toEqual([-1]);
  });
});
