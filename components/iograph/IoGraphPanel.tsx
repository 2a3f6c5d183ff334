'use client';
// The I/O graph as a collapsible section of the trace view (closed: nothing is computed, and its
// recharts code, a chunk of its own, is not even loaded).
import { Suspense, lazy, useState } from 'react';
import type { PacketClient } from '@/app/worker/packet-client';

const IoGraph = lazy(() => import('./IoGraph'));

export default function IoGraphPanel({
  client,
  onView,
  spanS,
}: {
  client: PacketClient | null;
  onView: (v: { start: number; end: number }) => void;
  /** The capture's duration: the first interval is chosen to give a readable number of points. */
  spanS?: number;
}) {
  const [open, setOpen] = useState(false);
  return (
    <section data-testid="iograph-panel" className="border-b border-zinc-200 dark:border-zinc-800">
      <button
        className="flex w-full items-center gap-2 bg-zinc-50 px-2 py-0.5 text-left font-semibold hover:bg-zinc-100 dark:bg-zinc-900/60 dark:hover:bg-zinc-900"
        aria-expanded={open}
        data-testid="iograph-toggle"
        onClick={() => setOpen(!open)}
      >
        <span className="inline-block w-3 text-zinc-500">{open ? '▾' : '▸'}</span>
        I/O graph
        <span className="font-normal text-zinc-500">
          packets, bytes, bits/s or a field per interval, by display filter
        </span>
      </button>
      {open && (
        <Suspense fallback={<div className="px-2 py-2 text-zinc-500">Loading the I/O graph…</div>}>
          <IoGraph client={client} onView={onView} spanS={spanS} />
        </Suspense>
      )}
    </section>
  );
}
