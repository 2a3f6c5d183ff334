'use client';
// Follow stream (Wireshark's Analyze > Follow): a TCP conversation as ASCII / hex dump / raw, client
// bytes red and server bytes blue as Wireshark colours them, gaps said; an HTTP/1 exchange or an
// HTTP/2 stream as headers and decoded body (gRPC messages decoded). The work runs in the analysis
// worker (follow-session.ts); the conversation is drawn through a line index, only the lines in
// view, so a stream of millions of lines scrolls without freezing the page.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { PacketClient } from '@/app/worker/packet-client';
import { askFollow } from '@/app/worker/follow-client';
import type { FollowSpec } from '@/app/worker/follow-messages';
import type { FollowResult, H2Side } from '@/lib/follow';
import type { DecodedBody } from '@/lib/follow/body';
import type { ShownMessage } from '@/lib/follow/http1';
import { directionBytes, type FollowedStream } from '@/lib/follow/tcp';
import { buildLineIndex, conversationText, lineText, type FollowMode } from '@/lib/follow/views';
import type { Dir, Trace } from '@/lib/trace';
import { fmtBytes } from '../format';

/** Wireshark's follow colours: client text red, server text blue. */
export const DIR_CLASS: Record<Dir, string> = {
  c2s: 'text-red-800 bg-red-50 dark:text-red-300 dark:bg-red-950/40',
  s2c: 'text-blue-800 bg-blue-50 dark:text-blue-300 dark:bg-blue-950/40',
};

type State =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'done'; result: FollowResult; ms: number };
/** An answer, with the request it answers (a newer request shows as loading until its answer). */
type Answer = { key: string; state: State };

export function followTitle(spec: FollowSpec, trace: Trace): string {
  const c = trace.connections[spec.conn];
  const who = c ? `${c.id} ${c.client} → ${c.server}` : `connection ${spec.conn + 1}`;
  if (spec.kind === 'tcp') return `Follow TCP stream · ${who}`;
  if (spec.kind === 'http1') {
    const x = trace.exchanges[spec.exchange];
    return `Follow HTTP/1 exchange · ${who} · #${x?.index ?? '?'} ${x?.method ?? ''} ${x?.path ?? ''}`;
  }
  const s = trace.streams[spec.stream];
  return `Follow HTTP/2 stream · ${who} · stream ${s?.id ?? '?'} ${s?.method ?? ''} ${s?.path ?? ''}`;
}

export default function FollowPanel({
  client,
  trace,
  spec,
  onClose,
  onPacket,
}: {
  client: PacketClient | null;
  trace: Trace;
  spec: FollowSpec;
  onClose: () => void;
  onPacket?: (n: number) => void;
}) {
  const [only, setOnly] = useState<Dir | null>(null);
  const [plain, setPlain] = useState(true);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const conn = trace.connections[spec.conn];
  const decryptable = conn?.tls?.decryption === 'decrypted';
  const effective: FollowSpec = useMemo(
    () => (spec.kind === 'tcp' ? { ...spec, only, tls: plain } : spec),
    [spec, only, plain],
  );
  const key = JSON.stringify(effective);
  const state: State = answer && answer.key === key ? answer.state : { kind: 'loading' };

  useEffect(() => {
    if (!client) return;
    let live = true;
    askFollow(client, { type: 'follow', spec: effective })
      .then((a) => {
        if (!live) return;
        if (a.type === 'followed') setAnswer({ key, state: { kind: 'done', result: a.result, ms: a.ms } });
        else if (a.type === 'query-error') setAnswer({ key, state: { kind: 'error', message: a.message } });
      })
      .catch(
        (e: unknown) =>
          live &&
          setAnswer({ key, state: { kind: 'error', message: e instanceof Error ? e.message : String(e) } }),
      );
    return () => {
      live = false;
    };
    // `key` stands for `effective` (a new object on every render of the parent).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, key]);

  return (
    <section
      data-testid="follow-panel"
      className="flex min-h-0 flex-1 flex-col border-t border-zinc-200 dark:border-zinc-800"
      aria-label="Follow stream"
    >
      <header className="flex flex-wrap items-center gap-2 bg-zinc-100 px-2 py-0.5 dark:bg-zinc-900">
        <h3 className="font-semibold" data-testid="follow-title">
          {followTitle(spec, trace)}
        </h3>
        {spec.kind === 'tcp' && decryptable && (
          <label className="flex items-center gap-1 text-xs">
            <input type="checkbox" checked={plain} onChange={(e) => setPlain(e.target.checked)} />
            TLS plaintext
          </label>
        )}
        {state.kind === 'done' && (
          <span className="num text-xs text-zinc-500">
            {state.result.info.packets.toLocaleString()} packets · {Math.round(state.ms)} ms
          </span>
        )}
        <button
          className="ml-auto text-zinc-500"
          aria-label="Close follow"
          data-testid="follow-close"
          onClick={onClose}
        >
          ✕
        </button>
      </header>
      {!client && <p className="px-2 py-1 text-zinc-500">Follow needs the capture loaded in this tab.</p>}
      {state.kind === 'loading' && client && (
        <p className="px-2 py-1 text-zinc-500" data-testid="follow-loading">
          Reading the connection&apos;s packets…
        </p>
      )}
      {state.kind === 'error' && (
        <p className="px-2 py-1 text-red-700 dark:text-red-400" data-testid="follow-error">
          {state.message}
        </p>
      )}
      {state.kind === 'done' && state.result.info.warnings.length > 0 && (
        <details className="px-2 text-xs text-amber-800 dark:text-amber-300">
          <summary>{state.result.info.warnings.length} note(s) while following</summary>
          <ul>
            {state.result.info.warnings.slice(0, 20).map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </details>
      )}
      {state.kind === 'done' && state.result.kind === 'tcp' && (
        <TcpView
          stream={state.result.stream}
          names={{ c2s: conn?.client ?? 'client', s2c: conn?.server ?? 'server' }}
          only={only}
          setOnly={setOnly}
          onPacket={onPacket}
          fileBase={`${trace.input.name.replace(/\.[^.]+$/, '')}-${conn?.id ?? 'c'}`}
        />
      )}
      {state.kind === 'done' && state.result.kind === 'http1' && (
        <div className="min-h-0 overflow-auto" data-testid="follow-http">
          <MessageView title="Request" dir="c2s" m={state.result.request} />
          <MessageView title="Response" dir="s2c" m={state.result.response} />
        </div>
      )}
      {state.kind === 'done' && state.result.kind === 'h2' && (
        <div className="min-h-0 overflow-auto" data-testid="follow-http">
          <H2SideView title="Request" dir="c2s" side={state.result.request} />
          <H2SideView title="Response" dir="s2c" side={state.result.response} />
          {state.result.trailers && (
            <Block title="Trailers" dir="s2c">
              <Headers list={state.result.trailers} />
            </Block>
          )}
          {state.result.notes.map((n, i) => (
            <p key={i} className="px-2 text-xs text-amber-800 dark:text-amber-300">
              {n}
            </p>
          ))}
        </div>
      )}
    </section>
  );
}

const LINE_PX = 16;
/** Tallest scroll area drawn (px); longer streams scroll proportionally. */
const MAX_PX = 16_000_000;
const VIEW_LINES = 28;

function TcpView({
  stream,
  names,
  only,
  setOnly,
  onPacket,
  fileBase,
}: {
  stream: FollowedStream;
  names: Record<Dir, string>;
  only: Dir | null;
  setOnly: (d: Dir | null) => void;
  onPacket?: (n: number) => void;
  fileBase: string;
}) {
  const [mode, setModeState] = useState<FollowMode>('ascii');
  const index = useMemo(() => buildLineIndex(stream.runs, mode), [stream, mode]);
  const [scrolled, setScrolled] = useState({ index, top: 0, height: VIEW_LINES * LINE_PX });
  const top = scrolled.index === index ? scrolled.top : 0;
  const scroller = useRef<HTMLDivElement>(null);
  const setMode = (m: FollowMode) => {
    setModeState(m);
    if (scroller.current) scroller.current.scrollTop = 0;
  };
  // Browsers cap an element's height near 33.5 million px (2 million lines): past MAX_PX the
  // scroll position maps to a line proportionally and the lines in view are drawn from there.
  const fullPx = index.count * LINE_PX;
  const scaled = fullPx > MAX_PX;
  const heightPx = scaled ? MAX_PX : fullPx;
  // The scroller may be shorter than VIEW_LINES (a small window): its measured height counts.
  const viewPx = Math.max(LINE_PX, Math.min(scrolled.height, VIEW_LINES * LINE_PX));
  const viewLines = Math.floor(viewPx / LINE_PX);
  const anchor = scaled
    ? Math.floor((top / Math.max(1, heightPx - viewPx)) * Math.max(0, index.count - viewLines))
    : Math.floor(top / LINE_PX);
  const first = Math.max(0, anchor - (scaled ? 0 : 10));
  const last = Math.min(index.count, first + VIEW_LINES + 20);
  const lineTop = (i: number) => (scaled ? top + (i - anchor) * LINE_PX : i * LINE_PX);
  const lines = [];
  for (let i = first; i < last; i++) {
    const run = stream.runs[index.run[i]];
    const startOfRun = i === 0 || index.run[i - 1] !== index.run[i];
    lines.push(
      <div
        key={i}
        data-testid="follow-line"
        data-line={i}
        data-dir={run.dir}
        className={`absolute right-0 left-0 px-2 whitespace-pre ${
          run.missing ? 'text-amber-700 italic dark:text-amber-400' : DIR_CLASS[run.dir]
        } ${startOfRun && i > 0 ? 'border-t border-zinc-300 dark:border-zinc-700' : ''}`}
        style={{ top: lineTop(i), height: LINE_PX, lineHeight: `${LINE_PX}px` }}
        title={
          run.missing
            ? undefined
            : `${run.dir === 'c2s' ? names.c2s : names.s2c} · packets ${run.firstPacket}–${run.lastPacket}`
        }
        onDoubleClick={() => !run.missing && onPacket?.(run.firstPacket)}
      >
        {lineText(stream.runs, index, i, mode) || ' '}
      </div>,
    );
  }
  const download = (name: string, data: BlobPart, type: string) => {
    const url = URL.createObjectURL(new Blob([data], { type }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const dropped = stream.dropped.c2s + stream.dropped.s2c;
  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div className="flex flex-wrap items-center gap-2 border-b border-zinc-200 px-2 py-0.5 text-xs dark:border-zinc-800">
        <select
          aria-label="Direction"
          data-testid="follow-direction"
          className="rounded border border-zinc-300 bg-transparent dark:border-zinc-700"
          value={only ?? 'both'}
          onChange={(e) => setOnly(e.target.value === 'both' ? null : (e.target.value as Dir))}
        >
          <option value="both">Entire conversation ({fmtBytes(stream.bytes.c2s + stream.bytes.s2c)})</option>
          <option value="c2s">
            {names.c2s} → {names.s2c} ({fmtBytes(only === 's2c' ? 0 : stream.bytes.c2s)})
          </option>
          <option value="s2c">
            {names.s2c} → {names.c2s} ({fmtBytes(only === 'c2s' ? 0 : stream.bytes.s2c)})
          </option>
        </select>
        <span role="radiogroup" aria-label="Show as" className="flex gap-1">
          {(['ascii', 'hex', 'raw'] as const).map((m) => (
            <button
              key={m}
              role="radio"
              aria-checked={mode === m}
              data-testid={`follow-mode-${m}`}
              onClick={() => setMode(m)}
              className={`rounded border px-1.5 ${
                mode === m
                  ? 'border-zinc-500 bg-zinc-200 font-semibold dark:bg-zinc-800'
                  : 'border-zinc-300 dark:border-zinc-700'
              }`}
            >
              {m === 'ascii' ? 'ASCII' : m === 'hex' ? 'Hex dump' : 'Raw'}
            </button>
          ))}
        </span>
        <span className="num text-zinc-500" data-testid="follow-stats">
          <span className={DIR_CLASS.c2s}>
            {stream.runs.filter((r) => r.dir === 'c2s' && !r.missing).length} client
          </span>{' '}
          <span className={DIR_CLASS.s2c}>
            {stream.runs.filter((r) => r.dir === 's2c' && !r.missing).length} server
          </span>{' '}
          runs · {index.count.toLocaleString()} lines
          {stream.missing.c2s + stream.missing.s2c > 0 &&
            ` · ${fmtBytes(stream.missing.c2s + stream.missing.s2c)} missing`}
          {dropped > 0 && ` · ${fmtBytes(dropped)} beyond the ${fmtBytes(32 << 20)} shown`}
        </span>
        <span className="ml-auto flex gap-1">
          <button
            className="rounded border border-zinc-300 px-1.5 dark:border-zinc-700"
            data-testid="follow-save-text"
            onClick={() =>
              download(
                `${fileBase}.txt`,
                conversationText(stream, names, mode === 'hex' ? 'hex' : 'ascii'),
                'text/plain',
              )
            }
          >
            Save as text
          </button>
          {(['c2s', 's2c'] as const).map((d) => (
            <button
              key={d}
              className="rounded border border-zinc-300 px-1.5 dark:border-zinc-700"
              disabled={stream.bytes[d] === 0}
              onClick={() =>
                download(
                  `${fileBase}-${d}.bin`,
                  directionBytes(stream, d) as BlobPart,
                  'application/octet-stream',
                )
              }
            >
              Raw {d === 'c2s' ? 'client' : 'server'}
            </button>
          ))}
        </span>
      </div>
      <div
        ref={scroller}
        data-testid="follow-scroll"
        className="relative min-h-0 shrink overflow-auto font-mono text-[12px]"
        style={{ height: Math.min(VIEW_LINES, Math.max(index.count, 3)) * LINE_PX + 2 }}
        onScroll={(e) =>
          setScrolled({ index, top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })
        }
      >
        <div style={{ height: heightPx, position: 'relative' }}>{lines}</div>
      </div>
    </div>
  );
}

function Block({ title, dir, children }: { title: string; dir: Dir; children: React.ReactNode }) {
  return (
    <div className="border-b border-zinc-200 dark:border-zinc-800">
      <h4 className={`px-2 py-0.5 text-xs font-semibold ${DIR_CLASS[dir]}`}>{title}</h4>
      {children}
    </div>
  );
}

function Headers({ list }: { list: [string, string][] }) {
  return (
    <pre className="num overflow-auto px-2 py-1 text-[12px] whitespace-pre-wrap" data-testid="follow-headers">
      {list.map(([k, v]) => `${k}: ${v}`).join('\n')}
    </pre>
  );
}

function BodyView({ body, bytes }: { body: DecodedBody; bytes: number }) {
  if (body.kind === 'empty')
    return (
      <p className="px-2 py-1 text-xs text-zinc-500">
        {bytes > 0 ? `${fmtBytes(bytes)} not kept` : 'no body'}
      </p>
    );
  return (
    <div data-testid="follow-body" data-kind={body.kind}>
      <p className="px-2 text-xs text-zinc-500">
        body {fmtBytes(bytes)}
        {body.decoded.length > 0 && ` · ${body.decoded.join(', ')} → ${fmtBytes(body.bytes.length)}`} ·{' '}
        {body.kind}
      </p>
      <pre className="max-h-96 overflow-auto px-2 py-1 text-[12px] whitespace-pre-wrap">{body.text}</pre>
    </div>
  );
}

function Notes({ notes }: { notes: string[] }) {
  if (!notes.length) return null;
  return (
    <ul className="px-2 text-xs text-amber-800 dark:text-amber-300">
      {notes.map((n, i) => (
        <li key={i}>{n}</li>
      ))}
    </ul>
  );
}

function MessageView({ title, dir, m }: { title: string; dir: Dir; m: ShownMessage | null }) {
  return (
    <Block title={title} dir={dir}>
      {!m ? (
        <p className="px-2 py-1 text-xs text-zinc-500">none captured</p>
      ) : (
        <>
          <pre className="num overflow-auto px-2 py-1 text-[12px]" data-testid="follow-headers">
            {m.headText}
          </pre>
          <BodyView body={m.body} bytes={m.bodyBytes} />
          <Notes notes={m.notes} />
        </>
      )}
    </Block>
  );
}

function H2SideView({ title, dir, side }: { title: string; dir: Dir; side: H2Side }) {
  return (
    <Block title={title} dir={dir}>
      {side.headers ? (
        <Headers list={side.headers} />
      ) : (
        <p className="px-2 py-1 text-xs text-zinc-500">no headers</p>
      )}
      {side.grpc ? (
        <div data-testid="follow-grpc">
          <p className="px-2 text-xs text-zinc-500">
            {side.grpc.length} gRPC message{side.grpc.length === 1 ? '' : 's'} · {fmtBytes(side.dataBytes)} of
            DATA
          </p>
          {side.grpc.map((m) => (
            <div key={m.index} className="border-t border-zinc-100 dark:border-zinc-900">
              <p className="num px-2 text-xs text-zinc-500">
                #{m.index + 1} · {fmtBytes(m.length)}
                {m.compressed ? ' · compressed' : ''}
                {m.note ? ` · ${m.note}` : ''}
              </p>
              <pre className="max-h-72 overflow-auto px-2 text-[12px]">{m.text}</pre>
            </div>
          ))}
        </div>
      ) : (
        <BodyView body={side.body} bytes={side.dataBytes} />
      )}
      <Notes notes={side.body.notes} />
    </Block>
  );
}
