'use client';
// The buttons that open Follow for what is selected: the selected packet's or connection's TCP
// stream, the selected HTTP/2 stream, the selected HTTP/1 exchange (Wireshark: Analyze > Follow).
import type { FollowSpec } from '@/app/worker/follow-messages';
import type { H2Stream, Http1Exchange, Trace } from '@/lib/trace';

export function followSpecs(
  trace: Trace,
  sel: { conn: string | null; stream?: H2Stream; exchange?: Http1Exchange; packet: number | null },
): { label: string; spec: FollowSpec; testid: string }[] {
  const out: { label: string; spec: FollowSpec; testid: string }[] = [];
  const connIndex = (id: string) => trace.connections.findIndex((c) => c.id === id);
  const p = trace.packets;
  const pktConn =
    sel.packet !== null && p && sel.packet >= 1 && sel.packet <= p.length ? p.conn[sel.packet - 1] : -1;
  const tcpConn = pktConn >= 0 ? pktConn : sel.conn ? connIndex(sel.conn) : -1;
  if (tcpConn >= 0 && p)
    out.push({
      label: `Follow TCP stream (${trace.connections[tcpConn].id})`,
      spec: { kind: 'tcp', conn: tcpConn },
      testid: 'follow-tcp',
    });
  if (sel.stream && p) {
    const c = connIndex(sel.stream.connection);
    const i = trace.streams.indexOf(sel.stream);
    if (c >= 0 && i >= 0)
      out.push({
        label: `Follow HTTP/2 stream ${sel.stream.id}`,
        spec: { kind: 'h2', conn: c, stream: i },
        testid: 'follow-h2',
      });
  }
  if (sel.exchange && p) {
    const c = connIndex(sel.exchange.connection);
    const i = trace.exchanges.indexOf(sel.exchange);
    if (c >= 0 && i >= 0)
      out.push({
        label: `Follow HTTP/1 exchange #${sel.exchange.index}`,
        spec: { kind: 'http1', conn: c, exchange: i },
        testid: 'follow-http1',
      });
  }
  return out;
}

export default function FollowBar({
  trace,
  sel,
  onFollow,
}: {
  trace: Trace;
  sel: { conn: string | null; stream?: H2Stream; exchange?: Http1Exchange; packet: number | null };
  onFollow: (spec: FollowSpec) => void;
}) {
  const specs = followSpecs(trace, sel);
  if (specs.length === 0) return null;
  return (
    <div
      className="flex flex-wrap items-center gap-2 border-t border-zinc-200 bg-zinc-50 px-2 py-0.5 text-xs dark:border-zinc-800 dark:bg-zinc-900"
      data-testid="follow-bar"
    >
      <span className="text-zinc-500">Follow</span>
      {specs.map((s) => (
        <button
          key={s.testid}
          data-testid={s.testid}
          className="rounded border border-zinc-300 px-1.5 hover:bg-zinc-200 dark:border-zinc-700 dark:hover:bg-zinc-800"
          onClick={() => onFollow(s.spec)}
        >
          {s.label}
        </button>
      ))}
    </div>
  );
}
