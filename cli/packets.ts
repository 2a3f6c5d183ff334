/**
 * `tracelens packets CAPTURE [-Y FILTER] [--keylog FILE] [--json]`: the packet list, one line a
 * packet as `tshark -Y FILTER` prints it (number, time, source → destination, protocol, length,
 * info), or with --json the array of the packets contract (shared/contracts/trace-json.md).
 * Written as it is made: one packet's line at a time, waiting for a slow reader.
 * Exit status: 0 done, 1 unreadable input, 2 usage error or invalid filter.
 */
import { once } from 'node:events';
import { AnalysisError } from '../lib/analyze';
import { compileFilter, FieldIndex, type CompiledFilter } from '../lib/filter/index';
import { FIELD_LAYERS, fieldContext } from '../lib/filter/registry';
import { packetRow, type PacketRow } from '../lib/packet-list';
import { openCaptureBytes } from './capture-bytes';
import { reportFailure } from './outcome';
import { analyzeFile } from './tracelens';

export const PACKETS_USAGE = `usage: tracelens packets <capture> [-Y FILTER] [--keylog FILE] [--json]
Lists the packets as tshark does (number, time, source → destination, protocol, length, info),
those matching the Wireshark display filter FILTER when given (-Y, or --filter); --json prints the
array of {"number", "timeS", "src", "dst", "protocol", "length", "info"}.`;

interface PacketsArgs {
  file: string;
  filter: string | null;
  keylog: string | null;
  json: boolean;
}

class PacketsUsageError extends Error {}

function parse(argv: string[]): PacketsArgs | 'help' {
  const files: string[] = [];
  const a: Omit<PacketsArgs, 'file'> = { filter: null, keylog: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    const [flag, inline] =
      x.startsWith('--') && x.includes('=')
        ? [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]
        : [x, undefined];
    const value = (): string | undefined => (inline !== undefined ? inline : argv[++i]);
    if (flag === '--help' || flag === '-h') return 'help';
    else if (flag === '--json') a.json = true;
    else if (flag === '-Y' || flag === '--filter') {
      const v = value();
      if (v === undefined) throw new PacketsUsageError(`${flag} needs a display filter`);
      a.filter = v;
    } else if (flag === '--keylog') {
      const v = value();
      if (!v) throw new PacketsUsageError('--keylog needs a file');
      a.keylog = v;
    } else if (x.startsWith('-') && x !== '-') throw new PacketsUsageError(`unknown option ${x}`);
    else files.push(x);
  }
  if (files.length !== 1) throw new PacketsUsageError(`packets takes one capture, got ${files.length}`);
  return { ...a, file: files[0] };
}

let fieldIndexCache: FieldIndex | null = null;
/** The registered fields, indexed once. */
export function registeredFields(): FieldIndex {
  fieldIndexCache ??= new FieldIndex(FIELD_LAYERS);
  return fieldIndexCache;
}

/**
 * Compiles a display filter, or returns the one line that says what is wrong and where
 * ("invalid filter at column 5: ...").
 */
export function compileOrExplain(text: string): { filter: CompiledFilter } | { error: string } {
  const r = compileFilter(text, registeredFields());
  if (r.ok) return { filter: r.filter };
  return { error: `invalid filter at column ${r.error.column}: ${r.error.message}` };
}

/** One line as tshark prints it. */
export function packetLine(r: PacketRow): string {
  const src = r.src.padStart(15);
  const dst = r.dst.padEnd(15);
  const addr = r.src || r.dst ? `${src} → ${dst}` : ''.padEnd(33);
  return `${String(r.number).padStart(5)} ${r.timeS.toFixed(6).padStart(10)} ${addr} ${r.protocol} ${r.length} ${r.info}`.trimEnd();
}

const FLUSH_BYTES = 64 * 1024;

export async function runPackets(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  let args: PacketsArgs | 'help';
  try {
    args = parse(argv);
  } catch (e) {
    if (e instanceof PacketsUsageError) {
      err.write(`tracelens: ${e.message}\n${PACKETS_USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args === 'help') {
    out.write(PACKETS_USAGE + '\n');
    return 0;
  }
  // The filter is checked before the capture is read: a typo costs nothing.
  let filter: CompiledFilter | null = null;
  if (args.filter !== null) {
    const c = compileOrExplain(args.filter);
    if ('error' in c) {
      err.write(`tracelens: ${c.error}\n`);
      return 2;
    }
    filter = c.filter;
  }
  try {
    const trace = await analyzeFile(args.file, {}, args.keylog);
    if (!trace.packets) throw new AnalysisError(`${args.file}: a debug log has no packets to list`);
    const source = await openCaptureBytes(args.file, trace.packets);
    try {
      const ctx = fieldContext(trace, (row) => source.bytes(row));
      await writeRows(
        out,
        args.json,
        trace.packets.length,
        (row) => !filter || filter.match(ctx, row),
        (row) => packetRow(ctx, row),
      );
    } finally {
      source.close();
    }
    return 0;
  } catch (e) {
    // A reader that stops early (`| head`) is not a failure.
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    return reportFailure(e, err);
  }
}

/** Streams the matching rows as text lines or a JSON array, a chunk at a time. */
async function writeRows(
  out: NodeJS.WritableStream,
  json: boolean,
  n: number,
  matches: (row: number) => boolean,
  make: (row: number) => PacketRow,
): Promise<void> {
  let buf = json ? '[' : '';
  let first = true;
  const flush = async (): Promise<void> => {
    if (!buf) return;
    const chunk = buf;
    buf = '';
    if (!out.write(chunk)) await once(out, 'drain');
  };
  for (let row = 0; row < n; row++) {
    if (!matches(row)) continue;
    const r = make(row);
    if (json) {
      buf += `${first ? '\n' : ',\n'}${JSON.stringify({
        number: r.number,
        timeS: r.timeS,
        src: r.src,
        dst: r.dst,
        protocol: r.protocol,
        length: r.length,
        info: r.info,
      })}`;
    } else buf += packetLine(r) + '\n';
    first = false;
    if (buf.length >= FLUSH_BYTES) await flush();
  }
  if (json) buf += first ? ']\n' : '\n]\n';
  await flush();
}
