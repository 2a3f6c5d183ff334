'use client';
// The interactive viewer of a shared trace: the stored analysis and packet columns come from the
// API (no re-analysis unless the columns are missing), notes are listed beside it, and holders of
// the edit token (read once from ?token=, kept in sessionStorage, removed from the address bar)
// can add, edit and delete notes.
import {
  startTransition,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useState,
  useSyncExternalStore,
} from 'react';
import type { Trace } from '@/lib/trace';
import { useTraceSelection } from '../useTraceSelection';
import type { Pin, View } from '../Timeline';
import type { LaneIndex } from '../timeline/model';
import Annotations, { type Annotation, type AnnotationTarget } from './Annotations';
import { analyzeFile, loadSharedView, startSharedViewEarly, traceSpan } from './load';
import { useKeptSession } from '../packets/useKeptSession';

const MAX_HEX_FETCH = 32 * 1024 * 1024;

/**
 * The trace view is a chunk of its own, fetched while the document loads: hydrating the page with
 * it evaluated the whole view's code (tables, timeline, packet list, filter language) in the
 * hydration task, 100-160 ms of main thread before anything could be drawn. The page keeps the
 * loaded component in its state and sets it with the trace, in one render (React.lazy would
 * suspend once more even when the chunk is in).
 */
const importTraceView = () => import('../TraceView').then((m) => m.default);
type TraceViewComponent = Awaited<ReturnType<typeof importTraceView>>;

// In the browser this module is evaluated as hydration reaches the viewer, before its effects run:
// the trace and the view's code start loading now.
if (typeof window !== 'undefined') {
  startSharedViewEarly(window.location.pathname);
  void importTraceView();
}

const tokens = new Map<string, string | null>();

/** The edit token: from ?token= (first load), else this tab's sessionStorage; cached per trace. */
function readToken(id: string): string | null {
  if (tokens.has(id)) return tokens.get(id) ?? null;
  const key = `tracelens-token:${id}`;
  const fromUrl = new URL(window.location.href).searchParams.get('token');
  let t = fromUrl;
  try {
    if (fromUrl) sessionStorage.setItem(key, fromUrl);
    else t = sessionStorage.getItem(key);
  } catch {
    /* storage unavailable: memory only */
  }
  tokens.set(id, t);
  return t;
}

const noSubscribe = () => () => {};

type RowsState = { loaded: number; total: number } | null;

/**
 * Rows still loading, for RowsProgress. Held (read as null, no updates) until the first screen is
 * committed: an update from it is urgent and, arriving every few milliseconds, made React restart
 * the first screen's transition render again and again, so that it showed only once every row was in.
 */
function newRowsStore() {
  let state: RowsState = null;
  let held = true;
  const subs = new Set<() => void>();
  const notify = () => {
    for (const f of subs) f();
  };
  return {
    get: () => (held ? null : state),
    set(v: RowsState) {
      state = v;
      if (!held) notify();
    },
    show() {
      if (!held) return;
      held = false;
      notify();
    },
    subscribe(f: () => void) {
      subs.add(f);
      return () => void subs.delete(f);
    },
  };
}

/**
 * Calls `onShown` when it is committed: placed beside the trace view, when the view is. A layout
 * effect, so that the progress line is there from the view's first frame (tests wait for it to go).
 */
function Shown({ onShown }: { onShown: () => void }) {
  useLayoutEffect(onShown, [onShown]);
  return null;
}

/** A promise and its resolve function. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function RowsProgress({ store }: { store: ReturnType<typeof newRowsStore> }) {
  const rows = useSyncExternalStore(store.subscribe, store.get, () => null);
  if (!rows) return null;
  return (
    <span className="text-zinc-500" data-testid="rows-progress">
      loading rows {rows.loaded.toLocaleString()} of {rows.total.toLocaleString()}…
    </span>
  );
}

export default function SharedViewer({ id, name }: { id: string; name: string }) {
  // Server render and hydration see no token; the client then reads it (no hydration mismatch).
  const token = useSyncExternalStore(
    noSubscribe,
    () => readToken(id),
    () => null,
  );
  const [trace, setTrace] = useState<Trace | null>(null);
  const [TraceView, setTraceView] = useState<TraceViewComponent | null>(null);
  /** Resolved when the first screen is committed (then the rest of the rows are read). */
  const [firstShown] = useState(signal);
  const {
    selFinding,
    setSelFinding,
    selConn,
    setSelConn,
    selStream,
    setSelStream,
    selPacket,
    setSelPacket,
    view,
    setView,
    selectFinding,
    viewProps,
  } = useTraceSelection(trace);
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notes, setNotes] = useState<Annotation[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [selNote, setSelNote] = useState<string | null>(null);
  /**
   * Rows of the document still on their way after the first screen. A store read only by
   * RowsProgress: a state here would re-render the whole trace view on every part received.
   */
  const [rows] = useState(newRowsStore);
  /** The timeline's lane index from the document worker (null: the timeline makes its own). */
  const [lanes, setLanes] = useState<LaneIndex | null>(null);
  const enc = encodeURIComponent(id);
  /** Display filter, packet list and detail: a kept worker over the capture's bytes. */
  const packetClient = useKeptSession(file, trace?.options);

  // Strip the token from the address bar so the page's URL can be passed on safely.
  useEffect(() => {
    readToken(id);
    const url = new URL(window.location.href);
    if (url.searchParams.has('token')) {
      url.searchParams.delete('token');
      window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    }
  }, [id]);

  useEffect(() => {
    let cancelled = false;
    const abort = new AbortController();
    const viewCode = importTraceView();
    /** The whole trace was set: a first screen still waiting for the view's code is dropped. */
    let whole = false;
    // The document's first screen comes first; the whole trace replaces it when every row is in.
    loadSharedView(id, {
      signal: abort.signal,
      // Transitions: React renders the view in slices that yield to the browser, not in one task.
      first: (t, l) => {
        if (cancelled) return;
        viewCode.then(
          (View) => {
            if (cancelled || whole) return;
            startTransition(() => {
              setTraceView(() => View);
              setLanes(l);
              setTrace(t);
            });
          },
          (e: Error) => !cancelled && setError(`Could not load the viewer: ${e.message}`),
        );
        return firstShown.promise;
      },
      progress: (loaded, total) => !cancelled && rows.set(loaded < total ? { loaded, total } : null),
    })
      .then(async (t) => {
        let raw: File | null = null;
        const getRaw = async () => {
          const r = await fetch(`/api/traces/${enc}/raw`);
          if (!r.ok) throw new Error(`HTTP ${r.status} fetching the capture`);
          return new File([await r.blob()], name);
        };
        if (!t.packets && (t.input.format === 'pcap' || t.input.format === 'pcapng')) {
          setLanes(null);
          raw = await getRaw();
          t = await analyzeFile(raw, t.options);
        }
        if (cancelled) return;
        rows.set(null);
        whole = true;
        const View = await viewCode;
        if (cancelled) return;
        startTransition(() => {
          setTraceView(() => View);
          setTrace(t);
        });
        if (!raw && t.packets && t.input.bytes <= MAX_HEX_FETCH) raw = await getRaw().catch(() => null);
        if (!cancelled && raw) setFile(raw);
      })
      .catch((e: Error) => !cancelled && setError(`Could not load the shared trace: ${e.message}`));
    return () => {
      cancelled = true;
      abort.abort();
    };
  }, [id, enc, name, rows, firstShown]);

  const reloadNotes = useCallback(
    (message?: string) => {
      setNotice(message ?? null);
      fetch(`/api/traces/${enc}/annotations`)
        .then((r) => (r.ok ? (r.json() as Promise<Annotation[]>) : []))
        .then(setNotes)
        .catch(() => {});
    },
    [enc],
  );
  useEffect(() => {
    let cancelled = false;
    fetch(`/api/traces/${enc}/annotations`)
      .then((r) => (r.ok ? (r.json() as Promise<Annotation[]>) : []))
      .then((n) => !cancelled && setNotes(n))
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [enc]);

  const onShown = useCallback(() => {
    rows.show();
    firstShown.resolve();
  }, [rows, firstShown]);

  const span = useMemo<View>(() => (trace ? traceSpan(trace) : { start: 0, end: 1 }), [trace]);

  const selectNote = useCallback(
    (a: Annotation) => {
      setSelNote(a.id);
      if (!trace) return;
      const t = a.target;
      if ('finding' in t) selectFinding(t.finding);
      else if ('connection' in t) {
        setSelConn(t.connection);
        setSelStream(null);
      } else if ('stream' in t) {
        setSelConn(t.stream.connection);
        setSelStream(t.stream.id);
      } else if ('range' in t) setView({ start: t.range.startS, end: t.range.endS });
      else if ('packet' in t) {
        setSelPacket(t.packet);
        const p = trace.packets;
        const i = t.packet - 1;
        if (p && i >= 0 && i < p.length) {
          const c = trace.connections[p.conn[i]];
          if (c) setSelConn(c.id);
          const ts = p.time[i];
          const w = Math.max((span.end - span.start) * 0.05, 0.01);
          setView({ start: ts - w, end: ts + w });
        }
      }
    },
    [trace, selectFinding, span, setSelConn, setSelPacket, setSelStream, setView],
  );

  // Deep links: #note-<aid> selects the note and scrolls it into view.
  useEffect(() => {
    if (!trace || notes.length === 0) return;
    const go = () => {
      const m = /^#note-(.+)$/.exec(window.location.hash);
      const a = m ? notes.find((n) => n.id === decodeURIComponent(m[1])) : undefined;
      if (!a) return;
      selectNote(a);
      requestAnimationFrame(() =>
        document.getElementById(`note-${a.id}`)?.scrollIntoView({ block: 'nearest' }),
      );
    };
    go();
    window.addEventListener('hashchange', go);
    return () => window.removeEventListener('hashchange', go);
  }, [trace, notes, selectNote]);

  const pins = useMemo<Pin[]>(() => {
    if (!trace) return [];
    const out: Pin[] = [];
    for (const a of notes) {
      const t = a.target;
      let tS: number | null = null;
      let conn: string | null = null;
      if ('packet' in t) {
        const p = trace.packets;
        const i = t.packet - 1;
        if (p && i >= 0 && i < p.length) {
          tS = p.time[i];
          conn = trace.connections[p.conn[i]]?.id ?? null;
        }
      } else if ('stream' in t) {
        const st = trace.streams.find((x) => x.connection === t.stream.connection && x.id === t.stream.id);
        tS = st?.frames[0]?.tS ?? null;
        conn = t.stream.connection;
      } else if ('connection' in t) {
        tS = trace.connections.find((c) => c.id === t.connection)?.startS ?? null;
        conn = t.connection;
      } else if ('finding' in t) {
        const f = trace.findings[t.finding];
        tS = f?.startS ?? null;
        conn = f?.connection ?? null;
      } else if ('range' in t) tS = t.range.startS;
      if (tS === null) continue;
      const text = a.text.length > 40 ? `${a.text.slice(0, 39)}…` : a.text;
      out.push({ id: a.id, tS, conn, label: `${a.author || 'anonymous'}: ${text}` });
    }
    return out;
  }, [trace, notes]);

  const onPin = useCallback(
    (aid: string) => {
      const a = notes.find((n) => n.id === aid);
      if (!a) return;
      selectNote(a);
      document.getElementById(`note-${a.id}`)?.scrollIntoView({ block: 'nearest' });
    },
    [notes, selectNote],
  );

  const targets = useMemo<AnnotationTarget[]>(() => {
    const out: AnnotationTarget[] = [];
    if (selPacket !== null) out.push({ packet: selPacket });
    if (selConn && selStream !== null) out.push({ stream: { connection: selConn, id: selStream } });
    if (selFinding !== null) out.push({ finding: selFinding });
    if (selConn) out.push({ connection: selConn });
    const v = view ?? span;
    out.push({ range: { startS: Math.round(v.start * 1e6) / 1e6, endS: Math.round(v.end * 1e6) / 1e6 } });
    return out;
  }, [selPacket, selConn, selStream, selFinding, view, span]);

  return (
    <div className="flex min-h-0 flex-1 flex-col" data-testid="shared-viewer">
      <div className="flex flex-wrap items-center gap-3 border-b border-zinc-200 px-3 py-1 text-sm dark:border-zinc-800">
        <a
          className="text-sky-700 underline dark:text-sky-400"
          href={`/api/traces/${enc}/raw`}
          data-testid="download-capture"
        >
          Download capture
        </a>
        <a className="text-sky-700 underline dark:text-sky-400" href={`/compare?a=${enc}`}>
          Compare with…
        </a>
        {token ? (
          <span
            data-testid="edit-mode"
            className="rounded bg-amber-100 px-1.5 text-amber-900 dark:bg-amber-950 dark:text-amber-200"
          >
            editing: you can add, edit and delete notes
          </span>
        ) : (
          <span className="text-zinc-500">read-only view</span>
        )}
        <RowsProgress store={rows} />
        {notice && (
          <span role="status" className="text-amber-700 dark:text-amber-400">
            {notice}
          </span>
        )}
      </div>
      {error && (
        <div
          role="alert"
          data-testid="error"
          className="border-b border-red-300 bg-red-50 px-3 py-2 text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
        >
          {error}
        </div>
      )}
      {!(trace && TraceView) && !error && (
        <div className="p-3 text-zinc-500" data-testid="progress">
          Loading the analysis…
        </div>
      )}
      {trace && TraceView && (
        <div className="grid min-h-0 flex-1 grid-cols-[minmax(0,1fr)_20rem]">
          <div className="flex min-h-0 min-w-0 flex-col">
            <TraceView
              trace={trace}
              file={file}
              span={span}
              {...viewProps}
              lanes={lanes}
              query=""
              packetClient={packetClient}
              pins={pins}
              onPin={onPin}
            />
            <Shown onShown={onShown} />
          </div>
          <Annotations
            traceId={id}
            notes={notes}
            token={token}
            selectedNote={selNote}
            targets={targets}
            onSelect={selectNote}
            onChanged={reloadNotes}
          />
        </div>
      )}
    </div>
  );
}
