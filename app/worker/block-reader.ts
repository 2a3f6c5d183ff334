/// <reference lib="webworker" />
// Packet bytes read back from the capture File in a worker (display-filter fields that need the
// bytes, the packet detail, follow and I/O graphs over tls.* fields).

/** Bytes read from the File at a time. */
export const BLOCK = 1 << 20;

/** What blockReader needs of a FileReaderSync (a Worker's; tests pass their own). */
export type SyncReader = Pick<FileReaderSync, 'readAsArrayBuffer'>;

/**
 * Reads byte ranges of a Blob synchronously through a one-block cache: a pass over every packet
 * in order reads the capture once, in BLOCK-sized reads, not once per packet. A range longer than a
 * block is read on its own. Answers null for a range outside the file, and always outside a worker
 * (no FileReaderSync).
 */
export function blockReader(
  file: Blob,
  reader: SyncReader | null = typeof FileReaderSync === 'undefined' ? null : new FileReaderSync(),
): (off: number, len: number) => Uint8Array | null {
  if (!reader) return () => null;
  let blockStart = -1;
  let block = new Uint8Array(0);
  return (off, len) => {
    if (off < 0 || len < 0 || off + len > file.size) return null;
    if (len > BLOCK) return new Uint8Array(reader.readAsArrayBuffer(file.slice(off, off + len)));
    if (blockStart < 0 || off < blockStart || off + len > blockStart + block.length) {
      blockStart = off;
      block = new Uint8Array(reader.readAsArrayBuffer(file.slice(off, Math.min(file.size, off + BLOCK))));
    }
    return block.subarray(off - blockStart, off - blockStart + len);
  };
}
