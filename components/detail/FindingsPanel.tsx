'use client';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { EvidenceRef, Finding, Severity } from '@/lib/trace';
import { SEV_CLASS, SEV_ORDER } from '../format';
import { K } from '@/lib/findings/kinds';

const SEV_DOT: Record<Severity, string> = {
  error: 'bg-red-600',
  warning: 'bg-amber-500',
  info: 'bg-sky-600',
};

/**
 * Findings rendered per kind before a "show more" button. A capture of a thousand idle
 * connections has 400 findings of one kind: with all of them the page's first layout took 38 ms of
 * a 57 ms task when the trace arrived, with 50 it takes 20-28 ms (bench/small-1000000.pcap,
 * Chrome traces).
 */
const SHOWN = 50;

/** Findings grouped by severity, then kind; collapsible groups; the selected finding expanded. */
export default function FindingsPanel(props: {
  findings: Finding[];
  selected: number | null;
  onSelect: (i: number) => void;
  onEvidence: (e: EvidenceRef, f: Finding) => void;
}) {
  const { findings, selected } = props;
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  /** How many findings each kind group shows (SHOWN unless asked for more). */
  const [shown, setShown] = useState<Record<string, number>>({});
  const selRef = useRef<HTMLDivElement>(null);
  const groups = useMemo(
    () =>
      SEV_ORDER.map((sev) => {
        const kinds = new Map<string, number[]>();
        findings.forEach((f, i) => {
          if (f.severity !== sev) return;
          const l = kinds.get(f.kind);
          if (l) l.push(i);
          else kinds.set(f.kind, [i]);
        });
        return {
          sev,
          kinds: [...kinds.entries()],
          count: [...kinds.values()].reduce((a, l) => a + l.length, 0),
        };
      }).filter((g) => g.count > 0),
    [findings],
  );
  const selKind = selected !== null ? findings[selected] : undefined;

  // Bring the selected finding's title into view below the sticky severity header.
  useEffect(() => {
    const el = selRef.current;
    const box = el?.closest('[role=listbox]');
    if (!el || !box) return;
    const r = el.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    const head = 22;
    if (r.top < b.top + head || r.top > b.bottom - 40) box.scrollTop += r.top - b.top - head - 20;
  }, [selected]);

  const toggle = (k: string) => {
    const n = new Set(collapsed);
    if (n.has(k)) n.delete(k);
    else n.add(k);
    setCollapsed(n);
  };

  if (!findings.length)
    return (
      <div className="p-3 text-zinc-500">
        No findings: nothing looks wrong in the traffic that was inspected.
      </div>
    );
  // No error or warning is not "checked and fine" where content was not inspected: say what was not.
  const blind = findings.filter((f) => f.kind === K.notInspected);
  const quiet = !findings.some((f) => f.severity !== 'info');
  return (
    <div>
      {blind.length > 0 && quiet && (
        <div
          className="border-b border-zinc-200 p-2 text-zinc-600 dark:border-zinc-800 dark:text-zinc-400"
          data-not-inspected
        >
          No error or warning in the traffic that was inspected. Not inspected:{' '}
          {blind.map((f) => f.title).join('; ')}.
        </div>
      )}
      {groups.map((g) => {
        const sevOpen = !collapsed.has(g.sev) || selKind?.severity === g.sev;
        return (
          <section key={g.sev} data-severity-group={g.sev}>
            <button
              onClick={() => toggle(g.sev)}
              aria-expanded={sevOpen}
              className="sticky top-0 z-10 flex w-full items-center gap-1.5 border-b border-zinc-200 bg-zinc-100 px-2 py-0.5 text-left font-semibold uppercase tracking-wide text-zinc-600 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400"
            >
              <span className="inline-block w-3 text-zinc-400">{sevOpen ? '▾' : '▸'}</span>
              <span className={`inline-block h-2 w-2 rounded-full ${SEV_DOT[g.sev]}`} />
              {g.sev}
              <span className="num font-normal text-zinc-500">{g.count}</span>
            </button>
            {sevOpen &&
              g.kinds.map(([kind, idx]) => {
                const key = `${g.sev}/${kind}`;
                const open = !collapsed.has(key) || idx.includes(selected ?? -1);
                // Always far enough to include the selected finding.
                const limit = Math.max(shown[key] ?? SHOWN, idx.indexOf(selected ?? -1) + 1);
                return (
                  <div key={kind} data-kind-group={kind}>
                    <button
                      onClick={() => toggle(key)}
                      aria-expanded={open}
                      className="flex w-full items-center gap-1.5 border-b border-zinc-100 px-2 py-0.5 text-left hover:bg-zinc-50 dark:border-zinc-900 dark:hover:bg-zinc-900"
                    >
                      <span className="inline-block w-3 text-zinc-400">{open ? '▾' : '▸'}</span>
                      <span className="num font-medium">{kind}</span>
                      <span className="num ml-auto rounded bg-zinc-200 px-1 text-[10px] text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400">
                        {idx.length}
                      </span>
                    </button>
                    {open &&
                      idx.slice(0, limit).map((i) => {
                        const f = findings[i];
                        const sel = selected === i;
                        return (
                          <div
                            key={i}
                            ref={sel ? selRef : undefined}
                            role="option"
                            aria-selected={sel}
                            data-finding-kind={f.kind}
                            onClick={() => props.onSelect(i)}
                            className={`cursor-pointer border-b border-l-2 border-b-zinc-100 py-1 pl-6 pr-2 dark:border-b-zinc-900 ${sel ? 'border-l-sky-600 bg-sky-50 dark:bg-sky-950/60' : 'border-l-transparent hover:bg-zinc-50 dark:hover:bg-zinc-900'}`}
                          >
                            <div className="flex items-baseline gap-2">
                              <span className="min-w-0 flex-1 font-medium">{f.title}</span>
                              <span className="num shrink-0 text-[10px] text-zinc-500">
                                {f.connection ?? 'trace'}
                                {f.stream !== null ? ` #${f.stream}` : ''} · {f.startS.toFixed(3)}s
                              </span>
                            </div>
                            {sel && (
                              <div className="mt-1 cursor-auto" onClick={(e) => e.stopPropagation()}>
                                <span className={`rounded px-1 text-[10px] ${SEV_CLASS[f.severity]}`}>
                                  {f.severity}
                                </span>
                                {paragraphs(f.explanation).map((p, k) => (
                                  <p
                                    key={k}
                                    className="mt-1 leading-relaxed text-zinc-700 dark:text-zinc-300"
                                  >
                                    {p}
                                  </p>
                                ))}
                                {f.evidence.length > 0 && (
                                  <div className="mt-1.5">
                                    <div className="text-[10px] uppercase tracking-wide text-zinc-500">
                                      Evidence
                                    </div>
                                    <ul className="num mt-0.5 flex flex-wrap gap-1">
                                      {f.evidence.map((e, k) => (
                                        <li key={k}>
                                          <EvidenceChip e={e} onClick={() => props.onEvidence(e, f)} />
                                        </li>
                                      ))}
                                    </ul>
                                  </div>
                                )}
                              </div>
                            )}
                          </div>
                        );
                      })}
                    {open && idx.length > limit && (
                      <button
                        data-testid="findings-more"
                        onClick={() => setShown({ ...shown, [key]: limit + 4 * SHOWN })}
                        className="w-full px-6 py-1 text-left text-zinc-500 underline decoration-dotted hover:bg-zinc-50 dark:hover:bg-zinc-900"
                      >
                        Show {Math.min(4 * SHOWN, idx.length - limit)} more of {idx.length - limit}
                      </button>
                    )}
                  </div>
                );
              })}
          </section>
        );
      })}
    </div>
  );
}

export function EvidenceChip({ e, onClick }: { e: EvidenceRef; onClick: () => void }) {
  const label =
    e.packet !== undefined
      ? `#${e.packet}`
      : e.frame !== undefined
        ? `frame ${e.frame}`
        : `line ${e.line ?? '?'}`;
  const kind = e.packet !== undefined ? 'packet' : e.frame !== undefined ? 'frame' : 'line';
  return (
    <button
      data-evidence={kind}
      title={`Show ${kind} ${label}`}
      onClick={onClick}
      className="rounded border border-zinc-300 bg-white px-1 hover:border-sky-500 hover:bg-sky-50 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-sky-950"
    >
      <span className="text-sky-700 dark:text-sky-400">{label}</span>
      {e.note ? <span className="font-sans text-zinc-500"> {e.note}</span> : null}
    </button>
  );
}

/** Explanation text as paragraphs: blank lines, else sentences grouped in twos or threes. */
function paragraphs(text: string): string[] {
  const byBlank = text
    .split(/\n\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (byBlank.length > 1 || text.length < 320) return byBlank;
  // Sentence ends: ". " before a capital letter (keeps "e.g. 30" and "10.0.0.1" intact).
  const sentences = text.split(/(?<=[.!?])\s+(?=[A-Z(])/);
  const out: string[] = [];
  let cur = '';
  for (const s of sentences) {
    cur = cur ? `${cur} ${s}` : s;
    if (cur.length > 220) {
      out.push(cur);
      cur = '';
    }
  }
  if (cur) out.push(cur);
  return out;
}
