/**
 * The registered display-filter fields by name: lookup for the compiler, prefix completion for the
 * filter bar, and "did you mean" for a misspelt name.
 */
import type { FieldDef, FieldLayer } from './types';

export class FieldIndex {
  private readonly byName = new Map<string, FieldDef>();
  /** Names in sorted order, for completion by binary search. */
  private readonly sorted: string[];
  readonly protocols: string[];

  constructor(layers: readonly FieldLayer[]) {
    const protocols: string[] = [];
    for (const layer of layers) {
      protocols.push(layer.protocol);
      // The first registration of a name wins: two layers registering one name is a registry bug,
      // and the filter keeps answering with the first rather than failing.
      for (const f of layer.fields) if (!this.byName.has(f.name)) this.byName.set(f.name, f);
    }
    this.protocols = protocols;
    this.sorted = [...this.byName.keys()].sort();
  }

  get(name: string): FieldDef | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get size(): number {
    return this.byName.size;
  }

  names(): readonly string[] {
    return this.sorted;
  }

  /**
   * Fields whose name starts with `prefix`, in name order. For the filter bar: `tcp.` lists the
   * TCP fields; an empty prefix lists the protocols.
   */
  complete(prefix: string, limit = 200): FieldDef[] {
    if (prefix === '') return this.protocols.map((p) => this.byName.get(p)).filter((f): f is FieldDef => !!f);
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid] < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: FieldDef[] = [];
    for (let i = lo; i < this.sorted.length && out.length < limit && this.sorted[i].startsWith(prefix); i++)
      out.push(this.byName.get(this.sorted[i])!);
    return out;
  }

  /** The registered name nearest to `name` by edit distance, if one is near enough to be a typo. */
  suggest(name: string): string | undefined {
    const max = Math.max(1, Math.min(3, Math.floor(name.length / 4)));
    let best: string | undefined;
    let bestD = max + 1;
    for (const candidate of this.sorted) {
      if (Math.abs(candidate.length - name.length) > max) continue;
      const d = editDistance(name, candidate, bestD);
      if (d < bestD || (d === bestD && best !== undefined && candidate.length < best.length)) {
        best = candidate;
        bestD = d;
      }
    }
    return bestD <= max ? best : undefined;
  }
}

/** Levenshtein distance with adjacent transpositions; gives up (returns cap + 1) once above `cap`. */
export function editDistance(a: string, b: string, cap = Infinity): number {
  const m = a.length;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > cap) return cap + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n];
}
