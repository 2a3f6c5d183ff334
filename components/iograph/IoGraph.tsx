'use client';
// I/O graph (Wireshark's Statistics > I/O Graphs): series of {display filter, measure, colour,
// style} bucketed per interval in the analysis worker (follow-session.ts, lib/iograph.ts), drawn
// with Recharts. Clicking a point zooms the timeline to that interval.
import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { PacketClient } from '@/app/worker/packet-client';
import { askFollow } from '@/app/worker/follow-client';
import type { IoSeriesAnswer } from '@/app/worker/follow-messages';
import { IO_INTERVALS, IO_MEASURES, type IoSeries } from '@/lib/iograph';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
/** Points drawn at most; finer buckets are combined for drawing (the figures stay exact). */
const MAX_POINTS = 1500;
const AXIS = { fontSize: 10, fill: 'currentColor' };

interface Row extends IoSeries {
  key: number;
  enabled: boolean;
}

export default function IoGraph({
  client,
  onView,
  spanS,
}: {
  client: PacketClient | null;
  /** Zooms the timeline to [start, end] (seconds). */
  onView: (v: { start: number; end: number }) => void;
  /** The capture's duration: the first interval gives it at least 20 points (1 s when unknown). */
  spanS?: number;
}) {
  const [rows, setRows] = useState<Row[]>([
    { key: 1, filter: '', measure: 'packets', color: COLORS[0], style: 'line', enabled: true },
  ]);
  const [intervalS, setIntervalS] = useState(() => firstInterval(spanS));
  const [log, setLog] = useState(false);
  const [answers, setAnswers] = useState<{ series: IoSeriesAnswer[]; ms: number; rows: Row[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = useCallback(
    (list: Row[], interval: number) => {
      if (!client) return;
      const enabled = list.filter((r) => r.enabled);
      setBusy(true);
      askFollow(client, {
        type: 'iograph',
        intervalS: interval,
        series: enabled.map((r) => ({ filter: r.filter, measure: r.measure, field: r.field || undefined })),
      })
        .then((a) => {
          if (a.type === 'iograph') {
            setAnswers({ series: a.series, ms: a.ms, rows: enabled });
            setError(null);
          } else if (a.type === 'query-error') setError(a.message);
        })
        .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
        .finally(() => setBusy(false));
    },
    [client],
  );

  // The first graph: every packet per second, as Wireshark opens its I/O graph.
  useEffect(() => {
    const t = setTimeout(() => run(rows, intervalS), 0);
    return () => clearTimeout(t);
    // Only on open and when the worker changes; later runs are asked with Apply.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client]);

  const chart = useMemo(() => (answers ? chartData(answers.series, log) : null), [answers, log]);
  const update = (key: number, patch: Partial<Row>) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  return (
    <div data-testid="iograph" className="px-2 py-1">
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <label className="flex items-center gap-1">
          Interval
          <select
            data-testid="iograph-interval"
            className="rounded border border-zinc-300 bg-transparent dark:border-zinc-700"
            value={intervalS}
            onChange={(e) => {
              const v = Number(e.target.value);
              setIntervalS(v);
              run(rows, v);
            }}
          >
            {IO_INTERVALS.map((i) => (
              <option key={i} value={i}>
                {i < 1 ? `${i * 1000} ms` : `${i} s`}
              </option>
            ))}
          </select>
        </label>
        <label className="flex items-center gap-1">
          <input
            type="checkbox"
            checked={log}
            onChange={(e) => setLog(e.target.checked)}
            data-testid="iograph-log"
          />
          Log scale
        </label>
        <button
          className="rounded border border-zinc-300 px-1.5 dark:border-zinc-700"
          data-testid="iograph-add"
          onClick={() =>
            setRows((rs) => [
              ...rs,
              {
                key: Math.max(0, ...rs.map((r) => r.key)) + 1,
                filter: '',
                measure: 'packets',
                color: COLORS[rs.length % COLORS.length],
                style: 'line',
                enabled: true,
              },
            ])
          }
        >
          + series
        </button>
        <button
          className="rounded border border-zinc-400 bg-zinc-100 px-2 font-semibold dark:border-zinc-600 dark:bg-zinc-800"
          data-testid="iograph-apply"
          disabled={!client || busy}
          onClick={() => run(rows, intervalS)}
        >
          {busy ? 'Computing…' : 'Apply'}
        </button>
        {answers && (
          <span className="num text-zinc-500" data-testid="iograph-status">
            {answers.series.filter((s) => s.ok).length} series · {Math.round(answers.ms)} ms
            {chart && chart.combine > 1 && ` · drawn per ${fmtInterval(chart.drawnInterval)}`}
          </span>
        )}
        {!client && (
          <span className="text-zinc-500">The I/O graph needs the capture loaded in this tab.</span>
        )}
      </div>
      <table className="mt-1 w-full text-xs">
        <thead className="text-left text-zinc-500">
          <tr>
            <th className="w-6" />
            <th>Display filter</th>
            <th>Y axis</th>
            <th>Field</th>
            <th>Style</th>
            <th>Colour</th>
            <th className="w-6" />
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => {
            const needsField = IO_MEASURES.find((m) => m.id === r.measure)?.needsField ?? false;
            const ans = answers?.rows.findIndex((x) => x.key === r.key) ?? -1;
            const a = ans >= 0 ? answers?.series[ans] : undefined;
            return (
              <tr key={r.key} data-testid="iograph-series">
                <td>
                  <input
                    type="checkbox"
                    aria-label="Show series"
                    checked={r.enabled}
                    onChange={(e) => update(r.key, { enabled: e.target.checked })}
                  />
                </td>
                <td>
                  <input
                    data-testid="iograph-filter"
                    className={`num w-full rounded border bg-transparent px-1 ${
                      a && !a.ok ? 'border-red-500' : 'border-zinc-300 dark:border-zinc-700'
                    }`}
                    placeholder="all packets (e.g. tcp.analysis.retransmission)"
                    value={r.filter}
                    onChange={(e) => update(r.key, { filter: e.target.value })}
                    onKeyDown={(e) => e.key === 'Enter' && run(rows, intervalS)}
                    title={a && !a.ok ? a.error : undefined}
                  />
                  {a && !a.ok && <div className="text-red-700 dark:text-red-400">{a.error}</div>}
                </td>
                <td>
                  <select
                    data-testid="iograph-measure"
                    className="rounded border border-zinc-300 bg-transparent dark:border-zinc-700"
                    value={r.measure}
                    onChange={(e) => update(r.key, { measure: e.target.value as Row['measure'] })}
                  >
                    {IO_MEASURES.map((m) => (
                      <option key={m.id} value={m.id}>
                        {m.label}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input
                    data-testid="iograph-field"
                    className="num w-44 rounded border border-zinc-300 bg-transparent px-1 disabled:opacity-40 dark:border-zinc-700"
                    placeholder={needsField ? 'frame.len' : ''}
                    disabled={!needsField}
                    value={r.field ?? ''}
                    onChange={(e) => update(r.key, { field: e.target.value })}
                  />
                </td>
                <td>
                  <select
                    className="rounded border border-zinc-300 bg-transparent dark:border-zinc-700"
                    value={r.style}
                    onChange={(e) => update(r.key, { style: e.target.value as Row['style'] })}
                  >
                    <option value="line">Line</option>
                    <option value="bar">Bar</option>
                    <option value="dot">Dot</option>
                  </select>
                </td>
                <td>
                  <input
                    type="color"
                    aria-label="Colour"
                    value={r.color}
                    onChange={(e) => update(r.key, { color: e.target.value })}
                  />
                </td>
                <td>
                  {rows.length > 1 && (
                    <button
                      aria-label="Remove series"
                      className="text-zinc-500"
                      onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}
                    >
                      ✕
                    </button>
                  )}
                  <span className="sr-only">{i}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {error && <p className="text-xs text-red-700 dark:text-red-400">{error}</p>}
      {chart && answers && (
        <div
          className="h-56"
          data-testid="iograph-chart"
          data-points={chart.points}
          data-totals={answers.series.map((x) => (x.ok ? sum(x.values) : 'error')).join(',')}
        >
          <ResponsiveContainer width="100%" height="100%">
            <ComposedChart
              data={chart.data}
              margin={{ top: 6, right: 12, bottom: 0, left: 0 }}
              onClick={(e) => {
                const t = e?.activeLabel;
                if (t === undefined || t === null) return;
                const start = Number(t);
                if (!Number.isFinite(start)) return;
                const pad = chart.drawnInterval * 0.5;
                onView({ start: start - pad, end: start + chart.drawnInterval + pad });
              }}
            >
              <CartesianGrid strokeDasharray="2 4" strokeOpacity={0.4} />
              <XAxis
                dataKey="t"
                type="number"
                domain={['dataMin', 'dataMax']}
                tick={AXIS}
                tickFormatter={(v: number) => `${+v.toFixed(3)}s`}
              />
              <YAxis
                tick={AXIS}
                width={56}
                scale={log ? 'log' : 'auto'}
                domain={log ? [1, 'auto'] : [0, 'auto']}
                allowDataOverflow={log}
              />
              <Tooltip
                contentStyle={{ fontSize: 11, padding: '2px 6px' }}
                labelFormatter={(v) => `t = ${Number(v).toFixed(6)} s`}
              />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              {answers.rows.map((r, i) => {
                if (!answers.series[i]?.ok) return null;
                const name = `${IO_MEASURES.find((m) => m.id === r.measure)?.label.replace('field', r.field ?? '')} · ${r.filter || 'all packets'}`;
                const dk = `s${i}`;
                if (r.style === 'bar')
                  return (
                    <Bar key={r.key} dataKey={dk} name={name} fill={r.color} isAnimationActive={false} />
                  );
                if (r.style === 'dot')
                  return (
                    <Scatter key={r.key} dataKey={dk} name={name} fill={r.color} isAnimationActive={false} />
                  );
                return (
                  <Line
                    key={r.key}
                    dataKey={dk}
                    name={name}
                    stroke={r.color}
                    dot={chart.points < 120}
                    activeDot={{ r: 4, style: { cursor: 'pointer' } }}
                    isAnimationActive={false}
                    connectNulls={false}
                  />
                );
              })}
            </ComposedChart>
          </ResponsiveContainer>
        </div>
      )}
    </div>
  );
}

/** The largest offered interval that cuts the capture into at least 20 intervals. */
function firstInterval(spanS: number | undefined): number {
  if (spanS === undefined || !(spanS > 0)) return 1;
  const fit = IO_INTERVALS.filter((i) => spanS / i >= 20);
  return fit.length ? fit[fit.length - 1] : IO_INTERVALS[0];
}

/** A series' total (NaN buckets, empty MIN/MAX/AVG, left out). */
function sum(v: Float64Array): number {
  let t = 0;
  for (const x of v) if (!Number.isNaN(x)) t += x;
  return t;
}

function fmtInterval(s: number): string {
  return s < 1 ? `${+(s * 1000).toPrecision(6)} ms` : `${+s.toPrecision(6)} s`;
}

/**
 * One row per drawn interval: t and each series' value. More buckets than MAX_POINTS are combined
 * by the largest value in each group (peaks stay visible, as Wireshark's zoomed-out graph shows
 * them); a log scale hides zero and missing values.
 */
function chartData(series: IoSeriesAnswer[], log: boolean) {
  const ok = series.filter((s): s is Extract<IoSeriesAnswer, { ok: true }> => s.ok);
  const first = ok[0];
  if (!first) return null;
  const n = Math.max(...ok.map((s) => s.values.length));
  const combine = Math.max(1, Math.ceil(n / MAX_POINTS));
  const drawnInterval = first.intervalS * combine;
  const data: Record<string, number | null>[] = [];
  for (let g = 0; g * combine < n; g++) {
    const row: Record<string, number | null> = { t: first.startS + g * drawnInterval };
    series.forEach((s, i) => {
      if (!s.ok) return;
      let v = Number.NaN;
      for (let k = g * combine; k < Math.min(n, (g + 1) * combine); k++) {
        const x = s.values[k];
        if (!Number.isNaN(x) && (Number.isNaN(v) || x > v)) v = x;
      }
      row[`s${i}`] = Number.isNaN(v) || (log && v <= 0) ? null : v;
    });
    data.push(row);
  }
  return { data, combine, drawnInterval, points: data.length };
}
