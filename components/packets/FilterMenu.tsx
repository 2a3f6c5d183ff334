'use client';
// Right-click menu of anything that has a display filter (a detail-tree field, a connection, an
// HTTP/2 stream, a finding): "Apply as Filter" applies it, "Prepare as Filter" puts it in the filter
// bar to edit first; with a filter already applied, "…and Selected" combines them, as in Wireshark.
import { useEffect, useRef } from 'react';

export interface MenuAt {
  x: number;
  y: number;
  filter: string;
}

export default function FilterMenu(props: {
  at: MenuAt | null;
  current: string;
  onApply: (f: string) => void;
  onPrepare: (f: string) => void;
  onClose: () => void;
}) {
  const { at, onClose } = props;
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!at) return;
    const down = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) onClose();
    };
    const key = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('mousedown', down);
    window.addEventListener('keydown', key);
    return () => {
      window.removeEventListener('mousedown', down);
      window.removeEventListener('keydown', key);
    };
  }, [at, onClose]);
  if (!at) return null;
  const cur = props.current.trim();
  const and = cur ? `(${cur}) && ${at.filter}` : at.filter;
  const item = (label: string, testid: string, run: () => void) => (
    <button
      role="menuitem"
      data-testid={testid}
      className="block w-full px-3 py-1 text-left hover:bg-sky-600 hover:text-white"
      onClick={() => {
        run();
        onClose();
      }}
    >
      {label}
    </button>
  );
  return (
    <div
      ref={ref}
      role="menu"
      data-testid="filter-menu"
      style={{ left: Math.min(at.x, window.innerWidth - 280), top: Math.min(at.y, window.innerHeight - 130) }}
      className="fixed z-50 w-[270px] overflow-hidden rounded border border-zinc-300 bg-white py-1 shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
    >
      <div className="num truncate border-b border-zinc-200 px-3 pb-1 text-[11px] text-zinc-500 dark:border-zinc-800">
        {at.filter}
      </div>
      {item('Apply as Filter', 'apply-as-filter', () => props.onApply(at.filter))}
      {item('Prepare as Filter', 'prepare-as-filter', () => props.onPrepare(at.filter))}
      {cur && item('Apply as Filter: …and Selected', 'apply-and-selected', () => props.onApply(and))}
      {cur &&
        item('Apply as Filter: …and not Selected', 'apply-and-not-selected', () =>
          props.onApply(`(${cur}) && !(${at.filter})`),
        )}
    </div>
  );
}
