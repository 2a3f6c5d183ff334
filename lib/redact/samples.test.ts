// Every sample and every lab capture, redacted: a valid capture of the same kind that tshark
// reads packet for packet, and whose analysis finds the same things (kinds, severities, times,
// connections, streams, exchanges) as the original's.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeBytes } from '../analyze';
import { A_IP_FRAGMENT } from '../packets';
import type { Trace } from '../trace';
import { HAS_CORPUS, REAL_CAPTURES, ZEEK_CAPTURES } from '../../tests/shared';
import { redactBytes } from './index';

const ROOT = path.join(__dirname, '..', '..');
const KEY = new Uint8Array(32).fill(7);

function captures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const st = statSync(p);
    if (st.isDirectory()) out.push(...captures(p));
    else if (/\.(pcap|pcapng|cap)(\.gz)?$/i.test(name) && st.size < 64 * 1024 * 1024) out.push(p);
  }
  return out.sort();
}

const ONLY = process.env.REDACT_ONLY ? new RegExp(process.env.REDACT_ONLY) : null;
// The samples, the lab, and the real captures of the shared corpus when it is there (made by other
// programs, odd link types and damage included).
const FILES = [
  ...captures(path.join(ROOT, 'samples')),
  ...captures(path.join(ROOT, 'lab')),
  ...(HAS_CORPUS ? [...captures(REAL_CAPTURES), ...captures(ZEEK_CAPTURES)] : []),
].filter((f) => !ONLY || ONLY.test(f));

const hasTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
const tmp = mkdtempSync(path.join(tmpdir(), 'tracelens-redact-'));

/** tshark's checksum verdicts per packet: "number\tip\ttcp\tudp". */
function checksumRows(file: string): string[] {
  return execFileSync(
    'tshark',
    [
      '-r',
      file,
      ...['tcp', 'ip', 'udp'].flatMap((p) => ['-o', `${p}.check_checksum:TRUE`]),
      '-T',
      'fields',
      ...['frame.number', 'ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status'].flatMap((f) => [
        '-e',
        f,
      ]),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 },
  )
    .split('\n')
    .filter(Boolean);
}

/** Frame numbers with a checksum tshark calls bad. */
function badRows(rows: string[]): string[] {
  return rows
    .filter((r) =>
      r
        .split('\t')
        .slice(1)
        .some((f) => f.split(',').includes('0')),
    )
    .map((r) => r.split('\t')[0]);
}

/** HTTP/2 connections whose bytes the capture did not fully hold (gaps, snaplen cuts). */
function lostH2Framing(t: Trace): boolean {
  return t.connections.some(
    (c) =>
      c.protocol === 'h2' &&
      (c.analysis.c2s.missingBytes > 0 ||
        c.analysis.s2c.missingBytes > 0 ||
        (t.input.truncatedPackets ?? 0) > 0),
  );
}

/** What must not change: everything the analysis concludes, minus names (addresses, ports). */
export function essence(t: Trace) {
  return {
    packets: t.input.packets,
    durationS: t.input.durationS,
    connections: t.connections.map((c) => ({
      protocol: c.protocol,
      end: c.end,
      packets: c.packets,
      bytes: c.bytes,
      idleGaps: c.idleGaps.length,
      startS: c.startS,
      endS: c.endS,
    })),
    streams: t.streams.map((s) => ({
      id: s.id,
      status: s.status,
      grpcStatus: s.grpcStatus,
      frames: s.frames.length,
      startS: s.startS,
      endS: s.endS,
    })),
    exchanges: t.exchanges.map((x) => ({ method: x.method, status: x.status, outcome: x.outcome })),
    findings: t.findings.map((f) => ({
      kind: f.kind,
      severity: f.severity,
      connection: f.connection === null ? null : t.connections.findIndex((c) => c.id === f.connection),
      stream: f.stream,
      startS: f.startS,
      endS: f.endS,
      evidence: f.evidence.map((e) => e.packet ?? e.frame ?? e.line ?? null),
    })),
  };
}

describe('redacting every sample and lab capture', () => {
  it('finds captures to test', () => {
    expect(FILES.length).toBeGreaterThan(ONLY ? 0 : 5);
  });

  for (const file of FILES) {
    const rel = path.relative(path.dirname(ROOT), file);
    it(`${rel}: same findings, valid for tshark`, () => {
      // Lab captures are regenerated while others work: one that vanished has nothing to test.
      if (!existsSync(file)) return;
      const input = new Uint8Array(readFileSync(file));
      const { bytes, stats } = redactBytes(input, { key: KEY });
      const before = analyzeBytes(path.basename(file), input);
      const after = analyzeBytes('redacted', bytes);
      expect(after.input.format).toBe(before.input.format);
      expect(after.input.compression).toBeNull();
      expect(stats.packets).toBe(before.input.packets);
      if (stats.secretsBlocksRemoved === 0 && lostH2Framing(before)) {
        // HTTP/2 whose framing a capture gap broke (snaplen cuts, lost segments): the analysis
        // resynchronises on the next plausible frame header, while the redactor, which cannot
        // prove what those bytes are, zeroes the rest of that direction (safe by default). The
        // redacted copy may then show fewer HTTP/2 streams; everything else must hold, and no
        // stream may be invented.
        const a = essence(after);
        const b = essence(before);
        expect({ ...a, streams: [] }).toEqual({ ...b, streams: [] });
        const ids = new Set(b.streams.map((s) => `${s.id}@${s.startS}`));
        for (const s of a.streams) expect(ids.has(`${s.id}@${s.startS}`), `stream ${s.id}`).toBe(true);
      } else if (stats.secretsBlocksRemoved === 0) expect(essence(after)).toEqual(essence(before));
      else {
        // The original decrypts with its embedded key log; compare with the key log gone.
        const plain = redactBytes(input, { key: KEY, keepPayload: true }).bytes;
        expect(essence(after)).toEqual(essence(analyzeBytes('plain', plain)));
      }
      if (file.startsWith(path.join(ROOT, 'samples'))) {
        // Small enough to check the port map too: names change, conclusions do not.
        const ported = analyzeBytes('ports', redactBytes(input, { key: KEY, mapPorts: true }).bytes);
        expect(essence(ported)).toEqual(essence(after));
      }
      if (hasTshark) {
        const out = path.join(tmp, `${rel.replace(/[\\/]/g, '_')}.${after.input.format}`);
        writeFileSync(out, bytes);
        const rows = checksumRows(out);
        expect(rows.length).toBe(before.input.packets);
        // Status 0 is "bad" (1 good, 2 unverified, e.g. a packet cut by the snapshot length). A
        // packet whose checksum was already wrong in the original (a malformed length, say) may
        // stay so. Not checked where IP fragments are: a TCP checksum in the first fragment covers
        // bytes rewritten in the later ones, which the writer has not seen yet (a known limit;
        // tshark does not check checksums unless asked).
        const fragmented = before.packets?.analysis.some((a) => (a & A_IP_FRAGMENT) !== 0) ?? false;
        const bad = badRows(rows);
        if (!fragmented && bad.length) {
          const already = new Set(badRows(checksumRows(file)));
          expect(bad.filter((r) => !already.has(r)).slice(0, 3)).toEqual([]);
        }
      }
      // Large lab captures are read four times over (two analyses, two tshark runs): allow for it.
    }, 240_000);
  }
});
