import type { PacketColumns } from '@/lib/packets';
import type { AnalysisSnapshot } from '@/lib/analyze';
import type { AnalysisOptions, Trace } from '@/lib/trace';

export interface WorkerRequest {
  file: File;
  keylog?: File | null;
  /** Analysis thresholds; missing fields take DEFAULT_OPTIONS. */
  options?: Partial<AnalysisOptions>;
}

export type WorkerResponse =
  | { type: 'progress'; bytes: number; packets: number; total: number }
  /** Progressive results while the file still streams in: counts and the first connections. */
  | { type: 'partial'; snapshot: AnalysisSnapshot }
  | { type: 'done'; trace: Trace; columns: PacketColumns | null }
  | { type: 'error'; message: string };
