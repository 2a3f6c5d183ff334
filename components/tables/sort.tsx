'use client';

export type SortDir = 'asc' | 'desc';
export interface SortState<K extends string> {
  key: K;
  dir: SortDir;
}

/**
 * Natural string order ("c2" < "c10"). One collator for every comparison: `localeCompare` with
 * options sets one up per call (sorting 30,000 paths: 1.6 s against 60 ms in Node).
 */
const collator = new Intl.Collator(undefined, { numeric: true });

/** Compares numbers, strings (natural) and nulls (always last). */
export function compareValues(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

export function sortRows<T, K extends string>(
  rows: T[],
  sort: SortState<K>,
  value: (row: T, key: K) => string | number | null,
): T[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  // Lists usually arrive in their default order (streams by start time): checking costs one pass,
  // sorting 80,000 rows that are already in order 12-20 ms in the render of a new trace.
  if (inOrder(rows, sort, value)) return rows;
  // Each row's key computed once, not twice per comparison.
  return rows
    .map((r, i) => ({ r, i, v: value(r, sort.key) }))
    .sort((a, b) => {
      // nulls last regardless of direction
      if (a.v === null && b.v !== null) return 1;
      if (b.v === null && a.v !== null) return -1;
      return sign * compareValues(a.v, b.v) || a.i - b.i;
    })
    .map((x) => x.r);
}

/** Whether `rows` are already in the order sortRows would give (ties keep their order). */
function inOrder<T, K extends string>(
  rows: T[],
  sort: SortState<K>,
  value: (row: T, key: K) => string | number | null,
): boolean {
  const sign = sort.dir === 'asc' ? 1 : -1;
  let prev = rows.length ? value(rows[0], sort.key) : null;
  for (let i = 1; i < rows.length; i++) {
    const v = value(rows[i], sort.key);
    if (prev === null ? v !== null : v !== null && sign * compareValues(prev, v) > 0) return false;
    prev = v;
  }
  return true;
}

/** A clickable, sortable column header with aria-sort. */
export function SortHeader<K extends string>({
  k,
  label,
  sort,
  onSort,
  title,
  align,
}: {
  k: K;
  label: string;
  sort: SortState<K>;
  onSort: (s: SortState<K>) => void;
  title?: string;
  align?: 'right';
}) {
  const active = sort.key === k;
  return (
    <th
      data-sort-key={k}
      aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
      title={title}
      className={`cursor-pointer select-none whitespace-nowrap px-2 py-0.5 font-sans font-semibold hover:bg-zinc-200 dark:hover:bg-zinc-800 ${align === 'right' ? 'text-right' : ''}`}
      onClick={() => onSort({ key: k, dir: active && sort.dir === 'asc' ? 'desc' : 'asc' })}
    >
      {label}
      <span className={`ml-0.5 inline-block w-2 text-[9px] ${active ? 'text-sky-600' : 'text-transparent'}`}>
        {active && sort.dir === 'desc' ? '▼' : '▲'}
      </span>
    </th>
  );
}

export const TH_ROW = 'sticky top-0 z-10 bg-zinc-100 text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400';

/** A column of a sortable table. */
export interface SortColumn<K extends string> {
  k: K;
  label: string;
  right?: boolean;
  title?: string;
}

/** The sticky header row of a sortable table: one SortHeader per column. */
export function SortHead<K extends string>({
  cols,
  sort,
  onSort,
}: {
  cols: SortColumn<K>[];
  sort: SortState<K>;
  onSort: (s: SortState<K>) => void;
}) {
  return (
    <thead className={TH_ROW}>
      <tr>
        {cols.map((c) => (
          <SortHeader
            key={c.k}
            k={c.k}
            label={c.label}
            sort={sort}
            onSort={onSort}
            title={c.title}
            align={c.right ? 'right' : undefined}
          />
        ))}
      </tr>
    </thead>
  );
}
export const CELL = 'px-2 py-px whitespace-nowrap';
export const ROW_SEL = 'bg-sky-100 dark:bg-sky-950';
export const ROW_HOVER = 'hover:bg-zinc-50 dark:hover:bg-zinc-900';

/** A small toggle chip used by table filters. */
export function Chip({
  on,
  onClick,
  children,
  testid,
}: {
  on: boolean;
  onClick: () => void;
  children: React.ReactNode;
  testid?: string;
}) {
  return (
    <button
      type="button"
      data-testid={testid}
      aria-pressed={on}
      onClick={onClick}
      className={`rounded-full border px-2 leading-5 ${on ? 'border-sky-600 bg-sky-600 text-white' : 'border-zinc-300 text-zinc-600 hover:border-sky-500 dark:border-zinc-700 dark:text-zinc-400'}`}
    >
      {children}
    </button>
  );
}
