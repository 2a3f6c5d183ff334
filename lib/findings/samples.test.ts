// End-to-end check of the detectors on the real-program samples (samples/*/capture.pcap), through
// lib/capture + lib/tcp and lib/http2 (its test-only protocol choice): HTTP/1 parsing is not
// involved yet, so expectations of http1.* kinds are skipped here (tests/unit/samples.test.ts checks everything
// through lib/analyze.ts once the whole pipeline exists). With no HTTP on the connections, the
// deadline detector works at TCP level here — the same cuts must still be found.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { trackCapture } from '../tcp/run';
import { AppResults } from '../stream';
import { TestH2Detector } from '../http2/test-capture';
import { DEFAULT_OPTIONS, type AnalysisOptions, type Finding, type Trace } from '../trace';
import { runDetectors } from './index';
import { checkFinding } from './testing';
import { REAL_CAPTURES, SAMPLES_DIR, ZEEK_CAPTURES } from '../../tests/shared';

const SAMPLES = SAMPLES_DIR;
const TCP_KINDS = /^(tcp\.|http\.slow|h2\.|grpc\.)/;

interface Expected {
  options?: Partial<AnalysisOptions>;
  findings: {
    kind: string;
    severity?: string;
    connection: { serverPort: number; index: number } | null;
    stream?: number | null;
  }[];
  quiet?: boolean;
}

function traceOf(file: string, opts: AnalysisOptions): Trace {
  const buf = new Uint8Array(readFileSync(file));
  const results = new AppResults();
  const r = trackCapture(buf, {
    idleThresholdS: opts.idleThresholdS,
    createParser: (conn) => new TestH2Detector({ conn, results, warn: (m) => conn.warnings.push(m) }),
  });
  const durationS = r.packets.length ? r.packets.time[r.packets.length - 1] : 0;
  return {
    tool: 'tracelens',
    version: '0.1.0',
    input: {
      name: path.basename(file),
      format: 'pcap',
      compression: null,
      bytes: buf.length,
      packets: r.packets.length,
      linkTypes: [],
      start: null,
      durationS,
      warnings: [],
    },
    options: opts,
    connections: r.connections,
    streams: results.streams,
    exchanges: [],
    findings: [],
    h2: results.h2,
    packets: r.packets,
  };
}

const dirs = existsSync(SAMPLES)
  ? readdirSync(SAMPLES).filter(
      (d) =>
        existsSync(path.join(SAMPLES, d, 'expected.json')) &&
        existsSync(path.join(SAMPLES, d, 'capture.pcap')),
    )
  : [];

describe('TCP detectors on the real-program samples', () => {
  for (const name of dirs) {
    it(name, () => {
      const dir = path.join(SAMPLES, name);
      const exp = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
      const opts = { ...DEFAULT_OPTIONS, ...(exp.options ?? {}) };
      const tr = traceOf(path.join(dir, 'capture.pcap'), opts);
      const fs = runDetectors(tr, opts);
      const connOf = (ref: { serverPort: number; index: number } | null) =>
        ref ? tr.connections.filter((c) => c.serverPort === ref.serverPort)[ref.index]?.id : null;
      const match = (f: Finding, e: Expected['findings'][number]) =>
        f.kind === e.kind && f.connection === connOf(e.connection);
      const got = fs.map((f) => `${f.kind}@${f.connection}: ${f.title}`);
      for (const e of exp.findings.filter((x) => TCP_KINDS.test(x.kind) && x.severity !== 'info')) {
        expect(
          fs.some((f) => match(f, e)),
          `expected ${e.kind} on ${JSON.stringify(e.connection)}; got\n${got.join('\n')}`,
        ).toBe(true);
      }
      if (exp.quiet) {
        const extra = fs.filter((f) => f.severity !== 'info' && !exp.findings.some((e) => match(f, e)));
        expect(extra.map((f) => `${f.kind}@${f.connection}: ${f.title}`)).toEqual([]);
      }
      for (const f of fs) expect(checkFinding(f)).toEqual([]);
      expect(tr.input.warnings.filter((w) => w.startsWith('detector'))).toEqual([]);
    });
  }
});

// The shared third-party captures (../shared/captures): ordinary traffic, so the detectors must not
// fail on them and must stay nearly quiet. Known, genuine findings are listed.
const KNOWN: Record<string, string[]> = {
  'tls12-http2-16-ssl.pcapng': ['tcp.connection-refused'], // SYN to [::1]:443 answered by RST
  'suricata-http2-errorcode.pcap': ['h2.settings-unacked', 'h2.goaway-error'], // GOAWAY INTERNAL_ERROR test case
  'suricata-http2-range.pcap': ['h2.settings-unacked'],
  'pop3-pop3.pcap': ['tcp.connection-refused'], // tshark: every SYN to :110 answered by RST/ACK
  'ldap-simpleauth.pcap': ['tcp.rst-after-idle'], // RST after 181 s of silence, TTL 251 vs 52: a middlebox
  'tcp-retransmit-fast009.pcap': ['tcp.retransmission-burst', 'tcp.rst-after-idle'], // a fast-retransmit test case; RST after 60 s
};

describe('detectors on the shared real captures', () => {
  const files = [REAL_CAPTURES, ZEEK_CAPTURES]
    .filter((d) => existsSync(d))
    .flatMap((d) =>
      readdirSync(d)
        .filter((f) => /\.pcap(ng)?$/.test(f))
        .map((f) => path.join(d, f)),
    );
  for (const file of files) {
    it(path.basename(file), () => {
      let tr: Trace;
      try {
        tr = traceOf(file, DEFAULT_OPTIONS);
      } catch {
        return; // unreadable on purpose (fuzzed): the reader's business, not ours
      }
      const fs = runDetectors(tr, DEFAULT_OPTIONS);
      expect(tr.input.warnings.filter((w) => w.startsWith('detector'))).toEqual([]);
      const allowed = KNOWN[path.basename(file)] ?? [];
      // Idle gaps are genuine by definition on these (a silence >= the threshold was seen).
      const unexpected = fs.filter(
        (f) => f.severity !== 'info' && f.kind !== 'tcp.idle-gap-no-keepalive' && !allowed.includes(f.kind),
      );
      expect(unexpected.map((f) => `${f.kind}@${f.connection}: ${f.title}`)).toEqual([]);
      for (const f of fs) expect(checkFinding(f)).toEqual([]);
    });
  }
});
