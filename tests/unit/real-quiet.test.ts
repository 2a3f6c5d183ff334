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
    findings: [
      'h2.settings-unacked@c1',
      'h2.goaway-error@c1',
      'h2.settings-unacked@c2',
      'h2.goaway-error@c2',
    ],
    why: "Suricata's error-code test: on both the direct h2 connection and the one tunnelled through CONNECT, the client never ACKs the server's SETTINGS (it keeps sending HEADERS and DATA) and ends with GOAWAY INTERNAL_ERROR.",
  },
  'suricata-http2-range.pcap': {
    findings: ['h2.settings-unacked@c3'],
    why: "tshark's truth lists the client's SETTINGS (frame 54) and the client's ACK (63), but no SETTINGS ACK from the server on that connection, although the server goes on sending HEADERS, DATA and RST_STREAM.",
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
