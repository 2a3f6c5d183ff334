// Named interaction handlers of the aligned view: each takes the view state and one input event's
// facts and returns the next state, so the component only wires DOM events to them.
import type { LaneIndex } from '@/lib/lanes/index';
import type { TimeScale } from '@/lib/timescale';
import type { Finding } from '@/lib/trace';
import { keyOf, type Pick } from './draw';

export interface ViewState {
  scale: TimeScale;
  selected: ReadonlySet<string>;
  hover: Pick | null;
}

const boundsOf = (index: LaneIndex): [number, number] => {
  const pad = Math.max((index.span[1] - index.span[0]) * 0.02, 1e-4);
  return [index.span[0] - pad, index.span[1] + pad];
};

/** Wheel or pinch: zoom about the pointer (deltaY < 0 zooms in); a horizontal wheel pans. */
export function zoomHandler(
  st: ViewState,
  index: LaneIndex,
  e: { deltaX: number; deltaY: number; x: number },
): ViewState {
  if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) return panHandler(st, index, -e.deltaX);
  const factor = Math.exp(-e.deltaY * 0.002);
  return { ...st, scale: st.scale.zoom(factor, e.x, boundsOf(index)) };
}

/** Drag: move the window by dx pixels. */
export function panHandler(st: ViewState, index: LaneIndex, dx: number): ViewState {
  return { ...st, scale: st.scale.pan(dx, boundsOf(index)) };
}

export function hoverHandler(st: ViewState, picked: Pick | null): ViewState {
  const same =
    st.hover === picked ||
    (st.hover?.kind === 'packet' &&
      picked?.kind === 'packet' &&
      st.hover.input === picked.input &&
      st.hover.row === picked.row) ||
    (st.hover?.kind === 'event' && picked?.kind === 'event' && st.hover.index === picked.index);
  return same ? st : { ...st, hover: picked };
}

/** Click: select a packet with its copies at the other points (shift: add to the selection). */
export function selectHandler(
  st: ViewState,
  index: LaneIndex,
  picked: Pick | null,
  additive: boolean,
): ViewState {
  if (!picked || picked.kind !== 'packet') return additive ? st : { ...st, selected: new Set() };
  const next = new Set(additive ? st.selected : []);
  for (const k of withCopies(index, [[picked.input, picked.row]])) next.add(k);
  return { ...st, selected: next };
}

/** A finding clicked: its evidence packets and their copies selected, the window fitted to them. */
export function findingHandler(st: ViewState, index: LaneIndex, f: Finding): ViewState {
  const rows: [number, number][] = [];
  for (const ev of f.evidence)
    if (ev.packet !== undefined && ev.input !== undefined && index.packets[ev.input])
      rows.push([ev.input, ev.packet - 1]);
  const selected = withCopies(index, rows);
  // The window: where the finding happened, with the evidence close to it (a packet long before,
  // such as the last one seen before an idle period, stays selected but out of view).
  const reach = Math.max(1, f.endS - f.startS);
  let lo = f.startS;
  let hi = f.endS;
  for (const k of selected) {
    const [input, row] = k.split(':').map(Number);
    const t = index.packets[input]?.time[row];
    if (t === undefined || t < f.startS - reach || t > f.endS + reach) continue;
    lo = Math.min(lo, t);
    hi = Math.max(hi, t);
  }
  const pad = Math.max((hi - lo) * 0.2, 0.002);
  return { ...st, selected, scale: st.scale.withWindow(lo - pad, hi + pad) };
}

/** The given packets and every copy of them the ladder links, transitively (several hops). */
export function withCopies(index: LaneIndex, rows: [number, number][]): Set<string> {
  const out = new Set<string>();
  const queue = [...rows];
  while (queue.length) {
    const [input, row] = queue.pop()!;
    const k = keyOf(input, row);
    if (out.has(k)) continue;
    out.add(k);
    for (const l of index.links) {
      if (l.near === input) {
        const i = l.nearRows.indexOf(row);
        if (i >= 0) queue.push([l.far, l.farRows[i]]);
      } else if (l.far === input) {
        const i = l.farRows.indexOf(row);
        if (i >= 0) queue.push([l.near, l.nearRows[i]]);
      }
    }
  }
  return out;
}
