// app/worker/block-reader.ts: the bytes it answers and how often it reads the File.
import { describe, expect, it } from 'vitest';
import { BLOCK, blockReader, type SyncReader } from '@/app/worker/block-reader';

/** A Blob over `bytes` whose slices a synchronous reader can read (Node has no FileReaderSync). */
class BytesBlob {
  constructor(readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  slice(start: number, end: number): BytesBlob {
    return new BytesBlob(this.bytes.subarray(start, end));
  }
}

function setup(size: number) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 8)) & 255;
  const reads: number[] = [];
  const reader: SyncReader = {
    readAsArrayBuffer(b: Blob) {
      const slice = (b as unknown as BytesBlob).bytes;
      reads.push(slice.length);
      return slice.slice().buffer;
    },
  };
  const read = blockReader(new BytesBlob(bytes) as unknown as Blob, reader);
  return { bytes, reads, read };
}

describe('blockReader', () => {
  it('reads a file read in order once, a block at a time', () => {
    const size = 2 * BLOCK + 5000;
    const { bytes, reads, read } = setup(size);
    for (let off = 0; off + 1500 <= size; off += 1500)
      expect(read(off, 1500)).toEqual(bytes.subarray(off, off + 1500));
    expect(reads.length).toBe(3);
    expect(reads.reduce((a, b) => a + b, 0)).toBeLessThan(size + 3 * 1500);
  });

  it('reads a range longer than a block on its own, and again from the block after a jump back', () => {
    const { bytes, reads, read } = setup(3 * BLOCK);
    expect(read(10, BLOCK + 1)).toEqual(bytes.subarray(10, BLOCK + 11));
    expect(reads).toEqual([BLOCK + 1]);
    expect(read(BLOCK * 2, 100)).toEqual(bytes.subarray(BLOCK * 2, BLOCK * 2 + 100));
    expect(read(5, 100)).toEqual(bytes.subarray(5, 105));
    expect(reads.length).toBe(3);
  });

  it('answers null outside the file and without a reader', () => {
    const { read } = setup(100);
    expect(read(-1, 10)).toBeNull();
    expect(read(95, 10)).toBeNull();
    expect(read(90, 10)).toHaveLength(10);
    expect(blockReader(new BytesBlob(new Uint8Array(10)) as unknown as Blob, null)(0, 4)).toBeNull();
  });
});
