/** Command-line parsing for `tracelens`: small and strict, with clear messages. */
import { checkOption, optionSpec, type OptionKey } from '../lib/options';

export interface ParsedArgs {
  command: 'analyze' | 'compare' | 'redact' | 'help' | 'version';
  files: string[];
  json: boolean;
  /** Indented JSON; the default only when stdout is a terminal. */
  pretty: boolean;
  keylog: string | null;
  failOn: 'warning' | 'error' | null;
  idleThresholdS?: number;
  halfCloseThresholdS?: number;
  slowFactor?: number;
  slowMinS?: number;
  color: boolean;
  /** redact: map ports >= 1024 too. */
  mapPorts: boolean;
  /** redact: more header names whose values are replaced. */
  redactHeaders: string[];
  /** redact: keep payloads (bodies, DATA, TLS application data). */
  keepPayload: boolean;
  /** analyze: `--format arrow` writes the trace document (lib/document/arrow.ts) to `output`. */
  format: 'text' | 'json' | 'arrow';
  /** analyze: `-o FILE` / `--output FILE`: where the JSON or Arrow document goes (else stdout). */
  output: string | null;
  /** analyze: `--filter FILTER` / `-Y FILTER`: keep what has a packet matching the display filter. */
  filter: string | null;
  /** analyze: `--threads N`: worker threads for per-connection analysis (null: the default, cli/threads.ts). */
  threads: number | null;
}

export class UsageError extends Error {}

export const USAGE = `usage:
  tracelens analyze <capture|log> [--json [--pretty]] [--keylog FILE] [--idle-threshold S]
                    [--half-close-threshold S] [--slow-factor F] [--slow-min S]
                    [--fail-on warning|error] [--no-color] [--format text|json|arrow] [-o FILE]
                    [--filter FILTER] [--threads N]
  tracelens packets <capture> [-Y FILTER] [--keylog FILE] [--json]
  tracelens compare <a> <b> [--json] [thresholds as for analyze]
  tracelens redact <in> <out> [--map-ports] [--redact-header NAME]... [--keep-payload]
  tracelens correlate <a> <b> [<c>...] [--json] [--keylog FILE]  (captures/logs of one path)
  tracelens --help | --version

Reads pcap, pcapng (optionally .gz), Go GODEBUG=http2debug=1|2 logs and nghttp -v output; the
format is sniffed from the content. --json prints the document of the trace JSON contract
(compact when piped; indented on a terminal or with --pretty). --format arrow -o FILE writes the
trace as columns in one Apache Arrow IPC file (for DuckDB, pandas, polars; see the README).
--fail-on exits with status 3 when findings of that severity (or worse) exist.
--filter keeps the connections, streams, exchanges and findings that have a packet matching the
Wireshark display filter (tcp.port == 443, http2.type == 3, tracelens.finding, ...); packets lists
the packets as tshark -Y does. An invalid filter exits with status 2.
redact writes <out> (pcap or pcapng as <in>, uncompressed) with addresses mapped to consistent
pseudonyms, cookie/authorization header values replaced, payloads zeroed (lengths kept), pcapng
comments and key logs removed, and prints what it removed.`;

/** A threshold flag's value, validated by lib/options.ts (the same rules as the API and the web app). */
function threshold(key: OptionKey, v: string | undefined): number {
  const spec = optionSpec(key);
  if (v === undefined) throw new UsageError(`${spec.flag} needs a value`);
  const r = checkOption(spec, v, 'cli');
  if (!r.ok) throw new UsageError(r.error.message);
  return r.value;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = {
    command: 'help',
    files: [],
    json: false,
    pretty: false,
    keylog: null,
    failOn: null,
    color: true,
    mapPorts: false,
    redactHeaders: [],
    keepPayload: false,
    format: 'text',
    output: null,
    filter: null,
    threads: null,
  };
  if (argv.length === 0) return out;
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') return out;
  if (cmd === '--version' || cmd === '-V') return { ...out, command: 'version' };
  if (cmd !== 'analyze' && cmd !== 'compare' && cmd !== 'redact')
    throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
  out.command = cmd;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const value = (): string | undefined => (inline !== undefined ? inline : rest[++i]);
    switch (flag) {
      case '--json':
        out.json = true;
        break;
      case '--pretty':
        out.pretty = true;
        break;
      case '--no-color':
        out.color = false;
        break;
      case '--keylog': {
        const v = value();
        if (!v) throw new UsageError('--keylog needs a file');
        out.keylog = v;
        break;
      }
      case '--fail-on': {
        const v = value();
        if (v !== 'warning' && v !== 'error') throw new UsageError('--fail-on takes warning or error');
        out.failOn = v;
        break;
      }
      case '--idle-threshold':
        out.idleThresholdS = threshold('idleThresholdS', value());
        break;
      case '--half-close-threshold':
        out.halfCloseThresholdS = threshold('halfCloseThresholdS', value());
        break;
      case '--slow-factor':
        out.slowFactor = threshold('slowFactor', value());
        break;
      case '--slow-min':
        out.slowMinS = threshold('slowMinS', value());
        break;
      case '--threads': {
        const v = value();
        const n = Number(v);
        if (!v || !Number.isInteger(n) || n < 1 || n > 64)
          throw new UsageError(`--threads takes a whole number from 1 to 64, not ${JSON.stringify(v ?? '')}`);
        out.threads = n;
        break;
      }
      case '--map-ports':
        out.mapPorts = true;
        break;
      case '--keep-payload':
        out.keepPayload = true;
        break;
      case '--redact-header': {
        const v = value();
        if (!v || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(v))
          throw new UsageError(`--redact-header takes a header name, not ${JSON.stringify(v ?? '')}`);
        out.redactHeaders.push(v.toLowerCase());
        break;
      }
      case '--format': {
        const v = value();
        if (v !== 'text' && v !== 'json' && v !== 'arrow')
          throw new UsageError('--format takes text, json or arrow');
        out.format = v;
        break;
      }
      case '-o':
      case '--output': {
        const v = value();
        if (!v) throw new UsageError(`${flag} needs a file`);
        out.output = v;
        break;
      }
      case '-Y':
      case '--filter': {
        const v = value();
        if (v === undefined) throw new UsageError(`${flag} needs a display filter`);
        if (out.command !== 'analyze') throw new UsageError(`${flag} is an option of analyze and packets`);
        out.filter = v;
        break;
      }
      case '--help':
      case '-h':
        return { ...out, command: 'help' };
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
        out.files.push(a);
    }
  }
  const redactOnly = out.mapPorts || out.keepPayload || out.redactHeaders.length > 0;
  if (redactOnly && out.command !== 'redact')
    throw new UsageError('--map-ports, --keep-payload and --redact-header are options of redact');
  if (out.json) out.format = out.format === 'arrow' ? out.format : 'json';
  if ((out.format !== 'text' || out.output) && out.command !== 'analyze')
    throw new UsageError('--format and -o are options of analyze');
  if (out.format === 'json') out.json = true;
  if (out.format === 'arrow' && out.json)
    throw new UsageError('--json and --format arrow exclude each other');
  if (out.format === 'arrow' && !out.output)
    throw new UsageError('--format arrow needs -o FILE (a binary file; -o - writes it to stdout)');
  if (out.output && out.format === 'text')
    throw new UsageError('-o writes the JSON or Arrow document: add --format');
  const want = out.command === 'analyze' ? 1 : 2;
  if (out.files.length !== want) {
    throw new UsageError(
      out.command === 'redact'
        ? `redact takes an input and an output file, got ${out.files.length} file${out.files.length === 1 ? '' : 's'}`
        : `${out.command} takes ${want === 1 ? 'one file' : 'two files'}, got ${out.files.length}`,
    );
  }
  return out;
}
