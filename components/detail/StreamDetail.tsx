'use client';
import { useEffect, useRef } from 'react';
import type { H2Stream } from '@/lib/trace';
import Ladder from '../Ladder';
import { fmtBytes } from '../format';
import { fmtMs } from '../tables/ExchangeList';

/** Summary of one HTTP/2 stream (request, gRPC status, timings) above its frame ladder. */
export default function StreamDetail({
  stream: s,
  highlightFrame,
}: {
  stream: H2Stream;
  highlightFrame: number | null;
}) {
  const ref = useRef<HTMLDivElement>(null);
  // Scroll the highlighted frame (evidence) into view.
  useEffect(() => {
    if (highlightFrame === null) return;
    const cell = ref.current?.querySelector(`[data-frame="${highlightFrame}"] > div`);
    cell?.scrollIntoView({ block: 'nearest' });
  }, [highlightFrame, s]);
  const g = s.grpc;
  const timing: [string, number | null][] = [
    ['request start', s.startS],
    ['first response byte', s.responseS],
    ['end', s.responseEndS ?? s.endS],
  ];
  return (
    <div ref={ref}>
      <Ladder stream={s} highlightFrame={highlightFrame}>
        <div data-testid="stream-detail" className="border-b border-zinc-200 dark:border-zinc-800">
          <div className="num grid grid-cols-[auto_1fr] gap-x-3 px-2 py-1 md:grid-cols-[auto_1fr_auto_1fr]">
            <span className="font-sans text-zinc-500">authority</span>
            <span>{s.authority ?? '—'}</span>
            <span className="font-sans text-zinc-500">status</span>
            <span>{s.status ?? '—'}</span>
            {g && (
              <>
                <span className="font-sans text-zinc-500">grpc-status</span>
                <span
                  className={
                    s.grpcStatus !== null && s.grpcStatus !== 0 ? 'text-red-600 dark:text-red-400' : ''
                  }
                  data-testid="grpc-status"
                >
                  {s.grpcStatus ?? '—'} {g.grpcStatusName ?? ''} {g.statusFrom ? `(${g.statusFrom})` : ''}
                </span>
                <span className="font-sans text-zinc-500">grpc-message</span>
                <span className="break-all">{g.grpcMessage ?? '—'}</span>
                <span className="font-sans text-zinc-500">messages</span>
                <span>
                  {g.messages.c2s} → / ← {g.messages.s2c} ({fmtBytes(g.messageBytes.c2s)} /{' '}
                  {fmtBytes(g.messageBytes.s2c)})
                </span>
              </>
            )}
            {timing.map(([label, t]) => (
              <span key={label} className="contents">
                <span className="font-sans text-zinc-500">{label}</span>
                <span>
                  {t !== null ? `${t.toFixed(6)}s` : 'never'}
                  {t !== null && label !== 'request start' ? (
                    <span className="text-zinc-500"> (+{fmtMs(t - s.startS)})</span>
                  ) : null}
                </span>
              </span>
            ))}
            {s.reset && (
              <>
                <span className="font-sans text-zinc-500">reset</span>
                <span className="text-red-600 dark:text-red-400">
                  RST_STREAM {s.reset.errorName} by {s.reset.by === 'c2s' ? 'client' : 'server'} (frame{' '}
                  {s.reset.frame})
                </span>
              </>
            )}
          </div>
        </div>
      </Ladder>
    </div>
  );
}
