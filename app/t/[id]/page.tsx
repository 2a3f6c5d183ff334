// A shared trace: the summary and findings render on the server (fast first paint, readable
// without JavaScript); the interactive viewer then loads the analysis from the API.
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { getStore } from '@/lib/store/server';
import { ID_PATTERN } from '@/lib/store/types';
import type { Finding, Trace } from '@/lib/trace';
import SharedTraceClient from './SharedTraceClient';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const meta = ID_PATTERN.test(id) ? getStore().meta(id) : null;
  return { title: meta ? `${meta.name} — tracelens` : 'tracelens', referrer: 'no-referrer' };
}

function counts(findings: Finding[]) {
  const c = { error: 0, warning: 0, info: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

export default async function SharedTracePage({ params }: Props) {
  const { id } = await params;
  if (!ID_PATTERN.test(id)) notFound();
  const stored = getStore().get(id);
  if (!stored) notFound();
  const trace = JSON.parse(stored.analysisJson) as Omit<Trace, 'packets'>;
  const c = counts(trace.findings);
  const top = trace.findings.filter((f) => f.severity !== 'info').slice(0, 10);
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
          <span className="font-mono font-medium">{stored.meta.name}</span>
          <span className="text-zinc-500">
            {trace.input.format}, {trace.input.packets.toLocaleString()} packets,{' '}
            {trace.input.durationS.toFixed(3)} s, {trace.connections.length} connections,{' '}
            {trace.streams.length} HTTP/2 streams
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
      <SharedTraceClient id={id} name={stored.meta.name} />
    </main>
  );
}
