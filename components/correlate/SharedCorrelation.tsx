'use client';
// A shared correlation (/c/<id>): the view document from the API, drawn by the same view.
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { decodeCorrelationView, type CorrelationView } from '@/lib/lanes/view';
import CorrelateView from './CorrelateView';

export default function SharedCorrelation({ id }: { id: string }) {
  const [state, setState] = useState<{ view?: CorrelationView; error?: string }>({});
  useEffect(() => {
    let live = true;
    fetch(`/api/correlations/${encodeURIComponent(id)}`)
      .then(async (r) => {
        if (!r.ok)
          throw new Error(
            r.status === 404 ? 'No such shared correlation.' : `The server answered ${r.status}.`,
          );
        return decodeCorrelationView(await r.text());
      })
      .then(
        (view) => live && setState({ view }),
        (e: Error) => live && setState({ error: e.message }),
      );
    return () => {
      live = false;
    };
  }, [id]);
  return (
    <main className="min-h-screen bg-white px-4 py-3 text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
      <header className="mb-3 flex flex-wrap items-baseline gap-x-4">
        <Link href="/" className="font-semibold">
          tracelens
        </Link>
        <h1 className="text-lg font-semibold">Shared correlation</h1>
        {state.view && (
          <span className="text-sm text-zinc-500" data-testid="shared-inputs">
            {state.view.doc.inputs.map((i) => i.name).join(' · ')}
          </span>
        )}
        <Link href="/correlate" className="ml-auto text-sm text-blue-600 underline">
          Correlate your own captures
        </Link>
      </header>
      {state.error && (
        <p className="text-sm text-red-600" role="alert">
          {state.error}
        </p>
      )}
      {!state.view && !state.error && <p className="text-sm text-zinc-500">Loading…</p>}
      {state.view && <CorrelateView view={state.view} />}
    </main>
  );
}
