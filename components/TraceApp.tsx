'use client';
import Link from 'next/link';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { PacketTable, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '@/lib/packets';
import type { Finding, H2Stream, Severity, Trace } from '@/lib/trace';
import type { WorkerResponse } from '@/app/worker/messages';
import Timeline, { type View } from './Timeline';

type Phase =
  | { kind: 'idle' }
  | { kind: 'running'; name: string; bytes: number; packets: number; total: number }
  | { kind: 'error'; message: string }
  | { kind: 'done' };

interface Sample {
  name: string;
  file: string;
  description?: string;
}

const SEV_ORDER: Severity[] = ['error', 'warning', 'info'];
const SEV_CLASS: Record<Severity, string> = {
  error: 'bg-red-600 text-white',
  warning: 'bg-amber-500 text-black',
  info: 'bg-sky-600 text-white',
};

function fmtBytes(n: number) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

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
  };
}

export default function TraceApp({ remote }: { remote?: { url: string; name: string } } = {}) {
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [trace, setTrace] = useState<Trace | null>(null);
  const [sample, setSample] = useState<string | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [selFinding, setSelFinding] = useState<number | null>(null);
  const [selConn, setSelConn] = useState<string | null>(null);
  const [selStream, setSelStream] = useState<number | null>(null);
  const [selPacket, setSelPacket] = useState<number | null>(null);
  const [view, setView] = useState<View | null>(null);
  const [query, setQuery] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const workerRef = useRef<Worker | null>(null);
  const keylogRef = useRef<File | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const pending = useRef<ReturnType<typeof readParams> | null>(null);

  const span = useMemo<View>(() => {
    if (!trace) return { start: 0, end: 1 };
    let s = Infinity;
    let e = -Infinity;
    for (const c of trace.connections) {
      s = Math.min(s, c.startS);
      e = Math.max(e, c.endS);
    }
    if (!isFinite(s)) return { start: 0, end: 1 };
    const pad = Math.max((e - s) * 0.02, 0.001);
    return { start: s - pad, end: e + pad };
  }, [trace]);

  const applySelection = useCallback((t: Trace, p: ReturnType<typeof readParams>) => {
    if (p.finding !== null && t.findings[p.finding]) {
      const f = t.findings[p.finding];
      setSelFinding(p.finding);
      setSelConn(f.connection);
      setSelStream(f.stream);
    }
    if (p.conn) setSelConn(p.conn);
    if (p.stream !== null) setSelStream(p.stream);
    if (p.vs !== null && p.ve !== null && p.ve > p.vs) setView({ start: p.vs, end: p.ve });
  }, []);

  const analyze = useCallback(
    (file: File, keylog: File | null, sampleName: string | null) => {
      workerRef.current?.terminate();
      setFile(file);
      setTrace(null);
      setSample(sampleName);
      setSelFinding(null);
      setSelConn(null);
      setSelStream(null);
      setSelPacket(null);
      setView(null);
      setPhase({ kind: 'running', name: file.name, bytes: 0, packets: 0, total: file.size });
      const w = new Worker(new URL('../app/worker/analyze.worker.ts', import.meta.url), { type: 'module' });
      workerRef.current = w;
      w.onmessage = (ev: MessageEvent<WorkerResponse>) => {
        const m = ev.data;
        if (m.type === 'progress')
          setPhase({ kind: 'running', name: file.name, bytes: m.bytes, packets: m.packets, total: m.total });
        else if (m.type === 'error') {
          setPhase({ kind: 'error', message: m.message });
          w.terminate();
        } else if (m.type === 'done') {
          const t: Trace = { ...m.trace, packets: m.columns ? PacketTable.fromColumns(m.columns) : null };
          setTrace(t);
          setPhase({ kind: 'done' });
          w.terminate();
          workerRef.current = null;
          if (pending.current) {
            applySelection(t, pending.current);
            pending.current = null;
          }
        }
      };
      w.onerror = (e) => setPhase({ kind: 'error', message: e.message || 'The analysis worker failed' });
      w.postMessage({ file, keylog });
    },
    [applySelection],
  );

  const openSample = useCallback(
    async (s: Sample) => {
      try {
        const r = await fetch(`/samples/${s.file}`);
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        const b = await r.blob();
        analyze(new File([b], s.file), null, s.name);
      } catch (e) {
        setPhase({ kind: 'error', message: `Could not load sample ${s.name}: ${(e as Error).message}` });
      }
    },
    [analyze],
  );

  // Initial: theme, samples index, URL params (sample auto-open; selection kept for the next analysis).
  useEffect(() => {
    const p = readParams();
    if (p.finding !== null || p.conn || p.stream !== null || p.vs !== null) pending.current = p;
    if (remote) {
      fetch(remote.url)
        .then((r) => {
          if (!r.ok) throw new Error(`HTTP ${r.status}`);
          return r.blob();
        })
        .then((b) => analyze(new File([b], remote.name), null, null))
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
          if (s) void openSample(s);
        }
      })
      .catch(() => setSamples([]));
  }, [openSample, analyze, remote]);

  // URL state.
  useEffect(() => {
    if (phase.kind !== 'done') return;
    const p = new URLSearchParams();
    if (sample) p.set('sample', sample);
    if (selFinding !== null) p.set('finding', String(selFinding));
    if (selConn) p.set('conn', selConn);
    if (selStream !== null) p.set('stream', String(selStream));
    if (view) {
      p.set('vs', view.start.toFixed(6));
      p.set('ve', view.end.toFixed(6));
    }
    const qs = p.toString();
    window.history.replaceState(null, '', qs ? `?${qs}` : window.location.pathname);
  }, [phase.kind, sample, selFinding, selConn, selStream, view]);

  const selectFinding = useCallback(
    (i: number) => {
      if (!trace) return;
      const f = trace.findings[i];
      if (!f) return;
      setSelFinding(i);
      setSelConn(f.connection);
      setSelStream(f.stream);
      const pad = Math.max((f.endS - f.startS) * 0.25, 0.05);
      setView({ start: f.startS - pad, end: f.endS + pad });
      const ev = f.evidence.find((e) => e.packet !== undefined);
      if (ev?.packet !== undefined) setSelPacket(ev.packet);
    },
    [trace],
  );

  // Keyboard.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const tgt = e.target as HTMLElement | null;
      if (tgt && (tgt.tagName === 'INPUT' || tgt.tagName === 'TEXTAREA')) return;
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
  }, [trace, selFinding, selectFinding]);

  const toggleDark = () => {
    const d = !document.documentElement.classList.contains('dark');
    document.documentElement.classList.toggle('dark', d);
    try {
      localStorage.setItem('theme', d ? 'dark' : 'light');
    } catch {}
  };

  const onFiles = (files: FileList | File[] | null) => {
    if (!files) return;
    const arr = Array.from(files);
    const key = arr.find((f) => /\.(keys|keylog)$/i.test(f.name) || /sslkey/i.test(f.name)) ?? null;
    const main = arr.find((f) => f !== key) ?? null;
    if (key && !main) {
      keylogRef.current = key;
      return;
    }
    if (main) analyze(main, key ?? keylogRef.current, null);
  };

  return (
    <div className="flex min-h-screen flex-col">
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
                workerRef.current?.terminate();
                workerRef.current = null;
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
          file={file}
          span={span}
          view={view}
          setView={setView}
          query={query}
          selFinding={selFinding}
          selectFinding={selectFinding}
          selConn={selConn}
          setSelConn={(c) => {
            setSelConn(c);
            setSelStream(null);
          }}
          selStream={selStream}
          setSelStream={setSelStream}
          selPacket={selPacket}
          setSelPacket={setSelPacket}
        />
      )}
    </div>
  );
}

function Landing(props: {
  samples: Sample[];
  onFiles: (f: FileList | null) => void;
  onSample: (s: Sample) => void;
}) {
  const [over, setOver] = useState(false);
  return (
    <main className="mx-auto w-full max-w-3xl px-4 py-10">
      <h1 className="text-xl font-semibold">Find out why the connection died.</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        tracelens reads pcap/pcapng captures (optionally gzipped, with a TLS key log) and HTTP/2 debug logs,
        rebuilds TCP, HTTP/1.x, HTTP/2 and gRPC, and explains what went wrong: idle resets, silent RSTs,
        deadline cuts, protocol violations. Everything runs in your browser; the file never leaves this
        machine.
      </p>
      <div
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          props.onFiles(e.dataTransfer.files);
        }}
        className={`mt-6 rounded-md border-2 border-dashed p-10 text-center ${over ? 'border-sky-500 bg-sky-50 dark:bg-sky-950' : 'border-zinc-300 dark:border-zinc-700'}`}
      >
        <div className="text-sm">Drop a capture or debug log here (and a key log, if you have one)</div>
        <div className="mt-1 text-zinc-500">.pcap · .pcapng · .gz · .log / .txt · SSLKEYLOGFILE</div>
      </div>
      {props.samples.length > 0 && (
        <section className="mt-8">
          <h2 className="mb-2 font-semibold">Samples</h2>
          <ul className="grid grid-cols-2 gap-2">
            {props.samples.map((s) => (
              <li key={s.name}>
                <button
                  data-sample={s.name}
                  onClick={() => props.onSample(s)}
                  className="w-full rounded border border-zinc-200 p-2 text-left hover:border-sky-500 dark:border-zinc-800"
                >
                  <div className="font-medium">{s.name}</div>
                  {s.description && <div className="text-zinc-500">{s.description}</div>}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}

function TraceView(props: {
  trace: Trace;
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
}) {
  const { trace, span, view, query, selConn, selStream } = props;
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of trace.findings) counts[f.severity]++;
  const q = query.trim().toLowerCase();
  const conns = trace.connections.filter(
    (c) => !q || `${c.id} ${c.client} ${c.server} ${c.protocol} ${c.end}`.toLowerCase().includes(q),
  );
  const streams = trace.streams.filter(
    (s) =>
      (!selConn || s.connection === selConn) &&
      (!q || `${s.connection} ${s.id} ${s.method} ${s.path} ${s.authority}`.toLowerCase().includes(q)),
  );
  const stream =
    selStream !== null
      ? trace.streams.find((s) => s.id === selStream && (!selConn || s.connection === selConn))
      : undefined;
  const exchanges = trace.exchanges.filter((x) => !selConn || x.connection === selConn);
  const cellCls = 'px-2 py-0.5 whitespace-nowrap';

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div
        className="num flex flex-wrap items-center gap-x-4 gap-y-1 border-b border-zinc-200 bg-zinc-50 px-3 py-1 dark:border-zinc-800 dark:bg-zinc-900"
        data-testid="summary"
      >
        <span className="font-sans font-semibold">{trace.input.name}</span>
        <span>{trace.input.format}</span>
        <span>span {(span.end - span.start).toFixed(3)}s</span>
        <span>{(trace.packets?.length ?? 0).toLocaleString()} packets</span>
        <span>{trace.connections.length} connections</span>
        <span>{trace.streams.length} h2 streams</span>
        <span>{trace.exchanges.length} http/1 exchanges</span>
        {SEV_ORDER.map((s) => (
          <span
            key={s}
            className={`rounded px-1.5 ${counts[s] ? SEV_CLASS[s] : 'bg-zinc-200 text-zinc-500 dark:bg-zinc-800'}`}
          >
            {counts[s]} {s}
          </span>
        ))}
        <button
          className="ml-auto rounded border border-zinc-300 px-2 font-sans dark:border-zinc-700"
          onClick={() => props.setView(null)}
        >
          Fit (f)
        </button>
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
      <Timeline
        connections={trace.connections}
        packets={trace.packets}
        findings={trace.findings}
        span={span}
        view={view ?? span}
        zoomed={view !== null}
        selectedConn={selConn}
        onView={props.setView}
        onSelectConn={props.setSelConn}
      />
      <div className="grid min-h-0 flex-1 grid-cols-[minmax(320px,1fr)_2fr]">
        <aside
          className="overflow-auto border-r border-zinc-200 dark:border-zinc-800"
          role="listbox"
          aria-label="Findings"
        >
          {trace.findings.length === 0 && (
            <div className="p-3 text-zinc-500">No findings: nothing looks wrong in this trace.</div>
          )}
          {SEV_ORDER.map((sev) => {
            const items = trace.findings
              .map((f, i) => [f, i] as [Finding, number])
              .filter(([f]) => f.severity === sev);
            if (!items.length) return null;
            return (
              <section key={sev}>
                <h3 className="sticky top-0 bg-zinc-100 px-2 py-0.5 font-semibold uppercase text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
                  {sev} ({items.length})
                </h3>
                {items.map(([f, i]) => (
                  <div
                    key={i}
                    role="option"
                    aria-selected={props.selFinding === i}
                    data-finding-kind={f.kind}
                    onClick={() => props.selectFinding(i)}
                    className={`cursor-pointer border-b border-zinc-100 px-2 py-1 dark:border-zinc-900 ${props.selFinding === i ? 'bg-sky-100 dark:bg-sky-950' : 'hover:bg-zinc-50 dark:hover:bg-zinc-900'}`}
                  >
                    <div className="flex items-baseline gap-2">
                      <span className={`rounded px-1 text-[10px] ${SEV_CLASS[f.severity]}`}>{f.kind}</span>
                      <span className="font-medium">{f.title}</span>
                    </div>
                    {props.selFinding === i && (
                      <div className="mt-1">
                        <p className="text-zinc-600 dark:text-zinc-400">{f.explanation}</p>
                        <ul className="num mt-1 flex flex-wrap gap-1">
                          {f.evidence.map((e, k) => (
                            <li key={k}>
                              <button
                                className="rounded bg-zinc-200 px-1 hover:bg-sky-200 dark:bg-zinc-800"
                                onClick={(ev) => {
                                  ev.stopPropagation();
                                  if (e.packet !== undefined) props.setSelPacket(e.packet);
                                }}
                              >
                                {e.packet !== undefined
                                  ? `#${e.packet}`
                                  : e.frame !== undefined
                                    ? `frame ${e.frame}`
                                    : `line ${e.line}`}
                                {e.note ? ` ${e.note}` : ''}
                              </button>
                            </li>
                          ))}
                        </ul>
                      </div>
                    )}
                  </div>
                ))}
              </section>
            );
          })}
        </aside>
        <div className="min-w-0 overflow-auto">
          <table className="num w-full text-left" data-testid="connections">
            <thead className="sticky top-0 bg-zinc-100 dark:bg-zinc-900">
              <tr>
                {[
                  'id',
                  'client',
                  'server',
                  'proto',
                  'end',
                  'start',
                  'dur',
                  'pkts',
                  'bytes c→s',
                  'bytes s→c',
                  'max idle',
                ].map((h) => (
                  <th key={h} className={`${cellCls} font-sans font-semibold`}>
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {conns.slice(0, 2000).map((c) => (
                <tr
                  key={c.id}
                  aria-selected={c.id === selConn}
                  data-conn={c.id}
                  onClick={() => props.setSelConn(c.id)}
                  className={`cursor-pointer ${c.id === selConn ? 'bg-sky-100 dark:bg-sky-950' : 'hover:bg-zinc-50 dark:hover:bg-zinc-900'}`}
                >
                  <td className={cellCls}>{c.id}</td>
                  <td className={cellCls}>{c.client}</td>
                  <td className={cellCls}>{c.server}</td>
                  <td className={cellCls}>{c.protocol}</td>
                  <td className={`${cellCls} ${c.end === 'reset' ? 'text-red-600' : ''}`}>{c.end}</td>
                  <td className={cellCls}>{c.startS.toFixed(3)}</td>
                  <td className={cellCls}>{(c.endS - c.startS).toFixed(3)}</td>
                  <td className={cellCls}>{c.packets.c2s + c.packets.s2c}</td>
                  <td className={cellCls}>{fmtBytes(c.bytes.c2s)}</td>
                  <td className={cellCls}>{fmtBytes(c.bytes.s2c)}</td>
                  <td className={cellCls}>{c.maxIdleS.toFixed(2)}s</td>
                </tr>
              ))}
            </tbody>
          </table>
          {streams.length > 0 && (
            <section className="border-t border-zinc-200 dark:border-zinc-800">
              <h3 className="bg-zinc-100 px-2 py-0.5 font-semibold dark:bg-zinc-900">HTTP/2 streams</h3>
              <table className="num w-full text-left">
                <tbody>
                  {streams.slice(0, 2000).map((s) => (
                    <tr
                      key={`${s.connection}/${s.id}`}
                      data-stream={s.id}
                      onClick={() => {
                        props.setSelConn(s.connection);
                        props.setSelStream(s.id);
                      }}
                      className={`cursor-pointer ${stream === s ? 'bg-sky-100 dark:bg-sky-950' : 'hover:bg-zinc-50 dark:hover:bg-zinc-900'}`}
                    >
                      <td className={cellCls}>{s.connection}</td>
                      <td className={cellCls}>#{s.id}</td>
                      <td className={cellCls}>{s.method}</td>
                      <td className={`${cellCls} max-w-96 truncate`}>{s.path}</td>
                      <td className={cellCls}>{s.status ?? '—'}</td>
                      <td className={cellCls}>{s.grpcStatus !== null ? `grpc ${s.grpcStatus}` : ''}</td>
                      <td className={cellCls}>
                        {s.reset ? `RST ${s.reset.errorName} by ${s.reset.by}` : s.state}
                      </td>
                      <td className={cellCls}>{s.sequence}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          {stream && <Ladder stream={stream} />}
          {exchanges.length > 0 && (
            <section className="border-t border-zinc-200 dark:border-zinc-800">
              <h3 className="bg-zinc-100 px-2 py-0.5 font-semibold dark:bg-zinc-900">HTTP/1 exchanges</h3>
              <table className="num w-full text-left">
                <tbody>
                  {exchanges.slice(0, 2000).map((x, i) => (
                    <tr key={i}>
                      <td className={cellCls}>{x.connection}</td>
                      <td className={cellCls}>{JSON.stringify(x).slice(0, 160)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          {props.selPacket !== null && trace.packets && (
            <PacketDetail table={trace.packets} n={props.selPacket} file={props.file} />
          )}
        </div>
      </div>
    </div>
  );
}

function Ladder({ stream }: { stream: H2Stream }) {
  const t0 = stream.frames[0]?.tS ?? stream.startS;
  return (
    <section data-testid="stream-ladder" className="border-t border-zinc-200 dark:border-zinc-800">
      <h3 className="bg-zinc-100 px-2 py-0.5 font-semibold dark:bg-zinc-900">
        Stream {stream.connection} #{stream.id} {stream.method} {stream.path} {stream.status ?? ''}
        {stream.grpc ? ` · grpc-status ${stream.grpcStatus ?? '—'}` : ''}
      </h3>
      <div className="num grid grid-cols-[6rem_1fr_1fr] gap-x-2 px-2">
        <div className="font-sans font-semibold text-zinc-500">+time</div>
        <div className="font-sans font-semibold text-zinc-500">client →</div>
        <div className="text-right font-sans font-semibold text-zinc-500">← server</div>
        {stream.frames.map((f) => (
          <div key={f.number} className="contents">
            <div className="text-zinc-500">{((f.tS - t0) * 1000).toFixed(2)}ms</div>
            <div className={f.dir === 'c2s' ? 'text-blue-600 dark:text-blue-400' : ''}>
              {f.dir === 'c2s' && <FrameCell f={f} />}
            </div>
            <div className={f.dir === 's2c' ? 'text-right text-teal-700 dark:text-teal-400' : ''}>
              {f.dir === 's2c' && <FrameCell f={f} />}
            </div>
          </div>
        ))}
      </div>
    </section>
  );
}

function FrameCell({ f }: { f: H2Stream['frames'][number] }) {
  return (
    <details>
      <summary className="cursor-pointer">
        {f.type} len={f.length} {f.flags.join('|')}
      </summary>
      {f.headers && (
        <ul className="text-left text-zinc-700 dark:text-zinc-300">
          {f.headers.map(([k, v], i) => (
            <li key={i}>
              <b>{k}</b>: {v}
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}

function PacketDetail({ table, n, file }: { table: PacketTable; n: number; file: File | null }) {
  const i = n - 1; // packet numbers are 1-based
  const [hex, setHex] = useState<string | null>(null);
  if (i < 0 || i >= table.length) return null;
  const flags = table.tcpFlags[i];
  const names = [
    [TCP_SYN, 'SYN'],
    [TCP_ACK, 'ACK'],
    [TCP_PSH, 'PSH'],
    [TCP_FIN, 'FIN'],
    [TCP_RST, 'RST'],
  ]
    .filter(([b]) => flags & (b as number))
    .map(([, s]) => s)
    .join(' ');
  const loadHex = async () => {
    if (!file) return;
    const off = table.fileOffset[i];
    const buf = new Uint8Array(await file.slice(off, off + table.caplen[i]).arrayBuffer());
    const lines: string[] = [];
    for (let o = 0; o < buf.length; o += 16) {
      const row = Array.from(buf.subarray(o, o + 16));
      lines.push(
        `${o.toString(16).padStart(4, '0')}  ${row
          .map((b) => b.toString(16).padStart(2, '0'))
          .join(' ')
          .padEnd(48)}  ${row.map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('')}`,
      );
    }
    setHex(lines.join('\n'));
  };
  return (
    <section data-testid="packet-detail" className="border-t border-zinc-200 dark:border-zinc-800">
      <h3 className="bg-zinc-100 px-2 py-0.5 font-semibold dark:bg-zinc-900">Packet #{n}</h3>
      <div className="num px-2 py-1">
        t={table.time[i].toFixed(6)}s · conn c{table.conn[i] + 1} · {table.dir[i] === 0 ? 'c→s' : 's→c'} · [
        {names}] · payload {table.payloadLen[i]} · caplen {table.caplen[i]}
        {file && (
          <button
            className="ml-2 rounded border border-zinc-300 px-1 dark:border-zinc-700"
            onClick={() => void loadHex()}
          >
            hex
          </button>
        )}
        {hex && <pre className="mt-1 overflow-auto text-[11px]">{hex}</pre>}
      </div>
    </section>
  );
}
