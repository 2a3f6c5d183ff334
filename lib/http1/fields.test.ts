import { expect, it } from 'vitest';
import { describeCorpus, listCorpus, REAL_CAPTURES } from '../../tests/shared';
import { hasTshark, unexplained } from '../../tests/tshark-fields';

const FIELDS = [
  'http',
  'http.request',
  'http.response',
  'http.request.method',
  'http.request.uri',
  'http.request.version',
  'http.response.code',
  'http.response.phrase',
  'http.host',
  'http.user_agent',
  'http.content_type',
  'http.content_length',
  'http.content_length_header',
  'http.transfer_encoding',
  'http.connection',
  'http.server',
  'http.location',
  'http.upgrade',
  'http.request_in',
  'http.time',
];

/** Where tracelens answers otherwise than tshark, and why. */
const KNOWN: Record<string, string> = {
  // tshark keys a stream on the 4-tuple alone and sees each VLAN copy as a retransmission, so it
  // dissects HTTP once where tracelens (one connection per VLAN) finds it twice.
  'zeek-vlan-collisions.pcap *': 'the same tuple on two VLANs',
  // After a CONNECT tshark labels every tunnelled payload "http" (data); tracelens hands it on.
  'suricata-http2-errorcode.pcap http': 'tunnel payload after CONNECT',
};

const captures = listCorpus(REAL_CAPTURES).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f));

describeCorpus('http fields against tshark -T fields', () => {
  // http.cookie is left out (its values hold tshark's occurrence separator '|');
  // http.response_in is left out: a one-pass tshark cannot know it (Wireshark's GUI does).
  it.skipIf(!hasTshark())(
    'real captures (with key logs where given): every packet, every occurrence',
    () => {
      expect(unexplained(REAL_CAPTURES, captures, FIELDS, KNOWN)).toEqual([]);
    },
    180_000,
  );
});
