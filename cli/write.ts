/**
 * Writing a document (JSON or Arrow, tens or hundreds of MB) to stdout or a file in pieces, with
 * memory the same whatever the reader's speed: shared by analyze and correlate.
 */
import { createWriteStream, fstatSync } from 'node:fs';
import { once } from 'node:events';

/**
 * Writes the document's pieces one by one, waiting for 'drain' whenever the stream's buffer is
 * full: a pipe to a slower reader (`| jq ...`) would otherwise queue the whole document in memory.
 * The next piece is made only when the previous one is accepted, so memory stays the same
 * whatever the reader's speed.
 */
export async function writeJson(
  out: NodeJS.WritableStream,
  pieces: Iterable<Uint8Array | string>,
): Promise<void> {
  try {
    for (const piece of pieces) await writeWaiting(out, piece);
  } catch (e) {
    // The reader went away (`| head`): nothing more to write, and nothing to report.
    if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
  }
}

/**
 * The document to `out`. When that is this process's stdout and stdout is a regular file
 * (`> trace.json`), Node's process.stdout writes it synchronously: the kernel's copy of every chunk
 * (about a quarter of a request-heavy capture's run) then stalls the writer. Written instead
 * through a stream on the same descriptor, whose writes run on libuv's thread pool while the next
 * chunks are made; its buffer bounds what is queued. Pipes and terminals keep process.stdout
 * (a pipe descriptor is non-blocking: a thread-pool write could fail with EAGAIN).
 */
export async function writeDocument(
  out: NodeJS.WritableStream,
  pieces: Iterable<Uint8Array | string>,
  tail?: string,
): Promise<void> {
  if (out !== process.stdout || !stdoutIsFile()) {
    await writeJson(out, pieces);
    if (tail) await writeJson(out, [tail]);
    return;
  }
  const sink = createWriteStream('', { fd: 1, autoClose: false, highWaterMark: ASYNC_FILE_QUEUE });
  for (const piece of pieces) await writeWaiting(sink, piece);
  if (tail) await writeWaiting(sink, tail);
  await new Promise<void>((resolve, reject) => sink.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** Bytes of the document queued for the thread pool's writes to a file before the writer waits. */
const ASYNC_FILE_QUEUE = 4 << 20;

function stdoutIsFile(): boolean {
  try {
    return fstatSync(1).isFile();
  } catch {
    return false;
  }
}

export async function writeWaiting(out: NodeJS.WritableStream, piece: Uint8Array | string): Promise<void> {
  // once() rejects when the stream fails (EPIPE, a full disk) instead of waiting for ever.
  if (!out.write(piece)) await once(out, 'drain');
}
