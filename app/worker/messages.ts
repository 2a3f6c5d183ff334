import type { PacketColumns } from '@/lib/packets';
import type { AnalysisOptions, Finding, Trace } from '@/lib/trace';

export interface WorkerRequest {
  file: File;
  keylog?: File | null;
  /** Analysis thresholds; missing fields take DEFAULT_OPTIONS. */
  options?: Partial<AnalysisOptions>;
}

export type WorkerResponse =
  | { type: 'progress'; bytes: number; packets: number; total: number }
  /** Reserved for progressive results: counts and findings so far. */
  | { type: 'partial'; findings: Finding[]; connections: number }
  | { type: 'done'; trace: Trace; columns: PacketColumns | null }
  | { type: 'error'; message: string };
