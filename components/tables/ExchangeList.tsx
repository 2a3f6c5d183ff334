'use client';
import { useMemo, useRef, useState } from 'react';
import type { Http1Exchange } from '@/lib/trace';
import { LIST_WINDOW_MIN_ROWS, SpacerRow, useRowWindow } from './rowWindow';
import { CELL, ROW_HOVER, ROW_SEL, SortHead, sortRows, type SortColumn, type SortState } from './sort';

type Key = 'conn' | 'idx' | 'method' | 'path' | 'status' | 'req' | 'ttfb' | 'dur' | 'outcome';
const COLS: SortColumn<Key>[] = [
  { k: 'conn', label: 'conn' },
  { k: 'idx', label: '#', right: true },
  { k: 'method', label: 'method' },
  { k: 'path', label: 'path' },
  { k: 'status', label: 'status', right: true },
  { k: 'req', label: 'request', right: true, title: 'Request time (s since capture start)' },
  { k: 'ttfb', label: 'TTFB', right: true, title: 'End of request to first response byte' },
  { k: 'dur', label: 'duration', right: true, title: 'Request start to response end' },
  { k: 'outcome', label: 'outcome' },
];

export const exchangeKey = (x: Http1Exchange) => `${x.connection}/${x.index}`;

export function ttfbS(x: Http1Exchange): number | null {
  const from = x.requestEndS ?? x.requestS;
  return x.responseS !== null && from !== null ? x.responseS - from : null;
}
export function durationS(x: Http1Exchange): number | null {
  const end = x.responseEndS ?? x.responseS;
  return end !== null && x.requestS !== null ? end - x.requestS : null;
}
export function fmtMs(s: number | null): string {
  if (s === null) return '—';
  const ms = s * 1000;
  return ms >= 10000
    ? `${(ms / 1000).toFixed(1)} s`
    : ms >= 100
      ? `${ms.toFixed(0)} ms`
      : `${ms.toFixed(1)} ms`;
}

const OUTCOME_CLASS: Record<Http1Exchange['outcome'], string> = {
  complete: 'text-zinc-500',
  unanswered: 'text-red-600 dark:text-red-400 font-semibold',
  'incomplete-request': 'text-amber-700 dark:text-amber-400 font-semibold',
  'incomplete-response': 'text-amber-700 dark:text-amber-400 font-semibold',
  'orphan-response': 'text-red-600 dark:text-red-400 font-semibold',
  // Not a failure: the capture missed bytes, so the outcome is unknown.
  'capture-gap': 'text-zinc-500 italic',
};

export default function ExchangeList(props: {
  exchanges: Http1Exchange[];
  selected: string | null;
  onSelect: (x: Http1Exchange) => void;
}) {
  const [sort, setSort] = useState<SortState<Key>>({ key: 'req', dir: 'asc' });
  const rows = useMemo(
    () =>
      sortRows(props.exchanges, sort, (x, k): string | number | null => {
        switch (k) {
          case 'conn':
            return Number(x.connection.slice(1)) || x.connection;
          case 'idx':
            return x.index;
          case 'method':
            return x.method;
          case 'path':
            return x.path;
          case 'status':
            return x.status;
          case 'req':
            return x.requestS ?? x.responseS;
          case 'ttfb':
            return ttfbS(x);
          case 'dur':
            return durationS(x);
          case 'outcome':
            return x.outcome;
        }
      }),
    [props.exchanges, sort],
  );
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const win = useRowWindow(rows.length, bodyRef, LIST_WINDOW_MIN_ROWS);
  return (
    <section className="border-t border-zinc-200 dark:border-zinc-800" data-testid="exchange-list">
      <h3 className="bg-zinc-50 px-2 py-1 font-semibold dark:bg-zinc-900/60">
        HTTP/1 exchanges <span className="num font-normal text-zinc-500">{props.exchanges.length}</span>
      </h3>
      <table className="num w-full text-left">
        <SortHead cols={COLS} sort={sort} onSort={setSort} />
        <tbody ref={bodyRef}>
          <SpacerRow height={win.padTop} cols={COLS.length} />
          {rows.slice(win.start, win.end).map((x) => {
            const key = exchangeKey(x);
            const bad = x.outcome !== 'complete';
            const sel = key === props.selected;
            return (
              <tr
                key={key}
                data-exchange={key}
                data-outcome={x.outcome}
                aria-selected={sel}
                onClick={() => props.onSelect(x)}
                className={`cursor-pointer border-b border-zinc-100 dark:border-zinc-900 ${sel ? ROW_SEL : bad ? 'bg-amber-50 hover:bg-amber-100 dark:bg-amber-950/40 dark:hover:bg-amber-950' : ROW_HOVER}`}
              >
                <td className={CELL}>{x.connection}</td>
                <td className={`${CELL} text-right`}>{x.index}</td>
                <td className={`${CELL} font-semibold`}>{x.method ?? '—'}</td>
                <td className={`${CELL} max-w-80 truncate`} title={x.path ?? ''}>
                  {x.path ?? '—'}
                </td>
                <td
                  className={`${CELL} text-right ${x.status !== null && x.status >= 400 ? 'text-red-600 dark:text-red-400' : ''}`}
                >
                  {x.status ?? '—'}
                </td>
                <td className={`${CELL} text-right`}>{x.requestS !== null ? x.requestS.toFixed(3) : '—'}</td>
                <td className={`${CELL} text-right`}>{fmtMs(ttfbS(x))}</td>
                <td className={`${CELL} text-right`}>{fmtMs(durationS(x))}</td>
                <td className={`${CELL} ${OUTCOME_CLASS[x.outcome]}`}>{x.outcome}</td>
              </tr>
            );
          })}
          <SpacerRow height={win.padBottom} cols={COLS.length} />
        </tbody>
      </table>
    </section>
  );
}
