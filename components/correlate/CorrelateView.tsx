'use client';
// The aligned multi-vantage view: one timeline, a lane group per vantage point on one clock, each
// packet's path drawn across the groups as a ladder, fates coloured (glyphs.ts); beside it the
// findings (a click selects the evidence at every point and zooms), the clock offsets, the fate
// counts and the connection match table.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { FATE_NAMES } from '@/lib/correlate/types';
import type { CorrelationView } from '@/lib/lanes/view';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '@/lib/packets';
import { TimeScale } from '@/lib/timescale';
import type { Finding } from '@/lib/trace';
import { type Arrange, AXIS_H, computeLayout, draw, fmtMs, GUTTER, LANE_H, pick } from './draw';

const MAX_VIEW_H = 640;
/** Match-table rows shown before "show all". */
const MATCH_ROWS = 50;
import { glyphOf, MARK_GLYPHS, PACKET_GLYPHS, type PaintArgs } from './glyphs';
import {
  findingHandler,
  hoverHandler,
  panHandler,
  selectHandler,
  zoomHandler,
  type ViewState,
} from './interactions';

const SEV_CLASS: Record<Finding['severity'], string> = {
  error: 'bg-red-600 text-white',
  warning: 'bg-amber-500 text-black',
  info: 'bg-zinc-400 text-black',
};

function flagText(f: number): string {
  const out: string[] = [];
  if (f & TCP_SYN) out.push('SYN');
  if (f & TCP_FIN) out.push('FIN');
  if (f & TCP_RST) out.push('RST');
  if (f & TCP_PSH) out.push('PSH');
  if (f & TCP_ACK) out.push('ACK');
  return out.join(',') || '—';
}

export default function CorrelateView({
  view,
  actions,
}: {
  view: CorrelationView;
  actions?: React.ReactNode;
}) {
  const { doc, index } = view;
  // A group per point reads best for a few connections; for many, a connection's lanes side by side.
  const [arrange, setArrange] = useState<Arrange>(() => (index.lanes.length > 40 ? 'connection' : 'point'));
  const layout = useMemo(() => computeLayout(index, arrange), [index, arrange]);
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(1000);
  const [scrollY, setScrollY] = useState(0);
  // The canvas is at most this tall; taller lane stacks scroll under it (only what shows is drawn).
  const viewH = Math.min(layout.height, MAX_VIEW_H);
  const [st, setSt] = useState<ViewState>(() => ({
    scale: new TimeScale(index.span[0], index.span[1], GUTTER, 1000).fit(index.span[0], index.span[1], 0.02),
    selected: new Set(),
    hover: null,
  }));
  const [allMatches, setAllMatches] = useState(false);
  const [activeFinding, setActiveFinding] = useState<number | null>(null);
  const drag = useRef<{ x: number; moved: boolean } | null>(null);

  useEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      const w = Math.max(GUTTER + 200, el.clientWidth);
      setWidth(w);
      setSt((s) => ({ ...s, scale: s.scale.withPixels(GUTTER, w - 8) }));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const c = canvasRef.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(width * dpr);
    c.height = Math.round(viewH * dpr);
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const dark = window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
    draw(g, width, viewH, index, layout, {
      scale: st.scale,
      selected: st.selected,
      hover: st.hover,
      dark,
      scrollY,
    });
  }, [index, layout, st, width, viewH, scrollY]);

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const c = canvasRef.current;
    if (!c) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      if (e.shiftKey) {
        // Shift + wheel: through the lanes (the browser may report it as a horizontal wheel).
        const sc = scrollRef.current;
        if (sc) sc.scrollTop += e.deltaY || e.deltaX;
        return;
      }
      const r = c.getBoundingClientRect();
      setSt((s) => zoomHandler(s, index, { deltaX: e.deltaX, deltaY: e.deltaY, x: e.clientX - r.left }));
    };
    c.addEventListener('wheel', onWheel, { passive: false });
    return () => c.removeEventListener('wheel', onWheel);
  }, [index]);

  const at = useCallback((e: React.PointerEvent) => {
    const r = canvasRef.current!.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top + (scrollRef.current?.scrollTop ?? 0) };
  }, []);

  const chooseFinding = (k: number) => {
    setActiveFinding(k);
    const next = findingHandler(st, index, doc.findings[k]);
    setSt(next);
    // Bring the evidence's lanes into view.
    let top = Infinity;
    for (const key of next.selected) {
      const [i, r] = key.split(':').map(Number);
      const lane = index.packets[i]?.lane[r];
      if (lane !== undefined && lane >= 0) top = Math.min(top, layout.laneY[lane]);
    }
    const sc = scrollRef.current;
    if (sc && Number.isFinite(top) && (top < sc.scrollTop + AXIS_H || top > sc.scrollTop + viewH - LANE_H))
      sc.scrollTop = Math.max(0, top - viewH / 3);
  };

  const selectedRows = useMemo(
    () =>
      [...st.selected]
        .map((k) => k.split(':').map(Number) as [number, number])
        .filter(([i, r]) => index.packets[i] && r < index.packets[i]!.length)
        .sort((a, b) => index.packets[a[0]]!.time[a[1]] - index.packets[b[0]]!.time[b[1]]),
    [st.selected, index],
  );

  const hoverText = (() => {
    const h = st.hover;
    if (!h) return null;
    if (h.kind === 'event') {
      const e = index.events[h.index];
      return `${doc.inputs[e.input].name}${e.line !== null ? ` line ${e.line}` : ''} · ${e.time.toFixed(6)} s · ${e.label}`;
    }
    const p = index.packets[h.input]!;
    const r = h.row;
    return `${doc.inputs[h.input].name} #${r + 1} · ${p.time[r].toFixed(6)} s · ${p.dir[r] === 0 ? 'client → server' : p.dir[r] === 1 ? 'server → client' : ''} · ${flagText(p.tcpFlags[r])} · ${p.payloadLen[r]} B · ${glyphOf(p, r).label}`;
  })();

  const groupNames = index.groups.map((g) => g.name).join('|');

  return (
    <div className="flex flex-col gap-3" data-testid="correlate-view">
      <section className="flex flex-wrap items-start gap-x-6 gap-y-2 text-sm">
        <div data-testid="clock-offsets">
          <div className="text-xs uppercase tracking-wide text-zinc-500">Clocks</div>
          {doc.inputs.map((inp, k) => (
            <div key={k} className="font-mono text-xs">
              {inp.name}:{' '}
              {k === 0
                ? 'reference'
                : inp.offsetS === null
                  ? 'not aligned (file timestamps taken as is)'
                  : `${fmtMs(inp.offsetS)} ± ${fmtMs(inp.offsetUncertaintyS ?? 0, false)}`}
            </div>
          ))}
        </div>
        <div data-testid="fate-counts">
          <div className="text-xs uppercase tracking-wide text-zinc-500">Packets between the points</div>
          <div className="flex flex-wrap gap-1 text-xs">
            {(
              [
                ['delivered', doc.fates.delivered],
                ['lost', doc.fates.lost],
                ['injected', doc.fates.injected],
                ['rewritten', doc.fates.rewritten],
                ['delayed', doc.fates.delayed],
                ['reordered', doc.fates.reordered],
                ['not-observed', doc.fates.notObserved],
              ] as const
            ).map(([id, n]) => {
              const gl = PACKET_GLYPHS.find((x) => x.id === id)!;
              return (
                <span
                  key={id}
                  className={`rounded px-1.5 py-0.5 ${n === 0 ? 'opacity-40' : ''}`}
                  style={{ border: `1px solid ${gl.color}` }}
                >
                  <b style={{ color: gl.color }}>{n}</b> {gl.label}
                </span>
              );
            })}
          </div>
        </div>
        <div className="ml-auto flex items-center gap-2">{actions}</div>
      </section>

      <section className="rounded border border-zinc-200 dark:border-zinc-800">
        <div className="flex items-center gap-3 border-b border-zinc-200 px-2 py-1 text-xs text-zinc-500 dark:border-zinc-800">
          <span>wheel: zoom · drag: pan · click: select a packet and its copies · shift-click: add</span>
          <button
            className="rounded border border-zinc-300 px-2 py-0.5 dark:border-zinc-700"
            onClick={() => setSt((s) => ({ ...s, scale: s.scale.fit(index.span[0], index.span[1], 0.02) }))}
          >
            Whole span
          </button>
          <label className="flex items-center gap-1">
            lanes
            <select
              className="rounded border border-zinc-300 bg-transparent px-1 dark:border-zinc-700"
              value={arrange}
              onChange={(e) => setArrange(e.target.value as Arrange)}
              data-testid="arrange"
            >
              <option value="point">a group per vantage point</option>
              <option value="connection">by connection, points side by side</option>
            </select>
          </label>
          <span className="ml-auto font-mono" data-testid="hover-text">
            {hoverText ?? '\u00a0'}
          </span>
        </div>
        <div
          ref={wrapRef}
          className="relative w-full"
          data-testid="lanes"
          data-groups={groupNames}
          data-selected={st.selected.size}
          data-view={`${st.scale.start},${st.scale.end}`}
        >
          <div
            ref={scrollRef}
            style={{ height: viewH, overflowY: 'auto' }}
            onScroll={(e) => setScrollY(e.currentTarget.scrollTop)}
          >
            <div style={{ height: layout.height }}>
              <canvas
                ref={canvasRef}
                style={{
                  width: '100%',
                  height: viewH,
                  display: 'block',
                  cursor: 'crosshair',
                  position: 'sticky',
                  top: 0,
                }}
                onPointerDown={(e) => {
                  drag.current = { x: e.clientX, moved: false };
                  (e.target as HTMLElement).setPointerCapture(e.pointerId);
                }}
                onPointerMove={(e) => {
                  const d = drag.current;
                  if (d) {
                    const dx = e.clientX - d.x;
                    if (Math.abs(dx) > 2 || d.moved) {
                      d.moved = true;
                      d.x = e.clientX;
                      setSt((s) => panHandler(s, index, dx));
                      return;
                    }
                  }
                  const p = at(e);
                  setSt((s) => hoverHandler(s, pick(index, layout, s.scale, p.x, p.y)));
                }}
                onPointerUp={(e) => {
                  const d = drag.current;
                  drag.current = null;
                  if (d?.moved) return;
                  const p = at(e);
                  setSt((s) => selectHandler(s, index, pick(index, layout, s.scale, p.x, p.y), e.shiftKey));
                }}
                onPointerLeave={() => setSt((s) => hoverHandler(s, null))}
              />
            </div>
          </div>
        </div>
        <Legend />
      </section>

      <div className="grid gap-3 lg:grid-cols-2">
        <section>
          <h2 className="mb-1 text-sm font-semibold">Findings ({doc.findings.length})</h2>
          {doc.findings.length === 0 && (
            <p className="text-sm text-zinc-500">
              No finding: nothing was lost, injected or rewritten between the points.
            </p>
          )}
          <ul className="flex flex-col gap-1" data-testid="correlate-findings">
            {doc.findings.map((f, k) => (
              <li key={k}>
                <button
                  className={`w-full rounded border px-2 py-1 text-left text-sm ${activeFinding === k ? 'border-yellow-500 bg-yellow-50 dark:bg-yellow-950' : 'border-zinc-200 hover:bg-zinc-50 dark:border-zinc-800 dark:hover:bg-zinc-900'}`}
                  data-kind={f.kind}
                  onClick={() => chooseFinding(k)}
                >
                  <span className={`mr-2 rounded px-1 text-xs ${SEV_CLASS[f.severity]}`}>{f.severity}</span>
                  <span className="font-mono text-xs text-zinc-500">{f.kind}</span> {f.title}
                  {activeFinding === k && (
                    <p className="mt-1 whitespace-pre-line text-xs text-zinc-600 dark:text-zinc-400">
                      {f.explanation}
                    </p>
                  )}
                </button>
              </li>
            ))}
          </ul>
          {doc.notes.length > 0 && (
            <ul className="mt-2 list-disc pl-5 text-xs text-zinc-500">
              {doc.notes.map((n, k) => (
                <li key={k}>{n}</li>
              ))}
            </ul>
          )}
        </section>
        <section className="flex flex-col gap-3">
          <div>
            <h2 className="mb-1 text-sm font-semibold">Selected packets ({selectedRows.length})</h2>
            {selectedRows.length === 0 ? (
              <p className="text-xs text-zinc-500">Click a packet or a finding.</p>
            ) : (
              <table className="w-full text-xs" data-testid="selected-packets">
                <thead className="text-left text-zinc-500">
                  <tr>
                    <th>point</th>
                    <th>#</th>
                    <th>time (s)</th>
                    <th>dir</th>
                    <th>flags</th>
                    <th>len</th>
                    <th>fate</th>
                  </tr>
                </thead>
                <tbody className="font-mono">
                  {selectedRows.map(([i, r]) => {
                    const p = index.packets[i]!;
                    const gl = glyphOf(p, r);
                    return (
                      <tr key={`${i}:${r}`} data-input={doc.inputs[i].name}>
                        <td>{doc.inputs[i].name}</td>
                        <td>{r + 1}</td>
                        <td>{p.time[r].toFixed(6)}</td>
                        <td>{p.dir[r] === 0 ? 'c→s' : p.dir[r] === 1 ? 's→c' : ''}</td>
                        <td>{flagText(p.tcpFlags[r])}</td>
                        <td>{p.payloadLen[r]}</td>
                        <td style={{ color: gl.color }}>{FATE_NAMES[p.fate[r]] ?? gl.label}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </div>
          <div>
            <h2 className="mb-1 text-sm font-semibold">Connections matched ({doc.matches.length})</h2>
            <div className="overflow-x-auto">
              <table className="w-full whitespace-nowrap text-xs" data-testid="match-table">
                <thead className="text-left text-zinc-500">
                  <tr>
                    <th className="pr-3">nearer the client</th>
                    <th className="pr-3">farther</th>
                    <th className="pr-3">matched by</th>
                    <th className="pr-3">hops</th>
                    <th>changed on the way</th>
                  </tr>
                </thead>
                <tbody className="font-mono">
                  {doc.matches.slice(0, allMatches ? undefined : MATCH_ROWS).map((m, k) => {
                    const nat = m.aClient !== m.bClient || m.aServer !== m.bServer;
                    const a = { input: m.inputs[0], id: m.a, c: m.aClient, s: m.aServer };
                    const b = { input: m.inputs[1], id: m.b, c: m.bClient, s: m.bServer };
                    const [near, far] = m.nearClient === 'a' ? [a, b] : [b, a];
                    return (
                      <tr key={k} className="align-top">
                        {[near, far].map((x, j) => (
                          <td key={j} className="pr-3">
                            <span className="text-zinc-500">
                              {doc.inputs[x.input].name} {x.id}
                            </span>
                            <br />
                            <span className={nat && j === 1 ? 'text-cyan-700 dark:text-cyan-400' : ''}>
                              {x.c} → {x.s}
                            </span>
                          </td>
                        ))}
                        <td className="pr-3">
                          {m.matched} {m.via === 'packets' ? 'packets' : 'requests'}
                        </td>
                        <td className="pr-3">{m.hops ?? '—'}</td>
                        <td>
                          {[
                            nat ? 'NAT' : '',
                            m.mss ? `MSS ${m.mss.a}→${m.mss.b}` : '',
                            m.seqDelta && (m.seqDelta.c2s || m.seqDelta.s2c) ? 'ISN' : '',
                          ]
                            .filter(Boolean)
                            .join(', ') || '—'}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {doc.matches.length > MATCH_ROWS && !allMatches && (
                <button className="mt-1 text-xs text-blue-600 underline" onClick={() => setAllMatches(true)}>
                  show all {doc.matches.length} connections
                </button>
              )}
            </div>
          </div>
        </section>
      </div>
    </div>
  );
}

/** The legend, drawn from the glyph table: a canvas swatch per entry. */
function Legend() {
  const entries = [...PACKET_GLYPHS, ...MARK_GLYPHS];
  return (
    <div
      className="flex flex-wrap gap-x-4 gap-y-1 border-t border-zinc-200 px-2 py-1 text-xs dark:border-zinc-800"
      data-testid="legend"
    >
      {entries.map((e) => (
        <span key={e.id} className="flex items-center gap-1" title={e.hint}>
          <Swatch paint={e.paint} color={e.color} />
          {e.label}
        </span>
      ))}
    </div>
  );
}

function Swatch({ paint, color }: { paint: (a: PaintArgs) => void; color: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const g = c?.getContext('2d');
    if (!c || !g) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = 18 * dpr;
    c.height = 18 * dpr;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.strokeStyle = '#d4d4d8';
    g.beginPath();
    g.moveTo(0, 9.5);
    g.lineTo(18, 9.5);
    g.stroke();
    paint({ g, x: 9, y: 9, toward: 8, color });
  }, [paint, color]);
  return <canvas ref={ref} style={{ width: 18, height: 18 }} />;
}
