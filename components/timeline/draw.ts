import type { PacketTable } from '@/lib/packets';
import type { Connection, Finding, H2Stream } from '@/lib/trace';
import {
  HIST_BINS,
  K,
  L_C2S,
  L_FIN,
  L_KA,
  L_RETX,
  L_RST,
  L_S2C,
  L_SYN,
  type LaneIndex,
  type Row,
  decimalsFor,
  fmtAbs,
  fmtDur,
  gallop,
  lowerBound,
  niceStep,
} from './model';

export const ROW = 18;
export const AXIS = 20;
export const GUTTER = 168;

export interface View {
  start: number;
  end: number;
}

export interface Pin {
  tS: number;
  conn?: string | null;
  label: string;
  id: string;
}

export interface Palette {
  bg: string;
  gutter: string;
  grid: string;
  text: string;
  dim: string;
  base: string;
  group: string;
  sel: string;
  idle: string;
  c2s: string;
  s2c: string;
}

export const LIGHT: Palette = {
  bg: '#ffffff',
  gutter: '#fafafa',
  grid: '#f1f1f3',
  text: '#27272a',
  dim: '#71717a',
  base: '#d4d4d8',
  group: '#f4f4f5',
  sel: '#e0f2fe',
  idle: 'rgba(161,161,170,0.22)',
  c2s: '#2563eb',
  s2c: '#0d9488',
};
export const DARK: Palette = {
  bg: '#09090b',
  gutter: '#0c0c0f',
  grid: '#18181b',
  text: '#e4e4e7',
  dim: '#a1a1aa',
  base: '#3f3f46',
  group: '#141417',
  sel: 'rgba(14,165,233,0.16)',
  idle: 'rgba(113,113,122,0.22)',
  c2s: '#60a5fa',
  s2c: '#2dd4bf',
};
export const GLYPH = {
  syn: '#16a34a',
  fin: '#8b5cf6',
  rst: '#dc2626',
  ka: '#a1a1aa',
  retx: '#f59e0b',
};
export const SEV = { error: '#dc2626', warning: '#d97706', info: '#2563eb' } as const;

export interface DrawInput {
  g: CanvasRenderingContext2D;
  w: number;
  h: number;
  pal: Palette;
  view: View;
  span: View;
  rows: Row[];
  scrollY: number;
  connections: Connection[];
  packets: PacketTable | null;
  index: LaneIndex;
  findingsByConn: Map<string, Finding[]>;
  globalFindings: Finding[];
  pins: Pin[];
  selectedConn: string | null;
  epoch0: number | null;
  absolute: boolean;
  brush: { a: number; b: number } | null;
  /** A display filter's matches: all packets are drawn dimmed, these over them at full strength. */
  match?: LaneIndex | null;
  /** Time of the selected packet: a thin line across the lanes. */
  cursorS?: number | null;
}

export function xOf(view: View, w: number, t: number): number {
  return GUTTER + ((t - view.start) / Math.max(view.end - view.start, 1e-12)) * (w - GUTTER);
}
export function tOf(view: View, w: number, x: number): number {
  return view.start + ((x - GUTTER) / Math.max(w - GUTTER, 1)) * (view.end - view.start);
}

function drawAxis(d: DrawInput): void {
  const { g, w, pal, view, span } = d;
  const dur = Math.max(view.end - view.start, 1e-12);
  const step = niceStep((dur * 110) / Math.max(w - GUTTER, 1));
  const dec = decimalsFor(step);
  g.fillStyle = pal.gutter;
  g.fillRect(0, 0, w, AXIS);
  g.font = '10px ui-monospace, SFMono-Regular, Menlo, monospace';
  g.textBaseline = 'middle';
  const origin = d.absolute && d.epoch0 !== null ? 0 : span.start;
  const first = Math.ceil((view.start - origin) / step) * step + origin;
  for (let t = first, i = 0; t <= view.end && i < 400; t += step, i++) {
    const x = Math.round(xOf(view, w, t)) + 0.5;
    g.fillStyle = pal.grid;
    g.fillRect(x - 0.5, AXIS, 1, d.h - AXIS);
    g.fillStyle = pal.base;
    g.fillRect(x - 0.5, AXIS - 5, 1, 5);
    g.fillStyle = pal.dim;
    const label =
      d.absolute && d.epoch0 !== null
        ? fmtAbs(d.epoch0 + t, dec)
        : `${(Math.abs(t - span.start) < step / 2 ? 0 : t - span.start).toFixed(dec)}s`;
    g.fillText(label, x + 3, AXIS / 2 - 1);
  }
  g.fillStyle = pal.base;
  g.fillRect(0, AXIS - 0.5, w, 1);
  g.fillStyle = pal.dim;
  g.fillText(d.absolute && d.epoch0 !== null ? 'UTC' : `Δ ${fmtDur(dur)}`, 8, AXIS / 2 - 1);
  // Capture-wide findings (no connection): a thin band under the axis.
  for (const f of d.globalFindings) {
    const x0 = Math.max(GUTTER, xOf(view, w, f.startS));
    const x1 = Math.min(w, xOf(view, w, f.endS));
    if (x1 < GUTTER || x0 > w) continue;
    g.fillStyle = SEV[f.severity];
    g.fillRect(x0, AXIS - 3, Math.max(2, x1 - x0), 3);
  }
}

function tri(g: CanvasRenderingContext2D, x: number, y: number, s: number, up: boolean): void {
  g.beginPath();
  if (up) {
    g.moveTo(x, y - s);
    g.lineTo(x + s, y + s);
    g.lineTo(x - s, y + s);
  } else {
    g.moveTo(x - s, y - s);
    g.lineTo(x + s, y - s);
    g.lineTo(x, y + s);
  }
  g.closePath();
  g.fill();
}

/** Packet marks of one direction: one mark per pixel column, or density bars when denser than pixels. */
function drawDir(d: DrawInput, list: number, y: number, hgt: number, color: string, up: boolean): void {
  const { g, w, view, index, packets } = d;
  if (!packets) return;
  const time = packets.time;
  const { idx, off } = index;
  const a = off[list];
  const b = off[list + 1];
  if (a === b) return;
  const lo = lowerBound(idx, time, a, b, view.start);
  const hi = lowerBound(idx, time, lo, b, view.end);
  if (hi <= lo) return;
  const cols = w - GUTTER;
  const dur = Math.max(view.end - view.start, 1e-12);
  g.fillStyle = color;
  if (hi - lo <= cols) {
    let last = -1;
    for (let k = lo; k < hi; k++) {
      const px = Math.floor(GUTTER + ((time[idx[k]] - view.start) / dur) * cols);
      if (px === last) continue;
      last = px;
      g.fillRect(px, up ? y : y + hgt - hgt * 0.8, 1, hgt * 0.8);
    }
    return;
  }
  // Density: per column, count by two binary searches (bounded by columns, not packets).
  let k0 = lo;
  for (let c = 0; c < cols; c++) {
    const tEnd = view.start + ((c + 1) / cols) * dur;
    const k1 = gallop(idx, time, k0, hi, tEnd);
    const n = k1 - k0;
    k0 = k1;
    if (n === 0) continue;
    const bh = Math.min(hgt, 1 + Math.log2(n + 1) * (hgt / 8));
    g.fillRect(GUTTER + c, up ? y + hgt - bh : y, 1, bh);
    if (k0 >= hi) break;
  }
}

/** Glyph packets (SYN/FIN/RST/KA/retx): at most one per pixel column per kind, skipping by search. */
function drawGlyphs(d: DrawInput, ci: number, kind: number, y: number): void {
  const { g, w, view, index, packets } = d;
  if (!packets) return;
  const time = packets.time;
  const { idx, off } = index;
  const a = off[ci * K + kind];
  const b = off[ci * K + kind + 1];
  if (a === b) return;
  let k = lowerBound(idx, time, a, b, view.start);
  const cols = w - GUTTER;
  const dur = Math.max(view.end - view.start, 1e-12);
  const mid = y + ROW / 2;
  for (let n = 0; k < b && n < cols; n++) {
    const t = time[idx[k]];
    if (t > view.end) break;
    const x = Math.floor(GUTTER + ((t - view.start) / dur) * cols) + 0.5;
    const up = packets.dir[idx[k]] !== 1;
    switch (kind) {
      case L_SYN:
        g.fillStyle = GLYPH.syn;
        tri(g, x, mid, 3.5, up);
        break;
      case L_FIN:
        g.fillStyle = GLYPH.fin;
        g.beginPath();
        g.moveTo(x, mid - 4);
        g.lineTo(x + 4, mid);
        g.lineTo(x, mid + 4);
        g.lineTo(x - 4, mid);
        g.closePath();
        g.fill();
        break;
      case L_RST:
        g.fillStyle = GLYPH.rst;
        g.fillRect(x - 1.5, y + 1, 3, ROW - 2);
        g.fillRect(x - 3.5, y + 1, 7, 2);
        break;
      case L_KA:
        g.strokeStyle = GLYPH.ka;
        g.lineWidth = 1.25;
        g.beginPath();
        g.arc(x, up ? mid - 3 : mid + 3, 2.5, 0, Math.PI * 2);
        g.stroke();
        break;
      case L_RETX:
        g.strokeStyle = GLYPH.retx;
        g.lineWidth = 1.5;
        g.beginPath();
        g.moveTo(x - 2.5, mid - 2.5 + (up ? -2 : 2));
        g.lineTo(x + 2.5, mid + 2.5 + (up ? -2 : 2));
        g.moveTo(x + 2.5, mid - 2.5 + (up ? -2 : 2));
        g.lineTo(x - 2.5, mid + 2.5 + (up ? -2 : 2));
        g.stroke();
        break;
    }
    // Skip to the next pixel column.
    k = gallop(idx, time, k + 1, b, view.start + ((x + 0.5 - GUTTER) / cols) * dur);
  }
}

function drawStream(d: DrawInput, s: H2Stream, y: number): void {
  const { g, w, view, pal } = d;
  const x0 = xOf(view, w, s.startS);
  const x1 = xOf(view, w, s.endS);
  const mid = y + ROW / 2;
  if (x1 >= GUTTER && x0 <= w) {
    g.fillStyle = s.reset ? 'rgba(220,38,38,0.12)' : pal.grid;
    g.fillRect(Math.max(GUTTER, x0), y + 3, Math.max(1, Math.min(w, x1) - Math.max(GUTTER, x0)), ROW - 6);
  }
  // Frames are time-ordered: binary search the first visible, then one mark per column.
  const fr = s.frames;
  let lo = 0;
  let hi = fr.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (fr[m].tS < view.start) lo = m + 1;
    else hi = m;
  }
  let last = -1;
  for (let i = lo; i < fr.length; i++) {
    const f = fr[i];
    if (f.tS > view.end) break;
    const x = Math.floor(xOf(view, w, f.tS)) + 0.5;
    const end = f.flags.includes('END_STREAM');
    const isRst = f.type === 'RST_STREAM';
    if (x === last && !end && !isRst) continue;
    last = x;
    const up = f.dir === 'c2s';
    const color = up ? pal.c2s : pal.s2c;
    if (isRst) {
      g.strokeStyle = GLYPH.rst;
      g.lineWidth = 2;
      g.beginPath();
      g.moveTo(x - 3.5, mid - 3.5);
      g.lineTo(x + 3.5, mid + 3.5);
      g.moveTo(x + 3.5, mid - 3.5);
      g.lineTo(x - 3.5, mid + 3.5);
      g.stroke();
    } else if (f.type === 'HEADERS' || f.type === 'CONTINUATION' || f.type === 'PUSH_PROMISE') {
      g.fillStyle = color;
      g.fillRect(x - 2.5, up ? y + 2 : mid + 1, 5, ROW / 2 - 3);
    } else if (f.type === 'DATA') {
      g.fillStyle = color;
      g.fillRect(x - 0.5, up ? y + 3 : mid + 1, 1, ROW / 2 - 4);
    } else {
      g.fillStyle = pal.dim;
      g.fillRect(x - 0.5, mid - 1, 1, 3);
    }
    if (end) {
      g.fillStyle = GLYPH.fin;
      g.beginPath();
      g.arc(x, up ? y + 2 : y + ROW - 2, 2, 0, Math.PI * 2);
      g.fill();
    }
  }
}

/** One connection lane's packets: both directions, then the glyphs. */
function drawPackets(d: DrawInput, ci: number, y: number): void {
  drawDir(d, ci * K + L_C2S, y + 1, ROW / 2 - 1, d.pal.c2s, true);
  drawDir(d, ci * K + L_S2C, y + ROW / 2, ROW / 2 - 1, d.pal.s2c, false);
  for (const kind of [L_KA, L_RETX, L_SYN, L_FIN, L_RST]) drawGlyphs(d, ci, kind, y);
}

export function draw(d: DrawInput): void {
  const { g, w, h, pal, view, rows, connections } = d;
  g.fillStyle = pal.bg;
  g.fillRect(0, 0, w, h);
  g.font = '10px ui-monospace, SFMono-Regular, Menlo, monospace';
  const first = Math.max(0, Math.floor(d.scrollY / ROW));
  const lastRow = Math.min(rows.length, Math.ceil((d.scrollY + h - AXIS) / ROW) + 1);
  // Axis grid lines are drawn by drawAxis after rows, so draw rows first into the body region.
  g.save();
  g.beginPath();
  g.rect(0, AXIS, w, h - AXIS);
  g.clip();
  for (let r = first; r < lastRow; r++) {
    const row = rows[r];
    const y = AXIS + r * ROW - d.scrollY;
    g.textBaseline = 'middle';
    if (row.kind === 'group') {
      g.fillStyle = pal.group;
      g.fillRect(0, y, w, ROW);
      g.fillStyle = pal.dim;
      g.fillText(row.collapsed ? '▸' : '▾', 6, y + ROW / 2);
      g.fillStyle = pal.text;
      g.font = '600 10px ui-monospace, SFMono-Regular, Menlo, monospace';
      g.fillText(row.server, 18, y + ROW / 2);
      g.font = '10px ui-monospace, SFMono-Regular, Menlo, monospace';
      const label = `${row.conns} conn${row.conns > 1 ? 's' : ''}`;
      g.fillStyle = pal.dim;
      g.fillText(label, GUTTER + 6, y + ROW / 2);
      continue;
    }
    const cn = connections[row.ci];
    if (row.kind === 'stream') {
      g.fillStyle = pal.gutter;
      g.fillRect(0, y, GUTTER, ROW);
      g.fillStyle = pal.dim;
      const s = row.stream;
      const full = `#${s.id} ${s.method ?? ''} ${s.path ?? ''}`;
      const label = full.length > 17 ? `${full.slice(0, 16)}…` : full;
      g.fillText(label, 36, y + ROW / 2);
      if (s.status !== null || s.reset) {
        g.fillStyle = s.reset || (s.status ?? 0) >= 500 ? GLYPH.rst : pal.dim;
        g.textAlign = 'right';
        g.fillText(s.reset ? 'RST' : String(s.status), GUTTER - 6, y + ROW / 2);
        g.textAlign = 'left';
      }
      drawStream(d, s, y);
      continue;
    }
    // Connection lane.
    if (cn.id === d.selectedConn) {
      g.fillStyle = pal.sel;
      g.fillRect(0, y, w, ROW);
    }
    g.fillStyle = pal.dim;
    if (row.streams > 0) g.fillText(row.expanded ? '▾' : '▸', 16, y + ROW / 2);
    g.fillStyle = pal.text;
    g.fillText(cn.id, 28, y + ROW / 2);
    g.fillStyle = pal.dim;
    g.fillText(
      `:${cn.clientPort} ${cn.protocol === 'unknown' ? '' : cn.protocol}`,
      28 + 6.2 * (cn.id.length + 1),
      y + ROW / 2,
    );
    if (cn.end === 'reset') {
      g.fillStyle = GLYPH.rst;
      g.textAlign = 'right';
      g.fillText('RST', GUTTER - 6, y + ROW / 2);
      g.textAlign = 'left';
    }
    const x0 = Math.max(GUTTER, xOf(view, w, cn.startS));
    const x1 = Math.min(w, xOf(view, w, cn.endS));
    if (x1 >= GUTTER && x0 <= w) {
      g.fillStyle = pal.base;
      g.fillRect(x0, y + ROW / 2 - 0.5, Math.max(1, x1 - x0), 1);
    }
    for (const gap of cn.idleGaps) {
      const gx0 = xOf(view, w, gap.startS);
      const gx1 = xOf(view, w, gap.endS);
      if (gx1 < GUTTER || gx0 > w) continue;
      const a = Math.max(GUTTER, gx0);
      const bw = Math.min(w, gx1) - a;
      g.fillStyle = pal.idle;
      g.fillRect(a, y + 1, bw, ROW - 2);
      if (bw > 56) {
        g.fillStyle = pal.dim;
        g.fillText(`idle ${fmtDur(gap.durationS)}${gap.keepaliveInside ? ' (ka)' : ''}`, a + 4, y + ROW / 2);
      }
    }
    const fs = d.findingsByConn.get(cn.id);
    if (fs) {
      for (const f of fs) {
        const fx0 = xOf(view, w, f.startS);
        const fx1 = xOf(view, w, f.endS);
        if (fx1 < GUTTER - 3 || fx0 > w + 3) continue;
        const a = Math.max(GUTTER, fx0 - 1);
        const bw = Math.max(3, Math.min(w, fx1 + 1) - a);
        g.globalAlpha = 0.14;
        g.fillStyle = SEV[f.severity];
        g.fillRect(a, y, bw, ROW);
        g.globalAlpha = 1;
        g.fillRect(a, y, bw, 2);
      }
    }
    if (d.match) g.globalAlpha = 0.2;
    drawPackets(d, row.ci, y);
    g.globalAlpha = 1;
    if (d.match) drawPackets({ ...d, index: d.match }, row.ci, y);
    g.fillStyle = pal.grid;
    g.fillRect(0, y + ROW - 1, w, 1);
  }
  // Pins.
  const rowOfConn = new Map<string, number>();
  if (d.pins.length) rows.forEach((r, i) => r.kind === 'conn' && rowOfConn.set(connections[r.ci].id, i));
  for (const p of d.pins) {
    const x = Math.round(xOf(view, w, p.tS)) + 0.5;
    if (x < GUTTER || x > w) continue;
    const ri = p.conn ? rowOfConn.get(p.conn) : undefined;
    const y = ri === undefined ? AXIS : AXIS + ri * ROW - d.scrollY;
    g.strokeStyle = '#e11d48';
    g.lineWidth = 1;
    g.beginPath();
    g.moveTo(x, y);
    g.lineTo(x, y + ROW);
    g.stroke();
    g.fillStyle = '#e11d48';
    g.fillRect(x, y, 8, 6);
    g.fillStyle = pal.text;
    g.fillText(p.label.slice(0, 24), x + 10, y + 4);
  }
  g.restore();
  if (d.cursorS !== undefined && d.cursorS !== null) {
    const x = Math.round(xOf(view, w, d.cursorS)) + 0.5;
    if (x >= GUTTER && x <= w) {
      g.fillStyle = '#0369a1';
      g.fillRect(x - 0.5, AXIS, 1, h - AXIS);
    }
  }
  // Gutter divider.
  g.fillStyle = pal.base;
  g.fillRect(GUTTER - 1, AXIS, 1, h - AXIS);
  drawAxis(d);
  if (d.brush) {
    const a = Math.min(d.brush.a, d.brush.b);
    const b = Math.max(d.brush.a, d.brush.b);
    g.fillStyle = 'rgba(14,165,233,0.15)';
    g.fillRect(a, AXIS, b - a, h - AXIS);
    g.fillStyle = '#0ea5e9';
    g.fillRect(a, AXIS, 1, h - AXIS);
    g.fillRect(b, AXIS, 1, h - AXIS);
    g.fillStyle = pal.text;
    g.fillText(fmtDur(Math.abs(tOf(view, w, b) - tOf(view, w, a))), a + 4, AXIS + 10);
  }
  // Vertical scroll indicator.
  const total = rows.length * ROW;
  const body = h - AXIS;
  if (total > body) {
    const th = Math.max(16, (body * body) / total);
    const ty = AXIS + (d.scrollY / (total - body)) * (body - th);
    g.fillStyle = pal.base;
    g.fillRect(w - 4, ty, 3, th);
  }
}

export function drawOverview(
  g: CanvasRenderingContext2D,
  w: number,
  h: number,
  pal: Palette,
  index: LaneIndex,
  span: View,
  view: View,
): void {
  g.fillStyle = pal.gutter;
  g.fillRect(0, 0, w, h);
  const cols = w - GUTTER;
  g.fillStyle = pal.dim;
  g.font = '10px ui-monospace, SFMono-Regular, Menlo, monospace';
  g.textBaseline = 'middle';
  g.fillText('overview', 8, h / 2);
  if (index.histMax > 0) {
    g.fillStyle = pal.c2s;
    g.globalAlpha = 0.55;
    const lm = Math.log1p(index.histMax);
    for (let c = 0; c < cols; c++) {
      const b0 = Math.floor((c / cols) * HIST_BINS);
      const b1 = Math.max(b0 + 1, Math.floor(((c + 1) / cols) * HIST_BINS));
      let n = 0;
      for (let b = b0; b < b1 && b < HIST_BINS; b++) n = Math.max(n, index.hist[b]);
      if (!n) continue;
      const bh = Math.max(1, (Math.log1p(n) / lm) * (h - 4));
      g.fillRect(GUTTER + c, h - 2 - bh, 1, bh);
    }
    g.globalAlpha = 1;
  }
  const sd = Math.max(span.end - span.start, 1e-12);
  const a = GUTTER + ((view.start - span.start) / sd) * cols;
  const b = GUTTER + ((view.end - span.start) / sd) * cols;
  const ca = Math.max(GUTTER, Math.min(w - 2, a));
  const cb = Math.max(ca + 2, Math.min(w, b));
  g.fillStyle = 'rgba(0,0,0,0.18)';
  if (ca > GUTTER) g.fillRect(GUTTER, 0, ca - GUTTER, h);
  if (cb < w) g.fillRect(cb, 0, w - cb, h);
  g.strokeStyle = '#0ea5e9';
  g.lineWidth = 1;
  g.strokeRect(ca + 0.5, 0.5, cb - ca - 1, h - 1);
  g.fillStyle = pal.base;
  g.fillRect(0, h - 1, w, 1);
}
