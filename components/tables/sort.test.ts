import { describe, expect, it } from 'vitest';
import { sortRows, type SortDir } from './sort';

type Row = { id: number; v: number | string | null };
const value = (r: Row) => r.v;

/** The order sortRows promises, written out plainly: nulls last, then by value, ties by position. */
function reference(rows: Row[], dir: SortDir): Row[] {
  const sign = dir === 'asc' ? 1 : -1;
  const cmp = (a: Row, b: Row) => {
    if (a.v === null || b.v === null) return a.v === b.v ? 0 : a.v === null ? 1 : -1;
    if (typeof a.v === 'number' && typeof b.v === 'number') return sign * (a.v - b.v);
    return sign * String(a.v).localeCompare(String(b.v), undefined, { numeric: true });
  };
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => cmp(a.r, b.r) || a.i - b.i)
    .map((x) => x.r);
}

function rowsOf(values: (number | string | null)[]): Row[] {
  return values.map((v, id) => ({ id, v }));
}

describe('sortRows', () => {
  const cases: [string, (number | string | null)[]][] = [
    ['in order', [1, 2, 2, 3, 5, 8]],
    ['in order, nulls last', [1, 2, 3, null, null]],
    ['a null first', [null, 1, 2]],
    ['reversed', [5, 4, 3, 2, 1]],
    ['ties', [2, 1, 2, 1, 2]],
    ['natural strings', ['c2', 'c10', 'c1', 'c2']],
    ['empty', []],
    ['one', [7]],
  ];
  for (const [name, values] of cases)
    for (const dir of ['asc', 'desc'] as const)
      it(`${name}, ${dir}`, () => {
        const rows = rowsOf(values);
        expect(sortRows(rows, { key: 'v', dir }, value).map((r) => r.id)).toEqual(
          reference(rows, dir).map((r) => r.id),
        );
      });

  it('returns the rows themselves when they are already in order (no copy of a long list)', () => {
    const rows = rowsOf(Array.from({ length: 1000 }, (_, i) => Math.floor(i / 3)));
    expect(sortRows(rows, { key: 'v', dir: 'asc' }, value)).toBe(rows);
  });

  it('agrees with the plain order on random lists with ties and nulls', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 50; k++) {
      const rows = rowsOf(Array.from({ length: 40 }, () => (rnd() < 0.1 ? null : Math.floor(rnd() * 10))));
      for (const dir of ['asc', 'desc'] as const)
        expect(sortRows(rows, { key: 'v', dir }, value).map((r) => r.id)).toEqual(
          reference(rows, dir).map((r) => r.id),
        );
    }
  });
});
