// No false alarms: the shared real captures are ordinary traffic, so they produce no warning or
// error finding — except where the capture really shows the problem, listed here with the proof.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Analyzer, AnalysisError } from '../../lib/analyze';
import { REAL_CAPTURES, describeCorpus, listCorpus } from '../shared';

/** capture -> "kind@connection" findings it must produce, and why they are real. */
const REAL_PROBLEMS: Record<string, { findings: string[]; why: string }> = {
  'suricata-http2-errorcode.pcap': {
    findings: ['h2.goaway-error@c1', 'h2.goaway-error@c2'],
    why:
      "Suricata's error-code test: on both the direct h2 connection and the one tunnelled through CONNECT, the client ends with GOAWAY INTERNAL_ERROR. " +
      "(It never ACKs the server's SETTINGS either, but that is not certain enough to report: its only frames after its TCP had the SETTINGS are an END_STREAM DATA 67 µs later, queued with the request, and the GOAWAY, 0.8 ms later — a peer that closes, not one that ignores the SETTINGS.)",
  },
  'suricata-http2-range.pcap': {
    findings: [],
    why: "Nothing certain. (tshark lists no SETTINGS ACK from the server on the h2c-upgrade connection c3, but the server's frames after its TCP acknowledged the client's SETTINGS came within 0.25 ms — its own SETTINGS and the answer to the upgraded request, which it may have written before reading the preface — and the client closed 0.1 ms later.)",
  },
  'tls12-http2-16-ssl.pcapng': {
    findings: ['tcp.connection-refused@c1'],
    why: 'nghttp tries [::1]:443 first; that SYN is answered by RST/ACK (nothing listens on IPv6), then it connects over IPv4.',
  },
};

const files = listCorpus(REAL_CAPTURES)
  .filter((f) => /\.(pcap|pcapng)$/.test(f))
  .sort();

describeCorpus('shared real captures: warnings and errors only where the capture shows the problem', () => {
  for (const f of files) {
    it(f, () => {
      const bytes = new Uint8Array(readFileSync(path.join(REAL_CAPTURES, f)));
      const keys = path.join(REAL_CAPTURES, f.replace(/\.(pcap|pcapng)$/, '.keys'));
      const a = new Analyzer({
        name: f,
        size: bytes.length,
        keylog: existsSync(keys) ? readFileSync(keys, 'utf8') : undefined,
      });
      let findings: string[];
      try {
        a.push(bytes);
        findings = a
          .finish()
          .findings.filter((x) => x.severity !== 'info')
          .map((x) => `${x.kind}@${x.connection}`);
      } catch (e) {
        expect(e).toBeInstanceOf(AnalysisError);
        return;
      }
      expect(findings.sort()).toEqual([...(REAL_PROBLEMS[f]?.findings ?? [])].sort());
    });
  }
});
