'use client';
import Link from 'next/link';
import { startTransition, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { DEFAULT_OPTIONS, type AnalysisOptions, type Trace } from '@/lib/trace';
import { OPTION_SPECS, parseOptions } from '@/lib/options';
import { startAnalysis } from '@/app/worker/client';
import { type View } from './Timeline';
import { traceSpan, type LaneIndex } from './timeline/model';
import Landing from './Landing';
import { useTraceSelection } from './useTraceSelection';
import TraceView from './TraceView';
import type { Sample } from './types';
import { fmtBytes } from './format';
import LiveSnapshot from './LiveSnapshot';
import type { AnalysisSnapshot } from '@/lib/analyze';
import ShareButton from './share/ShareButton';
import type { PacketClient } from '@/app/worker/packet-client';
import CorrelatePage from './correlate/CorrelatePage';
import { filesToCorrelate, isKeyLogName } from './correlate/drop';

type Phase =
  | { kind: 'idle' }
  | {
      kind: 'running';
      name: string;
      bytes: number;
      packets: number;
      total: number;
      snapshot?: AnalysisSnapshot;
    }
  | { kind: 'error'; message: string }
  | { kind: 'done' };

function readParams() {
  const p = new URLSearchParams(window.location.search);
  const num = (k: string) => (p.get(k) !== null && p.get(k) !== '' ? Number(p.get(k)) : null);
  return {
    sample: p.get('sample'),
    finding: num('finding'),
    conn: p.get('conn'),
    stream: num('stream'),
    vs: num('vs'),
    ve: num('ve'),
    /** The display filter: `?filter=` (or Wireshark's own option letter, `?Y=`). */
    filter: p.get('filter') ?? p.get('Y'),
    options: optionsFromParams(p),
  };
}

/** Analysis options from the URL (`idle=3`), validated by lib/options.ts; invalid ones are dropped. */
function optionsFromParams(p: URLSearchParams): Partial<AnalysisOptions> {
  return parseOptions((k) => p.get(k), 'url').values;
}

export default function TraceApp({ remote }: { remote?: { url: string; name: string } } = {}) {
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [trace, setTrace] = useState<Trace | null>(null);
  /** The timeline's lane index for `trace`, built by the worker. */
  const [lanes, setLanes] = useState<LaneIndex | null>(null);
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
    filter,
    setFilter,
    selectFinding,
    viewProps,
  } = useTraceSelection(trace);
  /** The analysis worker kept for packet queries (display filter, packet list, packet detail). */
  const [packetClient, setPacketClient] = useState<PacketClient | null>(null);
  const packetClientRef = useRef<PacketClient | null>(null);
  const [sample, setSample] = useState<string | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [query, setQuery] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [options, setOptions] = useState<AnalysisOptions>(DEFAULT_OPTIONS);
  /** Options the opened sample asks for: written to the URL even when they equal the defaults. */
  const [sampleOptions, setSampleOptions] = useState<Partial<AnalysisOptions>>({});
  const lastKeylog = useRef<File | null>(null);
  /** Cancels the running analysis (terminates its worker). */
  const cancelRef = useRef<(() => void) | null>(null);
  const keylogRef = useRef<File | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const pending = useRef<ReturnType<typeof readParams> | null>(null);

  const span = useMemo<View>(() => (trace ? traceSpan(trace) : { start: 0, end: 1 }), [trace]);

  const applySelection = useCallback(
    (t: Trace, p: ReturnType<typeof readParams>) => {
      if (p.finding !== null && t.findings[p.finding]) {
        const f = t.findings[p.finding];
        setSelFinding(p.finding);
        setSelConn(f.connection);
        setSelStream(f.stream);
      }
      if (p.conn) setSelConn(p.conn);
      if (p.stream !== null) setSelStream(p.stream);
      if (p.vs !== null && p.ve !== null && p.ve > p.vs) setView({ start: p.vs, end: p.ve });
    },
    [setSelConn, setSelFinding, setSelStream, setView],
  );

  const analyze = useCallback(
    (file: File, keylog: File | null, sampleName: string | null, opts: Partial<AnalysisOptions> = {}) => {
      cancelRef.current?.();
      packetClientRef.current?.close();
      packetClientRef.current = null;
      setPacketClient(null);
      const full: AnalysisOptions = { ...DEFAULT_OPTIONS, ...opts };
      setOptions(full);
      lastKeylog.current = keylog;
      setFile(file);
      setTrace(null);
      setLanes(null);
      setSample(sampleName);
      setSelFinding(null);
      setSelConn(null);
      setSelStream(null);
      setSelPacket(null);
      setView(null);
      setPhase({ kind: 'running', name: file.name, bytes: 0, packets: 0, total: file.size });
      const cancel = startAnalysis(
        { file, keylog, options: full, keep: true },
        {
          progress: (m) =>
            setPhase((p) => ({
              kind: 'running',
              name: file.name,
              bytes: m.bytes,
              packets: m.packets,
              total: m.total,
              snapshot: p.kind === 'running' ? p.snapshot : undefined,
            })),
          partial: (snapshot) =>
            setPhase((p) =>
              p.kind === 'running'
                ? {
                    ...p,
                    // Keep the last findings list when this snapshot did not recompute them.
                    snapshot: {
                      ...snapshot,
                      findings: snapshot.findings.length ? snapshot.findings : (p.snapshot?.findings ?? []),
                    },
                  }
                : p,
            ),
          done: ({ trace: t, lanes: l, packets: pc }) => {
            if (cancelRef.current === cancel) cancelRef.current = null;
            packetClientRef.current = pc ?? null;
            // A transition: React renders the views in slices, yielding to input and frames,
            // instead of one long task for tables, timeline and findings together.
            startTransition(() => {
              setTrace(t);
              setLanes(l);
              setPacketClient(pc ?? null);
              setPhase({ kind: 'done' });
              if (pending.current) {
                applySelection(t, pending.current);
                pending.current = null;
              }
            });
          },
          error: (message) => {
            if (cancelRef.current === cancel) cancelRef.current = null;
            setPhase({ kind: 'error', message });
          },
        },
      );
      cancelRef.current = cancel;
    },
    [applySelection, setSelConn, setSelFinding, setSelPacket, setSelStream, setView],
  );

  const openSample = useCallback(
    async (s: Sample, override: Partial<AnalysisOptions> = {}) => {
      try {
        const r = await fetch(`/samples/${s.file}`);
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        const b = await r.blob();
        setSampleOptions(s.options ?? {});
        analyze(new File([b], s.file), null, s.name, { ...s.options, ...override });
      } catch (e) {
        setPhase({ kind: 'error', message: `Could not load sample ${s.name}: ${(e as Error).message}` });
      }
    },
    [analyze],
  );

  // Initial: theme, samples index, URL params (sample auto-open; selection kept for the next analysis).
  useEffect(() => {
    const p = readParams();
    if (p.filter) setFilter(p.filter);
    if (p.finding !== null || p.conn || p.stream !== null || p.vs !== null) pending.current = p;
    if (remote) {
      fetch(remote.url)
        .then((r) => {
          if (!r.ok) throw new Error(`HTTP ${r.status}`);
          return r.blob();
        })
        .then((b) => analyze(new File([b], remote.name), null, null, p.options))
        .catch((e: Error) =>
          setPhase({ kind: 'error', message: `Could not load the shared trace: ${e.message}` }),
        );
      return;
    }
    fetch('/samples/index.json')
      .then((r) => (r.ok ? r.json() : { samples: [] }))
      .then((j: { samples?: Sample[] } | Sample[]) => {
        const list = Array.isArray(j) ? j : (j.samples ?? []);
        setSamples(list);
        if (p.sample) {
          const s = list.find((x) => x.name === p.sample);
          if (s) void openSample(s, p.options);
        }
      })
      .catch(() => setSamples([]));
  }, [openSample, analyze, remote, setFilter]);

  // The kept worker ends with the page's view of it.
  useEffect(() => () => packetClientRef.current?.close(), []);

  // URL state.
  useEffect(() => {
    if (phase.kind !== 'done') return;
    const p = new URLSearchParams();
    if (sample) p.set('sample', sample);
    for (const { key, urlKey } of OPTION_SPECS)
      if (options[key] !== DEFAULT_OPTIONS[key] || sampleOptions[key] !== undefined)
        p.set(urlKey, String(options[key]));
    if (selFinding !== null) p.set('finding', String(selFinding));
    if (selConn) p.set('conn', selConn);
    if (selStream !== null) p.set('stream', String(selStream));
    if (filter) p.set('filter', filter);
    if (view) {
      p.set('vs', view.start.toFixed(6));
      p.set('ve', view.end.toFixed(6));
    }
    const qs = p.toString();
    window.history.replaceState(null, '', qs ? `?${qs}` : window.location.pathname);
  }, [phase.kind, sample, selFinding, selConn, selStream, view, options, sampleOptions, filter]);

  /** Re-runs the analysis of the open file with new thresholds. */
  const rerun = useCallback(
    (o: AnalysisOptions) => {
      if (file) analyze(file, lastKeylog.current, sample, o);
    },
    [file, sample, analyze],
  );

  // Keyboard.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const tgt = e.target as HTMLElement | null;
      if (tgt && (tgt.tagName === 'INPUT' || tgt.tagName === 'TEXTAREA' || tgt.tagName === 'SELECT')) return;
      if (!trace) return;
      if (e.key === 'f') setView(null);
      else if (e.key === '/') {
        e.preventDefault();
        searchRef.current?.focus();
      } else if (e.key === 'j' || e.key === 'k') {
        const n = trace.findings.length;
        if (!n) return;
        const cur = selFinding ?? (e.key === 'j' ? -1 : n);
        selectFinding((cur + (e.key === 'j' ? 1 : -1) + n) % n);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [trace, selFinding, selectFinding, setView]);

  const toggleDark = () => {
    const d = !document.documentElement.classList.contains('dark');
    document.documentElement.classList.toggle('dark', d);
    try {
      localStorage.setItem('theme', d ? 'dark' : 'light');
    } catch {}
  };

  /** Two or more captures dropped or picked at once: shown in the correlation view, in place. */
  const [correlateFiles, setCorrelateFiles] = useState<File[] | null>(null);

  const onFiles = (files: FileList | File[] | null) => {
    if (!files) return;
    const arr = Array.from(files);
    const several = filesToCorrelate(arr);
    if (several) {
      setCorrelateFiles(several);
      return;
    }
    const key = arr.find((f) => isKeyLogName(f.name)) ?? null;
    const main = arr.find((f) => f !== key) ?? null;
    if (key && !main) {
      keylogRef.current = key;
      return;
    }
    if (main) {
      // A key log dropped together with the capture is kept too, so sharing can offer it.
      if (key) keylogRef.current = key;
      setSampleOptions({});
      analyze(main, key ?? keylogRef.current, null, options);
    }
  };

  if (correlateFiles) return <CorrelatePage initialFiles={correlateFiles} />;

  return (
    <div className={`flex flex-col ${trace ? 'h-screen overflow-hidden' : 'min-h-screen'}`}>
      <header className="flex items-center gap-3 border-b border-zinc-200 px-3 py-1.5 dark:border-zinc-800">
        <Link href="/" className="font-semibold tracking-tight">
          tracelens
        </Link>
        <label className="cursor-pointer rounded border border-zinc-300 px-2 py-0.5 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800">
          Open…
          <input
            type="file"
            multiple
            data-testid="open-file"
            className="hidden"
            accept=".pcap,.pcapng,.cap,.gz,.log,.txt,.keys,.keylog"
            onChange={(e) => onFiles(e.currentTarget.files)}
          />
        </label>
        {trace && (
          <input
            ref={searchRef}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="Filter connections / streams  ( / )"
            className="w-72 rounded border border-zinc-300 bg-transparent px-2 py-0.5 dark:border-zinc-700"
          />
        )}
        <div className="ml-auto flex items-center gap-2 text-zinc-500">
          {trace && <span>j/k findings · f fit · / search</span>}
          {trace && !remote && (
            <ShareButton
              file={file}
              keylog={() => keylogRef.current}
              options={trace.options}
              filter={filter}
            />
          )}
          <button
            onClick={toggleDark}
            className="rounded border border-zinc-300 px-2 py-0.5 dark:border-zinc-700"
          >
            Theme
          </button>
        </div>
      </header>

      {phase.kind === 'running' && (
        <div className="border-b border-zinc-200 px-3 py-2 dark:border-zinc-800" data-testid="progress">
          <div className="flex items-center gap-3">
            <span>Analyzing {phase.name}</span>
            <span className="num text-zinc-500">
              {fmtBytes(phase.bytes)} / {fmtBytes(phase.total)} · {phase.packets.toLocaleString()} packets
            </span>
            <button
              className="ml-auto rounded border border-zinc-300 px-2 py-0.5 dark:border-zinc-700"
              onClick={() => {
                cancelRef.current?.();
                cancelRef.current = null;
                setPhase({ kind: 'idle' });
              }}
            >
              Cancel
            </button>
          </div>
          <div className="mt-1 h-1 bg-zinc-200 dark:bg-zinc-800">
            <div
              className="h-1 bg-sky-600"
              style={{ width: `${phase.total ? (100 * phase.bytes) / phase.total : 0}%` }}
            />
          </div>
          {phase.snapshot && <LiveSnapshot s={phase.snapshot} />}
        </div>
      )}
      {phase.kind === 'error' && (
        <div
          role="alert"
          data-testid="error"
          className="border-b border-red-300 bg-red-50 px-3 py-2 text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
        >
          <b>Could not analyze this file.</b> {phase.message}
        </div>
      )}

      {!trace && phase.kind !== 'running' && (
        <Landing samples={samples} onFiles={onFiles} onSample={openSample} />
      )}

      {trace && (
        <TraceView
          trace={trace}
          lanes={lanes}
          file={file}
          span={span}
          {...viewProps}
          query={query}
          options={options}
          onOptions={rerun}
          packetClient={packetClient}
        />
      )}
    </div>
  );
}
