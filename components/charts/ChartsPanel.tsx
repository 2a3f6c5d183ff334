'use client';
// The collapsible charts panel. recharts is a large part of the page's code and the panel starts
// closed: its charts (Charts.tsx) are a chunk of their own, loaded when the panel first opens, so
// that the shared page does not evaluate recharts while it draws its first screen.
import { Suspense, lazy, useState } from 'react';
import type { Trace } from '@/lib/trace';

const Charts = lazy(() => import('./Charts'));

/** Collapsible charts: throughput, open/half-closed connections over time, idle-gap histogram. */
export default function ChartsPanel({ trace, span }: { trace: Trace; span: { start: number; end: number } }) {
  const [open, setOpen] = useState(false);
  return (
    <section data-testid="charts" className="border-b border-zinc-200 dark:border-zinc-800">
      <button
        className="flex w-full items-center gap-2 bg-zinc-50 px-2 py-0.5 text-left font-semibold hover:bg-zinc-100 dark:bg-zinc-900/60 dark:hover:bg-zinc-900"
        aria-expanded={open}
        data-testid="charts-toggle"
        onClick={() => setOpen(!open)}
      >
        <span className="inline-block w-3 text-zinc-500">{open ? '▾' : '▸'}</span>
        Charts
        <span className="font-normal text-zinc-500">throughput · connections · idle gaps</span>
      </button>
      {open && (
        <Suspense fallback={<div className="px-2 py-2 text-zinc-500">Loading the charts…</div>}>
          <Charts trace={trace} span={span} />
        </Suspense>
      )}
    </section>
  );
}
