'use client';
// "Share": uploads the capture to this server (multipart: optional "keylog" first, then "file")
// with upload progress, then shows the view link and the edit link. By default the capture is
// redacted first, in a Web Worker (lib/redact: addresses mapped, cookies and tokens replaced,
// payloads zeroed, comments and key logs dropped), and the dialog says what was removed before
// anything is uploaded; a key log is never sent with a redacted capture.
import { useRef, useState } from 'react';
import { describeRedaction, type RedactStats } from '@/lib/redact/index';
import type { AnalysisOptions } from '@/lib/trace';
import { redactInWorker, type RedactResult } from './redact';

type State =
  | { kind: 'closed' }
  | { kind: 'ask' }
  | { kind: 'redacting'; pass: 1 | 2; loaded: number; total: number }
  | { kind: 'redacted'; result: RedactResult }
  | { kind: 'uploading'; loaded: number; total: number }
  | { kind: 'done'; viewUrl: string; editUrl: string }
  | { kind: 'error'; message: string; back?: boolean };

/** The link on the origin this page was loaded from (the server may see another host name). */
function here(u: string): string {
  try {
    const x = new URL(u, window.location.href);
    return `${window.location.origin}${x.pathname}${x.search}`;
  } catch {
    return u;
  }
}

/** A link with the display filter set (`?filter=`), or as it is without one. */
function withFilter(u: string, filter: string | undefined): string {
  if (!filter) return u;
  try {
    const x = new URL(u);
    x.searchParams.set('filter', filter);
    return x.toString();
  } catch {
    return u;
  }
}

function upload(
  file: File,
  keylog: File | null,
  options: Partial<AnalysisOptions> | undefined,
  onProgress: (loaded: number, total: number) => void,
): Promise<{ viewUrl: string; editUrl: string }> {
  return new Promise((resolve, reject) => {
    const fd = new FormData();
    if (keylog) fd.append('keylog', keylog, keylog.name);
    fd.append('file', file, file.name);
    const xhr = new XMLHttpRequest();
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(options ?? {}))
      if (typeof v === 'number' && Number.isFinite(v)) q.set(k, String(v));
    xhr.open('POST', `/api/traces${q.size ? `?${q}` : ''}`);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: { viewUrl?: string; editUrl?: string; error?: string } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        /* not JSON */
      }
      if (xhr.status === 201 && body.viewUrl && body.editUrl)
        resolve({ viewUrl: here(body.viewUrl), editUrl: here(body.editUrl) });
      else reject(new Error(body.error ?? `the server answered HTTP ${xhr.status}`));
    };
    xhr.onerror = () => reject(new Error('network error while uploading'));
    xhr.send(fd);
  });
}

function CopyField({ label, value, testid }: { label: string; value: string; testid: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <label className="mt-2 block">
      <span className="font-medium">{label}</span>
      <div className="mt-0.5 flex gap-1">
        <input
          readOnly
          value={value}
          data-testid={testid}
          className="num min-w-0 flex-1 rounded border border-zinc-300 bg-transparent px-1 dark:border-zinc-700"
          onFocus={(e) => e.currentTarget.select()}
        />
        <button
          type="button"
          className="rounded border border-zinc-300 px-2 dark:border-zinc-700"
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </label>
  );
}

export default function ShareButton({
  file,
  keylog,
  options,
  filter,
}: {
  file: File | null;
  keylog?: () => File | null;
  options?: Partial<AnalysisOptions>;
  /** The applied display filter: the links carry it (`?filter=`), and the shared page applies it. */
  filter?: string;
}) {
  const [state, setState] = useState<State>({ kind: 'closed' });
  const [withKeylog, setWithKeylog] = useState(false);
  const [redact, setRedact] = useState(true);
  const cancelRedaction = useRef<(() => void) | null>(null);
  if (!file) return null;
  const key = keylog?.() ?? null;
  const send = (f: File, k: File | null) => {
    setState({ kind: 'uploading', loaded: 0, total: f.size });
    upload(f, k, options, (loaded, total) => setState({ kind: 'uploading', loaded, total })).then(
      (r) => setState({ kind: 'done', ...r }),
      (e: Error) => setState({ kind: 'error', message: e.message }),
    );
  };
  const start = () => {
    if (!redact) {
      send(file, withKeylog ? key : null);
      return;
    }
    setState({ kind: 'redacting', pass: 1, loaded: 0, total: file.size });
    const job = redactInWorker(file, {}, (pass, loaded, total) =>
      setState({ kind: 'redacting', pass, loaded, total }),
    );
    cancelRedaction.current = job.cancel;
    job.done.then(
      (result) => {
        cancelRedaction.current = null;
        setState({ kind: 'redacted', result });
      },
      (e: Error) => {
        cancelRedaction.current = null;
        if (e.message !== 'cancelled')
          setState({
            kind: 'error',
            message: `could not redact it (${e.message}). Untick “Redact before upload” to share it as it is.`,
            back: true,
          });
      },
    );
  };
  const close = () => {
    cancelRedaction.current?.();
    cancelRedaction.current = null;
    setState({ kind: 'closed' });
  };
  return (
    <>
      <button
        type="button"
        data-testid="share"
        className="rounded border border-zinc-300 px-2 font-sans dark:border-zinc-700"
        onClick={() => setState({ kind: 'ask' })}
      >
        Share
      </button>
      {state.kind !== 'closed' && (
        <div
          className="fixed inset-0 z-50 flex items-center justify-center bg-black/40 font-sans"
          onClick={() => state.kind !== 'uploading' && close()}
        >
          <div
            role="dialog"
            aria-modal="true"
            aria-label="Share this trace"
            data-testid="share-dialog"
            className="w-[36rem] max-w-[95vw] rounded-md bg-white p-4 text-sm shadow-xl dark:bg-zinc-900"
            onClick={(e) => e.stopPropagation()}
          >
            <h2 className="text-base font-semibold">Share this trace</h2>
            {state.kind === 'ask' && (
              <>
                <p className="mt-2 text-zinc-600 dark:text-zinc-400">
                  {redact ? 'A redacted copy of the capture' : 'The capture'}{' '}
                  <span className="font-mono">{file.name}</span> ({file.size.toLocaleString()} bytes) will be
                  uploaded to this server and stored there. Anyone with the view link can see it and download
                  it.
                </p>
                <label className="mt-3 flex items-start gap-2">
                  <input
                    type="checkbox"
                    data-testid="share-redact"
                    checked={redact}
                    onChange={(e) => setRedact(e.currentTarget.checked)}
                  />
                  <span>
                    <span className="font-medium">
                      Redact before upload: addresses, cookies/tokens, payloads
                    </span>
                    <span className="block text-xs text-zinc-500">
                      Done here, in your browser: IP and MAC addresses become consistent pseudonyms,
                      authorization and cookie values are replaced, bodies and TLS data are zeroed (lengths
                      kept), comments and key logs are dropped. The analysis stays the same.
                    </span>
                  </span>
                </label>
                {key && (
                  <label className={`mt-3 flex items-start gap-2 ${redact ? 'opacity-50' : ''}`}>
                    <input
                      type="checkbox"
                      data-testid="share-keylog"
                      checked={withKeylog && !redact}
                      disabled={redact}
                      onChange={(e) => setWithKeylog(e.currentTarget.checked)}
                    />
                    <span>
                      also upload the TLS key log <span className="font-mono">{key.name}</span> — it decrypts
                      the TLS sessions in this capture; only share it if that is acceptable.
                      {redact && ' (Never with a redacted capture.)'}
                    </span>
                  </label>
                )}
                <div className="mt-4 flex justify-end gap-2">
                  <button
                    type="button"
                    className="rounded border border-zinc-300 px-3 py-1 dark:border-zinc-700"
                    onClick={close}
                  >
                    Cancel
                  </button>
                  <button
                    type="button"
                    data-testid="share-upload"
                    className="rounded bg-sky-700 px-3 py-1 text-white"
                    onClick={start}
                  >
                    {redact ? 'Redact…' : 'Upload and share'}
                  </button>
                </div>
              </>
            )}
            {state.kind === 'redacting' && (
              <div className="mt-3" data-testid="share-redacting">
                Redacting… {state.pass === 1 ? 'reading' : 'rewriting'}{' '}
                {state.total ? Math.round((100 * state.loaded) / state.total) : 0}%
                <div className="mt-1 h-1 bg-zinc-200 dark:bg-zinc-800">
                  <div
                    className="h-1 bg-sky-600"
                    style={{
                      width: `${state.total ? 50 * (state.pass - 1) + (50 * state.loaded) / state.total : 0}%`,
                    }}
                  />
                </div>
                <div className="mt-3 flex justify-end">
                  <button
                    type="button"
                    className="rounded border border-zinc-300 px-3 py-1 dark:border-zinc-700"
                    onClick={close}
                  >
                    Cancel
                  </button>
                </div>
              </div>
            )}
            {state.kind === 'redacted' && (
              <RedactedSummary
                result={state.result}
                onCancel={close}
                onUpload={() => send(state.result.file, null)}
              />
            )}
            {state.kind === 'uploading' && (
              <div className="mt-3" data-testid="share-progress">
                Uploading… {state.total ? Math.round((100 * state.loaded) / state.total) : 0}%
                <div className="mt-1 h-1 bg-zinc-200 dark:bg-zinc-800">
                  <div
                    className="h-1 bg-sky-600"
                    style={{ width: `${state.total ? (100 * state.loaded) / state.total : 0}%` }}
                  />
                </div>
              </div>
            )}
            {state.kind === 'error' && (
              <p role="alert" className="mt-3 text-red-700 dark:text-red-300">
                {state.back ? 'Nothing was uploaded: ' : 'The upload failed: '}
                {state.message}
              </p>
            )}
            {state.kind === 'error' && state.back && (
              <div className="mt-3">
                <button
                  type="button"
                  data-testid="share-back"
                  className="rounded border border-zinc-300 px-3 py-1 dark:border-zinc-700"
                  onClick={() => setState({ kind: 'ask' })}
                >
                  Back
                </button>
              </div>
            )}
            {state.kind === 'done' && (
              <div className="mt-2">
                <CopyField
                  label="View link (read-only)"
                  value={withFilter(state.viewUrl, filter)}
                  testid="share-view-url"
                />
                <CopyField
                  label="Edit link"
                  value={withFilter(state.editUrl, filter)}
                  testid="share-edit-url"
                />
                <p className="mt-1 text-amber-700 dark:text-amber-400">
                  Anyone holding the edit link can add, change and delete notes and delete the shared trace.
                  Keep it to the people who should.
                </p>
              </div>
            )}
            {state.kind !== 'ask' &&
              state.kind !== 'uploading' &&
              state.kind !== 'redacting' &&
              state.kind !== 'redacted' && (
                <div className="mt-4 flex justify-end">
                  <button
                    type="button"
                    className="rounded border border-zinc-300 px-3 py-1 dark:border-zinc-700"
                    onClick={close}
                  >
                    Close
                  </button>
                </div>
              )}
          </div>
        </div>
      )}
    </>
  );
}

/** What redaction removed, shown before anything leaves the browser. */
function RedactedSummary({
  result,
  onUpload,
  onCancel,
}: {
  result: RedactResult;
  onUpload: () => void;
  onCancel: () => void;
}) {
  const s: RedactStats = result.stats;
  return (
    <div className="mt-3" data-testid="share-redact-summary">
      <p>
        Redacted copy <span className="font-mono">{result.file.name}</span> (
        {result.file.size.toLocaleString()} bytes, {s.packets.toLocaleString()} packets) is ready. Removed:
      </p>
      <ul className="mt-1 list-disc pl-5 text-zinc-700 dark:text-zinc-300">
        {describeRedaction(s).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {s.warnings.length > 0 && (
        <p className="mt-1 text-xs text-zinc-500">
          {s.warnings.length} stream{s.warnings.length === 1 ? '' : 's'} could not be parsed to the end:
          zeroed from there.
        </p>
      )}
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">
        Only this copy is uploaded; the key log never is.
      </p>
      <div className="mt-4 flex justify-end gap-2">
        <button
          type="button"
          className="rounded border border-zinc-300 px-3 py-1 dark:border-zinc-700"
          onClick={onCancel}
        >
          Cancel
        </button>
        <button
          type="button"
          data-testid="share-upload-redacted"
          className="rounded bg-sky-700 px-3 py-1 text-white"
          onClick={onUpload}
        >
          Upload redacted capture
        </button>
      </div>
    </div>
  );
}
