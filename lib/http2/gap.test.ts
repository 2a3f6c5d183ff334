// Capture loss on real HTTP/2 bytes: a lab capture (Node http2 client and server, lab/
// h2-cancel-in-flight) with server packets removed, as a capture that dropped them would look.
// The parser must resynchronise at the next frame boundary, the streams across the gap must say
// so, and nothing the lost frames could explain may be reported.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { Analyzer } from '../analyze';
import type { Trace } from '../trace';
import { concatBytes } from '../bytes';

const CAPTURE = path.join(__dirname, '../../lab/h2-cancel-in-flight/client.pcap.gz');

interface Rec {
  start: number;
  end: number;
  fromServer: boolean;
  payload: number;
}

/** Records of a little-endian Ethernet pcap with IPv4/TCP, server port 8080. */
function records(pcap: Uint8Array): Rec[] {
  const dv = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  expect(dv.getUint32(0, true)).toBe(0xa1b2c3d4);
  const out: Rec[] = [];
  for (let o = 24; o + 16 <= pcap.length;) {
    const incl = dv.getUint32(o + 8, true);
    const p = o + 16;
    const ihl = (pcap[p + 14] & 0x0f) * 4;
    const ipLen = dv.getUint16(p + 16, false);
    const tcp = p + 14 + ihl;
    const thl = (pcap[tcp + 12] >> 4) * 4;
    out.push({
      start: o,
      end: p + incl,
      fromServer: dv.getUint16(tcp, false) === 8080,
      payload: ipLen - ihl - thl,
    });
    o = p + incl;
  }
  return out;
}

function analyze(bytes: Uint8Array): Trace {
  const a = new Analyzer({ name: 'gap.pcap', size: bytes.length }, {});
  a.push(bytes);
  return a.finish();
}

describe('HTTP/2 across capture gaps (real bytes, packets removed)', () => {
  const full = new Uint8Array(gunzipSync(readFileSync(CAPTURE)));
  const recs = records(full);
  const serverData = recs.filter((r) => r.fromServer && r.payload > 0);

  /** The capture without the server data packets at the given fractions of them. */
  function without(fractions: number[], run: number): Uint8Array {
    const drop = new Set<Rec>();
    for (const f of fractions) {
      const i = Math.floor(serverData.length * f);
      for (let k = 0; k < run; k++) drop.add(serverData[i + k]);
    }
    const parts: Uint8Array[] = [full.subarray(0, 24)];
    for (const r of recs) if (!drop.has(r)) parts.push(full.subarray(r.start, r.end));
    return concatBytes(parts);
  }

  it('the whole capture: every frame parsed, no stream marked', () => {
    const t = analyze(full);
    expect(t.streams.length).toBe(60);
    expect(t.streams.filter((s) => s.captureGap).length).toBe(0);
  });

  it('one lost packet inside a DATA frame: its end is known, every frame kept, its stream marked', () => {
    const base = analyze(full);
    const baseFrames = base.streams.reduce((a, s) => a + s.frames.length, 0);
    const t = analyze(without([0.4], 1));
    expect(t.streams.reduce((a, s) => a + s.frames.length, 0)).toBe(baseFrames);
    expect(t.streams.filter((s) => s.captureGap).length).toBe(1);
    expect(t.connections.flatMap((c) => c.warnings).join('\n')).not.toMatch(/resumed|HPACK/);
    expect(t.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  for (const [name, fractions, run] of [
    ['three gaps of 3 packets each', [0.2, 0.5, 0.8], 3],
    ['one gap of 12 packets', [0.3], 12],
  ] as const) {
    it(`${name}: resynchronised, streams across the gap marked, no warning or error`, () => {
      const base = analyze(full);
      const baseFrames = base.streams.reduce((a, s) => a + s.frames.length, 0);
      const t = analyze(without([...fractions], run));
      const warnings = t.connections.flatMap((c) => c.warnings).join('\n');
      expect(warnings).toMatch(/parsing resumed at offset/);
      expect(warnings).not.toMatch(/HPACK/);
      const frames = t.streams.reduce((a, s) => a + s.frames.length, 0);
      // Only the frames inside the lost packets (and those cut by them) are missing.
      expect(frames).toBeGreaterThan(baseFrames * 0.95);
      expect(frames).toBeLessThan(baseFrames);
      const marked = t.streams.filter((s) => s.captureGap);
      expect(marked.length).toBeGreaterThan(0);
      expect(t.findings.filter((f) => f.severity !== 'info').map((f) => `${f.kind}: ${f.title}`)).toEqual([]);
      // The streams after the gap still decode: HPACK is unknown only for blocks that need the
      // lost table entries, and Node's responses reuse them — those say "capture gap".
      const undecodable = t.streams.flatMap((s) => s.frames).filter((f) => f.info?.error);
      for (const f of undecodable) expect(f.info?.error).toMatch(/capture gap/);
    });
  }
});
