'use client';
// /correlate: drop two or more captures (and HTTP/2 debug logs) of one path; they are correlated in
// a Worker and shown in the aligned view. "Share" uploads them: the server correlates them again
// and gives a link (/c/<id>) that opens the same view.
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import type { CorrelationView } from '@/lib/lanes/view';
import { correlateInWorker } from './client';
import CorrelateView from './CorrelateView';

type Phase =
  | { kind: 'idle' }
  | { kind: 'running'; bytes: number; total: number }
  | { kind: 'done'; view: CorrelationView }
  | { kind: 'error'; message: string };

/** `initialFiles`: captures and logs handed over in memory (several dropped on the main page). */
export default function CorrelatePage({ initialFiles }: { initialFiles?: File[] } = {}) {
  const [files, setFiles] = useState<File[]>([]);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [share, setShare] = useState<{ state: 'idle' | 'sending' | 'error'; url?: string; message?: string }>(
    {
      state: 'idle',
    },
  );
  const [over, setOver] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  const run = (list: File[]) => {
    setFiles(list);
    setShare({ state: 'idle' });
    if (list.length < 2) {
      setPhase({
        kind: 'error',
        message: `A correlation takes two or more captures or logs of one path; ${list.length} given.`,
      });
      return;
    }
    setPhase({ kind: 'running', bytes: 0, total: list.reduce((n, f) => n + f.size, 0) });
    const job = correlateInWorker(list, (bytes, total) => setPhase({ kind: 'running', bytes, total }));
    job.done.then(
      (view) => setPhase({ kind: 'done', view }),
      (e: Error) => setPhase({ kind: 'error', message: e.message }),
    );
  };

  // Files handed over are correlated once on mount (the ref keeps a dev re-mount from starting two
  // workers).
  const started = useRef(false);
  useEffect(() => {
    if (started.current || !initialFiles || initialFiles.length === 0) return;
    started.current = true;
    run(initialFiles);
  }, [initialFiles]);

  const doShare = async () => {
    setShare({ state: 'sending' });
    const form = new FormData();
    for (const f of files) form.append('file', f, f.name);
    try {
      const r = await fetch('/api/correlations', { method: 'POST', body: form });
      const body = (await r.json()) as { id?: string; viewUrl?: string; error?: string };
      if (!r.ok || !body.viewUrl) throw new Error(body.error ?? `the server answered ${r.status}`);
      setShare({ state: 'idle', url: body.viewUrl });
    } catch (e) {
      setShare({ state: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  };

  return (
    <main className="min-h-screen bg-white px-4 py-3 text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
      <header className="mb-3 flex flex-wrap items-baseline gap-x-4">
        <Link
          href="/"
          className="font-semibold"
          data-testid="correlate-home"
          onClick={(e) => {
            // Shown in place on the main page: a client-side move to "/" would keep this view, so reload it.
            if (!initialFiles) return;
            e.preventDefault();
            window.location.reload();
          }}
        >
          tracelens
        </Link>
        <h1 className="text-lg font-semibold">Correlate vantage points</h1>
        {files.length > 0 && (
          <span className="text-sm text-zinc-500">{files.map((f) => f.name).join(' · ')}</span>
        )}
      </header>
      <div
        data-testid="correlate-drop"
        className={`mb-3 rounded border-2 border-dashed px-4 py-3 text-sm ${over ? 'border-blue-500 bg-blue-50 dark:bg-blue-950' : 'border-zinc-300 dark:border-zinc-700'}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          run([...e.dataTransfer.files]);
        }}
      >
        Drop two or more captures of the same traffic taken at different points (client host, router or proxy,
        server host), and HTTP/2 debug logs (<code>GODEBUG=http2debug=2</code>, <code>nghttp -v</code>) — in
        path order or not — or{' '}
        <button className="underline" onClick={() => inputRef.current?.click()}>
          choose files
        </button>
        . Nothing leaves this browser unless you share.
        <input
          ref={inputRef}
          type="file"
          multiple
          hidden
          data-testid="correlate-input"
          onChange={(e) => run([...(e.target.files ?? [])])}
        />
      </div>
      {phase.kind === 'running' && (
        <p className="text-sm" data-testid="correlate-progress">
          Correlating… {Math.round((100 * phase.bytes) / Math.max(1, phase.total))}%
        </p>
      )}
      {phase.kind === 'error' && (
        <p className="text-sm text-red-600" role="alert">
          {phase.message}
        </p>
      )}
      {phase.kind === 'done' && (
        <CorrelateView
          view={phase.view}
          actions={
            <>
              {share.url ? (
                <a className="text-sm text-blue-600 underline" href={share.url} data-testid="share-link">
                  {new URL(share.url, window.location.href).href}
                </a>
              ) : (
                <button
                  className="rounded bg-blue-600 px-3 py-1 text-sm text-white disabled:opacity-50"
                  disabled={share.state === 'sending'}
                  onClick={doShare}
                  data-testid="share-correlation"
                  title="Uploads the inputs; the server correlates them and keeps the result behind an unguessable link"
                >
                  {share.state === 'sending' ? 'Sharing…' : 'Share'}
                </button>
              )}
              {share.state === 'error' && <span className="text-sm text-red-600">{share.message}</span>}
            </>
          }
        />
      )}
    </main>
  );
}
