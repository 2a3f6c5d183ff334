// The detectors on Zeek's shared test traces, through the whole pipeline: ordinary traffic, so
// no detector may fail and warnings/errors appear only where the trace shows the problem. (The
// real-program samples and the tshark-checked real captures are covered by tests/unit/.)
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeBytes, AnalysisError } from '../analyze';
import { checkFinding } from './testing';
import { ZEEK_CAPTURES, describeCorpus } from '../../tests/shared';

/** Genuine findings in Zeek's traces, checked with tshark. */
const KNOWN: Record<string, string[]> = {
  'pop3-pop3.pcap': ['tcp.connection-refused'], // every SYN to :110 answered by RST/ACK
  'ldap-simpleauth.pcap': ['tcp.rst-after-idle'], // RST after 181 s of silence, TTL 251 vs 52: a middlebox
  'tcp-retransmit-fast009.pcap': ['tcp.retransmission-burst', 'tcp.rst-after-idle'], // a fast-retransmit test; RST after 60 s
  // The connection stood still 0.80-3.54 s: the server's 69-byte segment resent after 2.74 s unacknowledged (a retransmission timeout).
  'http-connect-with-smtp.pcap': ['tcp.retransmission-burst'],
  // GET / sent to an SSH server: it answers with its banner, not HTTP/1, and closes (tshark: SSH protocol on the reply).
  'http-http-to-ssh.pcap': ['http1.unanswered-request'],
};

describeCorpus('detectors on the Zeek test traces', () => {
  const files = existsSync(ZEEK_CAPTURES)
    ? readdirSync(ZEEK_CAPTURES).filter((f) => /\.pcap(ng)?$/.test(f))
    : [];
  it('has traces', () => expect(files.length).toBeGreaterThan(30));
  for (const f of files) {
    it(f, () => {
      let trace;
      try {
        trace = analyzeBytes(f, new Uint8Array(readFileSync(path.join(ZEEK_CAPTURES, f))));
      } catch (e) {
        expect(e).toBeInstanceOf(AnalysisError);
        return;
      }
      expect(trace.input.warnings.filter((w) => w.startsWith('detector'))).toEqual([]);
      const allowed = KNOWN[f] ?? [];
      // Idle gaps are genuine by definition here (a silence at or above the threshold was seen).
      const unexpected = trace.findings.filter(
        (x) => x.severity !== 'info' && x.kind !== 'tcp.idle-gap-no-keepalive' && !allowed.includes(x.kind),
      );
      expect(unexpected.map((x) => `${x.kind}@${x.connection}: ${x.title}`)).toEqual([]);
      for (const x of trace.findings) expect(checkFinding(x)).toEqual([]);
    });
  }
});
