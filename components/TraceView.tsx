'use client';
import Link from 'next/link';
import { useMemo } from 'react';
import type { Finding, H2Stream, Severity, Trace } from '@/lib/trace';
import Timeline, { type View } from './Timeline';
import Ladder from './Ladder';
import PacketDetail from './PacketDetail';
import { SEV_CLASS, SEV_ORDER, fmtBytes } from './format';

export default function TraceView(props: {
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
        streams={trace.streams}
        input={trace.input}
        onSelectStream={(c, id) => {
          props.setSelConn(c);
          props.setSelStream(id);
        }}
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

