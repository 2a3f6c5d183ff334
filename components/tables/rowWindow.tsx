'use client';
// Windowed table bodies: only the rows in view (plus some overscan) are in the DOM; spacer rows
// stand for the rest. A 30,000-stream capture rendered 2,000 rows of 11 cells at once, and the
// style, layout and paint of those 22,000 cells blocked the main thread for 300-400 ms when the
// trace arrived (measured with scripts/bench-browser.mjs and a Chrome trace). Rows are single-line
// (whitespace-nowrap, truncated cells), so they all have the height of the first one.
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';

/** Below this many rows a table renders them all (and has no spacer rows). */
export const WINDOW_MIN_ROWS = 200;
/**
 * The same for the stream and exchange lists, which sit below the connection table, mostly out of
 * view: the shared page's first screen has 200 of their rows (document-client FIRST_ROWS), and
 * rendering all 2,400 cells made most of its first render's 60-120 ms task and the layout after.
 */
export const LIST_WINDOW_MIN_ROWS = 60;
/** Rows rendered beyond each edge of the visible part; also the step the window moves by. */
const OVERSCAN = 40;
/** Row height until a row has been measured (px). */
const GUESS_ROW_H = 19;

export interface RowWindow {
  start: number;
  end: number;
  /** Heights of the spacer rows before and after the rendered rows (px). */
  padTop: number;
  padBottom: number;
}

function scrollParent(el: HTMLElement): HTMLElement | null {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const oy = getComputedStyle(p).overflowY;
    if (oy === 'auto' || oy === 'scroll') return p;
  }
  return null;
}

/**
 * The rows of a `count`-row table body to render, following the body's position in its scroll
 * container and in the window.
 */
export function useRowWindow(
  count: number,
  bodyRef: RefObject<HTMLTableSectionElement | null>,
  /** Windowed above this many rows. */
  minRows = WINDOW_MIN_ROWS,
): RowWindow {
  const windowed = count > minRows;
  // Until measured: the top of the table, which is where a table shows first.
  const [range, setRange] = useState({ start: 0, end: Math.min(count, OVERSCAN), rowH: GUESS_ROW_H });
  const raf = useRef(0);

  const update = useCallback(() => {
    raf.current = 0;
    const body = bodyRef.current;
    if (!body) return;
    const row = body.querySelector<HTMLTableRowElement>('tr:not([data-spacer])');
    const measured = row?.getBoundingClientRect().height;
    const rowH = measured && measured > 0 ? measured : GUESS_ROW_H;
    const b = body.getBoundingClientRect();
    const box = scrollParent(body)?.getBoundingClientRect();
    const visTop = Math.max(box ? box.top : 0, 0);
    const visBottom = Math.min(box ? box.bottom : window.innerHeight, window.innerHeight);
    // Row i starts at b.top + i * rowH whatever is rendered: the top spacer keeps the offsets.
    let first = Math.floor((visTop - b.top) / rowH) - OVERSCAN;
    let last = Math.ceil((visBottom - b.top) / rowH) + OVERSCAN;
    // Whole steps, so that scrolling re-renders every OVERSCAN rows, not on every scroll event.
    first = Math.max(0, Math.floor(first / OVERSCAN) * OVERSCAN);
    last = Math.min(count, Math.max(first + OVERSCAN, Math.ceil(last / OVERSCAN) * OVERSCAN));
    setRange((r) =>
      r.start === first && r.end === last && r.rowH === rowH ? r : { start: first, end: last, rowH },
    );
  }, [bodyRef, count]);

  useEffect(() => {
    const body = bodyRef.current;
    if (!windowed || !body) return;
    const schedule = () => {
      if (!raf.current) raf.current = requestAnimationFrame(update);
    };
    // First measurement after the frame that lays the table out, in a task of its own: measuring
    // in a layout effect forced the whole page's first layout (20 ms on the bench capture) into
    // React's commit, which then made a long task with the timeline's first paint.
    let first: ReturnType<typeof setTimeout> | undefined;
    const firstFrame = requestAnimationFrame(() => {
      first = setTimeout(update, 0);
    });
    const parent = scrollParent(body);
    parent?.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule);
    const ro = new ResizeObserver(schedule);
    if (parent) ro.observe(parent);
    return () => {
      parent?.removeEventListener('scroll', schedule);
      window.removeEventListener('scroll', schedule);
      window.removeEventListener('resize', schedule);
      ro.disconnect();
      cancelAnimationFrame(firstFrame);
      clearTimeout(first);
      if (raf.current) cancelAnimationFrame(raf.current);
      raf.current = 0;
    };
  }, [windowed, bodyRef, update]);

  if (!windowed) return { start: 0, end: count, padTop: 0, padBottom: 0 };
  const start = Math.min(range.start, count);
  const end = Math.min(Math.max(range.end, start), count);
  return { start, end, padTop: start * range.rowH, padBottom: (count - end) * range.rowH };
}

/** A spacer row standing for `height` px of rows that are not rendered. */
export function SpacerRow({ height, cols }: { height: number; cols: number }) {
  if (height <= 0) return null;
  return (
    <tr data-spacer aria-hidden="true" style={{ height }}>
      <td colSpan={cols} className="p-0" />
    </tr>
  );
}
