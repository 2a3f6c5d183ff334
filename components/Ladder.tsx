'use client';
import type { H2Stream } from '@/lib/trace';

export default function Ladder({
  stream,
  highlightFrame = null,
  children,
}: {
  stream: H2Stream;
  highlightFrame?: number | null;
  /** Shown between the title and the frames (stream summary). */
  children?: React.ReactNode;
}) {
  const t0 = stream.frames[0]?.tS ?? stream.startS;
  return (
    <section data-testid="stream-ladder" className="border-t border-zinc-200 dark:border-zinc-800">
      <h3 className="bg-zinc-100 px-2 py-0.5 font-semibold dark:bg-zinc-900">
        Stream {stream.connection} #{stream.id} {stream.method} {stream.path} {stream.status ?? ''}
        {stream.grpc ? ` · grpc-status ${stream.grpcStatus ?? '—'}` : ''}
      </h3>
      {children}
      <div className="num grid grid-cols-[6rem_1fr_1fr] gap-x-2 px-2">
        <div className="font-sans font-semibold text-zinc-500">+time</div>
        <div className="font-sans font-semibold text-zinc-500">client →</div>
        <div className="text-right font-sans font-semibold text-zinc-500">← server</div>
        {stream.frames.map((f) => (
          <div
            key={f.number}
            className="contents"
            data-frame={f.number}
            {...(f.number === highlightFrame ? { 'data-highlighted': 'true' } : {})}
          >
            <div
              className={`text-zinc-500 ${f.number === highlightFrame ? 'bg-amber-100 dark:bg-amber-900/50' : ''}`}
            >
              {((f.tS - t0) * 1000).toFixed(2)}ms
            </div>
            <div
              className={`${f.dir === 'c2s' ? 'text-blue-600 dark:text-blue-400' : ''} ${f.number === highlightFrame && f.dir === 'c2s' ? 'bg-amber-100 dark:bg-amber-900/50' : ''}`}
            >
              {f.dir === 'c2s' && <FrameCell f={f} open={f.number === highlightFrame} />}
            </div>
            <div
              className={`${f.dir === 's2c' ? 'text-right text-teal-700 dark:text-teal-400' : ''} ${f.number === highlightFrame && f.dir === 's2c' ? 'bg-amber-100 dark:bg-amber-900/50' : ''}`}
            >
              {f.dir === 's2c' && <FrameCell f={f} open={f.number === highlightFrame} />}
            </div>
          </div>
        ))}
      </div>
    </section>
  );
}

function FrameCell({ f, open }: { f: H2Stream['frames'][number]; open: boolean }) {
  return (
    <details open={open || undefined}>
      <summary className="cursor-pointer">
        <span className="text-zinc-400">{f.number}</span> {f.type} len={f.length} {f.flags.join('|')}
        {f.info?.errorName ? ` ${f.info.errorName}` : ''}
        {f.info?.error ? <span className="text-red-600"> ⚠ {f.info.error}</span> : null}
      </summary>
      {f.headers && (
        <ul className="text-left text-zinc-700 dark:text-zinc-300">
          {f.headers.map(([k, v], i) => (
            <li key={i}>
              <b>{k}</b>: {v}
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
