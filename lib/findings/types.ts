import type { AnalysisOptions, Finding, Trace } from '../trace';

/** One bug family: the kinds it may emit and the function that finds them. */
export interface Detector {
  id: string;
  kinds: string[];
  detect(trace: Trace, opts: AnalysisOptions): Finding[];
}
