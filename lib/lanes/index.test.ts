// The lane index from real lab captures (lab/ is committed): the RST-injecting middlebox between
// two points, and an nghttp debug log beside the client's capture.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { correlate, FATE, loadInput } from '../correlate/index';
import { buildLaneIndex, laneSourceOf, pathOrder } from './index';

const lab = (dir: string, file: string) => join(__dirname, '..', '..', 'lab', dir, file);
function build(dir: string, files: string[]) {
  const inputs = files.map((f) => loadInput(f, new Uint8Array(readFileSync(lab(dir, f)))));
  const doc = correlate(inputs);
  const index = buildLaneIndex(
    doc,
    inputs.map((x) => laneSourceOf(x.name, x.trace)),
  );
  return { inputs, doc, index };
}

describe('lane index', () => {
  it('puts each vantage point in a group, path order from the client, a row per matched connection', () => {
    // Given server first: the order still starts at the point nearer the client.
    const { doc, index } = build('vantage-rst-inject', ['server.pcap', 'client.pcap']);
    expect(pathOrder(doc)).toEqual([1, 0]);
    expect(index.groups.map((g) => g.name)).toEqual(['client.pcap', 'server.pcap']);
    const [client, server] = index.groups;
    expect(client.lanes).toHaveLength(4);
    expect(server.lanes).toHaveLength(4);
    // Matched connections share a row at both points.
    for (const m of doc.matches) {
      const la = index.lanes.find((l) => l.input === m.inputs[0] && l.connId === m.a)!;
      const lb = index.lanes.find((l) => l.input === m.inputs[1] && l.connId === m.b)!;
      expect(la.row).toBe(lb.row);
      expect(la.group).not.toBe(lb.group);
    }
    expect(client.lanes.map((id) => index.lanes[id].row)).toEqual([0, 1, 2, 3]);
  });

  it('carries the fates and the rungs of the ladder, on one aligned clock', () => {
    const { doc, index } = build('vantage-rst-inject', ['client.pcap', 'server.pcap']);
    const pc = index.packets[0]!;
    const ps = index.packets[1]!;
    // The findings' evidence: client.pcap#16 lost on the way, #17 an RST nobody upstream sent.
    expect(pc.fate[15]).toBe(FATE.lost);
    expect(pc.fate[16]).toBe(FATE.injected);
    expect(ps.fate[23]).toBe(FATE.injected);
    expect(ps.fate[22]).toBe(FATE.lost);
    let lost = 0;
    let injected = 0;
    for (const p of [pc, ps])
      for (let r = 0; r < p.length; r++) {
        if (p.fate[r] === FATE.lost) lost++;
        if (p.fate[r] === FATE.injected) injected++;
      }
    expect(lost).toBe(doc.fates.lost);
    expect(injected).toBe(doc.fates.injected);
    // One rung per packet seen at both points, never to a lost or injected one.
    expect(index.links).toHaveLength(1);
    const link = index.links[0];
    expect(link.near).toBe(0);
    expect(link.nearRows.length).toBeGreaterThan(30);
    for (let k = 0; k < link.nearRows.length; k++) {
      const a = link.nearRows[k];
      const b = link.farRows[k];
      expect(pc.fate[a]).not.toBe(FATE.lost);
      expect(ps.fate[b]).not.toBe(FATE.injected);
      expect(index.lanes[pc.lane[a]].row).toBe(index.lanes[ps.lane[b]].row);
      // On the aligned clock a packet reaches the far point after the near one (client → server)
      // and the other way round, within the clock's uncertainty.
      const oneWay = pc.dir[a] === 0 ? ps.time[b] - pc.time[a] : pc.time[a] - ps.time[b];
      expect(oneWay).toBeGreaterThan(-(doc.offsetUncertaintyS ?? 0) - 1e-6);
      expect(oneWay).toBeLessThan(0.05);
    }
    expect(index.span[0]).toBe(0);
    expect(index.span[1]).toBeGreaterThan(2);
  });

  it("draws a debug log's frames on the lane of the wire connection they belong to", () => {
    const { index } = build('vantage-h2-log', ['client.pcap', 'nghttp.log']);
    expect(index.groups.map((g) => g.kind)).toEqual(['capture', 'log']);
    expect(index.events.length).toBe(28);
    const wireLane = index.lanes.find((l) => l.input === 0 && l.conn >= 0)!;
    for (const e of index.events) expect(e.lane).toBe(wireLane.id);
    expect(index.events.some((e) => /HEADERS/.test(e.label))).toBe(true);
    // On the aligned clock the log's frames fall within the capture's span (± the log's 1 ms).
    for (const e of index.events) {
      expect(e.time).toBeGreaterThan(-0.002);
      expect(e.time).toBeLessThan(index.packets[0]!.time[index.packets[0]!.length - 1] + 0.002);
    }
  });
});
