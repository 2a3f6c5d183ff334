/**
 * `tracelens` — the same analysis as the web app, for terminals, scripts and CI.
 * Exit status: 0 ok, 1 unreadable input, 2 usage error, 3 findings at or above --fail-on.
 */
import {
  createReadStream,
  createWriteStream,
  fstatSync,
  statSync,
  readFileSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { writeDocument, writeWaiting } from './write';
import path from 'node:path';
import { Analyzer, AnalysisError } from '../lib/analyze';
import { traceJsonBytes, traceJsonText } from '../lib/json';
import { TOOL_VERSION, type AnalysisOptions, type Trace } from '../lib/trace';
import { parseArgs, UsageError, USAGE, type ParsedArgs } from './args';
import { renderTraceText } from './text';
import { compareTraces, renderCompareText } from '../lib/compare';
import { describeRedaction, redactStream } from '../lib/redact/index';
import { CaptureFormatError } from '../lib/capture/types';
import { runCorrelate } from './correlate';
import { failOnStatus, readKeylog, reportFailure } from './outcome';
import { compileOrExplain, runPackets } from './packets';
import { openCaptureBytes } from './capture-bytes';
import { filterRows } from '../lib/filter/index';
import { fieldContext } from '../lib/filter/registry';
import { restrictTrace } from '../lib/restrict';
import { analyzeCaptureThreads, isCaptureFile, threadCount } from './threads';

const CHUNK = 4 << 20;

export async function analyzeFile(
  file: string,
  options: Partial<AnalysisOptions>,
  keylog: string | null,
  threads: number | null = 1,
): Promise<Trace> {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new AnalysisError(`${file} is a directory, not a capture`);
    size = st.size;
  } catch (e) {
    if (e instanceof AnalysisError) throw e;
    throw new AnalysisError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const keylogText = keylog ? readKeylog(keylog) : undefined;
  const workers = threadCount(threads, size);
  if (workers > 1 && isCaptureFile(file)) {
    try {
      return await analyzeCaptureThreads(file, path.basename(file), size, keylogText, options, workers);
    } catch (e) {
      if (e instanceof AnalysisError) throw new AnalysisError(`${file}: ${e.message}`);
      throw e;
    }
  }
  const analyzer = new Analyzer({ name: path.basename(file), size, keylog: keylogText }, options);
  try {
    const stream = createReadStream(file, { highWaterMark: CHUNK });
    for await (const chunk of stream) {
      const b = chunk as Buffer;
      analyzer.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    }
    return analyzer.finish();
  } catch (e) {
    // Name the file in the one line the user sees: "capture.pcap: not a capture: ...".
    if (e instanceof AnalysisError) throw new AnalysisError(`${file}: ${e.message}`);
    throw e;
  }
}

function optionsFrom(a: ParsedArgs): Partial<AnalysisOptions> {
  return {
    idleThresholdS: a.idleThresholdS,
    halfCloseThresholdS: a.halfCloseThresholdS,
    slowFactor: a.slowFactor,
    slowMinS: a.slowMinS,
  };
}

/**
 * `tracelens redact IN OUT`: two streaming passes over IN (find, then rewrite); OUT is written as
 * it goes and removed again if anything fails, so a half-redacted file is never left behind.
 */
async function redactFile(a: ParsedArgs, out: NodeJS.WritableStream): Promise<void> {
  const [input, output] = a.files;
  let size: number;
  try {
    const st = statSync(input);
    if (st.isDirectory()) throw new AnalysisError(`${input} is a directory, not a capture`);
    size = st.size;
  } catch (e) {
    if (e instanceof AnalysisError) throw e;
    throw new AnalysisError(`cannot read ${input}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let same = false;
  try {
    same = realpathSync(input) === realpathSync(output);
  } catch {
    // The output does not exist yet.
  }
  if (same) throw new AnalysisError(`${output} is the input: write the redacted capture to another file`);
  const sink = createWriteStream(output);
  const opened = new Promise<void>((resolve, reject) => {
    sink.once('open', () => resolve());
    sink.once('error', reject);
  });
  try {
    await opened;
  } catch (e) {
    throw new AnalysisError(`cannot write ${output}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const chunks = async function* () {
    for await (const c of createReadStream(input, { highWaterMark: CHUNK })) {
      const b = c as Buffer;
      yield new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
  };
  try {
    const stats = await redactStream(
      chunks,
      (chunk) => writeWaiting(sink, chunk),
      { mapPorts: a.mapPorts, redactHeaders: a.redactHeaders, keepPayload: a.keepPayload },
      size,
    );
    await new Promise<void>((resolve, reject) => sink.end((e?: Error | null) => (e ? reject(e) : resolve())));
    out.write(`tracelens: redacted ${input} -> ${output} (${stats.packets} packets)\n`);
    for (const line of describeRedaction(stats)) out.write(`  ${line}\n`);
    for (const w of stats.warnings.slice(0, 5)) out.write(`  note: ${w}\n`);
  } catch (e) {
    sink.destroy();
    rmSync(output, { force: true });
    if (e instanceof CaptureFormatError) throw new AnalysisError(`${input}: ${e.message}`);
    throw e;
  }
}

export async function main(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  if (argv[0] === 'correlate') return runCorrelate(argv.slice(1), out, err);
  if (argv[0] === 'packets') return runPackets(argv.slice(1), out, err);
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`tracelens: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args.command === 'help') {
    out.write(USAGE + '\n');
    return 0;
  }
  if (args.command === 'version') {
    out.write(`tracelens ${TOOL_VERSION}\n`);
    return 0;
  }
  try {
    if (args.command === 'redact') {
      await redactFile(args, out);
      return 0;
    }
    if (args.command === 'compare') {
      const a = await analyzeFile(args.files[0], optionsFrom(args), null);
      const b = await analyzeFile(args.files[1], optionsFrom(args), null);
      const result = compareTraces(a, b);
      const indent = args.pretty || isTerminal(out) ? 2 : undefined;
      out.write(args.json ? JSON.stringify(result, null, indent) + '\n' : renderCompareText(result));
      return 0;
    }
    // --filter: checked before the capture is read, applied once it is analyzed.
    const display = args.filter !== null ? compileOrExplain(args.filter) : null;
    if (display && 'error' in display) {
      err.write(`tracelens: ${display.error}\n`);
      return 2;
    }
    let trace = await analyzeFile(args.files[0], optionsFrom(args), args.keylog, args.threads);
    if (display) trace = await restrictToFilter(args.files[0], trace, display.filter);
    if (args.output && args.output !== '-') {
      // The document goes to the file (removed again if writing fails); stdout keeps the report.
      await writeDocumentFile(args, trace);
    } else if (args.format === 'arrow') {
      await writeDocument(out, [await arrowDocument(trace)]);
    } else if (args.json) {
      // In pieces: a large trace's document is tens of MB, and one string of it (plus its UTF-8
      // copy) would double the peak memory for nothing. Compact for programs (less than half the
      // size, and the indentation was a third of the CLI's time on large HTTP/2 captures),
      // indented for people.
      const indent = args.pretty || isTerminal(out) ? 2 : 0;
      await writeDocument(out, indent === 0 ? traceJsonBytes(trace) : traceJsonText(trace, indent), '\n');
    } else {
      out.write(renderTraceText(trace, { color: args.color && isTty(out) }));
    }
    return failOnStatus(trace.findings, args.failOn);
  } catch (e) {
    return reportFailure(e, err);
  }
}

/** `analyze --filter`: the trace restricted to what has a packet matching the display filter. */
async function restrictToFilter(
  file: string,
  trace: Trace,
  filter: Parameters<typeof filterRows>[1],
): Promise<Trace> {
  if (!trace.packets) throw new AnalysisError(`${file}: --filter selects packets, and a debug log has none`);
  const source = await openCaptureBytes(file, trace.packets);
  try {
    return restrictTrace(
      trace,
      filterRows(
        fieldContext(trace, (row) => source.bytes(row)),
        filter,
      ),
    );
  } finally {
    source.close();
  }
}

/**
 * The trace as the Arrow document. Loaded on this path only: evaluating apache-arrow costs every
 * other run ~25 ms of start-up.
 */
async function arrowDocument(trace: Trace): Promise<Uint8Array> {
  const [{ toTraceColumns }, { encodeArrow }] = await Promise.all([
    import('../lib/document/columns'),
    import('../lib/document/arrow'),
  ]);
  return encodeArrow(toTraceColumns(trace));
}

/** `-o FILE`: the JSON or Arrow document written to FILE; FILE is removed if anything fails. */
async function writeDocumentFile(args: ParsedArgs, trace: Trace): Promise<void> {
  const file = args.output!;
  const sink = createWriteStream(file);
  try {
    await new Promise<void>((resolve, reject) => {
      sink.once('open', () => resolve());
      sink.once('error', reject);
    });
  } catch (e) {
    throw new AnalysisError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    if (args.format === 'arrow') await writeWaiting(sink, await arrowDocument(trace));
    else {
      const indent = args.pretty ? 2 : 0;
      for (const piece of indent === 0 ? traceJsonBytes(trace) : traceJsonText(trace, indent))
        await writeWaiting(sink, piece);
      await writeWaiting(sink, '\n');
    }
    await new Promise<void>((resolve, reject) => sink.end((e?: Error | null) => (e ? reject(e) : resolve())));
  } catch (e) {
    sink.destroy();
    rmSync(file, { force: true });
    throw new AnalysisError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

function isTerminal(s: NodeJS.WritableStream): boolean {
  return Boolean((s as NodeJS.WriteStream).isTTY);
}

function isTty(s: NodeJS.WritableStream): boolean {
  return isTerminal(s) && !process.env.NO_COLOR;
}
