import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ALL_KINDS, KINDS, K } from './kinds';
import { DETECTORS } from './index';
import { CORRELATION_KINDS } from '../correlate/correlate';
import { CONTRACTS_DIR, itCorpus } from '../../tests/shared';

const ROOT = path.resolve(__dirname, '../..');

function readmeRows(): { kind: string; severity: string; module: string }[] {
  const text = readFileSync(path.join(__dirname, 'README.md'), 'utf8');
  const rows: { kind: string; severity: string; module: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|\s*(\w+)\s*\|\s*([\w-]+)\s*\|/.exec(line);
    if (m) rows.push({ kind: m[1], severity: m[2], module: m[3] });
  }
  return rows;
}

/** Product source files: everything under lib/, components/, app/, cli/ but tests and test helpers. */
function productFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) productFiles(p, out);
    else if (
      /\.(ts|tsx)$/.test(name) &&
      !/\.test\.tsx?$/.test(name) &&
      !/^(testing|test-[\w-]+)\.ts$/.test(name)
    )
      out.push(p);
  }
  return out;
}

describe('finding-kind registry', () => {
  it('names are unique and shaped family.rule', () => {
    expect(new Set(ALL_KINDS).size).toBe(ALL_KINDS.length);
    for (const k of ALL_KINDS) expect(k).toMatch(/^[a-z0-9]+\.[a-z0-9-]+$/);
  });

  it("the README table lists exactly the registry's rows", () => {
    const rows = readmeRows();
    expect(rows.map((r) => r.kind).sort()).toEqual([...ALL_KINDS].sort());
    for (const r of rows) {
      const info = KINDS[r.kind as (typeof ALL_KINDS)[number]];
      expect({ kind: r.kind, severity: r.severity, module: r.module }).toEqual({
        kind: r.kind,
        severity: info.severity,
        module: info.module,
      });
    }
  });

  it('every kind belongs to exactly one detector, the one of its module', () => {
    const owner = new Map<string, string>();
    // Several inputs compared (lib/correlate) are not a detector of one trace: its kinds are its own.
    for (const k of CORRELATION_KINDS) {
      expect(owner.has(k), `${k} listed twice by lib/correlate`).toBe(false);
      owner.set(k, 'correlate');
      expect(KINDS[k].module).toBe('correlate');
    }
    for (const d of DETECTORS)
      for (const k of d.kinds) {
        expect(owner.has(k), `${k} listed by ${owner.get(k)} and ${d.id}`).toBe(false);
        owner.set(k, d.id);
        expect(KINDS[k].module).toBe(d.id);
      }
    expect([...owner.keys()].sort()).toEqual([...ALL_KINDS].sort());
  });

  it('no kind name is spelled in product code outside kinds.ts', () => {
    const names = new Set<string>(ALL_KINDS);
    const offenders: string[] = [];
    for (const dir of ['lib', 'components', 'app', 'cli']) {
      for (const f of productFiles(path.join(ROOT, dir))) {
        if (f.endsWith(path.join('findings', 'kinds.ts'))) continue;
        const text = readFileSync(f, 'utf8');
        for (const m of text.matchAll(/['"`]([a-z0-9]+\.[a-z0-9-]+)['"`]/g))
          if (names.has(m[1])) offenders.push(`${path.relative(ROOT, f)}: ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  itCorpus("the trace-JSON contract's kinds are registered with the contract's severity", () => {
    const text = readFileSync(path.join(CONTRACTS_DIR, 'trace-json.md'), 'utf8');
    const rows = [...text.matchAll(/^\| `([a-z0-9.-]+)` \| (error|warning|info) \| (.*)$/gm)];
    expect(rows.length).toBeGreaterThan(10);
    for (const [, kind, severity] of rows)
      expect({ kind, severity: KINDS[kind as (typeof ALL_KINDS)[number]]?.severity }).toEqual({
        kind,
        severity,
      });
  });

  it('K is the table', () => {
    expect(Object.keys(KINDS).sort()).toEqual(Object.values(K).sort());
  });
});
