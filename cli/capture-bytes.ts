/**
 * Packet bytes read back from a capture file for display-filter fields (`ctx.bytes(row)`): the
 * packet table keeps each packet's offset and captured length in the (decompressed) file. A gzip
 * capture is decompressed once, on first use, to a temporary file that is removed on close.
 */
import {
  closeSync,
  createReadStream,
  createWriteStream,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { PacketTable } from '../lib/packets';

export interface CaptureBytes {
  bytes(row: number): Uint8Array | null;
  close(): void;
}

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Opens `file` for reading packets back; a gzip file is decompressed to a temporary copy first. */
export async function openCaptureBytes(file: string, packets: PacketTable | null): Promise<CaptureBytes> {
  if (!packets) return { bytes: () => null, close: () => {} };
  let source = file;
  let tempDir: string | null = null;
  if (isGzip(file)) {
    tempDir = mkdtempSync(path.join(tmpdir(), 'tracelens-bytes-'));
    source = path.join(tempDir, 'capture');
    await pipeline(createReadStream(file), createGunzip(), createWriteStream(source));
  }
  const fd = openSync(source, 'r');
  let closed = false;
  return {
    bytes(row: number): Uint8Array | null {
      if (closed || row < 0 || row >= packets.length) return null;
      const n = packets.caplen[row];
      // A fresh array per read: views of it (decoded headers) may outlive the next read.
      const out = new Uint8Array(n);
      const got = readSync(fd, out, 0, n, packets.fileOffset[row]);
      return got === n ? out : null;
    },
    close(): void {
      if (closed) return;
      closed = true;
      closeSync(fd);
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
