// A shared trace: the summary and findings render on the server (fast first paint, readable
// without JavaScript) from the trace's small summary file, never the whole analysis; the
// interactive viewer then loads the analysis from the API. The edit token never passes through
// here: proxy.ts renders /t/<id>?token=… as /t/<id>, and the viewer reads the token in the browser.
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { getStore } from '@/lib/store/server';
import { ID_PATTERN } from '@/lib/store/types';
import SharedTraceClient from './SharedTraceClient';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const meta = ID_PATTERN.test(id) ? await (await getStore()).meta(id) : null;
  return { title: meta ? `${meta.name} — tracelens` : 'tracelens', referrer: 'no-referrer' };
}

export default async function SharedTracePage({ params }: Props) {
  const { id } = await params;
  if (!ID_PATTERN.test(id)) notFound();
  const store = await getStore();
  const meta = await store.meta(id);
  const summary = meta ? await store.summary(id) : null;
  if (!meta || !summary) notFound();
  const c = summary.counts;
  const top = summary.top;
  return (
    <main className="min-h-screen bg-white text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
      <header
        className="border-b border-zinc-200 px-4 py-2 dark:border-zinc-800"
        data-testid="shared-summary"
      >
        <div className="flex flex-wrap items-baseline gap-x-4 gap-y-1 text-sm">
          <Link href="/" className="font-semibold">
            tracelens
          </Link>
          <span className="font-mono font-medium">{meta.name}</span>
          <span className="text-zinc-500">
            {summary.input.format}, {summary.input.packets.toLocaleString()} packets,{' '}
            {summary.input.durationS.toFixed(3)} s, {summary.connections} connections, {summary.streams}{' '}
            HTTP/2 streams
          </span>
          <span className="text-red-600">{c.error} errors</span>
          <span className="text-amber-600">{c.warning} warnings</span>
          <span className="text-sky-600">{c.info} info</span>
          <a className="ml-auto text-sky-700 underline dark:text-sky-400" href={`/api/traces/${id}/raw`}>
            download capture
          </a>
        </div>
        {top.length > 0 && (
          <ul className="mt-2 space-y-0.5 text-sm">
            {top.map((f, i) => (
              <li key={i}>
                <span className={f.severity === 'error' ? 'text-red-600' : 'text-amber-600'}>
                  {f.severity}
                </span>{' '}
                <span className="font-medium">{f.title}</span>{' '}
                <span className="font-mono text-xs text-zinc-500">{f.kind}</span>
              </li>
            ))}
          </ul>
        )}
      </header>
      <SharedTraceClient id={id} name={meta.name} />
    </main>
  );
}
