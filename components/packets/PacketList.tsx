'use client';
// Wireshark's packet list: No., Time, Source, Destination, Protocol, Length, Info, coloured by the
// default colouring rules. Virtualised: only the rows in view exist in the DOM, and their text is
// asked of the packet session in the worker for those rows only (cached by packet row), so a
// capture of millions of packets costs what a screenful does. Keyboard: up/down, page up/down,
// home/end move the selection among the displayed packets.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { PacketClient } from '@/app/worker/packet-client';
import type { PacketListRow } from '@/app/worker/packet-messages';
import type { PacketTable } from '@/lib/packets';
import { ruleStyle } from './coloring';
import { TIME_MODES, formatTime, type TimeMode } from './timeFormat';

const ROW_H = 18;
const OVERSCAN = 30;
/** Cached rows beyond which the cache is emptied (a long scroll through a big capture). */
const CACHE_MAX = 20000;

const EMPTY: ReadonlyMap<number, PacketListRow> = new Map();

const COLS = '64px 112px minmax(110px,1fr) minmax(110px,1fr) 72px 56px minmax(200px,3.2fr)';

/**
 * Tallest scroll area made (px): browsers cap an element's height (Chromium at 2^25 px, 1.86 M
 * rows of 18 px), so a longer list scrolls a scaled area, the scroll position standing for a row
 * index in proportion, and the rows in view are placed around it.
 */
const MAX_PX = 8_000_000;

/**
 * Where a `count`-row list scrolled to `scrollTop` in a `height`-px viewport shows its rows: the
 * (fractional) display index at the top of the view, the height of the scroll area, and the y of
 * row i in it (the header row above row 0 included).
 */
export function listGeometry(count: number, scrollTop: number, height: number) {
  const full = (count + 1) * ROW_H;
  const area = Math.min(full, MAX_PX);
  const visible = Math.max(1, Math.floor(height / ROW_H) - 1);
  const scaled = full > MAX_PX;
  const topIndex = scaled
    ? (Math.min(scrollTop, area - height) / Math.max(1, area - height)) * Math.max(0, count - visible)
    : scrollTop / ROW_H;
  return {
    area,
    topIndex,
    visible,
    rowY: (i: number) => (scaled ? scrollTop + (i - topIndex) * ROW_H : i * ROW_H) + ROW_H,
    /** The scrollTop that puts display index `t` at the top of the view. */
    scrollFor: (t: number) => (scaled ? (t / Math.max(1, count - visible)) * (area - height) : t * ROW_H),
  };
}

/** First index k with rows[k] >= row (rows ascending). */
function lowerBound(rows: Uint32Array, row: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (rows[m] < row) lo = m + 1;
    else hi = m;
  }
  return lo;
}

export default function PacketList(props: {
  client: PacketClient | null | undefined;
  table: PacketTable;
  /** The displayed packet rows (ascending), or null for all of them. */
  rows: Uint32Array | null;
  epoch: readonly [number, number] | null;
  /** Selected packet number (1-based), as the rest of the page selects packets. */
  selected: number | null;
  onSelect: (packet: number) => void;
  timeMode: TimeMode;
  onTimeMode: (m: TimeMode) => void;
}) {
  const { client, table, rows, selected, onSelect } = props;
  const count = rows ? rows.length : table.length;
  const rowAt = useCallback((i: number) => (rows ? rows[i] : i), [rows]);
  /** Display index of packet row `r`, or -1 when it is not displayed. */
  const indexOf = useCallback(
    (r: number) => {
      if (!rows) return r >= 0 && r < table.length ? r : -1;
      const k = lowerBound(rows, r);
      return k < rows.length && rows[k] === r ? k : -1;
    },
    [rows, table.length],
  );
  const scrollRef = useRef<HTMLDivElement>(null);
  const [win, setWin] = useState({ top: 0, height: 400 });
  /** Rows the worker has answered, for the session they came from. */
  const [cache, setCache] = useState<{
    client: PacketClient | null | undefined;
    rows: Map<number, PacketListRow>;
  }>(() => ({ client, rows: new Map() }));
  const known = cache.client === client ? cache.rows : EMPTY;
  /** Rows asked and not answered yet (by session), so that a scroll does not ask twice. */
  const asked = useRef<{ client: PacketClient | null | undefined; rows: Set<number> }>({
    client,
    rows: new Set(),
  });

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const update = () => setWin({ top: el.scrollTop, height: el.clientHeight });
    update();
    el.addEventListener('scroll', update, { passive: true });
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => {
      el.removeEventListener('scroll', update);
      ro.disconnect();
    };
  }, []);

  const geo = listGeometry(count, win.top, win.height);
  const first = Math.max(0, Math.floor(geo.topIndex) - OVERSCAN);
  const last = Math.min(count, Math.ceil(geo.topIndex + geo.visible + 1) + OVERSCAN);

  // Ask the worker for the rows in view that are not cached yet.
  useEffect(() => {
    if (!client) return;
    if (asked.current.client !== client) asked.current = { client, rows: new Set() };
    const pending = asked.current.rows;
    const want: number[] = [];
    for (let i = first; i < last; i++) {
      const r = rowAt(i);
      if (!known.has(r) && !pending.has(r)) want.push(r);
    }
    if (!want.length) return;
    for (const r of want) pending.add(r);
    client
      .ask({ type: 'rows', rows: Uint32Array.from(want) })
      .then((a) => {
        if (a.type !== 'rows') return;
        for (const r of want) pending.delete(r);
        setCache((prev) => {
          const rows = new Map(prev.client === client && prev.rows.size < CACHE_MAX ? prev.rows : undefined);
          for (const r of a.rows) rows.set(r.row, r);
          return { client, rows };
        });
      })
      .catch(() => {
        for (const r of want) pending.delete(r);
      });
  }, [client, first, last, rowAt, known]);

  // Keep the selected packet in view when it changes (from here or from another view).
  const selIndex = selected !== null ? indexOf(selected - 1) : -1;
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || selIndex < 0) return;
    const g = listGeometry(count, el.scrollTop, el.clientHeight);
    if (selIndex < g.topIndex) el.scrollTop = g.scrollFor(selIndex);
    else if (selIndex + 1 > g.topIndex + g.visible) el.scrollTop = g.scrollFor(selIndex + 1 - g.visible);
  }, [selIndex, count]);

  const onKey = (e: React.KeyboardEvent) => {
    if (!count) return;
    const page = Math.max(1, Math.floor(win.height / ROW_H) - 2);
    let to: number | null = null;
    const cur =
      selIndex >= 0
        ? selIndex
        : selected !== null && rows
          ? Math.min(count - 1, lowerBound(rows, selected - 1)) // nearest displayed packet
          : -1;
    switch (e.key) {
      case 'ArrowDown':
        to = cur + 1;
        break;
      case 'ArrowUp':
        to = cur < 0 ? 0 : cur - 1;
        break;
      case 'PageDown':
        to = cur + page;
        break;
      case 'PageUp':
        to = cur - page;
        break;
      case 'Home':
        to = 0;
        break;
      case 'End':
        to = count - 1;
        break;
    }
    if (to === null) return;
    e.preventDefault();
    onSelect(rowAt(Math.max(0, Math.min(count - 1, to))) + 1);
  };

  const items = [];
  for (let i = first; i < last; i++) {
    const r = rowAt(i);
    const row = known.get(r);
    const isSel = r + 1 === selected;
    const prev = i > 0 ? table.time[rowAt(i - 1)] : null;
    items.push(
      <div
        key={r}
        role="row"
        aria-selected={isSel}
        data-packet={r + 1}
        data-color-rule={row?.color ?? undefined}
        onMouseDown={() => onSelect(r + 1)}
        style={{
          position: 'absolute',
          top: geo.rowY(i),
          left: 0,
          right: 0,
          height: ROW_H,
          gridTemplateColumns: COLS,
          ...(isSel ? undefined : ruleStyle(row?.color ?? null)),
        }}
        className={`grid cursor-default items-center gap-x-2 whitespace-nowrap px-1 leading-[18px] ${
          isSel ? 'bg-sky-700 text-white dark:bg-sky-600' : ''
        }`}
      >
        <span className="text-right">{r + 1}</span>
        <span className="text-right">{formatTime(props.timeMode, table.time[r], prev, props.epoch)}</span>
        <span className="truncate">{row?.src ?? ''}</span>
        <span className="truncate">{row?.dst ?? ''}</span>
        <span className="truncate">{row?.protocol ?? ''}</span>
        <span className="text-right">{row?.length ?? table.origLen[r]}</span>
        <span className="truncate" title={row?.info}>
          {row ? row.info : '…'}
        </span>
      </div>,
    );
  }

  return (
    <div
      ref={scrollRef}
      role="grid"
      aria-label="Packets"
      aria-rowcount={count}
      tabIndex={0}
      onKeyDown={onKey}
      data-testid="packet-list"
      data-count={count}
      className="num relative min-h-0 flex-1 overflow-auto text-[11.5px] outline-none focus-visible:ring-1 focus-visible:ring-sky-500"
    >
      <div style={{ height: geo.area, position: 'relative', minWidth: 760 }}>
        <div
          role="row"
          style={{ gridTemplateColumns: COLS, height: ROW_H }}
          className="sticky top-0 z-10 grid items-center gap-x-2 border-b border-zinc-300 bg-zinc-100 px-1 font-sans font-semibold text-zinc-700 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-300"
        >
          <span className="text-right">No.</span>
          <span className="flex justify-end">
            <select
              aria-label="Time display format"
              data-testid="time-format"
              value={props.timeMode}
              onChange={(e) => props.onTimeMode(e.target.value as TimeMode)}
              className="bg-transparent text-right font-semibold"
            >
              {TIME_MODES.map((m) => (
                <option
                  key={m.mode}
                  value={m.mode}
                  disabled={m.mode === 'absolute' && !props.epoch}
                  title={m.title}
                >
                  {m.label}
                </option>
              ))}
            </select>
          </span>
          <span>Source</span>
          <span>Destination</span>
          <span>Protocol</span>
          <span className="text-right">Length</span>
          <span>Info</span>
        </div>
        {items}
        {count === 0 && (
          <div className="px-3 py-4 font-sans text-zinc-500" data-testid="packet-list-empty">
            No packet matches the display filter.
          </div>
        )}
      </div>
    </div>
  );
}
