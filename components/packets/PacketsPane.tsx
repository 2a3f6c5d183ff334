'use client';
// The "Packets" pane: the packet list over the selected packet's detail tree and bytes.
import { useEffect, useRef, useState } from 'react';
import type { PacketClient } from '@/app/worker/packet-client';
import type { PacketTable } from '@/lib/packets';
import PacketDetail from '../PacketDetail';
import PacketList from './PacketList';
import type { TimeMode } from './timeFormat';

export default function PacketsPane(props: {
  client: PacketClient | null | undefined;
  table: PacketTable;
  rows: Uint32Array | null;
  epoch: readonly [number, number] | null;
  file: File | null;
  selected: number | null;
  onSelect: (packet: number) => void;
  onFilterMenu: (e: React.MouseEvent, filter: string) => void;
}) {
  const [timeMode, setTimeMode] = useState<TimeMode>('relative');
  const ref = useRef<HTMLDivElement>(null);
  // Opened: the pane is as tall as the window allows; scroll the page so that all of it shows.
  useEffect(() => ref.current?.scrollIntoView({ block: 'end' }), []);
  return (
    <div
      ref={ref}
      className="flex h-[calc(100vh-150px)] min-h-[420px] shrink-0 flex-col"
      data-testid="packets-pane"
    >
      <div className="flex min-h-[160px] flex-[1.2] flex-col">
        <PacketList
          client={props.client}
          table={props.table}
          rows={props.rows}
          epoch={props.epoch}
          selected={props.selected}
          onSelect={props.onSelect}
          timeMode={timeMode}
          onTimeMode={setTimeMode}
        />
      </div>
      <div className="flex min-h-[140px] flex-1 flex-col">
        {props.selected !== null ? (
          <PacketDetail
            table={props.table}
            n={props.selected}
            file={props.file}
            session={props.client}
            onFilterMenu={props.onFilterMenu}
          />
        ) : (
          <div className="border-t border-zinc-300 px-3 py-2 text-zinc-500 dark:border-zinc-700">
            Select a packet to see its layers and bytes (↑/↓, PgUp/PgDn, Home/End in the list).
          </div>
        )}
      </div>
    </div>
  );
}
