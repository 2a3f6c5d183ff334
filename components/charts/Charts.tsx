'use client';
// The charts drawn with recharts: throughput, open/half-closed connections, idle-gap histogram.
import { useMemo } from 'react';
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Trace } from '@/lib/trace';
import { fmtBytes } from '../format';
import { connectionCounts, idleHistogram, throughput } from './series';

const C2S = '#2563eb';
const S2C = '#0d9488';
const AXIS = { fontSize: 10, fill: 'currentColor' };
const TOOLTIP = {
  contentStyle: {
    fontSize: 11,
    padding: '2px 6px',
    background: 'var(--tt-bg)',
    border: '1px solid var(--tt-border)',
  },
  labelStyle: { color: 'inherit' },
};

/** The charts' bodies (recharts): a module of its own, loaded the first time the panel opens. */
export default function Charts({ trace, span }: { trace: Trace; span: { start: number; end: number } }) {
  const tp = useMemo(
    () => (trace.packets ? throughput(trace.packets, span.start, span.end) : []),
    [trace.packets, span.start, span.end],
  );
  const cc = useMemo(
    () => connectionCounts(trace.connections, trace.findings, span.start, span.end),
    [trace.connections, trace.findings, span.start, span.end],
  );
  const hist = useMemo(() => idleHistogram(trace.connections), [trace.connections]);
  const hasLeak = cc.some((p) => p.leaking !== undefined);
  const tick = (t: number) => `${(t - span.start).toFixed(t - span.start < 10 ? 2 : 0)}s`;
  const label = (t: unknown) => (typeof t === 'number' ? `t=${(t - span.start).toFixed(3)}s` : String(t));
  return (
    <div
      className="grid grid-cols-3 gap-2 px-2 py-2 text-zinc-500 [--tt-bg:#fff] [--tt-border:#d4d4d8] dark:[--tt-bg:#18181b] dark:[--tt-border:#3f3f46]"
      data-testid="charts-body"
    >
      <Card
        title="Throughput per direction"
        sub="payload bytes / s"
        empty={tp.length ? null : 'No packet data (debug log input)'}
      >
        <AreaChart data={tp} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeOpacity={0.15} stroke="currentColor" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            domain={['dataMin', 'dataMax']}
            tickFormatter={tick}
            tick={AXIS}
            minTickGap={30}
          />
          <YAxis tickFormatter={(v: number) => fmtBytes(Math.round(v))} tick={AXIS} width={56} />
          <Tooltip
            {...TOOLTIP}
            labelFormatter={label}
            formatter={(v) => `${fmtBytes(Math.round(Number(v)))}/s`}
          />
          <Legend wrapperStyle={{ fontSize: 10 }} iconSize={8} />
          <Area
            type="stepAfter"
            dataKey="c2s"
            name="client→server"
            stroke={C2S}
            fill={C2S}
            fillOpacity={0.25}
            isAnimationActive={false}
            dot={false}
          />
          <Area
            type="stepAfter"
            dataKey="s2c"
            name="server→client"
            stroke={S2C}
            fill={S2C}
            fillOpacity={0.25}
            isAnimationActive={false}
            dot={false}
          />
        </AreaChart>
      </Card>
      <Card
        title="Connections over time"
        sub={hasLeak ? 'open · half-closed · leaking (finding)' : 'open · half-closed'}
      >
        <LineChart data={cc} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeOpacity={0.15} stroke="currentColor" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            domain={['dataMin', 'dataMax']}
            tickFormatter={tick}
            tick={AXIS}
            minTickGap={30}
          />
          <YAxis allowDecimals={false} tick={AXIS} width={32} />
          <Tooltip {...TOOLTIP} labelFormatter={label} />
          <Legend wrapperStyle={{ fontSize: 10 }} iconSize={8} />
          <Line
            type="stepAfter"
            dataKey="open"
            name="open"
            stroke="#6366f1"
            dot={false}
            isAnimationActive={false}
          />
          <Line
            type="stepAfter"
            dataKey="halfClosed"
            name="half-closed"
            stroke="#d97706"
            dot={false}
            isAnimationActive={false}
          />
          {hasLeak && (
            <Line
              type="stepAfter"
              dataKey="leaking"
              name="leaking"
              stroke="#dc2626"
              strokeDasharray="4 2"
              dot={false}
              isAnimationActive={false}
            />
          )}
        </LineChart>
      </Card>
      <Card
        title="Idle gaps"
        sub={`${hist.total} gap${hist.total === 1 ? '' : 's'} ≥ ${trace.options.idleThresholdS}s, by duration (s)`}
        empty={hist.total ? null : 'No idle gaps at the current threshold'}
      >
        <BarChart data={hist.bins} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeOpacity={0.15} stroke="currentColor" vertical={false} />
          <XAxis dataKey="label" tick={AXIS} minTickGap={10} />
          <YAxis allowDecimals={false} tick={AXIS} width={32} />
          <Tooltip
            {...TOOLTIP}
            cursor={{ fillOpacity: 0.1 }}
            labelFormatter={(_, p) => {
              const b = p?.[0]?.payload as { from: number; to: number } | undefined;
              return b ? `${b.from.toFixed(2)}–${b.to.toFixed(2)} s` : '';
            }}
          />
          <Bar dataKey="count" name="gaps" fill="#71717a" isAnimationActive={false} />
        </BarChart>
      </Card>
    </div>
  );
}

function Card({
  title,
  sub,
  empty,
  children,
}: {
  title: string;
  sub: string;
  empty?: string | null;
  children: React.ReactElement;
}) {
  return (
    <div className="min-w-0 rounded border border-zinc-200 dark:border-zinc-800">
      <div className="flex items-baseline gap-2 px-2 pt-1">
        <span className="font-semibold text-zinc-800 dark:text-zinc-200">{title}</span>
        <span className="truncate text-[10px]">{sub}</span>
      </div>
      <div className="h-36">
        {empty ? (
          <Empty>{empty}</Empty>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            {children}
          </ResponsiveContainer>
        )}
      </div>
    </div>
  );
}

function Empty({ children }: { children: React.ReactNode }) {
  return (
    <div className="flex h-full items-center justify-center text-zinc-400" data-empty="true">
      {children}
    </div>
  );
}
