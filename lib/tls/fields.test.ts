import { describe, expect, it } from 'vitest';
import { describeCorpus, listCorpus, REAL_CAPTURES, LAB_DIR } from '../../tests/shared';
import { hasTshark, loadCapture, unexplained } from '../../tests/tshark-fields';
import { fieldContext, fieldIndex, readField } from '../filter/registry';

const FIELDS = [
  'tls',
  'tls.record.content_type',
  'tls.record.opaque_type',
  'tls.record.version',
  'tls.record.length',
  'tls.handshake.type',
  'tls.handshake.extensions_server_name',
  'tls.handshake.extensions_alpn_str',
];

/** Where tracelens answers otherwise than tshark, and why. */
const KNOWN: Record<string, string> = {};

const tlsCaptures = listCorpus(REAL_CAPTURES).filter((f) => /^tls.*\.(pcap|pcapng)(\.gz)?$/.test(f));

describeCorpus('tls fields against tshark -T fields (records as on the wire, no key log)', () => {
  it.skipIf(!hasTshark())(
    'real TLS 1.2 and 1.3 captures',
    () => {
      expect(unexplained(REAL_CAPTURES, tlsCaptures, FIELDS, KNOWN, { keys: false })).toEqual([]);
    },
    120_000,
  );
  it.skipIf(!hasTshark())(
    'lab: Node and httpx clients over TLS',
    () => {
      const dir = `${LAB_DIR}/benign-tls-keylog`;
      expect(unexplained(dir, ['client.pcap.gz', 'httpx.pcap.gz'], FIELDS, KNOWN, { keys: false })).toEqual(
        [],
      );
    },
    120_000,
  );
});

describe('tls fields without the packet bytes', () => {
  it('are absent (the records cannot be read)', () => {
    if (!tlsCaptures.length) return;
    const l = loadCapture(`${REAL_CAPTURES}/${tlsCaptures[0]}`);
    const ctx = fieldContext(l.trace);
    const f = fieldIndex().get('tls.record.content_type');
    if (!f) throw new Error('no field');
    for (let row = 0; row < (l.trace.packets?.length ?? 0); row++) expect(readField(ctx, f, row)).toEqual([]);
  });
});
