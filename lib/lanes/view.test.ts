// The view document from streamed chunks, and its JSON round trip (what a share stores).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { correlateSources, decodeCorrelationView, encodeCorrelationView } from './view';

const lab = (dir: string, file: string) => join(__dirname, '..', '..', 'lab', dir, file);

async function* chunksOf(bytes: Uint8Array, size: number) {
  for (let o = 0; o < bytes.length; o += size) yield bytes.subarray(o, o + size);
}

function source(dir: string, file: string, chunk: number) {
  const bytes = new Uint8Array(readFileSync(lab(dir, file)));
  return { name: file, size: bytes.length, chunks: chunksOf(bytes, chunk) };
}

describe('correlation view', () => {
  it('is the same whatever the chunk size, and survives JSON', async () => {
    const small = await correlateSources([
      source('nat-idle-reset', 'client.pcap', 97),
      source('nat-idle-reset', 'server.pcap', 97),
    ]);
    const big = await correlateSources([
      source('nat-idle-reset', 'client.pcap', 1 << 20),
      source('nat-idle-reset', 'server.pcap', 1 << 20),
    ]);
    expect(encodeCorrelationView(small)).toBe(encodeCorrelationView(big));
    expect(small.doc.findings.some((f) => f.kind === 'path.injected-rst')).toBe(true);
    const back = decodeCorrelationView(encodeCorrelationView(small));
    expect(back.index.packets[0]!.time).toBeInstanceOf(Float64Array);
    expect(Array.from(back.index.packets[0]!.fate)).toEqual(Array.from(small.index.packets[0]!.fate));
    expect(Array.from(back.index.links[0].farRows)).toEqual(Array.from(small.index.links[0].farRows));
    expect(back.doc.findings).toEqual(small.doc.findings);
  });

  it('refuses one input and foreign JSON with a clear message', async () => {
    await expect(correlateSources([source('nat-idle-reset', 'client.pcap', 1024)])).rejects.toThrow(
      /two or more/,
    );
    expect(() => decodeCorrelationView('{"tool":"tracelens"}')).toThrow(/not a tracelens correlation view/);
  });
});
