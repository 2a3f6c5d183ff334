'use client';
// Compare two runs: each side a shared trace (?a=<id>&b=<id>) or a local file analyzed in the
// browser. Shows the summary in words, per-connection differences, connections and findings only
// in one run, and both timelines stacked on one time scale with synchronized zoom and pan.
import Link from 'next/link';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { compareTraces, type CompareResult } from '@/lib/compare';
import { checkOption, optionSpec, parseOptions } from '@/lib/options';
import type { Finding, Trace } from '@/lib/trace';
import Timeline, { type View } from '../Timeline';
import { SEV_CLASS } from '../format';
import { analyzeFile, loadSharedTrace, traceSpan } from '../share/load';

const IDLE = optionSpec('idleThresholdS');

type Side = 'a' | 'b';
type Slot =
  | { kind: 'empty' }
  | { kind: 'loading'; label: string }
  | { kind: 'error'; label: string; message: string }
  | { kind: 'ready'; label: string; trace: Trace; shared: string | null };

interface Source {
  file?: File;
  shared?: string;
}

/** Time of the first request (HTTP/2 HEADERS from the client, or an HTTP/1 request). */
function firstRequestS(t: Trace): number {
  let best = Infinity;
  for (const s of t.streams)
    for (const f of s.frames) if (f.dir === 'c2s' && f.type === 'HEADERS') best = Math.min(best, f.tS);
  for (const x of t.exchanges) if (typeof x.requestS === 'number') best = Math.min(best, x.requestS);
  if (!isFinite(best)) for (const c of t.connections) best = Math.min(best, c.startS);
  return isFinite(best) ? best : 0;
}

function FindingList({ items, testid }: { items: Finding[]; testid: string }) {
  if (!items.length) return <p className="px-2 text-zinc-500">none</p>;
  return (
    <ul data-testid={testid}>
      {items.map((f, i) => (
        <li key={i} className="px-2 py-0.5" data-finding-kind={f.kind}>
          <span className={`rounded px-1 text-[10px] ${SEV_CLASS[f.severity]}`}>{f.kind}</span>{' '}
          <span>{f.title}</span>
          {f.connection && <span className="num text-zinc-500"> ({f.connection})</span>}
        </li>
      ))}
    </ul>
  );
}

function val(v: string | number | null): string {
  return v === null ? 'none' : String(v);
}

export default function ComparePage() {
  const [slots, setSlots] = useState<Record<Side, Slot>>({ a: { kind: 'empty' }, b: { kind: 'empty' } });
  const [idle, setIdle] = useState<number | null>(null);
  const [align, setAlign] = useState<'start' | 'request'>('start');
  const [view, setView] = useState<View | null>(null);
  const sources = useRef<Record<Side, Source>>({ a: {}, b: {} });

  const load = useCallback(async (side: Side, src: Source, idleS: number | null) => {
    sources.current[side] = src;
    const label = src.file ? src.file.name : `shared trace ${src.shared}`;
    setSlots((s) => ({ ...s, [side]: { kind: 'loading', label } }));
    setView(null);
    try {
      let trace: Trace;
      const options = idleS !== null ? { idleThresholdS: idleS } : undefined;
      if (src.file) trace = await analyzeFile(src.file, options);
      else if (src.shared) {
        const got = await loadSharedTrace(src.shared);
        trace = got.trace;
        if (idleS !== null && trace.options.idleThresholdS !== idleS) {
          // Stored with other thresholds: analyze the original capture again with these.
          const r = await fetch(`/api/traces/${encodeURIComponent(src.shared)}/raw`);
          if (!r.ok) throw new Error(`HTTP ${r.status} fetching the capture`);
          trace = await analyzeFile(new File([await r.blob()], got.meta.name), {
            ...trace.options,
            idleThresholdS: idleS,
          });
        }
      } else return;
      if (sources.current[side] !== src) return; // replaced meanwhile
      setSlots((s) => ({
        ...s,
        [side]: {
          kind: 'ready',
          label: src.file ? src.file.name : `${trace.input.name} (shared)`,
          trace,
          shared: src.shared ?? null,
        },
      }));
    } catch (e) {
      if (sources.current[side] !== src) return;
      setSlots((s) => ({ ...s, [side]: { kind: 'error', label, message: (e as Error).message } }));
    }
  }, []);

  // Initial: ?a=<id>&b=<id>&idle=<s>.
  useEffect(() => {
    const p = new URLSearchParams(window.location.search);
    const idleS = parseOptions((k) => p.get(k), 'url').values.idleThresholdS ?? null;
    if (idleS !== null) setIdle(idleS);
    if (p.get('align') === 'request') setAlign('request');
    for (const side of ['a', 'b'] as const) {
      const id = p.get(side);
      if (id) void load(side, { shared: id }, idleS);
    }
  }, [load]);

  const applyIdle = (v: number | null) => {
    setIdle(v);
    const url = new URL(window.location.href);
    if (v !== null) url.searchParams.set('idle', String(v));
    else url.searchParams.delete('idle');
    window.history.replaceState(null, '', url.pathname + url.search);
    for (const side of ['a', 'b'] as const) {
      const src = sources.current[side];
      if (src.file || src.shared) void load(side, src, v);
    }
  };

  const onFile = (side: Side, f: File | undefined) => {
    if (!f) return;
    const url = new URL(window.location.href);
    url.searchParams.delete(side);
    window.history.replaceState(null, '', url.pathname + url.search);
    void load(side, { file: f }, idle);
  };

  const A = slots.a.kind === 'ready' ? slots.a.trace : null;
  const B = slots.b.kind === 'ready' ? slots.b.trace : null;
  const result = useMemo<CompareResult | null>(() => (A && B ? compareTraces(A, B) : null), [A, B]);

  // B's times shown on A's scale: tA = tB + shift.
  const shift = useMemo(
    () => (A && B && align === 'request' ? firstRequestS(A) - firstRequestS(B) : 0),
    [A, B, align],
  );
  const span = useMemo<View>(() => {
    const sa = A ? traceSpan(A) : null;
    const sb = B ? traceSpan(B) : null;
    const starts = [sa?.start, sb ? sb.start + shift : undefined].filter((x): x is number => x !== undefined);
    const ends = [sa?.end, sb ? sb.end + shift : undefined].filter((x): x is number => x !== undefined);
    return starts.length ? { start: Math.min(...starts), end: Math.max(...ends) } : { start: 0, end: 1 };
  }, [A, B, shift]);
  const v = view ?? span;

  const slotHeader = (side: Side) => {
    const s = slots[side];
    return (
      <div
        className="flex flex-1 flex-col gap-1 rounded border border-dashed border-zinc-300 p-2 dark:border-zinc-700"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          onFile(side, e.dataTransfer.files[0]);
        }}
      >
        <div className="flex items-center gap-2">
          <b>{side.toUpperCase()}</b>
          <label className="cursor-pointer rounded border border-zinc-300 px-2 py-0.5 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800">
            Open file…
            <input
              type="file"
              className="hidden"
              data-testid={`compare-file-${side}`}
              accept=".pcap,.pcapng,.cap,.gz,.log,.txt"
              onChange={(e) => onFile(side, e.currentTarget.files?.[0])}
            />
          </label>
          <span className="text-zinc-500">or drop a capture here</span>
        </div>
        <div data-testid={`compare-slot-${side}`} className="num">
          {s.kind === 'empty' && <span className="text-zinc-500">no trace yet</span>}
          {s.kind === 'loading' && <span>Analyzing {s.label}…</span>}
          {s.kind === 'error' && (
            <span role="alert" className="text-red-700 dark:text-red-300">
              {s.label}: {s.message}
            </span>
          )}
          {s.kind === 'ready' && (
            <span>
              {s.label} — {s.trace.connections.length} connections, {s.trace.findings.length} findings
              {s.shared && (
                <>
                  {' '}
                  <a
                    className="text-sky-700 underline dark:text-sky-400"
                    href={`/t/${encodeURIComponent(s.shared)}`}
                  >
                    open
                  </a>
                </>
              )}
            </span>
          )}
        </div>
      </div>
    );
  };

  const sharedLink =
    slots.a.kind === 'ready' && slots.b.kind === 'ready' && slots.a.shared && slots.b.shared
      ? `/compare?a=${encodeURIComponent(slots.a.shared)}&b=${encodeURIComponent(slots.b.shared)}${idle !== null ? `&idle=${idle}` : ''}`
      : null;

  return (
    <div className="flex min-h-screen flex-col text-sm">
      <header className="flex items-center gap-3 border-b border-zinc-200 px-3 py-1.5 dark:border-zinc-800">
        <Link href="/" className="font-semibold tracking-tight">
          tracelens
        </Link>
        <span className="font-medium">Compare two runs</span>
        <label className="ml-auto flex items-center gap-1">
          idle threshold
          <input
            type="number"
            min={IDLE.min}
            max={IDLE.max}
            step="any"
            data-testid="compare-idle"
            className="w-20 rounded border border-zinc-300 bg-transparent px-1 dark:border-zinc-700"
            placeholder={String(A?.options.idleThresholdS ?? B?.options.idleThresholdS ?? 30)}
            title="Idle threshold (s) both runs are analyzed with; empty keeps each trace's own"
            defaultValue={idle ?? ''}
            key={idle ?? 'default'}
            onBlur={(e) => {
              const r = checkOption(IDLE, e.currentTarget.value, 'input');
              const next = r.ok ? r.value : null;
              if (next !== idle) applyIdle(next);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') e.currentTarget.blur();
            }}
          />
          s
        </label>
        <label className="flex items-center gap-1">
          align at
          <select
            value={align}
            data-testid="compare-align"
            onChange={(e) => setAlign(e.currentTarget.value === 'request' ? 'request' : 'start')}
            className="rounded border border-zinc-300 bg-transparent dark:border-zinc-700"
          >
            <option value="start">trace start</option>
            <option value="request">first request</option>
          </select>
        </label>
        {sharedLink && (
          <a
            className="text-sky-700 underline dark:text-sky-400"
            href={sharedLink}
            data-testid="compare-link"
          >
            link to this comparison
          </a>
        )}
      </header>
      <div className="flex gap-2 p-2">
        {slotHeader('a')}
        {slotHeader('b')}
      </div>
      {result && A && B && (
        <>
          <section className="border-y border-zinc-200 px-3 py-2 dark:border-zinc-800">
            <h2 className="font-semibold">What changed</h2>
            <ul data-testid="compare-summary" className="mt-1 list-disc pl-5">
              {result.summary.map((s, i) => (
                <li key={i}>{s}</li>
              ))}
            </ul>
          </section>
          <section className="border-b border-zinc-200 dark:border-zinc-800" data-testid="compare-timelines">
            <div className="flex items-center gap-2 px-3 py-0.5 text-zinc-500">
              <span>
                Timelines on one scale
                {align === 'request'
                  ? ` (B shifted ${shift >= 0 ? '+' : ''}${shift.toFixed(3)} s to align first requests)`
                  : ' (aligned at trace start)'}{' '}
                — wheel to zoom, drag to pan
              </span>
              <button
                type="button"
                className="ml-auto rounded border border-zinc-300 px-2 dark:border-zinc-700"
                onClick={() => setView(null)}
              >
                Fit
              </button>
            </div>
            <div className="px-3 font-semibold">A: {A.input.name}</div>
            <Timeline
              connections={A.connections}
              packets={A.packets}
              findings={A.findings}
              span={span}
              view={v}
              zoomed={view !== null}
              selectedConn={null}
              onView={setView}
              onSelectConn={() => {}}
            />
            <div className="px-3 font-semibold">B: {B.input.name}</div>
            <Timeline
              connections={B.connections}
              packets={B.packets}
              findings={B.findings}
              span={{ start: span.start - shift, end: span.end - shift }}
              view={{ start: v.start - shift, end: v.end - shift }}
              zoomed={view !== null}
              selectedConn={null}
              onView={(nv) => setView({ start: nv.start + shift, end: nv.end + shift })}
              onSelectConn={() => {}}
            />
          </section>
          <section className="grid grid-cols-2 gap-4 px-3 py-2">
            <div>
              <h3 className="font-semibold">Findings only in A ({result.findings.onlyA.length})</h3>
              <FindingList items={result.findings.onlyA} testid="compare-only-a-findings" />
            </div>
            <div>
              <h3 className="font-semibold">Findings only in B ({result.findings.onlyB.length})</h3>
              <FindingList items={result.findings.onlyB} testid="compare-only-b-findings" />
            </div>
          </section>
          <section className="px-3 py-2">
            <h3 className="font-semibold">Matched connections</h3>
            <table className="num mt-1 w-full text-left" data-testid="compare-differences">
              <thead className="bg-zinc-100 dark:bg-zinc-900">
                <tr>
                  <th className="px-2">A ~ B</th>
                  <th className="px-2">what</th>
                  <th className="px-2">A</th>
                  <th className="px-2">B</th>
                </tr>
              </thead>
              <tbody>
                {result.matches.map((m) => {
                  const rows = [
                    ...m.differences.map((d) => ({ what: d.what, a: d.a, b: d.b })),
                    ...m.streams.flatMap((s) =>
                      s.differences.map((d) => ({
                        what: `${s.path ?? `stream ${s.a}`}: ${d.what}`,
                        a: d.a,
                        b: d.b,
                      })),
                    ),
                  ];
                  if (!rows.length)
                    return (
                      <tr key={`${m.a}-${m.b}`} className="border-t border-zinc-100 dark:border-zinc-900">
                        <td className="px-2">
                          {m.a} ~ {m.b}
                        </td>
                        <td className="px-2 text-zinc-500" colSpan={3}>
                          no differences (matched by {m.basis})
                        </td>
                      </tr>
                    );
                  return rows.map((r, i) => (
                    <tr key={`${m.a}-${m.b}-${i}`} className="border-t border-zinc-100 dark:border-zinc-900">
                      <td className="px-2">{i === 0 ? `${m.a} ~ ${m.b}` : ''}</td>
                      <td className="px-2 font-sans">{r.what}</td>
                      <td className="px-2">{val(r.a)}</td>
                      <td className="px-2">{val(r.b)}</td>
                    </tr>
                  ));
                })}
              </tbody>
            </table>
          </section>
          <section className="grid grid-cols-2 gap-4 px-3 py-2">
            <div>
              <h3 className="font-semibold">Connections only in A ({result.onlyInA.length})</h3>
              <ul className="num" data-testid="compare-only-a">
                {result.onlyInA.map((id) => {
                  const c = A.connections.find((x) => x.id === id);
                  return (
                    <li key={id}>{c ? `${id} ${c.client} → ${c.server} ${c.protocol} ${c.end}` : id}</li>
                  );
                })}
              </ul>
            </div>
            <div>
              <h3 className="font-semibold">Connections only in B ({result.onlyInB.length})</h3>
              <ul className="num" data-testid="compare-only-b">
                {result.onlyInB.map((id) => {
                  const c = B.connections.find((x) => x.id === id);
                  return (
                    <li key={id}>{c ? `${id} ${c.client} → ${c.server} ${c.protocol} ${c.end}` : id}</li>
                  );
                })}
              </ul>
            </div>
          </section>
        </>
      )}
    </div>
  );
}
