'use client';
import { useEffect, useRef } from 'react';
import type { PacketTable } from '@/lib/packets';
import { TCP_FIN, TCP_RST, TCP_SYN } from '@/lib/packets';
import type { Connection, Finding } from '@/lib/trace';

export interface View {
  start: number;
  end: number;
}

const LANE = 14;

/** Canvas timeline: one lane per connection; per pixel column per lane aggregation keeps it fast. */
export default function Timeline(props: {
  connections: Connection[];
  packets: PacketTable | null;
  findings: Finding[];
  span: View;
  view: View;
  zoomed: boolean;
  selectedConn: string | null;
  onView: (v: View) => void;
  onSelectConn: (id: string) => void;
}) {
  const { connections, packets, findings, span, view, zoomed, selectedConn, onView, onSelectConn } = props;
  const ref = useRef<HTMLCanvasElement>(null);
  const drag = useRef<{ x: number; v: View } | null>(null);
  const height = Math.max(60, Math.min(connections.length, 40) * LANE + 20);

  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    c.width = w * dpr;
    c.height = height * dpr;
    const g = c.getContext('2d');
    if (!g) return;
    g.scale(dpr, dpr);
    const dark = document.documentElement.classList.contains('dark');
    g.fillStyle = dark ? '#09090b' : '#ffffff';
    g.fillRect(0, 0, w, height);
    const dur = Math.max(view.end - view.start, 1e-9);
    const x = (t: number) => ((t - view.start) / dur) * w;
    const laneOf = new Map<number, number>();
    connections.slice(0, 40).forEach((cn, i) => laneOf.set(i, i));
    connections.slice(0, 40).forEach((cn, i) => {
      const y = 16 + i * LANE;
      if (cn.id === selectedConn) {
        g.fillStyle = dark ? '#1e3a8a55' : '#dbeafe';
        g.fillRect(0, y - 1, w, LANE);
      }
      g.fillStyle = dark ? '#3f3f46' : '#e4e4e7';
      g.fillRect(Math.max(0, x(cn.startS)), y + LANE / 2 - 0.5, Math.max(1, x(cn.endS) - x(cn.startS)), 1);
      for (const gap of cn.idleGaps) {
        g.fillStyle = dark ? '#52525b55' : '#a1a1aa44';
        const gx = x(gap.startS);
        const gw = x(gap.endS) - gx;
        g.fillRect(gx, y, gw, LANE - 2);
        if (gw > 40) {
          g.fillStyle = dark ? '#a1a1aa' : '#52525b';
          g.font = '9px ui-monospace, monospace';
          g.fillText(`idle ${(gap.endS - gap.startS).toFixed(1)}s`, gx + 3, y + 9);
        }
      }
    });
    for (const f of findings) {
      if (!f.connection) continue;
      const i = connections.findIndex((c2) => c2.id === f.connection);
      if (i < 0 || i >= 40) continue;
      g.strokeStyle = f.severity === 'error' ? '#dc2626' : f.severity === 'warning' ? '#d97706' : '#2563eb';
      g.strokeRect(x(f.startS) - 1, 16 + i * LANE - 1, Math.max(2, x(f.endS) - x(f.startS) + 2), LANE);
    }
    if (packets) {
      // Aggregate: one mark per (lane, pixel column, dir); special glyphs drawn over.
      const seen = new Uint8Array(40 * (w + 1));
      const t = packets.time;
      let lo = 0;
      let hi = packets.length;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (t[m] < view.start) lo = m + 1;
        else hi = m;
      }
      for (let p = lo; p < packets.length && t[p] <= view.end; p++) {
        const lane = packets.conn[p];
        if (lane < 0 || lane >= 40) continue;
        const px = Math.floor(x(t[p]));
        const flags = packets.tcpFlags[p];
        const y = 16 + lane * LANE;
        const special = flags & (TCP_SYN | TCP_FIN | TCP_RST);
        const bit = packets.dir[p] === 0 ? 1 : 2;
        const k = lane * (w + 1) + px;
        if (!special && seen[k] & bit) continue;
        seen[k] |= bit;
        if (flags & TCP_RST) {
          g.fillStyle = '#dc2626';
          g.fillRect(px - 1, y, 3, LANE - 2);
        } else if (flags & (TCP_SYN | TCP_FIN)) {
          g.fillStyle = flags & TCP_SYN ? '#16a34a' : '#7c3aed';
          g.beginPath();
          g.arc(px, y + LANE / 2 - 1, 3, 0, Math.PI * 2);
          g.fill();
        } else {
          g.fillStyle = bit === 1 ? '#2563eb' : '#0d9488';
          g.fillRect(px, bit === 1 ? y + 1 : y + LANE / 2, 1, LANE / 2 - 2);
        }
      }
    }
    g.fillStyle = dark ? '#a1a1aa' : '#52525b';
    g.font = '10px ui-monospace, monospace';
    for (let i = 0; i <= 8; i++) {
      const tt = view.start + (dur * i) / 8;
      g.fillText(`${(tt - span.start).toFixed(3)}s`, (w * i) / 8 + 2, 10);
    }
  }, [connections, packets, findings, view, span, selectedConn, height]);

  return (
    <div
      data-testid="timeline"
      {...(zoomed
        ? { 'data-view-start-s': view.start.toFixed(6), 'data-view-end-s': view.end.toFixed(6) }
        : {})}
      className="border-b border-zinc-200 dark:border-zinc-800"
    >
      <canvas
        ref={ref}
        style={{ width: '100%', height }}
        className="block cursor-crosshair"
        onWheel={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          const f = (e.clientX - r.left) / r.width;
          const dur = view.end - view.start;
          const k = Math.exp(e.deltaY * (e.ctrlKey ? 0.01 : 0.002));
          const at = view.start + f * dur;
          onView({ start: at - f * dur * k, end: at + (1 - f) * dur * k });
        }}
        onMouseDown={(e) => (drag.current = { x: e.clientX, v: view })}
        onMouseMove={(e) => {
          const d = drag.current;
          if (!d) return;
          const r = e.currentTarget.getBoundingClientRect();
          const dt = ((e.clientX - d.x) / r.width) * (d.v.end - d.v.start);
          if (Math.abs(e.clientX - d.x) > 2) onView({ start: d.v.start - dt, end: d.v.end - dt });
        }}
        onMouseUp={(e) => {
          const d = drag.current;
          drag.current = null;
          if (d && Math.abs(e.clientX - d.x) <= 2) {
            const r = e.currentTarget.getBoundingClientRect();
            const lane = Math.floor((e.clientY - r.top - 16) / LANE);
            if (lane >= 0 && lane < Math.min(40, connections.length)) onSelectConn(connections[lane].id);
          }
        }}
        onMouseLeave={() => (drag.current = null)}
      />
    </div>
  );
}
