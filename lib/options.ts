/**
 * The analysis options, described once. The CLI (`--idle-threshold 3`), the HTTP API
 * (`?idleThresholdS=3`), the web app's URL (`?idle=3`) and its threshold inputs all read and
 * validate them through this table and `parseOptions`, so the four can never disagree on what is
 * valid (they used to: the CLI and the URL took an idle threshold of 0, the API refused it).
 *
 * Ranges: every threshold is a duration or factor whose value 0 would mean "everything counts"
 * (every pause is an idle gap, every FIN a leak, every response slow), which is never a useful
 * question, so all minimums are exclusive 0 — except slowFactor, where anything at or below 1
 * would call the median response itself slow. Upper bounds keep typos (an extra zero or three)
 * from silently turning a check off: a day for durations, 1000 for the factor.
 */
import { DEFAULT_OPTIONS, type AnalysisOptions } from './trace';

export type OptionKey = keyof AnalysisOptions;

export interface OptionSpec {
  key: OptionKey;
  /** Command-line flag, with its value placeholder in `valueName`. */
  flag: string;
  valueName: 'S' | 'F';
  /** Short key in the web app's URL (`?idle=3`); the API takes `key` itself. */
  urlKey: string;
  unit: 's' | '×';
  /** Label of the threshold input in the web app. */
  label: string;
  default: number;
  min: number;
  minInclusive: boolean;
  max: number;
  maxInclusive: boolean;
  /** Step for number inputs. */
  step: number;
  help: string;
}

const DAY = 86400;

export const OPTION_SPECS: readonly OptionSpec[] = [
  {
    key: 'idleThresholdS',
    flag: '--idle-threshold',
    valueName: 'S',
    urlKey: 'idle',
    unit: 's',
    label: 'Idle threshold',
    default: DEFAULT_OPTIONS.idleThresholdS,
    min: 0,
    minInclusive: false,
    max: DAY,
    maxInclusive: true,
    step: 0.5,
    help: 'silence on an open connection that counts as an idle gap',
  },
  {
    key: 'halfCloseThresholdS',
    flag: '--half-close-threshold',
    valueName: 'S',
    urlKey: 'hc',
    unit: 's',
    label: 'Half-close threshold',
    default: DEFAULT_OPTIONS.halfCloseThresholdS,
    min: 0,
    minInclusive: false,
    max: DAY,
    maxInclusive: true,
    step: 0.5,
    help: 'a FIN unanswered this long is a half-close (CLOSE_WAIT) leak',
  },
  {
    key: 'slowFactor',
    flag: '--slow-factor',
    valueName: 'F',
    urlKey: 'sf',
    unit: '×',
    label: 'Slow factor',
    default: DEFAULT_OPTIONS.slowFactor,
    min: 1,
    minInclusive: false,
    max: 1000,
    maxInclusive: true,
    step: 0.5,
    help: "slow response: time to first byte above this × the endpoint's median",
  },
  {
    key: 'slowMinS',
    flag: '--slow-min',
    valueName: 'S',
    urlKey: 'smin',
    unit: 's',
    label: 'Slow minimum',
    default: DEFAULT_OPTIONS.slowMinS,
    min: 0,
    minInclusive: false,
    max: DAY,
    maxInclusive: true,
    step: 0.1,
    help: '…and above this many seconds',
  },
];

export function optionSpec(key: OptionKey): OptionSpec {
  return OPTION_SPECS.find((s) => s.key === key) as OptionSpec;
}

/** "a number > 0 and ≤ 86400" — the valid range in words, for messages and input hints. */
export function rangeText(s: OptionSpec): string {
  return `a number ${s.minInclusive ? '≥' : '>'} ${s.min} and ${s.maxInclusive ? '≤' : '<'} ${s.max}`;
}

/** Where a value came from: names it the way the user wrote it. */
export type OptionSource = 'cli' | 'query' | 'url' | 'input';

export function sourceName(s: OptionSpec, source: OptionSource): string {
  switch (source) {
    case 'cli':
      return s.flag;
    case 'query':
      return `query parameter ${s.key}`;
    case 'url':
      return `URL parameter ${s.urlKey}`;
    case 'input':
      return s.label;
  }
}

export interface OptionError {
  key: OptionKey;
  /** What the user wrote. */
  value: string;
  /** Where, as the user named it: "--idle-threshold", "query parameter idleThresholdS", ... */
  where: string;
  message: string;
}

/** One value checked against its spec: the number, or why not. */
export function checkOption(
  s: OptionSpec,
  raw: string,
  source: OptionSource,
): { ok: true; value: number } | { ok: false; error: OptionError } {
  const where = sourceName(s, source);
  const text = raw.trim();
  // Number('') is 0 and Number('0x10') is 16: only plain decimal notation is a threshold.
  const n = /^[+]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN;
  const inRange =
    Number.isFinite(n) &&
    (s.minInclusive ? n >= s.min : n > s.min) &&
    (s.maxInclusive ? n <= s.max : n < s.max);
  if (inRange) return { ok: true, value: n };
  const unit = s.unit === 's' ? ' (seconds)' : '';
  return {
    ok: false,
    error: {
      key: s.key,
      value: raw,
      where,
      message: `${where} takes ${rangeText(s)}${unit}, not ${JSON.stringify(raw)}`,
    },
  };
}

export interface ParsedOptions {
  values: Partial<AnalysisOptions>;
  errors: OptionError[];
}

/**
 * Reads the options present in `get` (by API key for 'query', URL key for 'url', CLI flag for
 * 'cli', API key for 'input'). Absent values are skipped (they take the defaults); so are empty
 * ones in the URL and the inputs (a cleared field means "default"), while an empty value given on
 * purpose to the CLI or the API is an error.
 */
export function parseOptions(
  get: (name: string) => string | null | undefined,
  source: OptionSource,
): ParsedOptions {
  const out: ParsedOptions = { values: {}, errors: [] };
  for (const s of OPTION_SPECS) {
    const name = source === 'url' ? s.urlKey : source === 'cli' ? s.flag : s.key;
    const raw = get(name);
    if (raw === null || raw === undefined) continue;
    if ((source === 'url' || source === 'input') && raw.trim() === '') continue;
    const r = checkOption(s, raw, source);
    if (r.ok) out.values[s.key] = r.value;
    else out.errors.push(r.error);
  }
  return out;
}
