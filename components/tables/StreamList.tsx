'use client';
import { useMemo, useRef, useState } from 'react';
import type { H2Stream } from '@/lib/trace';
import { fmtBytes } from '../format';
import { fmtMs } from './ExchangeList';
import { LIST_WINDOW_MIN_ROWS, SpacerRow, useRowWindow } from './rowWindow';
import { CELL, ROW_HOVER, ROW_SEL, SortHead, sortRows, type SortColumn, type SortState } from './sort';

type Key =
  'conn' | 'id' | 'method' | 'path' | 'status' | 'grpc' | 'start' | 'ttfb' | 'dur' | 'bytes' | 'state';
const COLS: SortColumn<Key>[] = [
  { k: 'conn', label: 'conn' },
  { k: 'id', label: 'stream', right: true },
  { k: 'method', label: 'method' },
  { k: 'path', label: 'path' },
  { k: 'status', label: 'status', right: true },
  { k: 'grpc', label: 'grpc' },
  { k: 'start', label: 'start', right: true },
  { k: 'ttfb', label: 'TTFB', right: true, title: 'Stream start to first response HEADERS' },
  { k: 'dur', label: 'duration', right: true },
  { k: 'bytes', label: 'data s→c', right: true },
  { k: 'state', label: 'state' },
];

export const streamKey = (s: H2Stream) => `${s.connection}/${s.id}`;

export default function StreamList(props: {
  streams: H2Stream[];
  selected: H2Stream | undefined;
  onSelect: (s: H2Stream) => void;
}) {
  const [sort, setSort] = useState<SortState<Key>>({ key: 'start', dir: 'asc' });
  const rows = useMemo(
    () =>
      sortRows(props.streams, sort, (s, k): string | number | null => {
        switch (k) {
          case 'conn':
            return Number(s.connection.slice(1)) || s.connection;
          case 'id':
            return s.id;
          case 'method':
            return s.method;
          case 'path':
            return s.path;
          case 'status':
            return s.status;
          case 'grpc':
            return s.grpc?.grpcStatusName ?? s.grpcStatus;
          case 'start':
            return s.startS;
          case 'ttfb':
            return s.responseS !== null ? s.responseS - s.startS : null;
          case 'dur':
            return s.endS - s.startS;
          case 'bytes':
            return s.dataBytes.s2c;
          case 'state':
            return s.reset ? `RST ${s.reset.errorName}` : s.state;
        }
      }),
    [props.streams, sort],
  );
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const win = useRowWindow(rows.length, bodyRef, LIST_WINDOW_MIN_ROWS);
  return (
    <section className="border-t border-zinc-200 dark:border-zinc-800" data-testid="stream-list">
      <h3 className="bg-zinc-50 px-2 py-1 font-semibold dark:bg-zinc-900/60">
        HTTP/2 streams <span className="num font-normal text-zinc-500">{props.streams.length}</span>
      </h3>
      <table className="num w-full text-left">
        <SortHead cols={COLS} sort={sort} onSort={setSort} />
        <tbody ref={bodyRef}>
          <SpacerRow height={win.padTop} cols={COLS.length} />
          {rows.slice(win.start, win.end).map((s) => {
            const sel = props.selected === s;
            const grpcBad = s.grpcStatus !== null && s.grpcStatus !== 0;
            return (
              <tr
                key={streamKey(s)}
                data-stream={s.id}
                data-stream-conn={s.connection}
                aria-selected={sel}
                onClick={() => props.onSelect(s)}
                className={`cursor-pointer border-b border-zinc-100 dark:border-zinc-900 ${sel ? ROW_SEL : s.reset ? 'bg-red-50 hover:bg-red-100 dark:bg-red-950/40 dark:hover:bg-red-950' : ROW_HOVER}`}
              >
                <td className={CELL}>{s.connection}</td>
                <td className={`${CELL} text-right`}>{s.id}</td>
                <td className={`${CELL} font-semibold`}>{s.method ?? '—'}</td>
                <td className={`${CELL} max-w-72 truncate`} title={s.path ?? ''}>
                  {s.path ?? '—'}
                </td>
                <td
                  className={`${CELL} text-right ${s.status !== null && s.status >= 400 ? 'text-red-600 dark:text-red-400' : ''}`}
                >
                  {s.status ?? '—'}
                </td>
                <td className={`${CELL} ${grpcBad ? 'text-red-600 dark:text-red-400' : ''}`}>
                  {s.grpcStatus !== null ? (s.grpc?.grpcStatusName ?? String(s.grpcStatus)) : ''}
                </td>
                <td className={`${CELL} text-right`}>{s.startS.toFixed(3)}</td>
                <td className={`${CELL} text-right`}>
                  {fmtMs(s.responseS !== null ? s.responseS - s.startS : null)}
                </td>
                <td className={`${CELL} text-right`}>{fmtMs(s.endS - s.startS)}</td>
                <td className={`${CELL} text-right`}>{fmtBytes(s.dataBytes.s2c)}</td>
                <td className={`${CELL} ${s.reset ? 'text-red-600 dark:text-red-400' : 'text-zinc-500'}`}>
                  {s.reset
                    ? `RST ${s.reset.errorName} by ${s.reset.by === 'c2s' ? 'client' : 'server'}`
                    : s.state}
                </td>
              </tr>
            );
          })}
          <SpacerRow height={win.padBottom} cols={COLS.length} />
        </tbody>
      </table>
    </section>
  );
}
