'use client';
// Wireshark's display filter bar: the text is checked as it is typed (green valid, red invalid,
// the error shown with a caret under its column), field names complete from the registered fields
// (a dropdown; up/down + Tab or Enter take one), Enter applies, the last 20 applied filters are kept
// (localStorage) and offered from the ▾ button. Checking and completion run in the worker.
import { useEffect, useRef, useState } from 'react';
import type { PacketClient } from '@/app/worker/packet-client';
import type { FilterError } from '@/lib/filter';

const HISTORY_KEY = 'tracelens.filterHistory';
const HISTORY_MAX = 20;

function loadHistory(): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, HISTORY_MAX) : [];
  } catch {
    return [];
  }
}
function saveHistory(h: string[]) {
  try {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(h.slice(0, HISTORY_MAX)));
  } catch {}
}

/** The field name being typed at the caret: the run of name characters ending there. */
export function wordAt(text: string, caret: number): { start: number; word: string } {
  let s = caret;
  while (s > 0 && /[A-Za-z0-9_.\-]/.test(text[s - 1])) s--;
  const word = text.slice(s, caret);
  // Only a name: not a number, an address or a byte string (aa:bb, IPv6 ::1).
  if (s > 0 && text[s - 1] === ':') return { start: caret, word: '' };
  return /^[A-Za-z_][A-Za-z0-9_.\-]*$/.test(word) ? { start: s, word } : { start: caret, word: '' };
}

type Check =
  { state: 'empty' } | { state: 'checking' } | { state: 'ok' } | { state: 'error'; error: FilterError };

export default function FilterBar(props: {
  client: PacketClient | null | undefined;
  /** The text in the bar (controlled: "Prepare as Filter" sets it). */
  draft: string;
  onDraft: (s: string) => void;
  /** The applied filter. */
  applied: string;
  onApply: (s: string) => void;
  /** What the applied filter shows: displayed / total packets and the worker's time. */
  status: {
    displayed: number;
    total: number;
    ms: number | null;
    running: boolean;
    error: FilterError | null;
  };
}) {
  const { client, draft, onDraft } = props;
  const input = useRef<HTMLInputElement>(null);
  /** The worker's verdict on a text (shown only while that text is in the bar). */
  const [checked, setChecked] = useState<{ text: string; error: FilterError | null } | null>(null);
  /** Completions offered for a name being typed, and where that name starts. */
  const [offer, setOffer] = useState<{
    key: string;
    at: { start: number; word: string };
    list: { name: string; title: string }[];
  } | null>(null);
  /** The completion the dropdown highlights (-1: none), for the name it was offered for. */
  const [activeOf, setActiveOf] = useState({ key: '', index: -1 });
  /** A name whose dropdown was closed (Escape, taken) stays closed until the name changes. */
  const [dismissed, setDismissed] = useState('');
  const [history, setHistory] = useState<string[]>(loadHistory);
  const [showHistory, setShowHistory] = useState(false);
  const [caret, setCaret] = useState(0);
  const [focused, setFocused] = useState(false);

  // Ctrl+/ (Wireshark's shortcut) goes to the filter bar.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '/' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        input.current?.focus();
        input.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Validate as typed (debounced a little; answers for stale text are dropped).
  useEffect(() => {
    if (!client || !draft.trim()) return;
    let live = true;
    const t = setTimeout(() => {
      client
        .ask({ type: 'compile', text: draft })
        .then((a) => {
          if (live && a.type === 'compiled') setChecked({ text: draft, error: a.error });
        })
        .catch(() => {});
    }, 60);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [client, draft]);
  const check: Check = !draft.trim()
    ? { state: 'empty' }
    : checked?.text !== draft
      ? { state: 'checking' }
      : checked.error
        ? { state: 'error', error: checked.error }
        : { state: 'ok' };

  // Completion of the field name at the caret.
  const word = wordAt(draft, caret);
  const wordKey = `${word.start}:${word.word}`;
  useEffect(() => {
    if (!client || !word.word || !focused) return;
    let live = true;
    const at = { start: word.start, word: word.word };
    client
      .ask({ type: 'complete', prefix: at.word })
      .then((a) => {
        if (!live || a.type !== 'completed') return;
        // A name typed in full with nothing longer: no dropdown.
        const list = a.fields.filter((f) => f.name !== at.word || a.fields.length > 1);
        setOffer({ key: `${at.start}:${at.word}`, at, list });
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [client, word.start, word.word, focused]);
  const current =
    offer && offer.key === wordKey && focused && word.word && dismissed !== wordKey ? offer : null;
  const completions = current?.list ?? [];
  const completionAt = current?.at ?? null;
  const active = activeOf.key === wordKey ? activeOf.index : -1;
  const setActive = (f: (a: number) => number) => setActiveOf({ key: wordKey, index: f(active) });
  const closeCompletions = () => setDismissed(wordKey);

  const apply = (text: string) => {
    closeCompletions();
    setShowHistory(false);
    const t = text.trim();
    props.onApply(t);
    if (t) {
      const h = [t, ...history.filter((x) => x !== t)].slice(0, HISTORY_MAX);
      setHistory(h);
      saveHistory(h);
    }
  };

  const take = (name: string) => {
    if (!completionAt) return;
    const next =
      draft.slice(0, completionAt.start) + name + draft.slice(completionAt.start + completionAt.word.length);
    const pos = completionAt.start + name.length;
    onDraft(next);
    setDismissed(`${completionAt.start}:${name}`);
    requestAnimationFrame(() => {
      input.current?.setSelectionRange(pos, pos);
      setCaret(pos);
    });
  };

  const onKey = (e: React.KeyboardEvent<HTMLInputElement>) => {
    const open = completions.length > 0;
    if (e.key === 'ArrowDown' && open) {
      e.preventDefault();
      setActive((a) => Math.min(completions.length - 1, a + 1));
    } else if (e.key === 'ArrowUp' && open) {
      e.preventDefault();
      setActive((a) => Math.max(-1, a - 1));
    } else if ((e.key === 'Tab' || e.key === 'Enter') && open && active >= 0) {
      e.preventDefault();
      take(completions[active].name);
    } else if (e.key === 'Tab' && open && completions.length === 1) {
      e.preventDefault();
      take(completions[0].name);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      // As in Wireshark, a filter with an error is not applied (the error stays shown).
      if (check.state !== 'error') apply(draft);
    } else if (e.key === 'Escape') {
      if (open || showHistory) {
        closeCompletions();
        setShowHistory(false);
      } else onDraft(props.applied);
    }
  };

  const bg =
    check.state === 'ok'
      ? 'bg-[#afffaf] dark:bg-[#1f4d1f]'
      : check.state === 'error'
        ? 'bg-[#ffafaf] dark:bg-[#5c1f1f]'
        : 'bg-white dark:bg-zinc-950';
  const changed = draft.trim() !== props.applied.trim();
  const st = props.status;
  const err = check.state === 'error' ? check.error : null;

  return (
    <div
      className="relative border-b border-zinc-200 bg-zinc-50 px-3 py-1 dark:border-zinc-800 dark:bg-zinc-900"
      data-testid="filter-bar"
    >
      <div className="flex items-center gap-2">
        <span
          className="shrink-0 font-semibold text-zinc-600 dark:text-zinc-300"
          title="Wireshark display filter"
        >
          Display filter
        </span>
        <div className="relative min-w-0 flex-1">
          <input
            ref={input}
            data-testid="filter-input"
            data-state={check.state}
            aria-invalid={check.state === 'error'}
            aria-label="Display filter"
            spellCheck={false}
            autoComplete="off"
            value={draft}
            placeholder="Apply a display filter … (tcp.port == 443, http2.streamid == 1, tracelens.finding)  Ctrl+/"
            onChange={(e) => {
              onDraft(e.target.value);
              setCaret(e.target.selectionStart ?? e.target.value.length);
            }}
            onSelect={(e) => setCaret(e.currentTarget.selectionStart ?? 0)}
            onKeyDown={onKey}
            onFocus={() => setFocused(true)}
            onBlur={() => setTimeout(() => setFocused(false), 150)}
            className={`num w-full rounded border border-zinc-300 px-2 py-0.5 text-zinc-900 outline-none focus:border-sky-500 dark:border-zinc-700 dark:text-zinc-100 ${bg}`}
          />
          {completions.length > 0 && (
            <ul
              role="listbox"
              data-testid="filter-completions"
              className="num absolute left-0 top-full z-40 mt-0.5 max-h-72 w-[520px] overflow-auto rounded border border-zinc-300 bg-white shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
            >
              {completions.map((c, i) => (
                <li
                  key={c.name}
                  role="option"
                  aria-selected={i === active}
                  data-field={c.name}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    take(c.name);
                  }}
                  className={`flex cursor-pointer gap-3 px-2 py-0.5 ${i === active ? 'bg-sky-600 text-white' : ''}`}
                >
                  <span>{c.name}</span>
                  <span className={`truncate font-sans ${i === active ? 'text-sky-100' : 'text-zinc-500'}`}>
                    {c.title}
                  </span>
                </li>
              ))}
            </ul>
          )}
          {showHistory && (
            <ul
              role="listbox"
              data-testid="filter-history"
              className="num absolute left-0 top-full z-40 mt-0.5 max-h-72 w-full overflow-auto rounded border border-zinc-300 bg-white shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
            >
              {history.length === 0 && (
                <li className="px-2 py-0.5 font-sans text-zinc-500">No recent filters</li>
              )}
              {history.map((h) => (
                <li
                  key={h}
                  role="option"
                  aria-selected={false}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    onDraft(h);
                    apply(h);
                  }}
                  className="cursor-pointer truncate px-2 py-0.5 hover:bg-sky-600 hover:text-white"
                >
                  {h}
                </li>
              ))}
            </ul>
          )}
        </div>
        <button
          aria-label="Recent filters"
          data-testid="filter-history-button"
          className="rounded border border-zinc-300 px-1.5 dark:border-zinc-700"
          onClick={() => setShowHistory((s) => !s)}
        >
          ▾
        </button>
        {draft && (
          <button
            aria-label="Clear the display filter"
            data-testid="filter-clear"
            className="rounded border border-zinc-300 px-1.5 dark:border-zinc-700"
            onClick={() => {
              onDraft('');
              apply('');
            }}
          >
            ✕
          </button>
        )}
        <button
          data-testid="filter-apply"
          disabled={check.state === 'error'}
          className={`rounded border px-2 disabled:opacity-40 ${changed ? 'border-sky-600 bg-sky-600 text-white' : 'border-zinc-300 dark:border-zinc-700'}`}
          onClick={() => apply(draft)}
        >
          Apply
        </button>
        <span className="num shrink-0 text-zinc-500" data-testid="filter-status">
          {st.running
            ? 'filtering…'
            : st.error
              ? 'not applied'
              : props.applied
                ? `Displayed: ${st.displayed.toLocaleString()} of ${st.total.toLocaleString()} (${
                    st.total ? ((100 * st.displayed) / st.total).toFixed(1) : '0'
                  }%)${st.ms !== null ? ` · ${st.ms.toFixed(1)} ms` : ''}`
                : `${st.total.toLocaleString()} packets`}
        </span>
      </div>
      {err && (
        <div
          className="num mt-0.5 text-[11px]"
          data-testid="filter-error"
          data-column={err.column}
          role="alert"
        >
          <pre className="overflow-hidden leading-tight text-zinc-700 dark:text-zinc-300">
            {draft}
            {'\n'}
            <span className="text-red-600 dark:text-red-400" data-testid="filter-caret">
              {' '.repeat(Math.max(0, err.column - 1))}^{'~'.repeat(Math.max(0, err.length - 1))}
            </span>
          </pre>
          <span className="font-sans text-red-700 dark:text-red-400">
            {err.message}
            {err.suggestion && !err.message.includes(err.suggestion) && (
              <>
                {' '}
                Did you mean{' '}
                <button
                  className="num underline"
                  data-testid="filter-suggestion"
                  onClick={() =>
                    onDraft(
                      draft.slice(0, err.column - 1) +
                        (err.suggestion ?? '') +
                        draft.slice(err.column - 1 + err.length),
                    )
                  }
                >
                  {err.suggestion}
                </button>
                ?
              </>
            )}
          </span>
        </div>
      )}
      {!err && st.error && (
        <div className="mt-0.5 text-[11px] text-red-700 dark:text-red-400" role="alert">
          {st.error.message}
        </div>
      )}
    </div>
  );
}
