'use client';
import type { Http1Exchange, Http1Message } from '@/lib/trace';
import { fmtBytes } from '../format';
import { durationS, fmtMs, ttfbS } from '../tables/ExchangeList';

/** One HTTP/1 exchange: request and response headers, a timing waterfall, sizes and packets. */
export default function ExchangeDetail({
  x,
  onPacket,
  onClose,
}: {
  x: Http1Exchange;
  onPacket: (n: number) => void;
  onClose: () => void;
}) {
  const t0 = x.requestS ?? x.responseS ?? 0;
  const tEnd = Math.max(x.responseEndS ?? 0, x.responseS ?? 0, x.requestEndS ?? 0, t0);
  const total = Math.max(tEnd - t0, 1e-6);
  const phases: { label: string; from: number | null; to: number | null; cls: string }[] = [
    { label: 'send request', from: x.requestS, to: x.requestEndS ?? x.requestS, cls: 'bg-blue-500' },
    {
      label: 'wait (TTFB)',
      from: x.requestEndS ?? x.requestS,
      to: x.responseS,
      cls: 'bg-zinc-400 dark:bg-zinc-500',
    },
    { label: 'receive response', from: x.responseS, to: x.responseEndS ?? x.responseS, cls: 'bg-teal-500' },
  ];
  return (
    <section data-testid="exchange-detail" className="border-t border-zinc-200 dark:border-zinc-800">
      <h3 className="flex items-center gap-2 bg-zinc-100 px-2 py-0.5 font-semibold dark:bg-zinc-900">
        <span className="num">
          {x.connection} #{x.index} {x.method ?? '(no request)'} {x.path ?? ''} → {x.status ?? '—'}{' '}
          {x.reason ?? ''}
        </span>
        <span
          className={
            x.outcome === 'complete' ? 'font-normal text-zinc-500' : 'text-amber-700 dark:text-amber-400'
          }
        >
          {x.outcome}
        </span>
        <button
          className="ml-auto font-normal text-zinc-500 hover:text-zinc-900 dark:hover:text-zinc-100"
          onClick={onClose}
          aria-label="Close exchange detail"
        >
          ✕
        </button>
      </h3>
      <div
        className="num grid grid-cols-[9rem_1fr_6rem] items-center gap-x-2 gap-y-0.5 px-2 py-1"
        data-testid="exchange-waterfall"
      >
        {phases.map((p) => {
          const ok = p.from !== null && p.to !== null;
          const left = ok ? ((p.from! - t0) / total) * 100 : 0;
          const width = ok ? Math.max(((p.to! - p.from!) / total) * 100, 0.4) : 0;
          return (
            <div key={p.label} className="contents">
              <span className="font-sans text-zinc-500">{p.label}</span>
              <div className="relative h-2.5 rounded-sm bg-zinc-100 dark:bg-zinc-800">
                {ok && (
                  <div
                    className={`absolute h-2.5 rounded-sm ${p.cls}`}
                    style={{ left: `${left}%`, width: `${width}%` }}
                  />
                )}
              </div>
              <span className="text-right">{ok ? fmtMs(p.to! - p.from!) : 'never'}</span>
            </div>
          );
        })}
        <span className="font-sans text-zinc-500">TTFB / total</span>
        <span>
          {fmtMs(ttfbS(x))} / {fmtMs(durationS(x))}
          {x.interim.length > 0 && <span className="ml-2 text-zinc-500">interim {x.interim.join(', ')}</span>}
        </span>
        <span />
      </div>
      <div className="grid grid-cols-2 gap-2 px-2 pb-2">
        <Message title="Request" m={x.request} onPacket={onPacket} />
        <Message title="Response" m={x.response} onPacket={onPacket} />
      </div>
    </section>
  );
}

function Message({
  title,
  m,
  onPacket,
}: {
  title: string;
  m: Http1Message | null;
  onPacket: (n: number) => void;
}) {
  return (
    <div className="min-w-0 rounded border border-zinc-200 dark:border-zinc-800">
      <div className="flex flex-wrap items-center gap-2 border-b border-zinc-200 bg-zinc-50 px-2 py-0.5 dark:border-zinc-800 dark:bg-zinc-900/60">
        <b>{title}</b>
        {m ? (
          <span className="num text-zinc-500">
            body {fmtBytes(m.bodyBytes)}
            {m.chunked ? ' (chunked)' : ''} · at {m.startS.toFixed(3)}s
          </span>
        ) : (
          <span className="text-amber-700 dark:text-amber-400">not seen</span>
        )}
        {m && m.packets.length > 0 && (
          <span className="num ml-auto flex gap-1">
            {[...new Set(m.packets)].map((p) => (
              <button
                key={p}
                data-evidence-packet={p}
                onClick={() => onPacket(p)}
                className="rounded bg-zinc-200 px-1 hover:bg-sky-200 dark:bg-zinc-800 dark:hover:bg-sky-900"
              >
                #{p}
              </button>
            ))}
          </span>
        )}
      </div>
      {m && (
        <table className="num w-full">
          <tbody>
            {m.headers.map(([k, v], i) => (
              <tr key={i} className="align-top">
                <td className="whitespace-nowrap px-2 text-zinc-500">{k}</td>
                <td className="break-all px-2">{v}</td>
              </tr>
            ))}
            {m.headers.length === 0 && (
              <tr>
                <td className="px-2 text-zinc-500">no headers</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}
