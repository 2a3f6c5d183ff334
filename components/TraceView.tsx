'use client';
import { Suspense, lazy, useCallback, useMemo, useState } from 'react';
import type { AnalysisOptions, Connection, EvidenceRef, Finding, Http1Exchange, Trace } from '@/lib/trace';
import Timeline, { type Pin, type View } from './Timeline';
import { SEV_CLASS, SEV_ORDER } from './format';
import ChartsPanel from './charts/ChartsPanel';
import ConnectionTable from './tables/ConnectionTable';
import ExchangeList, { exchangeKey } from './tables/ExchangeList';
import StreamList from './tables/StreamList';
import ExchangeDetail from './detail/ExchangeDetail';
import FindingsPanel from './detail/FindingsPanel';
import OptionsPopover from './detail/OptionsPopover';
import StreamDetail from './detail/StreamDetail';
import type { LaneIndex } from './timeline/model';
import type { PacketClient } from '@/app/worker/packet-client';
import FilterBar from './packets/FilterBar';
import FilterMenu, { type MenuAt } from './packets/FilterMenu';
import { useDisplayFilter } from './packets/useDisplayFilter';
import { useNarrowed } from './packets/useNarrowed';
import FollowBar from './follow/FollowBar';
import IoGraphPanel from './iograph/IoGraphPanel';
import type { FollowSpec } from '@/app/worker/follow-messages';

// Parts shown only on demand (a packet selected, the packet list, Follow) are chunks of their own:
// the view's code is evaluated in one task when it loads (the shared page loads it beside the
// trace), and these parts, with the capture layers' decoders they bring, made that task longer.
const PacketDetail = lazy(() => import('./PacketDetail'));
const PacketsPane = lazy(() => import('./packets/PacketsPane'));
const FollowSheet = lazy(() => import('./follow/FollowSheet'));
const importFilterForElement = () => import('./packets/filterForElement').then((m) => m.filterForElement);

export default function TraceView(props: {
  trace: Trace;
  /** The timeline's lane index for `trace` and `span`, when the worker made it. */
  lanes?: LaneIndex | null;
  file: File | null;
  span: View;
  view: View | null;
  setView: (v: View | null) => void;
  query: string;
  selFinding: number | null;
  selectFinding: (i: number) => void;
  selConn: string | null;
  setSelConn: (c: string) => void;
  selStream: number | null;
  setSelStream: (s: number | null) => void;
  selPacket: number | null;
  setSelPacket: (p: number | null) => void;
  options?: AnalysisOptions;
  onOptions?: (o: AnalysisOptions) => void;
  /** Note pins on the timeline (shared traces). */
  pins?: Pin[];
  onPin?: (id: string) => void;
  /** The applied display filter and the packet session that evaluates it (in the worker). */
  filter?: string;
  setFilter?: (f: string) => void;
  packetClient?: PacketClient | null;
}) {
  const { trace, span, view, query, selConn, selStream } = props;
  const applied = props.filter ?? '';
  // The text in the filter bar: follows the applied filter whenever that changes (URL, a menu).
  const [draftOf, setDraftOf] = useState({ applied, text: applied });
  const draft = draftOf.applied === applied ? draftOf.text : applied;
  const setDraft = useCallback((text: string) => setDraftOf({ applied, text }), [applied]);
  const [pane, setPane] = useState<'tables' | 'packets'>('tables');
  const [menu, setMenu] = useState<MenuAt | null>(null);
  const closeMenu = useCallback(() => setMenu(null), []);
  const display = useDisplayFilter(props.packetClient, applied);
  const narrowed = useNarrowed(trace, display.result);
  const applyFilter = (f: string) => props.setFilter?.(f.trim());
  /** Right-click on a connection, HTTP/2 stream or finding: offer it as a display filter. */
  const onFilterContext = (e: React.MouseEvent) => {
    if (!props.packetClient) return;
    const el = e.target as Element;
    // The browser's menu is kept off at once; which filter the element stands for is worked out
    // once that code is loaded (the first time only).
    if (!el.closest('[data-stream][data-stream-conn],[data-conn],[data-finding-kind],[data-kind-group]'))
      return;
    e.preventDefault();
    const at = { x: e.clientX, y: e.clientY };
    void importFilterForElement().then((filterFor) => {
      const f = filterFor(el, trace);
      if (f) setMenu({ ...at, filter: f });
    });
  };
  const [selExchange, setSelExchange] = useState<string | null>(null);
  /** What the Follow sheet shows (Analyze > Follow), or null when closed. */
  const [follow, setFollow] = useState<FollowSpec | null>(null);
  const closeFollow = useCallback(() => setFollow(null), []);
  const [selFrame, setSelFrame] = useState<number | null>(null);
  const [logLine, setLogLine] = useState<number | null>(null);
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of trace.findings) counts[f.severity]++;
  const q = query.trim().toLowerCase();
  // Unfiltered, the lists are the trace's own arrays: no O(rows) copy on every new trace.
  const streams = useMemo(
    () =>
      !narrowed.streams && !selConn && !q
        ? trace.streams
        : trace.streams.filter(
            (s) =>
              (!narrowed.streams || narrowed.streams.has(s)) &&
              (!selConn || s.connection === selConn) &&
              (!q ||
                `${s.connection} ${s.id} ${s.method} ${s.path} ${s.authority}`.toLowerCase().includes(q)),
          ),
    [trace.streams, selConn, q, narrowed.streams],
  );
  const stream =
    selStream !== null
      ? trace.streams.find((s) => s.id === selStream && (!selConn || s.connection === selConn))
      : undefined;
  const exchanges = useMemo(
    () =>
      !narrowed.exchanges && !selConn && !q
        ? trace.exchanges
        : trace.exchanges.filter(
            (x) =>
              (!narrowed.exchanges || narrowed.exchanges.has(x)) &&
              (!selConn || x.connection === selConn) &&
              (!q ||
                `${x.connection} ${x.method} ${x.path} ${x.status} ${x.outcome}`.toLowerCase().includes(q)),
          ),
    [trace.exchanges, selConn, q, narrowed.exchanges],
  );
  const exchange: Http1Exchange | undefined = selExchange
    ? trace.exchanges.find((x) => exchangeKey(x) === selExchange)
    : undefined;

  /** Selects a connection and zooms the timeline to it. */
  const selectConnection = (c: Connection) => {
    props.setSelConn(c.id);
    const pad = Math.max((c.endS - c.startS) * 0.05, 0.005);
    props.setView({ start: c.startS - pad, end: c.endS + pad });
  };

  /** Evidence: packets select the packet; frames open their stream's ladder; log lines find their frame. */
  const onEvidence = (e: EvidenceRef, f: Finding) => {
    if (e.packet !== undefined) {
      props.setSelPacket(e.packet);
      return;
    }
    const byFrame = (pred: (n: number, line: number | undefined) => boolean) => {
      for (const s of trace.streams)
        for (const fr of s.frames) if (pred(fr.number, fr.line)) return { s, fr };
      return null;
    };
    const hit =
      e.frame !== undefined
        ? byFrame((n) => n === e.frame)
        : e.line !== undefined
          ? byFrame((_, l) => l === e.line)
          : null;
    setLogLine(e.line ?? hit?.fr.line ?? null);
    if (hit) {
      props.setSelConn(hit.s.connection);
      props.setSelStream(hit.s.id);
      setSelFrame(hit.fr.number);
    } else {
      setSelFrame(e.frame ?? null);
      if (f.connection) props.setSelConn(f.connection);
    }
  };

  const packetDetail = props.selPacket !== null && trace.packets;
  const anyDetail = Boolean(stream || exchange || packetDetail || logLine !== null);

  return (
    <div className="flex min-h-0 flex-1 flex-col overflow-y-auto">
      {/* The summary and the display filter stay at the top while the page scrolls. */}
      <div className="sticky top-0 z-20">
        <div
          className="num flex flex-wrap items-center gap-x-4 gap-y-1 border-b border-zinc-200 bg-zinc-50 px-3 py-1 dark:border-zinc-800 dark:bg-zinc-900"
          data-testid="summary"
        >
          <span className="font-sans font-semibold">{trace.input.name}</span>
          <span>{trace.input.format}</span>
          <span>span {(span.end - span.start).toFixed(3)}s</span>
          <span>{(trace.packets?.length ?? trace.input.packets).toLocaleString()} packets</span>
          <span>{trace.connections.length} connections</span>
          {trace.streams.length > 0 && <span>{trace.streams.length} h2 streams</span>}
          {trace.exchanges.length > 0 && <span>{trace.exchanges.length} http/1 exchanges</span>}
          {SEV_ORDER.map((s) => (
            <span
              key={s}
              className={`rounded px-1.5 ${counts[s] ? SEV_CLASS[s] : 'bg-zinc-200 text-zinc-500 dark:bg-zinc-800'}`}
            >
              {counts[s]} {s}
            </span>
          ))}
          <span className="ml-auto flex items-center gap-2">
            {props.options && props.onOptions && (
              <OptionsPopover options={props.options} onApply={props.onOptions} />
            )}
            <button
              className="rounded border border-zinc-300 px-2 font-sans dark:border-zinc-700"
              onClick={() => props.setView(null)}
            >
              Fit (f)
            </button>
          </span>
        </div>
        {props.packetClient && props.setFilter && (
          <FilterBar
            client={props.packetClient}
            draft={draft}
            onDraft={setDraft}
            applied={applied}
            onApply={applyFilter}
            status={{
              displayed: display.result ? display.result.rows.length : (trace.packets?.length ?? 0),
              total: trace.packets?.length ?? 0,
              ms: display.result ? display.result.totalMs : null,
              running: display.running,
              error: display.error,
            }}
          />
        )}
      </div>
      {trace.input.warnings.length > 0 && (
        <details
          data-testid="input-warnings"
          className="border-b border-amber-300 bg-amber-50 px-3 py-1 text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200"
        >
          <summary className="cursor-pointer">
            {trace.input.warnings.length} input warning{trace.input.warnings.length > 1 ? 's' : ''}:{' '}
            {trace.input.warnings[0]}
          </summary>
          <ul className="num">
            {trace.input.warnings.slice(1, 50).map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </details>
      )}
      <div className="shrink-0">
        <Timeline
          connections={trace.connections}
          packets={trace.packets}
          lanes={props.lanes}
          findings={trace.findings}
          span={span}
          view={view ?? span}
          zoomed={view !== null}
          selectedConn={selConn}
          onView={props.setView}
          onSelectConn={props.setSelConn}
          pins={props.pins}
          onPin={props.onPin}
          streams={trace.streams}
          input={trace.input}
          onSelectStream={(c, id) => {
            props.setSelConn(c);
            props.setSelStream(id);
          }}
          match={display.result?.lanes}
          cursorS={
            props.selPacket !== null && trace.packets && props.selPacket <= trace.packets.length
              ? trace.packets.time[props.selPacket - 1]
              : null
          }
          matchCount={display.result?.rows.length}
        />
      </div>
      <ChartsPanel trace={trace} span={span} />
      {trace.packets && props.packetClient && (
        <IoGraphPanel client={props.packetClient} onView={props.setView} spanS={span.end - span.start} />
      )}
      {trace.packets && props.packetClient && (
        <div
          role="tablist"
          aria-label="Views"
          className="flex items-end gap-1 border-b border-zinc-300 bg-zinc-50 px-2 pt-1 dark:border-zinc-700 dark:bg-zinc-900"
        >
          {(['tables', 'packets'] as const).map((t) => (
            <button
              key={t}
              role="tab"
              data-testid={`tab-${t}`}
              aria-selected={pane === t}
              onClick={() => setPane(t)}
              className={`rounded-t border border-b-0 px-3 py-0.5 ${
                pane === t
                  ? 'border-zinc-300 bg-white font-semibold dark:border-zinc-700 dark:bg-zinc-950'
                  : 'border-transparent text-zinc-500'
              }`}
            >
              {t === 'tables'
                ? `Findings & connections${narrowed.active ? ` (${narrowed.connections.length})` : ''}`
                : `Packets (${(display.result ? display.result.rows.length : trace.packets!.length).toLocaleString()})`}
            </button>
          ))}
        </div>
      )}
      {pane === 'packets' && trace.packets && props.packetClient && (
        <Suspense fallback={null}>
          <PacketsPane
            client={props.packetClient}
            table={trace.packets}
            rows={display.result?.rows ?? null}
            epoch={trace.input.startEpoch ?? null}
            file={props.file}
            selected={props.selPacket}
            onSelect={(p) => {
              props.setSelPacket(p);
              // The packet's connection is selected too: its lane and table row light up.
              const ci = trace.packets!.conn[p - 1];
              const c = ci >= 0 ? trace.connections[ci] : undefined;
              if (c && c.id !== selConn) props.setSelConn(c.id);
            }}
            onFilterMenu={(e, f) => setMenu({ x: e.clientX, y: e.clientY, filter: f })}
          />
        </Suspense>
      )}
      {pane === 'packets' && props.packetClient && props.selPacket !== null && (
        <FollowBar trace={trace} sel={{ conn: null, packet: props.selPacket }} onFollow={setFollow} />
      )}
      <FilterMenu
        at={menu}
        current={applied}
        onApply={applyFilter}
        onPrepare={setDraft}
        onClose={closeMenu}
      />
      <div
        className={`grid min-h-[360px] flex-1 grid-cols-[minmax(300px,1fr)_2.2fr] ${pane === 'packets' && props.packetClient ? 'hidden' : ''}`}
        onContextMenu={onFilterContext}
      >
        <aside
          className="min-h-0 overflow-auto border-r border-zinc-200 dark:border-zinc-800"
          role="listbox"
          aria-label="Findings"
          data-testid="findings"
        >
          <FindingsPanel
            findings={narrowed.findings}
            selected={
              narrowed.active
                ? props.selFinding !== null && narrowed.findingIndex.includes(props.selFinding)
                  ? narrowed.findingIndex.indexOf(props.selFinding)
                  : null
                : props.selFinding
            }
            onSelect={(i) => props.selectFinding(narrowed.findingIndex[i] ?? i)}
            onEvidence={onEvidence}
          />
        </aside>
        <div className="flex min-h-0 min-w-0 flex-col">
          <div className="min-h-0 flex-1 overflow-auto">
            <ConnectionTable
              connections={narrowed.connections}
              findings={trace.findings}
              query={query}
              selConn={selConn}
              onSelect={selectConnection}
            />
            {streams.length > 0 && (
              <StreamList
                streams={streams}
                selected={stream}
                onSelect={(s) => {
                  props.setSelConn(s.connection);
                  props.setSelStream(s.id);
                  setSelFrame(null);
                }}
              />
            )}
            {exchanges.length > 0 && (
              <ExchangeList
                exchanges={exchanges}
                selected={selExchange}
                onSelect={(x) => setSelExchange(exchangeKey(x) === selExchange ? null : exchangeKey(x))}
              />
            )}
          </div>
          {props.packetClient && (
            <FollowBar
              trace={trace}
              sel={{ conn: selConn, stream, exchange, packet: props.selPacket }}
              onFollow={setFollow}
            />
          )}
          {anyDetail && (
            <div
              className="max-h-[55%] min-h-0 shrink-0 overflow-auto border-t-2 border-zinc-300 dark:border-zinc-700"
              data-testid="detail-pane"
            >
              {logLine !== null && (
                <div
                  className="num flex items-center gap-2 bg-amber-50 px-2 py-0.5 dark:bg-amber-950/50"
                  data-testid="log-line"
                >
                  <span className="font-sans text-zinc-500">debug log</span> line {logLine}
                  {selFrame !== null && <span className="text-zinc-500">→ frame {selFrame}</span>}
                  <button
                    className="ml-auto text-zinc-500"
                    aria-label="Dismiss"
                    onClick={() => setLogLine(null)}
                  >
                    ✕
                  </button>
                </div>
              )}
              {packetDetail && (
                <Suspense fallback={null}>
                  <PacketDetail
                    table={trace.packets!}
                    n={props.selPacket!}
                    file={props.file}
                    session={props.packetClient}
                    onFilterMenu={(e, f) => setMenu({ x: e.clientX, y: e.clientY, filter: f })}
                  />
                </Suspense>
              )}
              {exchange && (
                <ExchangeDetail
                  x={exchange}
                  onPacket={(p) => props.setSelPacket(p)}
                  onClose={() => setSelExchange(null)}
                />
              )}
              {stream && <StreamDetail stream={stream} highlightFrame={selFrame} />}
            </div>
          )}
        </div>
      </div>
      {follow && (
        <Suspense fallback={null}>
          <FollowSheet
            client={props.packetClient ?? null}
            trace={trace}
            spec={follow}
            onClose={closeFollow}
            onPacket={(p) => props.setSelPacket(p)}
          />
        </Suspense>
      )}
    </div>
  );
}
