import type { AnalysisOptions, Finding, Trace } from '../trace';
import type { FindingKind } from './kinds';

/** One bug family: the kinds it may emit and the function that finds them. */
export interface Detector {
  id: string;
  kinds: FindingKind[];
  detect(trace: Trace, opts: AnalysisOptions): Finding[];
}
