import { expect, it } from 'vitest';
import { describeCorpus, LAB_DIR, listCorpus, REAL_CAPTURES } from '../../tests/shared';
import { hasTshark, loadCapture, unexplained } from '../../tests/tshark-fields';
import { fieldIndex, readField } from '../filter/registry';

const FIELDS = [
  'http2',
  'http2.type',
  'http2.streamid',
  'http2.length',
  'http2.flags',
  'http2.flags.end_stream',
  'http2.flags.eh',
  'http2.flags.padded',
  'http2.flags.priority',
  'http2.flags.ack.settings',
  'http2.flags.ack.ping',
  'http2.header.name',
  'http2.header.value',
  'http2.headers.method',
  'http2.headers.path',
  'http2.headers.authority',
  'http2.headers.status',
  'http2.headers.content_type',
  'http2.rst_stream.error',
  'http2.goaway.error',
  'http2.goaway.last_stream_id',
  'http2.settings.id',
  'http2.settings.initial_window_size',
  'http2.settings.max_concurrent_streams',
  'http2.settings.max_frame_size',
  'http2.settings.header_table_size',
  'http2.window_update.window_size_increment',
  'grpc',
];

/** Where tracelens answers otherwise than tshark, and why. */
const KNOWN: Record<string, string> = {
  // tshark 4.0 dissects the start of a HEADERS frame longer than the rest of the segment in the
  // packet where it begins (and then no more); tracelens where its last byte arrives.
  'arkime-http2-nghttp2.pcap *': 'a 16 KB HEADERS frame split over segments',
  // tshark decodes each HEADERS/CONTINUATION fragment on its own; tracelens the whole header block
  // on the frame that completes it.
  'suricata-http2-continuation.pcap http2.header.name': 'header block split over CONTINUATION',
  'suricata-http2-continuation.pcap http2.header.value': 'same',
  'suricata-http2-continuation.pcap http2.headers.method': 'same',
  'suricata-http2-continuation.pcap http2.headers.path': 'same',
  'suricata-http2-continuation.pcap http2.headers.authority': 'same',
  // The HTTP2-Settings header of an h2c upgrade request: tshark decodes it as SETTINGS fields.
  'scapy-http2-h2c.pcap http2': 'h2c upgrade: HTTP2-Settings header and the preface packet',
  'scapy-http2-h2c.pcap http2.settings.id': 'same',
  'scapy-http2-h2c.pcap http2.settings.initial_window_size': 'same',
  'scapy-http2-h2c.pcap http2.settings.max_concurrent_streams': 'same',
  'suricata-http2-range.pcap http2': 'same',
  'suricata-http2-range.pcap http2.settings.id': 'same',
  'suricata-http2-range.pcap http2.settings.initial_window_size': 'same',
  'suricata-http2-range.pcap http2.settings.max_concurrent_streams': 'same',
  // Behind TLS the preface's packet is not kept (it is in the first decrypted record).
  'tls12-http2-16-ssl.pcapng http2': 'TLS: the preface packet',
  'tls13-h2-cryptohack.pcapng http2': 'same',
};

const captures = listCorpus(REAL_CAPTURES).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f));

describeCorpus('http2 and grpc fields against tshark -T fields', () => {
  it.skipIf(!hasTshark())(
    'real captures (key logs where given; HTTP/2 on other ports decoded as tshark -d would)',
    () => {
      expect(unexplained(REAL_CAPTURES, captures, FIELDS, KNOWN)).toEqual([]);
    },
    180_000,
  );

  it.skipIf(!hasTshark())(
    'lab captures of real HTTP/2 peers breaking rules (RST, GOAWAY, flow control, HEADERS after END_STREAM)',
    () => {
      const problems: string[] = [];
      for (const [dir, file] of [
        ['h2-headers-after-end-stream', 'client.pcap.gz'],
        ['h2-goaway-answered-above-last', 'server.pcap.gz'],
        ['h2-flow-control-overrun', 'client.pcap.gz'],
        ['h2-data-after-rst', 'client.pcap.gz'],
        ['idle-reset-open-stream', 'client.pcap'],
      ])
        problems.push(...unexplained(`${LAB_DIR}/${dir}`, [file], FIELDS, KNOWN));
      expect(problems).toEqual([]);
    },
    120_000,
  );

  it('grpc.status and grpc.path (tracelens names; tshark has none) sit on the HEADERS packets', () => {
    const l = loadCapture(`${REAL_CAPTURES}/grpc-go-server-streaming.pcapng`);
    const idx = fieldIndex();
    const rows = (name: string): [number, unknown[]][] => {
      const f = idx.get(name);
      if (!f) throw new Error(name);
      const r: [number, unknown[]][] = [];
      for (let row = 0; row < (l.trace.packets?.length ?? 0); row++) {
        const v = readField(l.ctx, f, row);
        if (v.length) r.push([row + 1, v]);
      }
      return r;
    };
    const stream = l.trace.streams.find((s) => s.grpc !== null);
    expect(stream).toBeDefined();
    const status = rows('grpc.status');
    expect(status.length).toBeGreaterThan(0);
    expect(status[0][1]).toEqual([stream?.grpcStatus]);
    expect(rows('grpc.path')[0][1]).toEqual([stream?.path]);
  });
});
