'use client';
// Follow opened over the page, as Wireshark opens it in its own window: a sheet at the bottom of
// the viewport that stays while the selection below changes; Escape closes it.
import { useEffect } from 'react';
import type { PacketClient } from '@/app/worker/packet-client';
import type { FollowSpec } from '@/app/worker/follow-messages';
import type { Trace } from '@/lib/trace';
import FollowPanel from './FollowPanel';

export default function FollowSheet({
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
  useEffect(() => {
    const k = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', k);
    return () => window.removeEventListener('keydown', k);
  }, [onClose]);
  return (
    <div
      className="fixed inset-x-0 bottom-0 z-40 flex max-h-[62vh] flex-col border-t-2 border-zinc-400 bg-white shadow-2xl dark:border-zinc-600 dark:bg-zinc-950"
      role="dialog"
      aria-label="Follow stream"
    >
      <FollowPanel client={client} trace={trace} spec={spec} onClose={onClose} onPacket={onPacket} />
    </div>
  );
}
