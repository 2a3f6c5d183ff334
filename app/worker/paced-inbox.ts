// A worker's messages read on the page without starving rendering. A trace's parts arrive about as
// fast as the page can deserialize them, each message in its own 5-30 ms task; run as they come,
// those tasks left rendering one frame per 100 ms (Chromium's rendering-starvation limit; seen in a
// Chrome trace). So messages are queued, and read (reading `ev.data` is what deserializes) at most
// SLICE_MS at a time right after a frame. Used by the analysis client and the document client.

/** Main-thread time spent on the worker's messages before yielding for a frame (ms). */
export const SLICE_MS = 6;

/**
 * Runs `fn` once the browser has had the chance to render a frame: after the next animation frame,
 * or after 50 ms when frames do not come (a hidden tab gets none).
 */
export function afterNextFrame(fn: () => void): void {
  let ran = false;
  const go = () => {
    if (ran) return;
    ran = true;
    clearTimeout(timer);
    fn();
  };
  const timer = setTimeout(go, 50);
  requestAnimationFrame(() => setTimeout(go, 0));
}

/** The part of a Worker the inbox listens to (tests pass their own). */
export type MessageSource<T> = { onmessage: ((ev: MessageEvent<T>) => void) | null };

export class PacedInbox<T> {
  private readonly queue: MessageEvent<T>[] = [];
  private stopped = false;
  private scheduled = false;

  /**
   * Takes `source`'s messages from now on and hands each one's data to `handle`, in order, at most
   * SLICE_MS at a time right after a frame. When `handle` throws (a malformed part: a bug), `fail`
   * gets the error and what is queued is not read; the caller usually stops.
   */
  listen(source: MessageSource<T>, handle: (m: T) => void, fail: (e: unknown) => void): void {
    const pump = () => {
      const t0 = performance.now();
      try {
        while (!this.stopped && this.queue.length && performance.now() - t0 < SLICE_MS)
          handle(this.queue.shift()!.data);
      } catch (e) {
        this.stop();
        fail(e);
      }
      if (!this.stopped && this.queue.length) afterNextFrame(pump);
      else this.scheduled = false;
    };
    source.onmessage = (ev) => {
      if (this.stopped) return;
      this.queue.push(ev);
      if (!this.scheduled) {
        this.scheduled = true;
        afterNextFrame(pump);
      }
    };
  }

  /** Drops what is queued; no message is handled after this. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }
}
