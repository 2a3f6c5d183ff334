/**
 * The correlation view document: the CorrelationDoc and its lane index — what the aligned view
 * draws, what a shared correlation stores — and the one routine that makes it from the inputs'
 * bytes, used by the browser's Worker and by the server alike (isomorphic: chunks in, no Node
 * modules). Streamed: each input is read once, in chunks.
 */
import {
  correlate,
  CorrelateInputReader,
  toJsonValue,
  type CorrelationDoc,
  type LoadedInput,
} from '../correlate/index';
import { buildLaneIndex, laneSourceOf, type LaneIndex } from './index';

export interface CorrelationView {
  doc: CorrelationDoc;
  index: LaneIndex;
}

export interface CorrelationSource {
  name: string;
  size: number;
  chunks: AsyncIterable<Uint8Array>;
}

/** Correlates the inputs (two or more captures and debug logs), reading each once. */
export async function correlateSources(
  sources: CorrelationSource[],
  onProgress?: (input: number, bytes: number) => void,
): Promise<CorrelationView> {
  if (sources.length < 2) throw new Error(`a correlation takes two or more inputs, got ${sources.length}`);
  const loaded: LoadedInput[] = [];
  for (let k = 0; k < sources.length; k++) {
    const s = sources[k];
    const reader = new CorrelateInputReader(s.name, s.size);
    let bytes = 0;
    for await (const chunk of s.chunks) {
      reader.push(chunk);
      bytes += chunk.length;
      onProgress?.(k, bytes);
    }
    loaded.push(reader.finish());
  }
  return viewOf(loaded);
}

export function viewOf(loaded: LoadedInput[]): CorrelationView {
  const doc = correlate(loaded);
  const index = buildLaneIndex(
    doc,
    loaded.map((x) => laneSourceOf(x.name, x.trace)),
  );
  // The per-pair packet columns live on in the index (fates, rungs); the document keeps the rest.
  for (const p of doc.pairs)
    p.columns = p.columns.map(() => ({
      fate: new Uint8Array(0),
      peer: new Int32Array(0),
      delayUs: new Int32Array(0),
    })) as typeof p.columns;
  return { doc, index };
}

/** JSON text of a view (typed-array columns as arrays). */
export function encodeCorrelationView(v: CorrelationView): string {
  return JSON.stringify({ format: 'tracelens-correlation-view', version: 1, ...v }, toJsonValue);
}

/** A view back from its JSON text; throws a clear error on anything else. */
export function decodeCorrelationView(text: string): CorrelationView {
  const o = JSON.parse(text) as {
    format?: string;
    version?: number;
    doc?: CorrelationDoc;
    index?: LaneIndex;
  };
  if (o.format !== 'tracelens-correlation-view' || o.version !== 1 || !o.doc || !o.index)
    throw new Error('not a tracelens correlation view (format tracelens-correlation-view, version 1)');
  const ix = o.index;
  ix.packets = ix.packets.map((p) =>
    p
      ? {
          length: p.length,
          time: Float64Array.from(p.time as unknown as number[]),
          lane: Int32Array.from(p.lane as unknown as number[]),
          dir: Uint8Array.from(p.dir as unknown as number[]),
          tcpFlags: Uint8Array.from(p.tcpFlags as unknown as number[]),
          payloadLen: Uint32Array.from(p.payloadLen as unknown as number[]),
          fate: Uint8Array.from(p.fate as unknown as number[]),
        }
      : null,
  );
  ix.links = ix.links.map((l) => ({
    near: l.near,
    far: l.far,
    nearRows: Int32Array.from(l.nearRows as unknown as number[]),
    farRows: Int32Array.from(l.farRows as unknown as number[]),
  }));
  return { doc: o.doc, index: ix };
}
