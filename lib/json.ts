/**
 * The Trace as the JSON document of shared/contracts/trace-json.md: contract fields first, with
 * their names and meanings, then our additions. Per-packet columns are not part of the document.
 */
import type { Trace } from './trace';

export interface TraceJson extends Omit<Trace, 'packets'> {
  [key: string]: unknown;
}

export function toTraceJson(trace: Trace): TraceJson {
  const { packets: _packets, ...rest } = trace;
  void _packets;
  return {
    tool: rest.tool,
    version: rest.version,
    input: rest.input,
    options: rest.options,
    connections: rest.connections,
    streams: rest.streams,
    exchanges: rest.exchanges,
    findings: rest.findings,
    h2: rest.h2,
  };
}

/**
 * The number rule of the document: finite numbers only (NaN/Infinity become null), non-integers
 * rounded to 1 ns. Exported for the test that checks the fast path below against it.
 */
export function replacer(_k: string, v: unknown): unknown {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    if (!Number.isInteger(v)) return Math.round(v * 1e9) / 1e9;
  }
  return v;
}

/**
 * Arrays written without the replacer. A replacer function makes the engine call back into
 * JavaScript for every key and value, which was most of the CLI's time on large HTTP/2 captures
 * (streams and their frames are nearly all of such a document). Their numbers need no rule: times
 * are exact where they are born (`elapsedS` in lib/trace.ts) and only copied into frames, streams
 * and exchanges, everything else there is an integer, and JSON.stringify already writes NaN and
 * Infinity as null. tests/unit/json.test.ts checks, on every sample and real capture, that the
 * output is identical to the replacer's.
 */
const EXACT_ARRAYS = new Set(['streams', 'exchanges']);

/** Elements of a top-level array serialized per engine call: about 1 MB of text for streams. */
const BATCH = 256;

/**
 * Writes exactly the text of JSON.stringify(toTraceJson(trace), replacer, indent), but in pieces:
 * a large HTTP/2 capture's document is tens of MB, and as one string (plus the copy with the
 * trailing newline, plus its UTF-8 encoding for the write) it more than doubled the CLI's peak
 * memory. The document's top level is laid out here; its arrays (streams, connections, ...) go
 * to the engine in batches wrapped as [[...batch]], whose text has the elements already indented
 * to their depth in the document: only the wrapper's brackets are cut off. `indent` 0 gives the
 * compact form (what the CLI writes to a pipe: less than half the size, and faster to parse).
 */
export function writeTraceJson(trace: Trace, sink: (chunk: string) => void, indent = 2): void {
  const gap = ' '.repeat(Math.max(0, Math.min(10, Math.floor(indent))));
  const doc = toTraceJson(trace);
  const nl1 = gap ? '\n' + gap : '';
  const colon = gap ? ': ' : ':';
  // JSON.stringify([[a, b]], r, gap) is '[' nl1 '[' nl2 a ',' nl2 b nl1 ']' '\n' ']' (no newlines without a gap).
  const cutHead = 2 + nl1.length;
  const cutTail = nl1.length + (gap ? 3 : 2);
  let buf = '{';
  let first = true;
  for (const key of Object.keys(doc)) {
    const v = doc[key];
    const head = (first ? '' : ',') + nl1 + JSON.stringify(key) + colon;
    if (Array.isArray(v) && v.length > 0) {
      const exact = EXACT_ARRAYS.has(key);
      buf += head + '[';
      for (let i = 0; i < v.length; i += BATCH) {
        const batch = [v.slice(i, i + BATCH)];
        const t = exact ? JSON.stringify(batch, null, gap) : JSON.stringify(batch, replacer, gap);
        buf += (i > 0 ? ',' : '') + t.slice(cutHead, t.length - cutTail);
        if (buf.length >= 1 << 20) {
          sink(buf);
          buf = '';
        }
      }
      buf += nl1 + ']';
    } else {
      const t = JSON.stringify(v, replacer, gap) as string | undefined;
      if (t === undefined) continue; // no JSON form: the key is left out, as JSON.stringify does
      // JSON text has no raw newline inside strings (they are escaped): every "\n" is layout.
      buf += head + (gap ? t.replaceAll('\n', nl1) : t);
    }
    first = false;
  }
  buf += first ? '}' : (gap ? '\n' : '') + '}';
  sink(buf);
}

/** Serializes with finite numbers only (NaN/Infinity become null) and rounded times (1 ns). */
export function stringifyTrace(trace: Trace, indent = 2): string {
  const parts: string[] = [];
  writeTraceJson(trace, (c) => parts.push(c), indent);
  return parts.join('');
}
