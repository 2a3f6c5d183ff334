/**
 * The matching and the clock, on real bytes edited the way boxes on a path edit them: a box that
 * rewrites initial sequence numbers, a capture cut short, a packet removed (see lab.test.ts for
 * captures made by real middleboxes).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LAB_DIR } from '../../tests/corpus';
import { estimateOffset } from './clock';
import { correlate, FATE, loadInput, renderCorrelationText } from './index';
import { K } from '../findings/kinds';
import { concatBytes } from '../bytes';

const BASE = new Uint8Array(readFileSync(path.join(LAB_DIR, 'vantage-copies', 'base.pcap')));

/** Calls `edit(view, tcpOffset, recordIndex)` on every IPv4/TCP packet of a little-endian Ethernet pcap copy. */
function editPcap(src: Uint8Array, edit: (v: DataView, tcp: number, n: number) => void): Uint8Array {
  const out = src.slice();
  const v = new DataView(out.buffer);
  let off = 24;
  for (let n = 0; off + 16 <= out.length; n++) {
    const caplen = v.getUint32(off + 8, true);
    const pkt = off + 16;
    if (v.getUint16(pkt + 12) === 0x0800 && out[pkt + 23] === 6)
      edit(v, pkt + 14 + (out[pkt + 14] & 0x0f) * 4, n);
    off = pkt + caplen;
  }
  return out;
}

/** A pcap with only the records whose index `keep` accepts. */
function filterPcap(src: Uint8Array, keep: (n: number) => boolean): Uint8Array {
  const v = new DataView(src.buffer, src.byteOffset);
  const parts: Uint8Array[] = [src.subarray(0, 24)];
  let off = 24;
  for (let n = 0; off + 16 <= src.length; n++) {
    const end = off + 16 + v.getUint32(off + 8, true);
    if (keep(n)) parts.push(src.subarray(off, end));
    off = end;
  }
  return concatBytes(parts);
}

describe('matching through boxes that rewrite headers', () => {
  it('a box that shifts the client’s sequence numbers (ISN rewriting): every packet still matches, the delta is named', () => {
    const DELTA = 1_000_000_007;
    const rewritten = editPcap(BASE, (v, tcp) => {
      const toServer = v.getUint16(tcp + 2) === 8080;
      if (toServer) v.setUint32(tcp + 4, (v.getUint32(tcp + 4) + DELTA) >>> 0);
      // The server's acknowledgments of that sequence space shift with it (ACK flag set).
      else if (v.getUint8(tcp + 13) & 0x10) v.setUint32(tcp + 8, (v.getUint32(tcp + 8) + DELTA) >>> 0);
    });
    const doc = correlate([loadInput('client.pcap', BASE), loadInput('behind-isn-box.pcap', rewritten)]);
    expect(doc.fates).toMatchObject({ delivered: 256, lost: 0, injected: 0 });
    expect(doc.matches).toHaveLength(6);
    for (const m of doc.matches) expect(m.seqDelta).toEqual({ c2s: DELTA | 0, s2c: 0 });
  });

  it('packets outside the other capture’s window are "not observed", never lost', () => {
    // The second capture stops at the 100th packet.
    const cut = filterPcap(BASE, (n) => n < 100);
    const doc = correlate([loadInput('a.pcap', BASE), loadInput('cut.pcap', cut)]);
    expect(doc.fates.lost).toBe(0);
    expect(doc.fates.injected).toBe(0);
    expect(doc.fates.delivered).toBe(100);
    // The rest of the packets of connections the cut capture saw are outside its window.
    const [a] = doc.pairs[0].columns;
    expect(a.fate.slice(0, 100).every((f) => f === FATE.delivered)).toBe(true);
    expect(a.fate.slice(101).every((f) => f === FATE.notObserved || f === FATE.unmatched)).toBe(true);
    expect(doc.findings.filter((f) => f.kind === K.pathLoss)).toEqual([]);
  });

  it('a server → client packet missing on the far side of the client is injected at the client', () => {
    // Drop one of the server's packets from the second copy: with copies, the first input is
    // taken as nearer the client, so a server packet only the first saw was "injected" there.
    const s2c: number[] = [];
    editPcap(BASE, (v, tcp, n) => {
      if (v.getUint16(tcp) === 8080 && v.getUint8(tcp + 13) & 0x08) s2c.push(n);
    });
    const gone = s2c[2];
    const doc = correlate([
      loadInput('a.pcap', BASE),
      loadInput(
        'b.pcap',
        filterPcap(BASE, (n) => n !== gone),
      ),
    ]);
    expect(doc.fates).toMatchObject({ lost: 0, injected: 1 });
    expect(doc.pairs[0].columns[0].fate[gone]).toBe(FATE.injected);
  });

  it('three inputs: offsets of B and C against A, each from its own matches', () => {
    const shifted = editPcap(BASE.slice(), () => {});
    const v = new DataView(shifted.buffer);
    // +2 s on every record of C.
    let off = 24;
    while (off + 16 <= shifted.length) {
      v.setUint32(off, v.getUint32(off, true) + 2, true);
      off += 16 + v.getUint32(off + 8, true);
    }
    const doc = correlate([loadInput('a', BASE), loadInput('b', BASE), loadInput('c', shifted)]);
    expect(doc.inputs.map((x) => x.offsetS)).toEqual([0, 0, 2]);
    expect(doc.pairs).toHaveLength(3);
    expect(renderCorrelationText(doc)).toContain('c  capture');
  });
});

describe('clock offset from one-way delays', () => {
  it('symmetric delays give the exact offset; the uncertainty is their mean', () => {
    // θ = 0.5 s, one-way delay 10 ms each way.
    const est = estimateOffset({
      forward: { t: [0, 1, 2], d: [0.51, 0.52, 0.515] },
      backward: { t: [0, 1, 2], d: [-0.49, -0.48, -0.485] },
    });
    expect(est.offsetS).toBeCloseTo(0.5, 9);
    expect(est.uncertaintyS).toBeCloseTo(0.01, 9);
    expect(est.minForwardS).toBeCloseTo(0.01, 9);
  });

  it('asymmetric delays: the true offset stays inside the interval', () => {
    // θ = -0.2 s; 30 ms one way, 2 ms the other.
    const est = estimateOffset({ forward: { t: [0], d: [-0.17] }, backward: { t: [0], d: [0.202] } });
    expect(Math.abs((est.offsetS as number) - -0.2)).toBeLessThanOrEqual(est.uncertaintyS as number);
  });

  it('a drift of 50 ppm over 100 s is measured', () => {
    const fw = { t: [] as number[], d: [] as number[] };
    const bw = { t: [] as number[], d: [] as number[] };
    for (let t = 0; t <= 100; t += 0.5) {
      const theta = 1 + 50e-6 * t;
      fw.t.push(t);
      fw.d.push(theta + 0.001);
      bw.t.push(t);
      bw.d.push(-theta + 0.001);
    }
    expect(estimateOffset({ forward: fw, backward: bw }).driftPpm).toBeCloseTo(50, 0);
  });

  it('nothing matched: no offset claimed', () => {
    expect(estimateOffset({ forward: { t: [], d: [] }, backward: { t: [], d: [] } }).offsetS).toBeNull();
  });
});
