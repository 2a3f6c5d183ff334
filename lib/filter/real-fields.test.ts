/**
 * The language over the real registered fields (lib/filter/registry.ts) on the repository's own
 * captures: every field compiles and runs in each form its type allows, and random and mutated
 * filters made of real field names never throw, in compiling or in matching (with and without the
 * packets' bytes at hand).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../../tests/shared';
import { Analyzer, analyzeBytes } from '../analyze';
import { FieldIndex } from './field-index';
import { compileFilter, filterRows } from './filter';
import { FIELD_LAYERS, fieldContext } from './registry';
import type { FieldContext, FieldDef } from './types';

const index = new FieldIndex(FIELD_LAYERS);

function load(rel: string, keys?: string): { withBytes: FieldContext; withoutBytes: FieldContext } {
  const bytes = new Uint8Array(readFileSync(path.join(SAMPLES_DIR, rel)));
  const trace = keys
    ? (() => {
        const a = new Analyzer({
          name: rel,
          size: bytes.length,
          keylog: readFileSync(path.join(SAMPLES_DIR, keys), 'utf8'),
        });
        a.push(bytes);
        return a.finish();
      })()
    : analyzeBytes(rel, bytes);
  const p = trace.packets!;
  return {
    withBytes: fieldContext(trace, (row) =>
      bytes.subarray(p.fileOffset[row], p.fileOffset[row] + p.caplen[row]),
    ),
    withoutBytes: fieldContext(trace),
  };
}

const CAPTURES = [
  load('healthy-h2c/capture.pcap'),
  load('healthy-http1/capture.pcap'),
  load('tls/curl-h2.pcap', 'tls/curl-h2.keys'),
];

/** Filters exercising a field in each form its type allows. */
function formsOf(f: FieldDef): string[] {
  const n = f.name;
  switch (f.type) {
    case 'none':
      return [n, `!${n}`];
    case 'bool':
      return [n, `${n} == 1`, `${n} != True`];
    case 'uint':
    case 'int':
      return [
        n,
        `${n} == 1`,
        `${n} > 0`,
        `${n} in {0, 2..100}`,
        `${n} !== 3`,
        `${n} === 0`,
        `${n} + 1 > 2`,
        `count(${n}) > 1`,
      ];
    case 'float':
      return [n, `${n} > 0.5`, `${n} in {0.0..1.5}`];
    case 'string':
      return [
        n,
        `${n} == "a"`,
        `${n} contains "/"`,
        `${n} matches "^[a-z]"`,
        `len(${n}) > 3`,
        `lower(${n}) == "x"`,
        `${n}[0] == "a"`,
      ];
    case 'bytes':
      return [
        n,
        `${n} contains 00:01`,
        `${n}[0:2] == 47:45`,
        `${n}[-1] == 0a`,
        `len(${n}) > 10`,
        `${n} matches "http"`,
      ];
    case 'ipv4':
      return [n, `${n} == 10.0.0.0/8`, `${n} != 127.0.0.1`, `${n}[0] == 7f`, `string(${n}) contains "."`];
    case 'ipv6':
      return [n, `${n} == ::1`, `${n} == fe80::/10`];
    case 'ether':
      return [n, `${n} == 00:00:00:00:00:00`, `${n}[0:3] == 00:00:00`];
  }
}

describe('the registered fields in the language', () => {
  it('every field compiles and runs in every form its type allows', () => {
    expect(index.size).toBeGreaterThan(100);
    let compiled = 0;
    for (const name of index.names()) {
      for (const text of formsOf(index.get(name)!)) {
        const r = compileFilter(text, index);
        expect(r.ok ? null : r.error.message, text).toBeNull();
        if (!r.ok) continue;
        expect(r.filter.fields, text).toContain(name);
        compiled++;
        for (const c of CAPTURES) {
          const a = filterRows(c.withBytes, r.filter);
          const b = filterRows(c.withoutBytes, r.filter);
          expect(a.length, text).toBeLessThanOrEqual(c.withBytes.packets.length);
          expect(b.length, text).toBeLessThanOrEqual(c.withBytes.packets.length);
        }
      }
    }
    expect(compiled).toBeGreaterThan(300);
  });

  it('a protocol is present on some packets of a capture that carries it', () => {
    const [h2c, http1, tls] = CAPTURES;
    const count = (c: FieldContext, text: string) => {
      const r = compileFilter(text, index);
      if (!r.ok) throw new Error(r.error.message);
      return filterRows(c, r.filter).length;
    };
    expect(count(h2c.withBytes, 'http2')).toBeGreaterThan(0);
    expect(count(h2c.withBytes, 'http2 && !http')).toBeGreaterThan(0);
    expect(count(http1.withBytes, 'http.request')).toBeGreaterThan(0);
    expect(count(http1.withBytes, 'http2')).toBe(0);
    expect(count(tls.withBytes, 'tls')).toBeGreaterThan(0);
  });

  it('completion lists a layer under its prefix', () => {
    const tcp = index.complete('tcp.');
    expect(tcp.length).toBeGreaterThan(20);
    expect(tcp.every((f) => f.name.startsWith('tcp.'))).toBe(true);
    expect(index.complete('').map((f) => f.name)).toEqual(
      expect.arrayContaining(['frame', 'ip', 'tcp', 'http', 'http2']),
    );
  });

  it('random and mutated filters of real field names never throw', () => {
    const names = index.names();
    let seed = 4242;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const ops = ['==', '!=', '===', '!==', '<', '>=', 'contains', 'matches', 'in', '&&', '||', '!', 'xor'];
    const values = [
      '1',
      '0x10',
      '"GET"',
      '10.0.0.0/8',
      '::1',
      'aa:bb',
      '{1, 2..5}',
      '"(a|b)+"',
      "'a'",
      'True',
      '-3',
      '1.5',
    ];
    for (let k = 0; k < 3000; k++) {
      const parts: string[] = [];
      const n = 1 + rand(6);
      for (let i = 0; i < n; i++) {
        const pick = rand(3);
        parts.push(
          pick === 0
            ? names[rand(names.length)]
            : pick === 1
              ? ops[rand(ops.length)]
              : values[rand(values.length)],
        );
      }
      let text = parts.join(' ');
      if (rand(4) === 0) text = text.slice(0, rand(text.length + 1));
      if (rand(6) === 0) text = `len(${text})`;
      let r: ReturnType<typeof compileFilter> | undefined;
      expect(() => (r = compileFilter(text, index)), text).not.toThrow();
      if (!r) continue;
      if (!r.ok) {
        expect(r.error.message, text).not.toMatch(/internal error/);
        continue;
      }
      const f = r.filter;
      for (const c of CAPTURES) {
        expect(() => filterRows(c.withBytes, f), text).not.toThrow();
        expect(() => filterRows(c.withoutBytes, f), text).not.toThrow();
      }
    }
  });
});
