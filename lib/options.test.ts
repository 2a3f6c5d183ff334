// The one description of the analysis options: every entry point validates through it and agrees.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOption, OPTION_SPECS, parseOptions, type OptionSource } from './options';
import { DEFAULT_OPTIONS } from './trace';
import { parseArgs, USAGE, UsageError } from '../cli/args';

const SOURCES: OptionSource[] = ['cli', 'query', 'url', 'input'];

describe('OPTION_SPECS', () => {
  it('describes every AnalysisOptions field once, with its default', () => {
    expect(OPTION_SPECS.map((s) => s.key).sort()).toEqual(Object.keys(DEFAULT_OPTIONS).sort());
    for (const s of OPTION_SPECS) {
      expect(s.default).toBe(DEFAULT_OPTIONS[s.key]);
      expect(checkOption(s, String(s.default), 'cli').ok).toBe(true);
    }
    for (const k of ['flag', 'urlKey'] as const)
      expect(new Set(OPTION_SPECS.map((s) => s[k])).size).toBe(OPTION_SPECS.length);
  });

  it('rejects 0, negatives, non-numbers and out-of-range values from every source alike', () => {
    for (const s of OPTION_SPECS) {
      for (const bad of ['0', '-1', 'abc', '1e400', 'NaN', 'Infinity', '0x10', String(s.max * 10)]) {
        for (const src of SOURCES) {
          const r = checkOption(s, bad, src);
          expect(r.ok, `${s.key}=${bad} from ${src}`).toBe(false);
          if (!r.ok) {
            expect(r.error.key).toBe(s.key);
            expect(r.error.message).toContain(r.error.where);
            expect(r.error.message).toContain(JSON.stringify(bad));
          }
        }
      }
      // The bounds themselves, as the spec says.
      expect(checkOption(s, String(s.min), 'cli').ok).toBe(s.minInclusive);
      expect(checkOption(s, String(s.max), 'cli').ok).toBe(s.maxInclusive);
    }
  });

  it('names where a bad value came from', () => {
    const idle = OPTION_SPECS[0];
    const at = (src: OptionSource) => {
      const r = checkOption(idle, '0', src);
      return r.ok ? '' : r.error.where;
    };
    expect(at('cli')).toBe('--idle-threshold');
    expect(at('query')).toBe('query parameter idleThresholdS');
    expect(at('url')).toBe('URL parameter idle');
    expect(at('input')).toBe('Idle threshold');
  });

  it('parseOptions reads each source by its own names and collects every error', () => {
    const q = new URLSearchParams('idleThresholdS=3&halfCloseThresholdS=0&slowFactor=x');
    const r = parseOptions((k) => q.get(k), 'query');
    expect(r.values).toEqual({ idleThresholdS: 3 });
    expect(r.errors.map((e) => e.key).sort()).toEqual(['halfCloseThresholdS', 'slowFactor']);
    const u = new URLSearchParams('idle=2.5&hc=&smin=0');
    const ru = parseOptions((k) => u.get(k), 'url');
    expect(ru.values).toEqual({ idleThresholdS: 2.5 });
    expect(ru.errors.map((e) => e.where)).toEqual(['URL parameter smin']);
    // An empty API parameter was given on purpose: an error, not the default.
    expect(parseOptions((k) => (k === 'slowMinS' ? '' : null), 'query').errors).toHaveLength(1);
  });
});

describe('the CLI validates through lib/options', () => {
  it('takes valid thresholds and refuses what the API refuses', () => {
    for (const s of OPTION_SPECS) {
      const ok = parseArgs(['analyze', 'x.pcap', s.flag, String(s.default * 2)]);
      expect(ok[s.key]).toBe(s.default * 2);
      expect(parseArgs(['analyze', 'x.pcap', `${s.flag}=${s.default}`])[s.key]).toBe(s.default);
      for (const bad of ['0', '-3', 'ten']) {
        expect(() => parseArgs(['analyze', 'x.pcap', s.flag, bad])).toThrow(UsageError);
        expect(parseOptions((k) => (k === s.key ? bad : null), 'query').errors).toHaveLength(1);
      }
      expect(() => parseArgs(['analyze', 'x.pcap', s.flag])).toThrow(/needs a value/);
      expect(USAGE).toContain(`${s.flag} ${s.valueName}`);
    }
  });

  it("matches README's CLI option table (flag, value name, default)", () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const rows = readme.split('\n').filter((l) => l.startsWith('| `--'));
    for (const s of OPTION_SPECS) {
      const row = rows.find((r) => r.includes(`\`${s.flag} ${s.valueName}\``));
      expect(row, `README row for ${s.flag}`).toBeDefined();
      const cells = (row as string).split('|').map((c) => c.trim());
      const def = cells[cells.length - 2];
      // "30 s", or "5, 1 s" for the row that documents two flags: the default is one of the figures.
      expect(
        def.split(/[,\s]+/).filter((x) => /^\d/.test(x)),
        `${s.flag} default`,
      ).toContain(String(s.default));
    }
  });
});
