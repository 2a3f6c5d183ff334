'use client';
import { useEffect, useRef, useState } from 'react';
import { DEFAULT_OPTIONS, type AnalysisOptions } from '@/lib/trace';
import { checkOption, OPTION_SPECS, rangeText } from '@/lib/options';

/** The threshold inputs: one per option of lib/options.ts, validated by it. */
const FIELDS = OPTION_SPECS;

/** Analysis thresholds in a small popover; Apply re-runs the analysis with them. */
export default function OptionsPopover({
  options,
  onApply,
}: {
  options: AnalysisOptions;
  onApply: (o: AnalysisOptions) => void;
}) {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<Record<keyof AnalysisOptions, string>>(() => toDraft(options));
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    window.addEventListener('mousedown', onDown);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('mousedown', onDown);
      window.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const parsed: Partial<AnalysisOptions> = {};
  const problems: string[] = [];
  for (const f of FIELDS) {
    const r = checkOption(f, draft[f.key], 'input');
    if (r.ok) parsed[f.key] = r.value;
    else problems.push(`${f.label}: ${rangeText(f)}`);
  }
  const valid = problems.length === 0;
  const changed = FIELDS.some((f) => parsed[f.key] !== options[f.key]);
  const nonDefault = FIELDS.filter((f) => options[f.key] !== DEFAULT_OPTIONS[f.key]).length;

  return (
    <div className="relative font-sans" ref={ref}>
      <button
        data-testid="options-button"
        aria-expanded={open}
        onClick={() => {
          if (!open) setDraft(toDraft(options));
          setOpen(!open);
        }}
        title="Analysis thresholds"
        className={`rounded border px-2 ${nonDefault ? 'border-sky-500 text-sky-700 dark:text-sky-300' : 'border-zinc-300 dark:border-zinc-700'}`}
      >
        Thresholds{nonDefault ? ` (${nonDefault})` : ''} · idle {options.idleThresholdS}s
      </button>
      {open && (
        <form
          data-testid="options-popover"
          onSubmit={(e) => {
            e.preventDefault();
            if (!valid) return;
            onApply({ ...DEFAULT_OPTIONS, ...parsed });
            setOpen(false);
          }}
          className="absolute right-0 top-full z-30 mt-1 w-80 rounded border border-zinc-300 bg-white p-2 shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
        >
          <div className="mb-1 font-semibold">Analysis thresholds</div>
          {FIELDS.map((f) => (
            <label
              key={f.key}
              className="grid grid-cols-[1fr_5rem_1rem] items-center gap-2 py-0.5"
              title={f.help}
            >
              <span>
                {f.label}
                <span className="block text-[10px] text-zinc-500">{f.help}</span>
              </span>
              <input
                type="number"
                min={f.min}
                max={f.max}
                step={f.step}
                aria-invalid={!checkOption(f, draft[f.key], 'input').ok}
                name={f.key}
                data-option={f.key}
                value={draft[f.key]}
                onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
                className="num w-full rounded border border-zinc-300 bg-transparent px-1 py-0.5 text-right dark:border-zinc-700"
              />
              <span className="text-zinc-500">{f.unit}</span>
            </label>
          ))}
          <div className="mt-2 flex items-center gap-2">
            <button
              type="button"
              className="rounded border border-zinc-300 px-2 py-0.5 dark:border-zinc-700"
              onClick={() => setDraft(toDraft(DEFAULT_OPTIONS))}
            >
              Defaults
            </button>
            <span className="flex-1 text-[10px] text-zinc-500">
              {valid ? (changed ? 'Re-runs the analysis' : '') : problems.join('; ')}
            </span>
            <button
              type="submit"
              data-testid="options-apply"
              disabled={!valid || !changed}
              className="rounded bg-sky-600 px-2 py-0.5 text-white disabled:opacity-40"
            >
              Apply
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

function toDraft(o: AnalysisOptions): Record<keyof AnalysisOptions, string> {
  return {
    idleThresholdS: String(o.idleThresholdS),
    halfCloseThresholdS: String(o.halfCloseThresholdS),
    slowFactor: String(o.slowFactor),
    slowMinS: String(o.slowMinS),
  };
}
