// app/worker/paced-inbox.ts: a worker's messages are handled in order, a slice at a time after a
// frame, never after stop, and a throwing handler fails once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PacedInbox, SLICE_MS, type MessageSource } from '@/app/worker/paced-inbox';

let clock = 0;
beforeEach(() => {
  vi.useFakeTimers();
  clock = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
  vi.stubGlobal('requestAnimationFrame', (cb: () => void) => setTimeout(cb, 16));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

function setup(costMs: number, throwAt = -1) {
  const source: MessageSource<number> = { onmessage: null };
  const handled: number[] = [];
  const failures: unknown[] = [];
  const inbox = new PacedInbox<number>();
  inbox.listen(
    source,
    (m) => {
      if (m === throwAt) throw new Error(`bad part ${m}`);
      handled.push(m);
      clock += costMs;
    },
    (e) => failures.push(e),
  );
  const send = (m: number) => source.onmessage!({ data: m } as MessageEvent<number>);
  return { inbox, handled, failures, send };
}

describe('PacedInbox', () => {
  it('reads nothing while the message task runs, then SLICE_MS of handling per frame, in order', () => {
    const { handled, send } = setup(SLICE_MS / 2 + 1);
    for (let i = 0; i < 5; i++) send(i);
    expect(handled).toEqual([]);
    // A frame (16 ms), then the timeout after it (a zero delay waits 1 ms).
    vi.advanceTimersByTime(17);
    expect(handled).toEqual([0, 1]);
    vi.advanceTimersByTime(17);
    expect(handled).toEqual([0, 1, 2, 3]);
    vi.advanceTimersByTime(100);
    expect(handled).toEqual([0, 1, 2, 3, 4]);
  });

  it('runs after 50 ms when no frame comes (a hidden tab)', () => {
    vi.stubGlobal('requestAnimationFrame', () => 0);
    const { handled, send } = setup(1);
    send(7);
    vi.advanceTimersByTime(49);
    expect(handled).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(handled).toEqual([7]);
  });

  it('handles nothing after stop, queued or new', () => {
    const { inbox, handled, send } = setup(1);
    send(1);
    inbox.stop();
    send(2);
    vi.advanceTimersByTime(100);
    expect(handled).toEqual([]);
  });

  it('fails once on a throwing handler and reads no further', () => {
    const { handled, failures, send } = setup(1, 1);
    for (let i = 0; i < 4; i++) send(i);
    vi.advanceTimersByTime(100);
    expect(handled).toEqual([0]);
    expect(failures.map(String)).toEqual(['Error: bad part 1']);
  });
});
