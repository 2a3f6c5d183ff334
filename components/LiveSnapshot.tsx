'use client';
// What is known while a large file still streams through the Worker: counts so far and the first
// connections with their packets, bytes and state — something to read before the analysis ends.
import type { AnalysisSnapshot } from '@/lib/analyze';

export default function LiveSnapshot({ s }: { s: AnalysisSnapshot }) {
  return (
    <div className="mt-2" data-testid="live-snapshot">
      <div className="num text-zinc-600 dark:text-zinc-400">
        so far: {s.connections.toLocaleString()} connections · {s.streams.toLocaleString()} HTTP/2 streams ·{' '}
        {s.exchanges.toLocaleString()} HTTP/1 exchanges ·{' '}
        <span className={s.resets ? 'text-red-600' : ''}>{s.resets.toLocaleString()} reset</span>
      </div>
      {s.findings.length > 0 && (
        <ul className="mt-1 space-y-0.5" data-testid="live-findings">
          {s.findings.slice(0, 8).map((f, i) => (
            <li key={i}>
              <span
                className={
                  f.severity === 'error'
                    ? 'text-red-600'
                    : f.severity === 'warning'
                      ? 'text-amber-600'
                      : 'text-sky-600'
                }
              >
                {f.severity}
              </span>{' '}
              {f.title} <span className="num text-zinc-500">{f.connection}</span>
            </li>
          ))}
          {s.findings.length > 8 && (
            <li className="text-zinc-500">and {s.findings.length - 8} more so far…</li>
          )}
        </ul>
      )}
      {s.first.length > 0 && (
        <table className="num mt-1 w-full max-w-4xl text-left text-xs">
          <thead className="text-zinc-500">
            <tr>
              <th className="pr-3 font-normal">id</th>
              <th className="pr-3 font-normal">client</th>
              <th className="pr-3 font-normal">server</th>
              <th className="pr-3 font-normal">proto</th>
              <th className="pr-3 text-right font-normal">pkts c→s/s→c</th>
              <th className="pr-3 text-right font-normal">bytes c→s/s→c</th>
              <th className="font-normal">state</th>
            </tr>
          </thead>
          <tbody>
            {s.first.slice(0, 8).map((c) => (
              <tr key={c.id}>
                <td className="pr-3">{c.id}</td>
                <td className="pr-3">{c.client}</td>
                <td className="pr-3">{c.server}</td>
                <td className="pr-3">{c.protocol}</td>
                <td className="pr-3 text-right">
                  {c.packets.c2s}/{c.packets.s2c}
                </td>
                <td className="pr-3 text-right">
                  {c.bytes.c2s}/{c.bytes.s2c}
                </td>
                <td className={c.end === 'reset' ? 'text-red-600' : ''}>{c.end}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
