/**
 * Wireshark 4.x display filters over a Trace's packets: the API the filter bar, the CLI and the
 * server call.
 *
 *   const fields = new FieldIndex(FIELD_LAYERS);
 *   const r = compileFilter('tcp.port == 443 && tcp.flags.syn == 1', fields);
 *   if (r.ok) rows = filterRows(fieldContext(trace), r.filter);   // 0-based rows, packet = row + 1
 *   else show(r.error);                                           // { message, column, length, suggestion? }
 *
 * compileFilter never throws, whatever the text: a filter that cannot be compiled is an error
 * value with its 1-based column and length in the text.
 */
import { Compiler, CompileFail, type RowPredicate } from './compile';
import { FieldIndex } from './field-index';
import { parse } from './parser';
import { scan } from './scanner';
import type { FieldContext } from './types';

export { FieldIndex };

export interface FilterError {
  message: string;
  /** 1-based column of the offending text (in UTF-16 code units of the filter string). */
  column: number;
  /** Length of the offending text (0 at the end of the filter). */
  length: number;
  /** A replacement for the offending text: the field name nearest to a misspelt one. */
  suggestion?: string;
}

export interface CompiledFilter {
  /** The filter text as given. */
  readonly text: string;
  /** Names of the fields the filter reads (for the UI: which columns matter; for the CLI: what to load). */
  readonly fields: string[];
  /** True for an empty filter: every packet matches. */
  readonly matchesAll: boolean;
  /** Whether packet row `row` (packet number row + 1) passes the filter. */
  match(ctx: FieldContext, row: number): boolean;
}

export type CompileResult = { ok: true; filter: CompiledFilter } | { ok: false; error: FilterError };

// Generated filters (thousands of addresses joined by ||) are long but flat; beyond 1 MiB is a mistake.
const MAX_FILTER_LENGTH = 1 << 20;

function error(message: string, pos: number, len: number, suggestion?: string): CompileResult {
  const e: FilterError = { message, column: pos + 1, length: len };
  if (suggestion !== undefined) e.suggestion = suggestion;
  return { ok: false, error: e };
}

/** Compiles a display filter against the registered fields. Empty or blank text matches everything. */
export function compileFilter(text: string, fields: FieldIndex): CompileResult {
  if (typeof text !== 'string') return error('The filter is not text.', 0, 0);
  if (text.trim() === '') {
    return { ok: true, filter: { text, fields: [], matchesAll: true, match: () => true } };
  }
  if (text.length > MAX_FILTER_LENGTH)
    return error(`The filter is longer than ${MAX_FILTER_LENGTH} characters.`, MAX_FILTER_LENGTH, 0);
  const s = scan(text);
  if (!s.ok) return error(s.error.message, s.error.pos, s.error.len);
  const p = parse(s.tokens, text);
  if (!p.ok) return error(p.error.message, p.error.pos, p.error.len);
  const compiler = new Compiler(fields);
  let predicate: RowPredicate;
  try {
    predicate = compiler.expr(p.expr);
  } catch (e) {
    if (e instanceof CompileFail) return error(e.error.message, e.error.pos, e.error.len, e.error.suggestion);
    // A bug in the compiler must not reach the user as a crash: say so, at the start of the filter.
    return error(
      `The filter could not be compiled (internal error: ${(e as Error)?.message ?? String(e)}).`,
      0,
      text.length,
    );
  }
  const used = [...compiler.usedFields];
  return { ok: true, filter: { text, fields: used, matchesAll: false, match: predicate } };
}

/** The rows (0-based; packet number = row + 1) of ctx.packets that pass `filter`, in order. */
export function filterRows(ctx: FieldContext, filter: CompiledFilter): Uint32Array {
  const n = ctx.packets.length;
  if (filter.matchesAll) {
    const all = new Uint32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const out = new Uint32Array(n);
  let k = 0;
  const match = filter.match;
  for (let row = 0; row < n; row++) if (match(ctx, row)) out[k++] = row;
  return out.slice(0, k);
}
