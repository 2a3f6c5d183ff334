/**
 * The pipeline entry point: bytes in, Trace out.
 *
 *   const a = new Analyzer({ name, size }, options);
 *   for (const chunk of chunks) a.push(chunk);   // any chunk size, file order
 *   const trace = a.finish();
 *
 * The input kind is sniffed from its first bytes: pcap / pcapng (optionally gzip-compressed), or a
 * text HTTP/2 debug log (Go GODEBUG=http2debug, nghttp -v). Unreadable input throws AnalysisError
 * with one clear line (what and where); damage after some packets yields a partial Trace with a
 * warning in input.warnings.
 *
 *   capture bytes -> lib/capture (records, link/IP decode) -> lib/tcp (connections, reassembly)
 *     -> lib/protocols (detect) -> lib/http1 | lib/http2 | lib/tls -> lib/findings -> Trace
 */
import { concatBytes } from './bytes';
import { createCaptureReader, sniffCapture } from './capture/reader';
import { NetworkLayer } from './capture/network';
import { CaptureFormatError, type CaptureReader, type CapturedPacket } from './capture/types';
import { TcpTracker } from './tcp/tracker';
import { captureLoss, captureLossWarning } from './tcp/gaps';
import { ProtocolDispatcher } from './protocols';
import { H2Session } from './http2/session';
import { AppResults, type AppContext } from './stream';
import { LogReader, sniffLog, type LogFrameSink } from './logs/index';
import { runDetectors } from './findings/index';
import { KeyLog } from './tls/keylog';
import type { MergedShards, ShardOutput, ShardRecorder } from './parallel/shard';
import { A_IP_FRAGMENT, A_MALFORMED, A_TRUNCATED, PacketTable } from './packets';
import {
  DEFAULT_OPTIONS,
  elapsedS,
  TOOL_VERSION,
  type AnalysisOptions,
  type Connection,
  type Finding,
  type InputFormat,
  type InputInfo,
  type Trace,
} from './trace';

export class AnalysisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnalysisError';
  }
}

export interface AnalyzeProgress {
  bytes: number;
  packets: number;
  /** Bytes the capture reader has consumed after gzip decompression (what a size limit must count). */
  decoded: number;
}

/** What is known while the input still streams in: counts and the first connections so far. */
export interface AnalysisSnapshot {
  packets: number;
  bytes: number;
  connections: number;
  streams: number;
  exchanges: number;
  /** Connections reset so far (an early sign of trouble). */
  resets: number;
  /** The first connections with their counts so far (end state as of now). */
  first: Pick<Connection, 'id' | 'client' | 'server' | 'protocol' | 'packets' | 'bytes' | 'end'>[];
  /**
   * Findings already certain: those on connections that have ended (FIN both ways or RST), whose
   * facts will not change. Computed only when asked (it runs the detectors).
   */
  findings: Finding[];
}

export interface AnalyzerInput {
  name: string;
  /** Total input size in bytes, when known (enables "beyond the file" messages and progress %). */
  size?: number;
  /** NSS key log text for TLS decryption. */
  keylog?: string;
}

/** How many leading bytes we look at to tell a text log from a capture. */
const SNIFF_BYTES = 16 * 1024;

type Mode = 'sniff' | 'capture' | 'log' | 'stopped';

export class Analyzer {
  readonly options: AnalysisOptions;
  private mode: Mode = 'sniff';
  private head: Uint8Array[] = [];
  private headLength = 0;
  private bytesIn = 0;
  private warnings: string[] = [];

  // capture mode
  private reader: CaptureReader | null = null;
  private packets = new PacketTable();
  private tracker: TcpTracker | null = null;
  private results = new AppResults();
  private startEpoch: [number, number] | null = null;
  private lastS = 0;
  private linkTypes = new Set<number>();
  private nonTcp = 0;
  private truncated = 0;
  /** Link layers, tunnels and IP fragment reassembly (lib/capture/network.ts). */
  private readonly network = new NetworkLayer();
  /** TLS secrets: the key log given beside the capture plus any pcapng Decryption Secrets Blocks. */
  private readonly keylog = new KeyLog();
  /** One worker's share of the connections (lib/parallel), or null: all of them. */
  private shardRec: ShardRecorder | null = null;

  // log mode
  private log: LogReader | null = null;
  private logFormat: InputFormat | null = null;

  constructor(
    private readonly input: AnalyzerInput,
    options?: Partial<AnalysisOptions>,
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...stripUndefined(options ?? {}) };
    if (input.keylog !== undefined) this.keylog.add(input.keylog, 'key log');
  }

  /**
   * Makes this analyzer one worker of several (lib/parallel/shard.ts): it tracks only the
   * connections `rec` owns and ends with finishShard(). Call before the first push.
   */
  shard(rec: ShardRecorder): void {
    if (this.mode !== 'sniff' || this.headLength > 0) throw new Error('shard() after push()');
    this.shardRec = rec;
  }

  get progress(): AnalyzeProgress {
    return {
      bytes: this.bytesIn,
      packets: this.mode === 'log' ? 0 : this.packets.length,
      decoded: Math.max(this.bytesIn, this.reader?.info.bytesRead ?? 0),
    };
  }

  /**
   * A summary of the analysis so far, for progressive display (captures; logs report counts).
   * With `withFindings`, also the findings on connections that have already ended.
   */
  snapshot(limit = 50, withFindings = false): AnalysisSnapshot {
    const conns = this.tracker?.connections ?? [];
    let resets = 0;
    for (const c of conns) if (c.rst.c2s + c.rst.s2c > 0) resets++;
    const endNow = (c: Connection): Connection['end'] =>
      c.rst.c2s + c.rst.s2c > 0
        ? 'reset'
        : c.fin.c2s && c.fin.s2c
          ? 'closed'
          : c.fin.c2s
            ? 'half-closed-by-client'
            : c.fin.s2c
              ? 'half-closed-by-server'
              : 'open';
    return {
      packets: this.packets.length,
      bytes: this.bytesIn,
      connections: conns.length,
      streams: this.results.streams.length,
      exchanges: this.results.exchanges.length,
      resets,
      first: conns.slice(0, limit).map((c) => ({
        id: c.id,
        client: c.client,
        server: c.server,
        protocol: c.protocol,
        packets: { ...c.packets },
        bytes: { ...c.bytes },
        end: endNow(c),
      })),
      findings: withFindings ? this.findingsOnEndedConnections(conns, endNow) : [],
    };
  }

  private findingsOnEndedConnections(
    conns: Connection[],
    endNow: (c: Connection) => Connection['end'],
  ): Finding[] {
    const ended = new Set<string>();
    // Every connection stays in the list (packet rows index it); only ended ones' findings are kept.
    const connections = conns.map((c) => {
      const end = endNow(c);
      if (end === 'reset' || end === 'closed') ended.add(c.id);
      return { ...c, end };
    });
    if (ended.size === 0) return [];
    const partial: Trace = {
      tool: 'tracelens',
      version: TOOL_VERSION,
      input: {
        name: this.input.name,
        format: this.reader?.info.format ?? 'pcap',
        compression: null,
        bytes: this.bytesIn,
        packets: this.packets.length,
        linkTypes: [],
        start: null,
        durationS: this.lastS,
        warnings: [],
      },
      options: this.options,
      connections,
      streams: this.results.streams.filter((s) => ended.has(s.connection)),
      exchanges: this.results.exchanges.filter((x) => ended.has(x.connection)),
      findings: [],
      // Connection-level HTTP/2 checks (unacknowledged SETTINGS/PING) are settled only at the end.
      h2: [],
      packets: this.packets,
    };
    return runDetectors(partial, this.options).filter(
      (f) => f.connection !== null && ended.has(f.connection),
    );
  }

  /**
   * Feeds the next bytes of the input. Nothing keeps a view of `chunk` once this returns (what
   * must outlive the call is copied: unfinished records, out-of-order segments, held-back
   * protocol bytes), so a caller may read the file into the same few buffers over and over, as
   * the Web Worker does.
   */
  push(chunk: Uint8Array): void {
    this.bytesIn += chunk.length;
    if (chunk.length === 0) return;
    switch (this.mode) {
      case 'sniff':
        this.head.push(chunk);
        this.headLength += chunk.length;
        // A capture's magic is in its first 4 bytes: start at once. Text needs more to tell logs apart.
        if (
          this.headLength >= SNIFF_BYTES ||
          (this.headLength >= 4 && sniffCapture(concatBytes(this.head, this.headLength)))
        ) {
          this.decide(false);
        } else {
          // Kept past this call: a copy, so that the caller may reuse its buffer (see push).
          this.head[this.head.length - 1] = chunk.slice();
        }
        return;
      case 'capture':
        this.pushCapture(chunk);
        return;
      case 'log':
        this.log?.push(chunk);
        return;
      case 'stopped':
        return;
    }
  }

  finish(): Trace {
    if (this.mode === 'sniff') this.decide(true);
    if (this.mode === 'log' && this.log) return this.finishLog(this.log);
    return this.finishCapture();
  }

  /** Choose capture or log from the first bytes, then replay them. */
  private decide(atEnd: boolean): void {
    const head = concatBytes(this.head, this.headLength);
    this.head = [];
    if (head.length === 0) throw new AnalysisError('empty file: nothing to analyze');
    const kind = sniffCapture(head);
    if (kind) {
      this.mode = 'capture';
      this.startCapture();
      this.pushCapture(head);
      return;
    }
    const text = new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(0, SNIFF_BYTES));
    const logFormat = looksLikeText(head) ? sniffLog(text) : null;
    if (logFormat) {
      this.mode = 'log';
      this.logFormat = logFormat;
      // A log with both ends of a connection shows every frame twice: keep the client's view, so
      // each problem is reported once (a log of one side keeps that side).
      this.log = new LogReader({
        format: logFormat,
        pairedViews: 'client',
        session: (ctx) => createLogSession(ctx),
      });
      this.log.push(head);
      return;
    }
    const magic = Array.from(head.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
    if (looksLikeText(head)) {
      throw new AnalysisError(
        `not a capture or a known debug log: text that is neither Go http2debug nor nghttp -v output (first line: ${JSON.stringify(firstLine(text))})`,
      );
    }
    void atEnd;
    throw new AnalysisError(`not a capture: unknown magic 0x${magic} at byte 0`);
  }

  private startCapture(): void {
    this.tracker = new TcpTracker({
      packets: this.packets,
      idleThresholdS: this.options.idleThresholdS,
      createParser: (conn: Connection) => new ProtocolDispatcher(this.contextFor(conn)),
      owns: this.shardRec ? (key) => this.shardRec!.owns(key) : undefined,
    });
    this.reader = createCaptureReader(
      {
        packet: (p) => this.onPacket(p),
        secrets: (sec) => {
          // 0x544c534b "TLSK": an NSS key log embedded by editcap --inject-secrets.
          if (sec.type !== 0x544c534b) {
            this.warnings.push(
              `pcapng Decryption Secrets Block of type 0x${sec.type.toString(16)} at byte ${sec.fileOffset} ignored`,
            );
            return;
          }
          this.keylog.add(new TextDecoder().decode(sec.data), 'pcapng Decryption Secrets Block');
        },
      },
      { totalBytes: this.input.size },
    );
  }

  private contextFor(conn: Connection): AppContext {
    return {
      conn,
      results: this.shardRec ? this.shardRec.resultsFor(conn) : this.results,
      warn: (message: string) => {
        if (conn.warnings.length < 100) conn.warnings.push(message);
      },
      keylog: this.keylog,
    };
  }

  private pushCapture(chunk: Uint8Array): void {
    if (!this.reader) return;
    try {
      this.reader.push(chunk);
    } catch (e) {
      this.readerFailed(e);
    }
  }

  private readerFailed(e: unknown): void {
    this.mode = 'stopped';
    if (!(e instanceof CaptureFormatError)) throw e;
    if (this.packets.length === 0) throw new AnalysisError(e.message);
    this.warnings.push(e.message);
  }

  private onPacket(p: CapturedPacket): void {
    if (!this.startEpoch) this.startEpoch = [p.tsSec, p.tsNsec];
    const tS = elapsedS(this.startEpoch[0], this.startEpoch[1], p.tsSec, p.tsNsec);
    if (tS > this.lastS) this.lastS = tS;
    const row = this.packets.add(tS, p.fileOffset, p.caplen, p.origLen, p.interfaceId, p.linkType);
    this.linkTypes.add(p.linkType);
    if (p.caplen < p.origLen) {
      this.truncated++;
      this.packets.analysis[row] |= A_TRUNCATED;
    }
    const net = this.network.decode(p.linkType, p.data, tS);
    if ('reason' in net) {
      if (net.reason === 'malformed') this.packets.analysis[row] |= A_MALFORMED;
      this.nonTcp++;
      return;
    }
    this.packets.ttl[row] = net.ttl;
    this.packets.l4[row] = net.protocol;
    if (net.fragment) this.packets.analysis[row] |= A_IP_FRAGMENT;
    // A fragment reaches TCP only as the datagram it completed (net.reassembled).
    if (net.protocol !== 6 || (net.fragment && !net.reassembled)) {
      this.nonTcp++;
      return;
    }
    if (this.shardRec) this.shardRec.row = row;
    this.tracker?.segment(row, tS, net, net.reassembled ?? p.data);
  }

  private finishCapture(): Trace {
    const { input, connections } = this.finishCaptureParts();
    return assembleCapture(
      { input, connections, results: this.results, packets: this.packets },
      this.options,
    );
  }

  /** The end of a worker's share (see shard()): its parts, to be merged by lib/parallel mergeShards. */
  finishShard(): ShardOutput {
    const rec = this.shardRec;
    if (!rec) throw new Error('finishShard() without shard()');
    if (this.mode === 'sniff') this.decide(true);
    if (this.mode === 'log') throw new AnalysisError('a debug log is analyzed on one thread');
    const { input, connections } = this.finishCaptureParts();
    return rec.output(input, connections, this.packets);
  }

  /** Everything but what needs all connections at once (capture loss, detectors). */
  private finishCaptureParts(): { input: InputInfo; connections: Connection[] } {
    if (this.reader && this.mode !== 'stopped') {
      try {
        this.reader.end();
      } catch (e) {
        this.readerFailed(e);
      }
    }
    const info = this.reader?.info;
    for (const w of info?.warnings ?? []) this.warnings.push(w);
    for (const w of this.network.finish()) this.warnings.push(w);
    for (const p of this.keylog.problems) this.warnings.push(p.message);
    if (this.shardRec) this.shardRec.row = -1;
    const connections = this.tracker ? this.tracker.finish(this.lastS) : [];
    const input: InputInfo = {
      name: this.input.name,
      format: info?.format ?? 'pcap',
      compression: info?.compression ?? null,
      bytes: this.input.size ?? this.bytesIn,
      packets: this.packets.length,
      linkTypes: [...this.linkTypes].sort((a, b) => a - b),
      start: this.startEpoch ? isoTime(this.startEpoch) : null,
      durationS: this.lastS,
      warnings: this.warnings,
      nonTcpPackets: this.nonTcp,
      truncatedPackets: this.truncated,
      interfaces: info?.interfaces.map((i) => ({
        linkType: i.linkType,
        name: i.name,
        tsResolution: i.tsResolution,
        snaplen: i.snaplen,
      })),
      startEpoch: this.startEpoch,
    };
    return { input, connections };
  }

  private finishLog(log: LogReader): Trace {
    const r = log.finish();
    const input: InputInfo = {
      name: this.input.name,
      format: r.format ?? this.logFormat ?? 'go-http2debug',
      logLines: r.lines,
      compression: null,
      bytes: this.input.size ?? this.bytesIn,
      packets: r.frames.reduce((n, f) => n + f.length, 0),
      linkTypes: [],
      start: r.start,
      durationS: r.durationS,
      warnings: [...this.warnings, ...r.warnings],
      unparsedLines: r.unparsed,
      startEpoch: r.startEpoch,
    };
    return this.assemble(input, r.connections, r.results, null);
  }

  private assemble(
    input: InputInfo,
    connections: Connection[],
    results: AppResults,
    packets: PacketTable | null,
  ): Trace {
    return assembleTrace(input, connections, results, packets, this.options);
  }
}

/**
 * A capture's Trace from its parts (one Analyzer's, or N workers' merged by lib/parallel): the
 * capture-loss warning, then the detectors, which need every connection at once.
 */
export function assembleCapture(parts: MergedShards, options: AnalysisOptions): Trace {
  // Capture loss, counted once here so the report says how much of the analysis is partial.
  const lossWarning = captureLossWarning(captureLoss(parts.connections, parts.packets));
  if (lossWarning) parts.input.warnings.push(lossWarning);
  return assembleTrace(parts.input, parts.connections, parts.results, parts.packets, options);
}

function assembleTrace(
  input: InputInfo,
  connections: Connection[],
  results: AppResults,
  packets: PacketTable | null,
  options: AnalysisOptions,
): Trace {
  const trace: Trace = {
    tool: 'tracelens',
    version: TOOL_VERSION,
    input,
    options,
    connections,
    streams: results.streams,
    exchanges: results.exchanges,
    findings: [],
    h2: results.h2,
    packets,
  };
  trace.findings = runDetectors(trace, options);
  return trace;
}

/** Convenience: analyze a whole buffer (tests, small inputs). */
export function analyzeBytes(name: string, bytes: Uint8Array, options?: Partial<AnalysisOptions>): Trace {
  const a = new Analyzer({ name, size: bytes.length }, options);
  // Feed in slices so the streaming paths are the ones exercised, as with a file.
  const step = 1 << 20;
  for (let off = 0; off < bytes.length; off += step) a.push(bytes.subarray(off, off + step));
  return a.finish();
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const r: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (r as Record<string, unknown>)[k] = v;
  return r;
}

/** Text if the first KiB has no NUL and few control bytes. */
function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 1024);
  let ctrl = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 0) return false;
    if (c < 9 || (c > 13 && c < 32)) ctrl++;
  }
  return ctrl <= n / 100;
}

function firstLine(text: string): string {
  const l = text.split(/\r?\n/, 1)[0] ?? '';
  return l.length > 80 ? l.slice(0, 80) + '…' : l;
}

export function isoTime([sec, nsec]: [number, number]): string {
  const d = new Date(sec * 1000);
  const base = d.toISOString().slice(0, 19);
  return `${base}.${String(Math.floor(nsec / 1000)).padStart(6, '0')}Z`;
}

/** One HTTP/2 session model per log connection: the same model the capture path feeds. */
function createLogSession(ctx: AppContext): LogFrameSink {
  const session = new H2Session(ctx, { via: 'log' });
  return { frame: (input) => session.frame(input), finish: (tS) => session.finish(tS, 'capture-end') };
}
