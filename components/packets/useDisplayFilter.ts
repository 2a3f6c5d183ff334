'use client';
// The applied display filter's result, computed by the packet session in the worker. The main
// thread only receives the matching rows (transferred) and the indices of the matching trace items.
import { useEffect, useState } from 'react';
import type { PacketClient } from '@/app/worker/packet-client';
import type { FilterResult } from '@/app/worker/packet-messages';
import type { FilterError } from '@/lib/filter';

export interface DisplayFilterState {
  /** The result of the applied filter; null when no filter is applied (everything shows). */
  result: FilterResult | null;
  error: FilterError | null;
  running: boolean;
}

interface Answer {
  client: PacketClient;
  text: string;
  result: FilterResult | null;
  error: FilterError | null;
}

export function useDisplayFilter(client: PacketClient | null | undefined, text: string): DisplayFilterState {
  const t = text.trim();
  const [answer, setAnswer] = useState<Answer | null>(null);
  useEffect(() => {
    if (!client || !t) return;
    let live = true;
    const done = (result: FilterResult | null, error: FilterError | null) => {
      if (live) setAnswer({ client, text: t, result, error });
    };
    client
      .ask({ type: 'filter', text: t })
      .then((a) => {
        if (a.type === 'filtered') done(a.result, null);
        else if (a.type === 'filter-error') done(null, a.error);
      })
      .catch((e: Error) => done(null, { message: e.message, column: 1, length: 0 }));
    return () => {
      live = false;
    };
  }, [client, t]);
  if (!client || !t) return { result: null, error: null, running: false };
  // The last answer stays shown while the next one is computed (no flash of the whole list).
  const current = answer !== null && answer.client === client && answer.text === t;
  const shown = answer !== null && answer.client === client ? answer : null;
  return { result: shown?.result ?? null, error: current ? (shown?.error ?? null) : null, running: !current };
}
