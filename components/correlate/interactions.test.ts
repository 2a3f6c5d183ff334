// The aligned view's named handlers and its glyph table, on the lane index of a real lab pair
// (lab/vantage-rst-inject: a box between the points forges an RST each way).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FATE } from '@/lib/correlate/types';
import { loadInput } from '@/lib/correlate/index';
import { viewOf } from '@/lib/lanes/view';
import { TimeScale } from '@/lib/timescale';
import { computeLayout, LANE_H, lowerBoundTime } from './draw';
import { glyphOf, PACKET_GLYPHS } from './glyphs';
import {
  findingHandler,
  panHandler,
  selectHandler,
  withCopies,
  zoomHandler,
  type ViewState,
} from './interactions';

const lab = (f: string) => join(__dirname, '..', '..', 'lab', 'vantage-rst-inject', f);
const view = viewOf(
  ['client.pcap', 'server.pcap'].map((f) => loadInput(f, new Uint8Array(readFileSync(lab(f))))),
);
const { index, doc } = view;
const start = (): ViewState => ({
  scale: new TimeScale(index.span[0], index.span[1], 250, 1250),
  selected: new Set(),
  hover: null,
});

describe('aligned view handlers', () => {
  it('a finding selects its evidence with the copies at the other point and zooms on it', () => {
    const f = doc.findings.find((x) => x.kind === 'path.loss')!;
    const st = findingHandler(start(), index, f);
    const ev = f.evidence.find((e) => e.packet !== undefined)!;
    expect(st.selected.has(`${ev.input}:${ev.packet! - 1}`)).toBe(true);
    expect(st.scale.span).toBeLessThan(index.span[1] - index.span[0]);
    expect(st.scale.start).toBeLessThanOrEqual(f.startS);
    expect(st.scale.end).toBeGreaterThanOrEqual(f.endS);
  });

  it('clicking a delivered packet selects it at both points; shift adds, an empty click clears', () => {
    const link = index.links[0];
    const pick = { kind: 'packet' as const, input: link.near, row: link.nearRows[3] };
    const one = selectHandler(start(), index, pick, false);
    expect([...one.selected].sort()).toEqual(
      [`${link.near}:${link.nearRows[3]}`, `${link.far}:${link.farRows[3]}`].sort(),
    );
    const two = selectHandler(one, index, { kind: 'packet', input: link.near, row: link.nearRows[5] }, true);
    expect(two.selected.size).toBe(4);
    expect(selectHandler(two, index, null, false).selected.size).toBe(0);
    // A lost packet has no copy.
    const lostRow = index.packets[0]!.fate.indexOf(FATE.lost);
    expect(withCopies(index, [[0, lostRow]]).size).toBe(1);
  });

  it('zoom keeps the time under the pointer; pan stays within the data', () => {
    const st = start();
    const z = zoomHandler(st, index, { deltaX: 0, deltaY: -500, x: 700 });
    expect(z.scale.span).toBeLessThan(st.scale.span);
    expect(z.scale.t(700)).toBeCloseTo(st.scale.t(700), 9);
    const far = panHandler(z, index, 1e9);
    expect(far.scale.start).toBeGreaterThanOrEqual(
      index.span[0] - (index.span[1] - index.span[0]) * 0.02 - 1e-9,
    );
  });
});

describe('glyph table and layout', () => {
  it('gives every packet exactly the glyph of its fate, lost and injected first', () => {
    const p = index.packets[0]!;
    for (let r = 0; r < p.length; r++) {
      const g = glyphOf(p, r);
      if (p.fate[r] === FATE.lost) expect(g.id).toBe('lost');
      if (p.fate[r] === FATE.injected) expect(g.id).toBe('injected');
      expect(PACKET_GLYPHS).toContain(g);
    }
    expect(new Set(PACKET_GLYPHS.map((g) => g.id)).size).toBe(PACKET_GLYPHS.length);
  });

  it('stacks the groups, lanes of one group together, in row order', () => {
    const layout = computeLayout(index);
    const [a, b] = index.groups;
    expect(Math.max(...a.lanes.map((id) => layout.laneY[id]))).toBeLessThan(
      Math.min(...b.lanes.map((id) => layout.laneY[id])),
    );
    expect(layout.height).toBeGreaterThan(layout.laneY[b.lanes.at(-1)!]);
    // By connection: a connection's lanes at the two points are neighbours.
    const byConn = computeLayout(index, 'connection');
    for (const l of index.lanes) {
      const twin = index.lanes.find((m) => m.row === l.row && m.group !== l.group);
      if (twin) expect(Math.abs(byConn.laneY[l.id] - byConn.laneY[twin.id])).toBe(LANE_H);
    }
    expect(byConn.groupTop).toEqual([]);
    const t = index.packets[0]!.time;
    expect(lowerBoundTime(t, t.length, -1)).toBe(0);
    expect(lowerBoundTime(t, t.length, 1e9)).toBe(t.length);
  });
});
