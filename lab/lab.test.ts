// Every lab scenario (lab/<name>/expected.json) yields exactly its expected findings, on each of
// its committed captures; the benign ones nothing at warning or above. See lab/README.md for the
// format. Regenerating captures needs root (lab/<name>/generate.sh); these tests only read them.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Analyzer } from '../lib/analyze';
import type { Finding, Trace } from '../lib/trace';
import { labMismatches, type ExpectedCapture, type LabExpected } from './expectations';

const LAB_DIR = __dirname;

function scenarios(): string[] {
  return readdirSync(LAB_DIR)
    .filter((d) => existsSync(path.join(LAB_DIR, d, 'expected.json')))
    .sort();
}

function analyzeFile(file: string, e: ExpectedCapture, dir: string): Trace {
  const bytes = new Uint8Array(readFileSync(file));
  const keylog = e.keylog ? readFileSync(path.join(dir, e.keylog), 'utf8') : undefined;
  const a = new Analyzer({ name: path.basename(file), size: bytes.length, keylog }, e.options ?? {});
  const step = 1 << 20;
  for (let off = 0; off < bytes.length; off += step) a.push(bytes.subarray(off, off + step));
  return a.finish();
}

function describeFinding(f: Finding): string {
  return `${f.severity} ${f.kind}@${f.connection ?? '-'}/${f.stream ?? '-'}: ${f.title}`;
}

const names = scenarios();

describe('lab scenarios yield exactly their expected findings', () => {
  it('has scenarios', () => {
    expect(names.length).toBeGreaterThan(0);
  });
  for (const name of names) {
    const dir = path.join(LAB_DIR, name);
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as LabExpected;
    for (const [file, e] of Object.entries(expected.captures)) {
      it(`${name}/${file}`, () => {
        const p = path.join(dir, file);
        expect(existsSync(p), `${p} is missing`).toBe(true);
        const trace = analyzeFile(p, e, dir);
        expect(labMismatches(trace, e, expected.benign)).toEqual([]);
      });
    }
  }
});
