'use client';
// The selection a trace view works with (finding, connection, stream, packet, visible window), and
// what selecting a finding means: its connection and stream, its first packet, and the window
// zoomed to its time range. Shared by the local viewer and the shared-trace page.
import { useCallback, useMemo, useState } from 'react';
import type { Trace } from '@/lib/trace';
import type { View } from './Timeline';

export function useTraceSelection(trace: Trace | null) {
  const [selFinding, setSelFinding] = useState<number | null>(null);
  const [selConn, setSelConn] = useState<string | null>(null);
  const [selStream, setSelStream] = useState<number | null>(null);
  const [selPacket, setSelPacket] = useState<number | null>(null);
  const [view, setView] = useState<View | null>(null);
  /** The applied display filter (Wireshark syntax; '' = none). Kept across files, as Wireshark does. */
  // Read from the page's address at first (`?filter=`, or Wireshark's `-Y` letter `?Y=`), so that
  // a shared link opens filtered.
  const [filter, setFilter] = useState(() => {
    if (typeof window === 'undefined') return '';
    const p = new URLSearchParams(window.location.search);
    return p.get('filter') ?? p.get('Y') ?? '';
  });

  const selectFinding = useCallback(
    (i: number) => {
      const f = trace?.findings[i];
      if (!f) return;
      setSelFinding(i);
      setSelConn(f.connection);
      setSelStream(f.stream);
      const pad = Math.max((f.endS - f.startS) * 0.25, 0.05);
      setView({ start: f.startS - pad, end: f.endS + pad });
      const ev = f.evidence.find((e) => e.packet !== undefined);
      if (ev?.packet !== undefined) setSelPacket(ev.packet);
    },
    [trace],
  );

  /** The props TraceView takes for this selection. */
  const viewProps = useMemo(
    () => ({
      view,
      setView,
      selFinding,
      selectFinding,
      selConn,
      setSelConn: (c: string) => {
        setSelConn(c);
        setSelStream(null);
      },
      selStream,
      setSelStream,
      selPacket,
      setSelPacket,
      filter,
      setFilter,
    }),
    [view, selFinding, selectFinding, selConn, selStream, selPacket, filter],
  );

  return {
    selFinding,
    setSelFinding,
    selConn,
    setSelConn,
    selStream,
    setSelStream,
    selPacket,
    setSelPacket,
    view,
    setView,
    filter,
    setFilter,
    selectFinding,
    viewProps,
  };
}
