/**
 * `tracelens correlate A B [C...] [--json [--pretty]] [--keylog FILE]...`: several captures (client
 * host, proxy, server host) and debug logs of the same traffic lined up (lib/correlate).
 * Exit status as `analyze`: 0 done, 1 unreadable input, 2 usage error, 3 findings at --fail-on.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AnalysisError } from '../lib/analyze';
import { failOnStatus, readKeylog, reportFailure } from './outcome';
import { writeDocument } from './write';
import { jsonPieces } from '../lib/json';
import {
  correlate,
  CorrelateInputReader,
  renderCorrelationText,
  toJsonValue,
  type LoadedInput,
} from '../lib/correlate/index';

export const CORRELATE_USAGE = `usage: tracelens correlate <a> <b> [<c>...] [--json [--pretty]] [--keylog FILE]...
                          [--fail-on warning|error]
Lines up captures taken at several points of one path (client host, proxy, server host) and
debug logs (Go http2debug, nghttp -v): matched connections (through NAT and proxies), the clocks'
offset, each packet's fate (delivered, lost, injected, rewritten, delayed) and the hop responsible.`;

interface CorrelateArgs {
  files: string[];
  json: boolean;
  pretty: boolean;
  keylogs: string[];
  failOn: 'warning' | 'error' | null;
}

class CorrelateUsageError extends Error {}

function parse(argv: string[]): CorrelateArgs | 'help' {
  const a: CorrelateArgs = { files: [], json: false, pretty: false, keylogs: [], failOn: null };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    const [flag, inline] =
      x.startsWith('--') && x.includes('=')
        ? [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]
        : [x, undefined];
    const value = (): string | undefined => (inline !== undefined ? inline : argv[++i]);
    if (flag === '--help' || flag === '-h') return 'help';
    else if (flag === '--json') a.json = true;
    else if (flag === '--pretty') a.pretty = true;
    else if (flag === '--keylog') {
      const v = value();
      if (!v) throw new CorrelateUsageError('--keylog needs a file');
      a.keylogs.push(v);
    } else if (flag === '--fail-on') {
      const v = value();
      if (v !== 'warning' && v !== 'error') throw new CorrelateUsageError('--fail-on takes warning or error');
      a.failOn = v;
    } else if (x.startsWith('-') && x !== '-') throw new CorrelateUsageError(`unknown option ${x}`);
    else a.files.push(x);
  }
  if (a.files.length < 2)
    throw new CorrelateUsageError(`correlate takes two or more files, got ${a.files.length}`);
  return a;
}

async function load(file: string, keylog: string | undefined): Promise<LoadedInput> {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new AnalysisError(`${file} is a directory, not a capture`);
    size = st.size;
  } catch (e) {
    if (e instanceof AnalysisError) throw e;
    throw new AnalysisError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const reader = new CorrelateInputReader(path.basename(file), size, keylog);
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) {
      const b = chunk as Buffer;
      reader.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    }
    return reader.finish();
  } catch (e) {
    if (e instanceof AnalysisError) throw new AnalysisError(`${file}: ${e.message}`);
    throw e;
  }
}

export async function runCorrelate(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  let args: CorrelateArgs | 'help';
  try {
    args = parse(argv);
  } catch (e) {
    if (e instanceof CorrelateUsageError) {
      err.write(`tracelens: ${e.message}\n${CORRELATE_USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args === 'help') {
    out.write(CORRELATE_USAGE + '\n');
    return 0;
  }
  try {
    let keylogText: string | undefined;
    if (args.keylogs.length > 0) {
      // Every key log applies to every input: TLS sessions are found by their client random.
      keylogText = args.keylogs.map(readKeylog).join('\n');
    }
    const inputs: LoadedInput[] = [];
    for (const f of args.files) inputs.push(await load(f, keylogText));
    const doc = correlate(inputs);
    if (args.json) {
      const indent = args.pretty || (out as NodeJS.WriteStream).isTTY ? 2 : undefined;
      // In pieces: the per-packet fate columns of large captures make a document of tens of MB.
      await writeDocument(out, jsonPieces(doc, toJsonValue, indent), '\n');
    } else out.write(renderCorrelationText(doc));
    return failOnStatus(doc.findings, args.failOn);
  } catch (e) {
    return reportFailure(e, err);
  }
}
