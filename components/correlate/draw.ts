// Layout, painting and picking of the aligned view (canvas). All time <-> pixel maths go through
// lib/timescale; every glyph comes from glyphs.ts.
import type { LaneIndex, LaneLink, LanePackets } from '@/lib/lanes/index';
import { TimeScale } from '@/lib/timescale';
import { DIRECTIONAL, glyphOf, MARK_GLYPHS, type PaintArgs } from './glyphs';

export const AXIS_H = 28;
export const GROUP_HEAD = 24;
export const LANE_H = 28;
export const GROUP_GAP = 34;
export const GUTTER = 250;

export interface Layout {
  height: number;
  /** Top of each group's header, by group. */
  groupTop: number[];
  /** Centre line of each lane, by lane id. */
  laneY: Float64Array;
}

/**
 * by point: a group per vantage point (the issue's view; rungs cross the groups).
 * by connection: a connection's lanes at every point side by side (short rungs; for captures of
 * many connections, where a group per point would put a connection's two lanes far apart).
 */
export type Arrange = 'point' | 'connection';

export function computeLayout(index: LaneIndex, arrange: Arrange = 'point'): Layout {
  const laneY = new Float64Array(index.lanes.length);
  const groupTop: number[] = [];
  let y = AXIS_H + 6;
  if (arrange === 'connection') {
    const order = index.lanes
      .map((l) => l.id)
      .sort((a, b) => index.lanes[a].row - index.lanes[b].row || index.lanes[a].group - index.lanes[b].group);
    let lastRow = -1;
    for (const id of order) {
      if (lastRow >= 0 && index.lanes[id].row !== lastRow) y += 8;
      lastRow = index.lanes[id].row;
      laneY[id] = y + LANE_H / 2;
      y += LANE_H;
    }
    return { height: y + 8, groupTop, laneY };
  }
  index.groups.forEach((g, k) => {
    if (k > 0) y += GROUP_GAP;
    groupTop.push(y);
    y += GROUP_HEAD;
    for (const id of g.lanes) {
      laneY[id] = y + LANE_H / 2;
      y += LANE_H;
    }
  });
  return { height: y + 8, groupTop, laneY };
}

/** A packet (or log event) under the pointer. */
export type Pick = { kind: 'packet'; input: number; row: number } | { kind: 'event'; index: number };

export const keyOf = (input: number, row: number) => `${input}:${row}`;

/** First row whose time is >= t (times are in capture order: nearly sorted; a margin covers the rest). */
export function lowerBoundTime(time: Float64Array, length: number, t: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function visibleRows(p: LanePackets, s: TimeScale): [number, number] {
  const margin = 8 / s.pxPerS;
  return [
    lowerBoundTime(p.time, p.length, s.start - margin),
    lowerBoundTime(p.time, p.length, s.end + margin),
  ];
}

/** Pixels from a lane toward the group a packet of this direction travels to (lost) or came from (injected). */
function towardOf(index: LaneIndex, layout: Layout, p: LanePackets, row: number, lost: boolean): number {
  const lane = index.lanes[p.lane[row]];
  const c2s = p.dir[row] === 0;
  // Client → server travels down the groups; a lost packet points to where it went, an injected
  // one to where it came from.
  const down = lost ? c2s : !c2s;
  const other = index.groups[lane.group + (down ? 1 : -1)];
  if (!other) return 0;
  const twin = other.lanes.find((id) => index.lanes[id].row === lane.row);
  const y = layout.laneY[lane.id];
  if (twin !== undefined) return layout.laneY[twin] - y;
  return down ? LANE_H : -LANE_H;
}

export interface DrawState {
  scale: TimeScale;
  selected: ReadonlySet<string>;
  hover: Pick | null;
  dark: boolean;
  /** Pixels of the lanes scrolled above the canvas (the canvas shows [scrollY, scrollY + height)). */
  scrollY: number;
}

export function draw(
  g: CanvasRenderingContext2D,
  width: number,
  height: number,
  index: LaneIndex,
  layout: Layout,
  st: DrawState,
): void {
  const s = st.scale;
  const fg = st.dark ? '#e4e4e7' : '#18181b';
  const muted = st.dark ? '#71717a' : '#a1a1aa';
  const line = st.dark ? '#27272a' : '#e4e4e7';
  const sy = st.scrollY;
  // Only what is on the canvas is drawn: a capture of thousands of connections has lanes far
  // taller than any canvas may be.
  const yVisible = (y: number) => y - sy > AXIS_H - LANE_H && y - sy < height + LANE_H;
  g.clearRect(0, 0, width, height);
  g.font = '11px ui-sans-serif, system-ui, sans-serif';
  g.textBaseline = 'middle';

  // Grid.
  const ticks = s.ticks(110);
  g.strokeStyle = line;
  for (const t of ticks.times) {
    const x = Math.round(s.x(t)) + 0.5;
    g.beginPath();
    g.moveTo(x, AXIS_H - 4);
    g.lineTo(x, height);
    g.stroke();
  }

  g.save();
  g.beginPath();
  g.rect(0, AXIS_H, width, height - AXIS_H);
  g.clip();
  g.translate(0, -sy);

  // Groups and lanes.
  index.groups.forEach((grp, k) => {
    const top = layout.groupTop[k];
    if (top !== undefined && top - sy <= height) drawGroupHeader(k, top);
    for (const id of grp.lanes) {
      const y = layout.laneY[id];
      if (!yVisible(y)) continue;
      g.strokeStyle = line;
      g.beginPath();
      g.moveTo(GUTTER, Math.round(y) + 0.5);
      g.lineTo(width, Math.round(y) + 0.5);
      g.stroke();
      g.fillStyle = fg;
      const label = layout.groupTop.length ? index.lanes[id].label : `${grp.name} · ${index.lanes[id].label}`;
      g.fillText(clip(g, label, GUTTER - 16), 12, y);
    }
  });

  function drawGroupHeader(k: number, top: number): void {
    const grp = index.groups[k];
    g.fillStyle = st.dark ? '#18181b' : '#f4f4f5';
    g.fillRect(0, top, width, GROUP_HEAD);
    g.fillStyle = fg;
    g.font = '600 12px ui-sans-serif, system-ui, sans-serif';
    const off =
      grp.offsetS === null
        ? 'clock not aligned'
        : grp.input === 0
          ? 'reference clock'
          : `clock ${fmtMs(grp.offsetS)}${grp.offsetUncertaintyS !== null ? ` ± ${fmtMs(grp.offsetUncertaintyS, false)}` : ''}`;
    g.fillText(
      `${k === 0 ? 'client side' : k === index.groups.length - 1 ? 'server side' : `point ${k + 1}`} · ${grp.name}`,
      8,
      top + GROUP_HEAD / 2,
    );
    g.font = '11px ui-sans-serif, system-ui, sans-serif';
    g.fillStyle = muted;
    const w = g.measureText(off).width;
    g.fillText(off, width - w - 8, top + GROUP_HEAD / 2);
  }

  g.beginPath();
  g.rect(GUTTER, sy + AXIS_H, width - GUTTER, height - AXIS_H);
  g.clip();

  // Rungs: the same packet at two neighbouring points.
  const rung = MARK_GLYPHS.find((m) => m.id === 'rung')!;
  for (const link of index.links) {
    const pn = index.packets[link.near]!;
    const pf = index.packets[link.far]!;
    let lastA = NaN;
    let lastB = NaN;
    const reach = reachOf(index, link) + 8 / s.pxPerS;
    const k0 = firstRung(pn.time, link.nearRows, s.start - reach);
    const k1 = firstRung(pn.time, link.nearRows, s.end + reach);
    for (let k = k0; k < k1; k++) {
      const a = link.nearRows[k];
      const b = link.farRows[k];
      const ya = layout.laneY[pn.lane[a]];
      const yb = layout.laneY[pf.lane[b]];
      if ((ya < sy && yb < sy) || (ya > sy + height && yb > sy + height)) continue;
      const xa = s.x(pn.time[a]);
      const xb = s.x(pf.time[b]);
      if ((xa < GUTTER && xb < GUTTER) || (xa > width && xb > width)) continue;
      const ra = Math.round(xa);
      const rb = Math.round(xb);
      const sel = st.selected.has(keyOf(link.near, a));
      if (!sel && ra === lastA && rb === lastB) continue;
      lastA = ra;
      lastB = rb;
      g.strokeStyle = sel ? '#ca8a04' : rung.color;
      g.lineWidth = sel ? 2 : 1;
      g.beginPath();
      g.moveTo(xa, ya);
      g.lineTo(xb, yb);
      g.stroke();
    }
  }
  g.lineWidth = 1;

  // Packets.
  index.packets.forEach((p, input) => {
    if (!p) return;
    const [r0, r1] = visibleRows(p, s);
    const lastX = new Map<number, number>();
    for (let r = r0; r < r1; r++) {
      const lane = p.lane[r];
      if (lane < 0) continue;
      const y = layout.laneY[lane];
      if (!yVisible(y)) continue;
      const x = s.x(p.time[r]);
      const gl = glyphOf(p, r);
      const args: PaintArgs = { g, x, y, toward: 0, color: gl.color, up: p.dir[r] === 0 };
      if (DIRECTIONAL.has(gl.id)) {
        // Thousands of these: one per pixel column and direction is enough.
        const px = Math.round(x) * 2 + (p.dir[r] === 0 ? 0 : 1);
        if (lastX.get(lane) === px) continue;
        lastX.set(lane, px);
        gl.paint(args);
        continue;
      }
      if (gl.id === 'lost' || gl.id === 'injected')
        args.toward = towardOf(index, layout, p, r, gl.id === 'lost');
      gl.paint(args);
    }
  });

  // Debug-log frames, on their connection's lane, just above the line.
  const logMark = MARK_GLYPHS.find((m) => m.id === 'log')!;
  for (const e of index.events) {
    const x = s.x(e.time);
    if (x < GUTTER - 4 || x > width + 4) continue;
    logMark.paint({ g, x, y: layout.laneY[e.lane] - 10, toward: 0, color: logMark.color });
  }

  // Selection rings and the hovered packet.
  const selMark = MARK_GLYPHS.find((m) => m.id === 'selected')!;
  for (const key of st.selected) {
    const [input, row] = key.split(':').map(Number);
    const p = index.packets[input];
    if (!p || row >= p.length || p.lane[row] < 0) continue;
    selMark.paint({ g, x: s.x(p.time[row]), y: layout.laneY[p.lane[row]], toward: 0, color: selMark.color });
  }
  if (st.hover?.kind === 'packet') {
    const p = index.packets[st.hover.input];
    if (p) {
      g.strokeStyle = fg;
      g.beginPath();
      g.arc(s.x(p.time[st.hover.row]), layout.laneY[p.lane[st.hover.row]], 7, 0, Math.PI * 2);
      g.stroke();
    }
  }
  g.restore();

  // The axis, on top of whatever scrolled under it.
  g.fillStyle = st.dark ? '#09090b' : '#ffffff';
  g.fillRect(0, 0, width, AXIS_H);
  g.fillStyle = muted;
  for (const t of ticks.times)
    g.fillText(`${t.toFixed(ticks.decimals)} s`, Math.round(s.x(t)) + 3.5, AXIS_H / 2);
  g.fillStyle = fg;
  const ref = index.groups.find((x) => x.input === 0)?.name ?? 'the first input';
  g.fillText(clip(g, `time (s) on ${ref}’s clock`, GUTTER - 12), 8, AXIS_H / 2);
}

/** Per link: the largest time between a packet's two sightings (how far outside the window a rung may start). */
const linkReach = new WeakMap<LaneLink, number>();
function reachOf(index: LaneIndex, link: LaneLink): number {
  let r = linkReach.get(link);
  if (r === undefined) {
    r = 0;
    const tn = index.packets[link.near]!.time;
    const tf = index.packets[link.far]!.time;
    for (let k = 0; k < link.nearRows.length; k++)
      r = Math.max(r, Math.abs(tf[link.farRows[k]] - tn[link.nearRows[k]]));
    linkReach.set(link, r);
  }
  return r;
}

/** First rung whose near packet is at or after t (rungs are in the near input's packet order). */
function firstRung(time: Float64Array, rows: Int32Array, t: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[rows[mid]] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What is under (x, y): the nearest packet (or log frame) of the lane there, within 6 px. */
export function pick(index: LaneIndex, layout: Layout, s: TimeScale, x: number, y: number): Pick | null {
  if (x < GUTTER) return null;
  let lane = -1;
  for (let id = 0; id < layout.laneY.length; id++)
    if (Math.abs(layout.laneY[id] - y) <= LANE_H / 2) {
      lane = id;
      break;
    }
  if (lane < 0) return null;
  const input = index.lanes[lane].input;
  let best: Pick | null = null;
  let bestD = 6;
  const p = index.packets[input];
  if (p) {
    const [r0, r1] = visibleRows(p, s);
    for (let r = r0; r < r1; r++) {
      if (p.lane[r] !== lane) continue;
      const d = Math.abs(s.x(p.time[r]) - x);
      // Lost and injected packets win a tie: they are what one looks for.
      const bonus = p.fate[r] === 5 || p.fate[r] === 6 ? 2 : 0;
      if (d - bonus < bestD) {
        bestD = d - bonus;
        best = { kind: 'packet', input, row: r };
      }
    }
  }
  index.events.forEach((e, k) => {
    if (e.lane !== lane) return;
    const d = Math.abs(s.x(e.time) - x);
    if (d < bestD && y < layout.laneY[lane] - 4) {
      bestD = d;
      best = { kind: 'event', index: k };
    }
  });
  return best;
}

function clip(g: CanvasRenderingContext2D, text: string, max: number): string {
  if (g.measureText(text).width <= max) return text;
  let t = text;
  while (t.length > 1 && g.measureText(`${t}…`).width > max) t = t.slice(0, -1);
  return `${t}…`;
}

export function fmtMs(s: number, signed = true): string {
  const ms = s * 1e3;
  const v = Math.abs(ms) >= 100 ? ms.toFixed(1) : Math.abs(ms) >= 1 ? ms.toFixed(3) : ms.toFixed(3);
  return `${signed && ms >= 0 ? '+' : ''}${v} ms`;
}
