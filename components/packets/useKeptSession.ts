'use client';
// A packet session for a page that got its trace elsewhere (the shared page loads the stored
// analysis): the capture is analysed once more in a kept worker, which then answers the display
// filter, packet list and packet detail. The worker's trace is the same analysis of the same
// bytes, so its packet rows and list indices are the page's.
import { useEffect, useState } from 'react';
import { startAnalysis } from '@/app/worker/client';
import type { PacketClient } from '@/app/worker/packet-client';
import type { AnalysisOptions } from '@/lib/trace';

export function useKeptSession(
  file: File | null,
  options: Partial<AnalysisOptions> | undefined,
): PacketClient | null {
  const [kept, setKept] = useState<{ file: File; client: PacketClient } | null>(null);
  useEffect(() => {
    if (!file) return;
    let client: PacketClient | null = null;
    let live = true;
    const cancel = startAnalysis(
      { file, keylog: null, options, keep: true },
      {
        done: (r) => {
          client = r.packets ?? null;
          if (!live) client?.close();
          else if (client) setKept({ file, client });
        },
        error: () => {},
      },
    );
    return () => {
      live = false;
      cancel();
      client?.close();
    };
  }, [file, options]);
  return kept && kept.file === file ? kept.client : null;
}
