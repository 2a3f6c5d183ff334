/**
 * I/O graph (Wireshark's Statistics > I/O Graphs): per time interval, a measure over the packets a
 * display filter selects — packets, bytes, bits/s, or SUM/MAX/MIN/AVG/COUNT of a field's values.
 *
 * Computed from the packet columns (PacketTable) in one pass over the selected rows; which rows is
 * the filter's business (lib/filter's filterRows gives them, ascending), and where a field's values
 * come from is the field's (lib/filter/registry.ts; the PacketTable's own columns are read here
 * directly). Runs in the Worker.
 */
import type { PacketTable } from './packets';

export type IoMeasure = 'packets' | 'bytes' | 'bits' | 'sum' | 'max' | 'min' | 'avg' | 'count';

export const IO_MEASURES: { id: IoMeasure; label: string; needsField: boolean }[] = [
  { id: 'packets', label: 'Packets', needsField: false },
  { id: 'bytes', label: 'Bytes', needsField: false },
  { id: 'bits', label: 'Bits/s', needsField: false },
  { id: 'sum', label: 'SUM(field)', needsField: true },
  { id: 'max', label: 'MAX(field)', needsField: true },
  { id: 'min', label: 'MIN(field)', needsField: true },
  { id: 'avg', label: 'AVG(field)', needsField: true },
  { id: 'count', label: 'COUNT(field)', needsField: true },
];

/** Intervals offered, as Wireshark offers them (seconds). */
export const IO_INTERVALS = [0.001, 0.01, 0.1, 1, 10];

/** Most buckets one graph computes; a finer interval over a long capture is coarsened. */
export const MAX_BUCKETS = 200_000;

export type IoStyle = 'line' | 'bar' | 'dot';

export interface IoSeries {
  /** Display filter text ('' = every packet). */
  filter: string;
  measure: IoMeasure;
  /** Field for SUM/MAX/MIN/AVG/COUNT ("frame.len", "tcp.window_size", ...). */
  field?: string;
  color: string;
  style: IoStyle;
}

/** Reads a field's numeric occurrences in one packet row (none: the field is absent there). */
export type FieldReader = (row: number, out: number[]) => void;

export interface IoBuckets {
  intervalS: number;
  /** Time (s, relative) of bucket 0's start. */
  startS: number;
  /** One value per bucket; NaN where a MIN/MAX/AVG has no value. */
  values: Float64Array;
}

/** The interval actually used: `intervalS`, coarsened by tens until the buckets fit MAX_BUCKETS. */
export function effectiveInterval(intervalS: number, spanS: number): number {
  let i = intervalS;
  while (spanS / i > MAX_BUCKETS) i = Number((i * 10).toPrecision(12));
  return i;
}

/**
 * Buckets `measure` over `rows` (ascending packet rows; null = every packet) from `startS` to
 * `endS` (default: the capture's packets' span).
 */
export function ioBuckets(
  packets: PacketTable,
  opts: {
    intervalS: number;
    measure: IoMeasure;
    rows: Uint32Array | null;
    field?: FieldReader | null;
    startS?: number;
    endS?: number;
  },
): IoBuckets {
  const n = packets.length;
  let lastT = 0;
  for (let i = 0; i < n; i++) if (packets.time[i] > lastT) lastT = packets.time[i];
  const startS = opts.startS ?? 0;
  const endS = opts.endS ?? lastT;
  const intervalS = effectiveInterval(opts.intervalS, Math.max(0, endS - startS));
  const count = Math.max(1, Math.floor((endS - startS) / intervalS) + 1);
  const values = new Float64Array(count);
  const aux = opts.measure === 'avg' ? new Float64Array(count) : null;
  const m = opts.measure;
  if (m === 'min' || m === 'max' || m === 'avg') values.fill(Number.NaN);
  const field = opts.field ?? null;
  if ((m === 'sum' || m === 'max' || m === 'min' || m === 'avg' || m === 'count') && !field)
    throw new Error(`${m.toUpperCase()} needs a field`);
  const out: number[] = [];
  const total = opts.rows ? opts.rows.length : n;
  for (let k = 0; k < total; k++) {
    const row = opts.rows ? opts.rows[k] : k;
    if (row >= n) continue;
    const t = packets.time[row];
    if (t < startS || t > endS) continue;
    const b = Math.min(count - 1, Math.floor((t - startS) / intervalS));
    switch (m) {
      case 'packets':
        values[b]++;
        break;
      case 'bytes':
      case 'bits':
        values[b] += packets.origLen[row];
        break;
      default: {
        out.length = 0;
        field!(row, out);
        for (const v of out) {
          if (!Number.isFinite(v)) continue;
          if (m === 'count') values[b]++;
          else if (m === 'sum') values[b] += v;
          else if (m === 'max') values[b] = Number.isNaN(values[b]) || v > values[b] ? v : values[b];
          else if (m === 'min') values[b] = Number.isNaN(values[b]) || v < values[b] ? v : values[b];
          else {
            values[b] = (Number.isNaN(values[b]) ? 0 : values[b]) + v;
            aux![b]++;
          }
        }
      }
    }
  }
  if (m === 'bits') for (let b = 0; b < count; b++) values[b] = (values[b] * 8) / intervalS;
  if (aux) for (let b = 0; b < count; b++) if (aux[b] > 0) values[b] /= aux[b];
  return { intervalS, startS, values };
}

/**
 * Fields read straight from the packet columns, for graphs before (or without) the filter
 * registry: frame.len, frame.cap_len, tcp.len, ip.ttl, frame.time_relative, tcp.stream.
 */
export function columnField(packets: PacketTable, name: string): FieldReader | null {
  switch (name) {
    case 'frame.len':
      return (r, out) => void out.push(packets.origLen[r]);
    case 'frame.cap_len':
      return (r, out) => void out.push(packets.caplen[r]);
    case 'frame.time_relative':
      return (r, out) => void out.push(packets.time[r]);
    case 'tcp.len':
      return (r, out) => {
        if (packets.conn[r] >= 0) out.push(packets.payloadLen[r]);
      };
    case 'tcp.stream':
      return (r, out) => {
        if (packets.conn[r] >= 0) out.push(packets.conn[r]);
      };
    case 'ip.ttl':
      return (r, out) => {
        if (packets.ttl[r] > 0) out.push(packets.ttl[r]);
      };
    default:
      return null;
  }
}
