'use client';
// Notes on a shared trace: everyone sees them; holders of the edit token add, edit and delete.
// Note text is rendered as text (React escapes it), never as HTML.
import { useState } from 'react';

import type { Annotation, AnnotationTarget } from '@/lib/annotations';

export type { Annotation, AnnotationTarget };

export function targetWords(t: AnnotationTarget): string {
  if ('packet' in t) return `packet #${t.packet}`;
  if ('frame' in t) return `frame ${t.frame}`;
  if ('stream' in t) return `stream ${t.stream.connection}/#${t.stream.id}`;
  if ('connection' in t) return `connection ${t.connection}`;
  if ('finding' in t) return `finding ${t.finding + 1}`;
  return `${t.range.startS.toFixed(3)}–${t.range.endS.toFixed(3)} s`;
}

export function noteLink(traceId: string, aid: string): string {
  return `${window.location.origin}/t/${encodeURIComponent(traceId)}#note-${aid}`;
}

function when(iso: string): string {
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export default function Annotations(props: {
  traceId: string;
  notes: Annotation[];
  token: string | null;
  selectedNote: string | null;
  /** Targets the current selection offers, most specific first. */
  targets: AnnotationTarget[];
  onSelect: (a: Annotation) => void;
  onChanged: (message?: string) => void;
}) {
  const { traceId, notes, token, targets } = props;
  const [text, setText] = useState('');
  const [author, setAuthor] = useState(() => {
    try {
      return localStorage.getItem('tracelens-author') ?? '';
    } catch {
      return '';
    }
  });
  const [targetIdx, setTargetIdx] = useState(0);
  const [editing, setEditing] = useState<{ id: string; text: string; version?: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const base = `/api/traces/${encodeURIComponent(traceId)}/annotations`;
  const auth = token ? { authorization: `Bearer ${token}` } : undefined;

  const add = async () => {
    const target = targets[Math.min(targetIdx, targets.length - 1)];
    if (!target || !text.trim()) return;
    setError(null);
    try {
      localStorage.setItem('tracelens-author', author);
    } catch {}
    const r = await fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ target, author, text }),
    });
    if (!r.ok) {
      setError(((await r.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${r.status}`);
      return;
    }
    setText('');
    props.onChanged();
  };

  const save = async () => {
    if (!editing) return;
    setError(null);
    const r = await fetch(`${base}/${encodeURIComponent(editing.id)}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({
        text: editing.text,
        ...(editing.version ? { ifVersion: editing.version } : {}),
      }),
    });
    if (r.status === 409) {
      setEditing(null);
      props.onChanged(
        'This note was changed by someone else; it has been reloaded. Edit it again if needed.',
      );
      return;
    }
    if (!r.ok) {
      setError(((await r.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${r.status}`);
      return;
    }
    setEditing(null);
    props.onChanged();
  };

  const remove = async (a: Annotation) => {
    if (!window.confirm('Delete this note?')) return;
    const r = await fetch(`${base}/${encodeURIComponent(a.id)}`, { method: 'DELETE', headers: { ...auth } });
    if (!r.ok && r.status !== 404) setError(`HTTP ${r.status}`);
    props.onChanged();
  };

  return (
    <section
      data-testid="annotations"
      aria-label="Notes"
      className="flex min-h-0 flex-col border-l border-zinc-200 dark:border-zinc-800"
    >
      <h3 className="bg-zinc-100 px-2 py-0.5 font-semibold dark:bg-zinc-900">Notes ({notes.length})</h3>
      <ul className="min-h-0 flex-1 overflow-auto">
        {notes.length === 0 && <li className="p-2 text-zinc-500">No notes yet.</li>}
        {notes.map((a) => (
          <li
            key={a.id}
            id={`note-${a.id}`}
            data-note-id={a.id}
            data-selected={props.selectedNote === a.id ? 'true' : undefined}
            onClick={() => props.onSelect(a)}
            className={`cursor-pointer border-b border-zinc-100 px-2 py-1 dark:border-zinc-900 ${props.selectedNote === a.id ? 'bg-amber-100 dark:bg-amber-950' : 'hover:bg-zinc-50 dark:hover:bg-zinc-900'}`}
          >
            <div className="flex items-baseline gap-2 text-xs text-zinc-500">
              <span className="font-medium text-zinc-800 dark:text-zinc-200">{a.author || 'anonymous'}</span>
              <span>{when(a.updatedAt || a.createdAt)}</span>
              <span className="num">{targetWords(a.target)}</span>
              <a
                href={`#note-${a.id}`}
                className="ml-auto text-sky-700 underline dark:text-sky-400"
                title="Link to this note"
                onClick={(e) => e.stopPropagation()}
              >
                link
              </a>
            </div>
            {editing?.id === a.id ? (
              <div onClick={(e) => e.stopPropagation()}>
                <textarea
                  data-testid="note-edit-text"
                  value={editing.text}
                  onChange={(e) => setEditing({ ...editing, text: e.currentTarget.value })}
                  className="mt-1 w-full rounded border border-zinc-300 bg-transparent p-1 dark:border-zinc-700"
                  rows={3}
                />
                <div className="flex gap-2">
                  <button
                    type="button"
                    data-testid="note-save"
                    className="rounded bg-sky-700 px-2 text-white"
                    onClick={() => void save()}
                  >
                    Save
                  </button>
                  <button
                    type="button"
                    className="rounded border border-zinc-300 px-2 dark:border-zinc-700"
                    onClick={() => setEditing(null)}
                  >
                    Cancel
                  </button>
                </div>
              </div>
            ) : (
              <p className="note-text whitespace-pre-wrap break-words" data-testid="note-text">
                {a.text}
              </p>
            )}
            {token && editing?.id !== a.id && (
              <div className="mt-0.5 flex gap-2 text-xs" onClick={(e) => e.stopPropagation()}>
                <button
                  type="button"
                  data-testid="note-edit"
                  className="text-sky-700 underline dark:text-sky-400"
                  onClick={() => setEditing({ id: a.id, text: a.text, version: a.version })}
                >
                  edit
                </button>
                <button
                  type="button"
                  data-testid="note-delete"
                  className="text-red-700 underline dark:text-red-400"
                  onClick={() => void remove(a)}
                >
                  delete
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      {error && (
        <p role="alert" className="px-2 text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
      {token && (
        <form
          data-testid="note-form"
          className="border-t border-zinc-200 p-2 dark:border-zinc-800"
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <div className="flex items-center gap-1">
            <span className="text-zinc-500">on</span>
            <select
              data-testid="note-target"
              value={Math.min(targetIdx, targets.length - 1)}
              onChange={(e) => setTargetIdx(Number(e.currentTarget.value))}
              className="min-w-0 flex-1 rounded border border-zinc-300 bg-transparent dark:border-zinc-700"
            >
              {targets.map((t, i) => (
                <option key={i} value={i}>
                  {targetWords(t)}
                </option>
              ))}
            </select>
          </div>
          <input
            data-testid="note-author"
            value={author}
            onChange={(e) => setAuthor(e.currentTarget.value)}
            placeholder="your name"
            maxLength={100}
            className="mt-1 w-full rounded border border-zinc-300 bg-transparent px-1 dark:border-zinc-700"
          />
          <textarea
            data-testid="note-text-input"
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            placeholder="Add a note pinned to the selection"
            maxLength={10000}
            rows={3}
            className="mt-1 w-full rounded border border-zinc-300 bg-transparent p-1 dark:border-zinc-700"
          />
          <button
            type="submit"
            data-testid="note-add"
            disabled={!text.trim() || targets.length === 0}
            className="rounded bg-sky-700 px-2 py-0.5 text-white disabled:opacity-50"
          >
            Add note
          </button>
        </form>
      )}
    </section>
  );
}
