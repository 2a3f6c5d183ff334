'use client';
import { useMemo, useRef, useState } from 'react';
import type { Connection, ConnectionEnd, Finding, Protocol } from '@/lib/trace';
import { fmtBytes } from '../format';
import { SpacerRow, useRowWindow } from './rowWindow';
import { CELL, Chip, ROW_HOVER, ROW_SEL, SortHead, sortRows, type SortColumn, type SortState } from './sort';

type Key =
  | 'id'
  | 'client'
  | 'server'
  | 'proto'
  | 'end'
  | 'start'
  | 'dur'
  | 'pkts'
  | 'c2s'
  | 's2c'
  | 'idle'
  | 'findings';

const COLS: SortColumn<Key>[] = [
  { k: 'id', label: 'id' },
  { k: 'client', label: 'client' },
  { k: 'server', label: 'server' },
  { k: 'proto', label: 'proto' },
  { k: 'end', label: 'end' },
  { k: 'start', label: 'start', right: true, title: 'Start (s since capture start)' },
  { k: 'dur', label: 'dur', right: true },
  { k: 'pkts', label: 'pkts', right: true },
  { k: 'c2s', label: 'bytes c→s', right: true },
  { k: 's2c', label: 'bytes s→c', right: true },
  { k: 'idle', label: 'max idle', right: true },
  { k: 'findings', label: 'findings', right: true },
];

const END_CLASS: Partial<Record<ConnectionEnd, string>> = {
  reset: 'text-red-600 dark:text-red-400',
  'half-closed-by-client': 'text-amber-700 dark:text-amber-400',
  'half-closed-by-server': 'text-amber-700 dark:text-amber-400',
  open: 'text-zinc-500',
};

export default function ConnectionTable(props: {
  connections: Connection[];
  findings: Finding[];
  query: string;
  selConn: string | null;
  onSelect: (c: Connection) => void;
}) {
  const { connections, findings, query, selConn } = props;
  const [sort, setSort] = useState<SortState<Key>>({ key: 'id', dir: 'asc' });
  const [end, setEnd] = useState<ConnectionEnd | ''>('');
  const [proto, setProto] = useState<Protocol | ''>('');
  const [withFinding, setWithFinding] = useState(false);

  const findingCount = useMemo(() => {
    const m = new Map<string, number>();
    for (const f of findings) if (f.connection) m.set(f.connection, (m.get(f.connection) ?? 0) + 1);
    return m;
  }, [findings]);
  const ends = useMemo(() => [...new Set(connections.map((c) => c.end))].sort(), [connections]);
  const protos = useMemo(() => [...new Set(connections.map((c) => c.protocol))].sort(), [connections]);
  const index = useMemo(() => new Map(connections.map((c, i) => [c.id, i])), [connections]);

  const rows = useMemo(() => {
    const q = query.trim().toLowerCase();
    const filtered = connections.filter(
      (c) =>
        (!end || c.end === end) &&
        (!proto || c.protocol === proto) &&
        (!withFinding || findingCount.has(c.id)) &&
        (!q || `${c.id} ${c.client} ${c.server} ${c.protocol} ${c.end}`.toLowerCase().includes(q)),
    );
    return sortRows(filtered, sort, (c, k): string | number | null => {
      switch (k) {
        case 'id':
          return index.get(c.id) ?? 0;
        case 'client':
          return c.client;
        case 'server':
          return c.server;
        case 'proto':
          return c.protocol;
        case 'end':
          return c.end;
        case 'start':
          return c.startS;
        case 'dur':
          return c.endS - c.startS;
        case 'pkts':
          return c.packets.c2s + c.packets.s2c;
        case 'c2s':
          return c.bytes.c2s;
        case 's2c':
          return c.bytes.s2c;
        case 'idle':
          return c.maxIdleS;
        case 'findings':
          return findingCount.get(c.id) ?? 0;
      }
    });
  }, [connections, query, end, proto, withFinding, findingCount, sort, index]);

  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const win = useRowWindow(rows.length, bodyRef);

  const selectCls =
    'rounded border border-zinc-300 bg-transparent px-1 leading-5 dark:border-zinc-700 dark:bg-zinc-950';
  return (
    <section data-testid="connection-table">
      <div className="flex flex-wrap items-center gap-2 border-b border-zinc-200 bg-zinc-50 px-2 py-1 dark:border-zinc-800 dark:bg-zinc-900/60">
        <h3 className="font-semibold">Connections</h3>
        <span className="num text-zinc-500">
          {rows.length === connections.length ? rows.length : `${rows.length} / ${connections.length}`}
        </span>
        <select
          aria-label="Filter by end state"
          data-testid="filter-end"
          value={end}
          onChange={(e) => setEnd(e.target.value as ConnectionEnd | '')}
          className={selectCls}
        >
          <option value="">any end</option>
          {ends.map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
        <select
          aria-label="Filter by protocol"
          data-testid="filter-proto"
          value={proto}
          onChange={(e) => setProto(e.target.value as Protocol | '')}
          className={selectCls}
        >
          <option value="">any protocol</option>
          {protos.map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
        <Chip on={withFinding} onClick={() => setWithFinding(!withFinding)} testid="filter-has-finding">
          has finding
        </Chip>
        {(end || proto || withFinding) && (
          <button
            className="text-zinc-500 underline decoration-dotted"
            onClick={() => {
              setEnd('');
              setProto('');
              setWithFinding(false);
            }}
          >
            clear
          </button>
        )}
      </div>
      <table className="num w-full text-left" data-testid="connections">
        <SortHead cols={COLS} sort={sort} onSort={setSort} />
        <tbody ref={bodyRef}>
          <SpacerRow height={win.padTop} cols={COLS.length} />
          {rows.slice(win.start, win.end).map((c) => {
            const nf = findingCount.get(c.id) ?? 0;
            return (
              <tr
                key={c.id}
                aria-selected={c.id === selConn}
                data-conn={c.id}
                onClick={() => props.onSelect(c)}
                className={`cursor-pointer border-b border-zinc-100 dark:border-zinc-900 ${c.id === selConn ? ROW_SEL : ROW_HOVER}`}
              >
                <td className={CELL}>{c.id}</td>
                <td className={CELL}>{c.client}</td>
                <td className={CELL}>{c.server}</td>
                <td className={CELL}>{c.protocol}</td>
                <td className={`${CELL} ${END_CLASS[c.end] ?? ''}`}>{c.end}</td>
                <td className={`${CELL} text-right`}>{c.startS.toFixed(3)}</td>
                <td className={`${CELL} text-right`}>{(c.endS - c.startS).toFixed(3)}</td>
                <td className={`${CELL} text-right`}>{c.packets.c2s + c.packets.s2c}</td>
                <td className={`${CELL} text-right`}>{fmtBytes(c.bytes.c2s)}</td>
                <td className={`${CELL} text-right`}>{fmtBytes(c.bytes.s2c)}</td>
                <td className={`${CELL} text-right`}>{c.maxIdleS.toFixed(2)}s</td>
                <td className={`${CELL} text-right`}>{nf ? nf : <span className="text-zinc-400">·</span>}</td>
              </tr>
            );
          })}
          <SpacerRow height={win.padBottom} cols={COLS.length} />
        </tbody>
      </table>
      {rows.length === 0 && <div className="px-2 py-1 text-zinc-500">No connection matches the filters.</div>}
    </section>
  );
}
