// Vitest global setup: one line when the external corpus is absent (its tests are skipped), and a
// failure instead when the run requires it (CI sets TRACELENS_REQUIRE_CORPUS=1).
import { CORPUS_DIR, HAS_CORPUS, REAL_CAPTURES } from './corpus';

export default function setup(): void {
  if (HAS_CORPUS) return;
  const line = `external corpus not found at ${REAL_CAPTURES}: tests on real captures skipped (set TRACELENS_CORPUS to the folder holding captures/real)`;
  if (process.env.TRACELENS_REQUIRE_CORPUS === '1')
    throw new Error(`${line}; TRACELENS_REQUIRE_CORPUS=1 requires it (${CORPUS_DIR})`);
  console.log(line);
}
