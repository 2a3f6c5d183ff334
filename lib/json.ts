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

/** The number rule of the document: finite numbers only (NaN/Infinity become null), times rounded to 1 ns. */
function jsonNumber(v: number): string {
  if (!Number.isFinite(v)) return 'null';
  if (Number.isInteger(v)) return String(v);
  return String(Math.round(v * 1e9) / 1e9);
}

/** The replacer form of the number rule, for the rare values the fast path hands to JSON.stringify. */
function replacer(_k: string, v: unknown): unknown {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    if (!Number.isInteger(v)) return Math.round(v * 1e9) / 1e9;
  }
  return v;
}

/**
 * Writes JSON text in pieces of about `flushAt` characters to `sink`. The output is exactly what
 * JSON.stringify(value, replacer, indent) gives with the number rule above, but a replacer makes
 * JSON.stringify leave its native fast path and call back into JS for every value (a fifth of the
 * CLI's time on a large HTTP/2 capture), so the walk is done here, once, without the callback.
 */
class JsonWriter {
  private buf = '';

  constructor(
    private readonly gap: string,
    private readonly sink: (chunk: string) => void,
    private readonly flushAt: number,
  ) {}

  /** Serializes `value` (the property `key` of its holder); false when it has no JSON form (omitted). */
  value(key: string, value: unknown, indent: string): boolean {
    let v = value;
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      v = (v as { toJSON: (k: string) => unknown }).toJSON(key);
    }
    switch (typeof v) {
      case 'string':
        this.buf += JSON.stringify(v);
        return true;
      case 'number':
        this.buf += jsonNumber(v);
        return true;
      case 'boolean':
        this.buf += v ? 'true' : 'false';
        return true;
      case 'object':
        break;
      case 'bigint':
        // Same error as JSON.stringify.
        JSON.stringify(v);
        return false;
      default:
        return false; // undefined, function, symbol
    }
    if (v === null) {
      this.buf += 'null';
      return true;
    }
    if (Array.isArray(v)) {
      this.array(v, indent);
    } else if (v instanceof Number || v instanceof String || v instanceof Boolean) {
      // Boxed primitives: let the engine apply its own unwrapping rules.
      this.buf += JSON.stringify(v, replacer, this.gap);
    } else {
      this.object(v as Record<string, unknown>, indent);
    }
    if (this.buf.length >= this.flushAt) this.flush();
    return true;
  }

  private array(a: readonly unknown[], indent: string): void {
    if (a.length === 0) {
      this.buf += '[]';
      return;
    }
    const inner = indent + this.gap;
    const sep = this.gap ? ',\n' + inner : ',';
    this.buf += this.gap ? '[\n' + inner : '[';
    for (let i = 0; i < a.length; i++) {
      if (i > 0) this.buf += sep;
      if (!this.value(String(i), a[i], inner)) this.buf += 'null';
    }
    this.buf += this.gap ? '\n' + indent + ']' : ']';
  }

  private object(o: Record<string, unknown>, indent: string): void {
    const inner = indent + this.gap;
    const open = this.gap ? '\n' + inner : '';
    const colon = this.gap ? ': ' : ':';
    let first = true;
    this.buf += '{';
    for (const k in o) {
      if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
      const mark = this.buf.length;
      this.buf += (first ? open : ',' + open) + JSON.stringify(k) + colon;
      if (this.value(k, o[k], inner)) first = false;
      else this.buf = this.buf.slice(0, mark); // no JSON form: the key is left out too
    }
    this.buf += first ? '}' : this.gap ? '\n' + indent + '}' : '}';
  }

  flush(): void {
    if (this.buf.length > 0) this.sink(this.buf);
    this.buf = '';
  }
}

function gapOf(indent: number): string {
  return ' '.repeat(Math.max(0, Math.min(10, Math.floor(indent))));
}

/**
 * Serializes with finite numbers only (NaN/Infinity become null) and rounded times (1 ns), passing
 * the text to `sink` in pieces of about 1 MB so a large trace is never one giant string.
 */
export function writeTraceJson(trace: Trace, sink: (chunk: string) => void, indent = 2): void {
  const w = new JsonWriter(gapOf(indent), sink, 1 << 20);
  w.value('', toTraceJson(trace), '');
  w.flush();
}

/** Serializes with finite numbers only (NaN/Infinity become null) and rounded times (1 ns). */
export function stringifyTrace(trace: Trace, indent = 2): string {
  const parts: string[] = [];
  const w = new JsonWriter(gapOf(indent), (c) => parts.push(c), 1 << 20);
  w.value('', toTraceJson(trace), '');
  w.flush();
  return parts.join('');
}
