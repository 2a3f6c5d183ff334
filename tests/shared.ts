// Test material (see tests/corpus.ts) and the switches for tests that need the external corpus. A
// fresh clone has no corpus: the tests that read it are skipped (vitest counts them as skipped and
// tests/corpus-notice.ts prints one line saying so); CI sets TRACELENS_REQUIRE_CORPUS=1 so that a
// missing corpus fails there instead of passing quietly.
import { existsSync, readdirSync } from 'node:fs';
import { describe, it } from 'vitest';
import { HAS_CORPUS } from './corpus';

export * from './corpus';
/** Kept for older tests: the corpus folder. */
export { CORPUS_DIR as SHARED_DIR } from './corpus';

/** describe / it that run only when the external corpus is there (skipped, and counted, otherwise). */
export const describeCorpus = HAS_CORPUS ? describe : describe.skip;
export const itCorpus = HAS_CORPUS ? it : it.skip;

/** The names in a corpus folder; none when the corpus is absent. */
export function listCorpus(dir: string): string[] {
  return HAS_CORPUS && existsSync(dir) ? readdirSync(dir) : [];
}
