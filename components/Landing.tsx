'use client';
import { useState } from 'react';
import type { Sample } from './types';

export default function Landing(props: {
  samples: Sample[];
  onFiles: (f: FileList | null) => void;
  onSample: (s: Sample) => void;
}) {
  const [over, setOver] = useState(false);
  return (
    <main className="mx-auto w-full max-w-3xl px-4 py-10">
      <h1 className="text-xl font-semibold">Find out why the connection died.</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        tracelens reads pcap/pcapng captures (optionally gzipped, with a TLS key log) and HTTP/2 debug logs,
        rebuilds TCP, HTTP/1.x, HTTP/2 and gRPC, and explains what went wrong: idle resets, silent RSTs,
        deadline cuts, protocol violations. Everything runs in your browser; the file never leaves this
        machine.
      </p>
      <div
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          props.onFiles(e.dataTransfer.files);
        }}
        className={`mt-6 rounded-md border-2 border-dashed p-10 text-center ${over ? 'border-sky-500 bg-sky-50 dark:bg-sky-950' : 'border-zinc-300 dark:border-zinc-700'}`}
      >
        <div className="text-sm">Drop a capture or debug log here (and a key log, if you have one)</div>
        <div className="mt-1 text-zinc-500">.pcap · .pcapng · .gz · .log / .txt · SSLKEYLOGFILE</div>
      </div>
      <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
        Captures of the same traffic from several points (client, router or proxy, server)? Drop them here
        together, or{' '}
        <a
          href="/correlate"
          className="text-sky-700 underline dark:text-sky-400"
          data-testid="landing-correlate"
        >
          correlate them
        </a>{' '}
        on one aligned clock: what was lost, injected or rewritten in between.
      </p>
      {props.samples.length > 0 && (
        <section className="mt-8">
          <h2 className="mb-2 font-semibold">Samples</h2>
          <ul className="grid grid-cols-2 gap-2">
            {props.samples.map((s) => (
              <li key={s.name}>
                <button
                  data-sample={s.name}
                  onClick={() => props.onSample(s)}
                  className="w-full rounded border border-zinc-200 p-2 text-left hover:border-sky-500 dark:border-zinc-800"
                >
                  <div className="font-medium">{s.name}</div>
                  {s.description && <div className="text-zinc-500">{s.description}</div>}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
