import type { AnalysisOptions } from '@/lib/trace';

/** A bundled sample listed in public/samples/index.json. */
export interface Sample {
  name: string;
  file: string;
  description?: string;
  /** Analysis options the sample needs (from samples/<name>/expected.json). */
  options?: Partial<AnalysisOptions>;
}
