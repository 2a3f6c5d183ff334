'use client';
import {
  type CSSProperties,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { PacketTable } from '@/lib/packets';
import type { Connection, Finding, H2Stream, InputInfo } from '@/lib/trace';
import {
  AXIS,
  DARK,
  GLYPH,
  GUTTER,
  LIGHT,
  ROW,
  type Pin,
  type View,
  draw,
  drawOverview,
  tOf,
} from './timeline/draw';
import { K, buildGroups, buildIndex, buildRows, type LaneIndex } from './timeline/model';

export type { View, Pin };

const OVERVIEW_H = 26;
const MAX_BODY = 340;
const MIN_DUR = 1e-7;

type Drag =
  | { mode: 'pan'; x: number; y: number; v: View; scrollY: number; moved: boolean }
  | { mode: 'brush'; a: number; b: number }
  | { mode: 'ov-move'; x: number; v: View }
  | { mode: 'ov-brush'; a: number; b: number };

/**
 * Canvas timeline: connections grouped by server endpoint, expandable into HTTP/2 stream lanes.
 * Per-lane packet indexes are built once; each frame costs O(visible lanes x pixel columns x log n).
 */
export default function Timeline(props: {
  connections: Connection[];
  packets: PacketTable | null;
  /** The lane index of `packets` for `span`, built by the analysis worker; built here when absent. */
  lanes?: LaneIndex | null;
  findings: Finding[];
  span: View;
  view: View;
  zoomed: boolean;
  selectedConn: string | null;
  onView: (v: View) => void;
  onSelectConn: (id: string) => void;
  streams?: H2Stream[];
  input?: InputInfo;
  onSelectStream?: (conn: string, stream: number) => void;
  pins?: Pin[];
  onPin?: (id: string) => void;
  /** The lane index of a display filter's matching packets (the rest is drawn dimmed). */
  match?: LaneIndex | null;
  /** How many packets the display filter matched (a data attribute for tests and tools). */
  matchCount?: number;
  /** Time of the selected packet (a line across the lanes). */
  cursorS?: number | null;
}) {
  const { connections, packets, findings, span, selectedConn, onView, onSelectConn, onSelectStream, onPin } =
    props;
  const streams = props.streams;
  const pins = props.pins;
  const rootRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const ovRef = useRef<HTMLCanvasElement>(null);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const [absolute, setAbsolute] = useState(false);

  const lanes = props.lanes;
  const index = useMemo(
    () =>
      lanes && lanes.off.length === connections.length * K + 1
        ? lanes
        : buildIndex(packets, connections.length, span),
    [lanes, packets, connections.length, span],
  );
  const groups = useMemo(() => buildGroups(connections, streams ?? []), [connections, streams]);
  const rows = useMemo(
    () => buildRows(groups, connections, collapsed, expanded),
    [groups, connections, collapsed, expanded],
  );
  const { findingsByConn, globalFindings } = useMemo(() => {
    const m = new Map<string, Finding[]>();
    const gl: Finding[] = [];
    for (const f of findings) {
      if (!f.connection) {
        gl.push(f);
        continue;
      }
      const l = m.get(f.connection);
      if (l) l.push(f);
      else m.set(f.connection, [f]);
    }
    return { findingsByConn: m, globalFindings: gl };
  }, [findings]);
  const epoch0 = useMemo(() => {
    const inp = props.input;
    if (!inp) return null;
    if (inp.startEpoch) return inp.startEpoch[0] + inp.startEpoch[1] / 1e9 - span.start;
    if (inp.start) {
      const ms = Date.parse(inp.start);
      return Number.isFinite(ms) ? ms / 1000 - span.start : null;
    }
    return null;
  }, [props.input, span.start]);

  const bodyH = Math.max(ROW * 3, Math.min(rows.length * ROW, MAX_BODY));
  const height = AXIS + bodyH;

  // Live state kept in refs so pan/zoom redraws without a React render; committed to the parent
  // (URL, tables) once the gesture settles.
  const viewRef = useRef<View>(props.view);
  const scrollRef = useRef(0);
  const dragRef = useRef<Drag | null>(null);
  const rafRef = useRef(0);
  const commitRef = useRef<ReturnType<typeof setTimeout> | null>(null);
  const drawnRef = useRef(false);
  const stateRef = useRef({
    rows,
    index,
    findingsByConn,
    globalFindings,
    pins: pins ?? [],
    selectedConn,
    epoch0,
    absolute,
    connections,
    packets,
    span,
    height,
    match: props.match ?? null,
    cursorS: props.cursorS ?? null,
  });

  const paint = useCallback(() => {
    rafRef.current = 0;
    const c = canvasRef.current;
    const ov = ovRef.current;
    if (!c || !ov) return;
    const s = stateRef.current;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    if (w <= GUTTER) return;
    const dark = document.documentElement.classList.contains('dark');
    const pal = dark ? DARK : LIGHT;
    const maxScroll = Math.max(0, s.rows.length * ROW - (s.height - AXIS));
    scrollRef.current = Math.max(0, Math.min(maxScroll, scrollRef.current));
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(s.height * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(s.height * dpr);
    }
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const d = dragRef.current;
    const t0 = performance.now();
    draw({
      g,
      w,
      h: s.height,
      pal,
      view: viewRef.current,
      span: s.span,
      rows: s.rows,
      scrollY: scrollRef.current,
      connections: s.connections,
      packets: s.packets,
      index: s.index,
      findingsByConn: s.findingsByConn,
      globalFindings: s.globalFindings,
      pins: s.pins,
      selectedConn: s.selectedConn,
      epoch0: s.epoch0,
      absolute: s.absolute,
      brush: d && d.mode === 'brush' ? { a: d.a, b: d.b } : null,
      match: s.match,
      cursorS: s.cursorS,
    });
    if (ov.width !== Math.round(w * dpr) || ov.height !== Math.round(OVERVIEW_H * dpr)) {
      ov.width = Math.round(w * dpr);
      ov.height = Math.round(OVERVIEW_H * dpr);
    }
    const og = ov.getContext('2d');
    if (og) {
      og.setTransform(dpr, 0, 0, dpr, 0, 0);
      let ovView = viewRef.current;
      if (d && d.mode === 'ov-brush') {
        const sd = s.span.end - s.span.start;
        const t = (x: number) => s.span.start + ((x - GUTTER) / (w - GUTTER)) * sd;
        ovView = { start: t(Math.min(d.a, d.b)), end: t(Math.max(d.a, d.b)) };
      }
      drawOverview(og, w, OVERVIEW_H, pal, s.index, s.span, ovView);
    }
    // Opt-in paint cost probe for tests/browser/perf.mjs.
    const probe = (window as unknown as { __tlPaint?: number[] }).__tlPaint;
    if (probe) probe.push(performance.now() - t0);
    if (!drawnRef.current && rootRef.current) {
      drawnRef.current = true;
      rootRef.current.setAttribute('data-ready', '1');
    }
  }, []);
  const schedule = useCallback(() => {
    if (rafRef.current) return;
    // A new trace's first paint waits one frame: the frame that first lays the page out (20 ms on
    // the bench capture) and the first drawing of a large capture's lanes together made a long
    // task; apart, each stays short.
    rafRef.current = drawnRef.current
      ? requestAnimationFrame(paint)
      : requestAnimationFrame(() => {
          rafRef.current = requestAnimationFrame(paint);
        });
  }, [paint]);

  // Sync from the parent unless a gesture is mid-flight.
  useEffect(() => {
    if (!commitRef.current && !dragRef.current) viewRef.current = props.view;
    schedule();
  }, [props.view, schedule]);
  useEffect(() => {
    drawnRef.current = false;
    rootRef.current?.removeAttribute('data-ready');
  }, [packets, connections]);
  useLayoutEffect(() => {
    stateRef.current = {
      rows,
      index,
      findingsByConn,
      globalFindings,
      pins: pins ?? [],
      selectedConn,
      epoch0,
      absolute,
      connections,
      packets,
      span,
      height,
      match: props.match ?? null,
      cursorS: props.cursorS ?? null,
    };
    schedule();
  }, [
    props.match,
    props.cursorS,
    rows,
    index,
    findingsByConn,
    globalFindings,
    pins,
    selectedConn,
    epoch0,
    absolute,
    connections,
    packets,
    span,
    height,
    schedule,
  ]);
  useEffect(() => {
    const c = canvasRef.current;
    if (!c) return;
    const ro = new ResizeObserver(() => schedule());
    ro.observe(c);
    const mo = new MutationObserver(() => schedule());
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
    return () => {
      ro.disconnect();
      mo.disconnect();
      if (rafRef.current) cancelAnimationFrame(rafRef.current);
      rafRef.current = 0;
    };
  }, [schedule]);

  const setLive = useCallback(
    (v: View, commitNow = false) => {
      const s = stateRef.current.span;
      const full = Math.max(s.end - s.start, MIN_DUR);
      let dur = Math.min(Math.max(v.end - v.start, MIN_DUR), full * 1.5);
      if (!Number.isFinite(dur)) dur = full;
      let start = Number.isFinite(v.start) ? v.start : s.start;
      const slack = full * 0.25;
      start = Math.max(s.start - slack - dur * 0.5, Math.min(start, s.end + slack - dur * 0.5));
      viewRef.current = { start, end: start + dur };
      schedule();
      if (commitRef.current) clearTimeout(commitRef.current);
      const commit = () => {
        commitRef.current = null;
        onView(viewRef.current);
      };
      if (commitNow) commit();
      else commitRef.current = setTimeout(commit, 180);
    },
    [onView, schedule],
  );

  // Wheel: zoom around the cursor (ctrl/pinch zooms faster); horizontal delta pans; over the
  // gutter (or with alt) the wheel scrolls lanes vertically.
  useEffect(() => {
    const c = canvasRef.current;
    if (!c) return;
    const onWheel = (e: WheelEvent) => {
      const r = c.getBoundingClientRect();
      const x = e.clientX - r.left;
      const scale = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? r.height : 1;
      if (x < GUTTER || e.altKey) {
        const maxScroll = Math.max(0, stateRef.current.rows.length * ROW - (stateRef.current.height - AXIS));
        if (maxScroll === 0) return;
        e.preventDefault();
        scrollRef.current = Math.max(0, Math.min(maxScroll, scrollRef.current + e.deltaY * scale));
        schedule();
        return;
      }
      e.preventDefault();
      const v = viewRef.current;
      const dur = v.end - v.start;
      if (Math.abs(e.deltaX) > Math.abs(e.deltaY) && !e.ctrlKey) {
        const dt = ((e.deltaX * scale) / (r.width - GUTTER)) * dur;
        setLive({ start: v.start + dt, end: v.end + dt });
        return;
      }
      const f = (x - GUTTER) / (r.width - GUTTER);
      const k = Math.exp(e.deltaY * scale * (e.ctrlKey ? 0.01 : 0.0022));
      const at = v.start + f * dur;
      setLive({ start: at - f * dur * k, end: at + (1 - f) * dur * k });
    };
    c.addEventListener('wheel', onWheel, { passive: false });
    return () => c.removeEventListener('wheel', onWheel);
  }, [setLive, schedule]);

  const rowAt = (clientY: number, c: HTMLCanvasElement): number => {
    const r = c.getBoundingClientRect();
    const y = clientY - r.top;
    if (y < AXIS) return -1;
    return Math.floor((y - AXIS + scrollRef.current) / ROW);
  };

  const onClickAt = (clientX: number, clientY: number, c: HTMLCanvasElement) => {
    const r = c.getBoundingClientRect();
    const x = clientX - r.left;
    const y = clientY - r.top;
    const s = stateRef.current;
    // Pins first.
    if (pins && onPin) {
      const rowOfConn = new Map<string, number>();
      s.rows.forEach((rw, i) => rw.kind === 'conn' && rowOfConn.set(s.connections[rw.ci].id, i));
      for (const p of pins) {
        const px =
          GUTTER +
          ((p.tS - viewRef.current.start) / (viewRef.current.end - viewRef.current.start)) *
            (r.width - GUTTER);
        const ri = p.conn ? rowOfConn.get(p.conn) : undefined;
        const py = ri === undefined ? AXIS : AXIS + ri * ROW - scrollRef.current;
        if (x >= px - 3 && x <= px + 10 && y >= py - 2 && y <= py + ROW) {
          onPin(p.id);
          return;
        }
      }
    }
    const ri = rowAt(clientY, c);
    const row = ri >= 0 ? s.rows[ri] : undefined;
    if (!row) return;
    if (row.kind === 'group') {
      setCollapsed((prev) => {
        const n = new Set(prev);
        if (n.has(row.server)) n.delete(row.server);
        else n.add(row.server);
        return n;
      });
      return;
    }
    const cn = s.connections[row.ci];
    if (row.kind === 'conn') {
      if (x < 26 && row.streams > 0) {
        setExpanded((prev) => {
          const n = new Set(prev);
          if (n.has(cn.id)) n.delete(cn.id);
          else n.add(cn.id);
          return n;
        });
        return;
      }
      onSelectConn(cn.id);
      return;
    }
    if (onSelectStream) onSelectStream(cn.id, row.stream.id);
    else onSelectConn(cn.id);
  };

  const legend = (
    <span className="flex items-center gap-2.5 text-[10px] text-zinc-500">
      <Sw c="bg-blue-600 dark:bg-blue-400" l="c→s" />
      <Sw c="bg-teal-600 dark:bg-teal-400" l="s→c" />
      <Sw style={{ background: GLYPH.syn }} l="SYN" />
      <Sw style={{ background: GLYPH.fin }} l="FIN" />
      <Sw style={{ background: GLYPH.rst }} l="RST" />
      <Sw style={{ background: GLYPH.ka }} l="keep-alive" />
      <Sw style={{ background: GLYPH.retx }} l="retrans" />
      <Sw c="bg-zinc-300 dark:bg-zinc-600" l="idle" />
    </span>
  );

  return (
    <div
      ref={rootRef}
      data-testid="timeline"
      {...(props.zoomed
        ? { 'data-view-start-s': props.view.start.toFixed(6), 'data-view-end-s': props.view.end.toFixed(6) }
        : {})}
      {...(props.match ? { 'data-filter-matches': props.matchCount ?? 0 } : {})}
      className="select-none border-b border-zinc-200 dark:border-zinc-800"
    >
      <div className="flex items-center gap-3 border-b border-zinc-200 px-2 py-0.5 dark:border-zinc-800">
        <span className="text-[11px] font-semibold text-zinc-600 dark:text-zinc-300">Timeline</span>
        <span className="text-[10px] text-zinc-400">
          wheel zoom · drag pan · shift+drag select · wheel on labels scrolls
        </span>
        <span className="ml-auto">{legend}</span>
        <div
          role="group"
          aria-label="Time axis"
          className="flex overflow-hidden rounded border border-zinc-300 text-[10px] dark:border-zinc-700"
        >
          {(['relative', 'absolute'] as const).map((m) => (
            <button
              key={m}
              data-testid={`timeline-axis-${m}`}
              aria-pressed={(m === 'absolute') === absolute}
              disabled={m === 'absolute' && epoch0 === null}
              onClick={() => setAbsolute(m === 'absolute')}
              className={`px-1.5 disabled:opacity-40 ${(m === 'absolute') === absolute ? 'bg-zinc-200 dark:bg-zinc-700' : ''}`}
            >
              {m === 'relative' ? 'rel' : 'abs'}
            </button>
          ))}
        </div>
      </div>
      <canvas
        ref={ovRef}
        data-testid="timeline-overview"
        style={{ width: '100%', height: OVERVIEW_H }}
        className="block cursor-pointer"
        onMouseDown={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          const x = e.clientX - r.left;
          if (x < GUTTER) return;
          const s = stateRef.current.span;
          const v = viewRef.current;
          const sd = s.end - s.start;
          const a = GUTTER + ((v.start - s.start) / sd) * (r.width - GUTTER);
          const b = GUTTER + ((v.end - s.start) / sd) * (r.width - GUTTER);
          dragRef.current =
            x >= a - 2 && x <= b + 2 && b - a < r.width - GUTTER - 4
              ? { mode: 'ov-move', x, v }
              : { mode: 'ov-brush', a: x, b: x };
          const up = (ev: MouseEvent) => {
            window.removeEventListener('mousemove', move);
            window.removeEventListener('mouseup', up);
            const d = dragRef.current;
            dragRef.current = null;
            const ex = ev.clientX - r.left;
            if (d && d.mode === 'ov-brush') {
              const t = (px: number) =>
                s.start + ((Math.max(GUTTER, Math.min(r.width, px)) - GUTTER) / (r.width - GUTTER)) * sd;
              if (Math.abs(ex - d.a) > 3)
                setLive({ start: t(Math.min(ex, d.a)), end: t(Math.max(ex, d.a)) }, true);
              else {
                const c = t(ex);
                const dur = viewRef.current.end - viewRef.current.start;
                setLive({ start: c - dur / 2, end: c + dur / 2 }, true);
              }
            } else if (d && d.mode === 'ov-move') {
              setLive(viewRef.current, true);
            }
          };
          const move = (ev: MouseEvent) => {
            const d = dragRef.current;
            const ex = ev.clientX - r.left;
            if (!d) return;
            if (d.mode === 'ov-brush') {
              d.b = ex;
              schedule();
            } else if (d.mode === 'ov-move') {
              const dt = ((ex - d.x) / (r.width - GUTTER)) * sd;
              viewRef.current = { start: d.v.start + dt, end: d.v.end + dt };
              schedule();
            }
          };
          window.addEventListener('mousemove', move);
          window.addEventListener('mouseup', up);
        }}
      />
      <canvas
        ref={canvasRef}
        data-testid="timeline-canvas"
        style={{ width: '100%', height }}
        className="block cursor-crosshair"
        onMouseDown={(e) => {
          if (e.button !== 0) return;
          const c = e.currentTarget;
          const r = c.getBoundingClientRect();
          const x = e.clientX - r.left;
          if (e.shiftKey && x >= GUTTER) dragRef.current = { mode: 'brush', a: x, b: x };
          else
            dragRef.current = {
              mode: 'pan',
              x: e.clientX,
              y: e.clientY,
              v: viewRef.current,
              scrollY: scrollRef.current,
              moved: false,
            };
          const move = (ev: MouseEvent) => {
            const d = dragRef.current;
            if (!d) return;
            if (d.mode === 'brush') {
              d.b = Math.max(GUTTER, Math.min(r.width, ev.clientX - r.left));
              schedule();
            } else if (d.mode === 'pan') {
              if (!d.moved && Math.abs(ev.clientX - d.x) + Math.abs(ev.clientY - d.y) <= 3) return;
              d.moved = true;
              const dt = ((ev.clientX - d.x) / (r.width - GUTTER)) * (d.v.end - d.v.start);
              scrollRef.current = d.scrollY - (ev.clientY - d.y);
              setLive({ start: d.v.start - dt, end: d.v.end - dt });
            }
          };
          const up = (ev: MouseEvent) => {
            window.removeEventListener('mousemove', move);
            window.removeEventListener('mouseup', up);
            const d = dragRef.current;
            dragRef.current = null;
            if (!d) return;
            if (d.mode === 'brush') {
              if (Math.abs(d.b - d.a) > 3) {
                const v = viewRef.current;
                const t0 = tOf(v, r.width, Math.min(d.a, d.b));
                const t1 = tOf(v, r.width, Math.max(d.a, d.b));
                setLive({ start: t0, end: t1 }, true);
              } else schedule();
            } else if (d.mode === 'pan') {
              if (d.moved) setLive(viewRef.current, true);
              else onClickAt(ev.clientX, ev.clientY, c);
            }
          };
          window.addEventListener('mousemove', move);
          window.addEventListener('mouseup', up);
        }}
        onDoubleClick={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          const x = e.clientX - r.left;
          if (x < GUTTER) return;
          const v = viewRef.current;
          const at = tOf(v, r.width, x);
          const f = (x - GUTTER) / (r.width - GUTTER);
          const dur = (v.end - v.start) / 3;
          setLive({ start: at - f * dur, end: at + (1 - f) * dur }, true);
        }}
      />
    </div>
  );
}

function Sw(p: { c?: string; style?: CSSProperties; l: string }) {
  return (
    <span className="flex items-center gap-1">
      <span className={`inline-block h-2 w-2 rounded-sm ${p.c ?? ''}`} style={p.style} />
      {p.l}
    </span>
  );
}
