/// <reference lib="webworker" />
// Follow stream and I/O graphs in the analysis worker kept after an analysis (beside the packet
// session): the trace, a copy of the packet columns, the File and the key log text. A follow reads
// the packets of one connection back from the File by their byte ranges (a gzip capture is
// decompressed once, as a stream, and the ranges picked out); an I/O graph filters with the display
// filter and buckets the matches (lib/iograph.ts). Nothing here runs on the page's thread.
import { FIELD_LAYERS, fieldContext } from '@/lib/filter/registry';
import { FieldIndex, compileFilter, filterRows } from '@/lib/filter';
import type { FieldContext, FieldValue } from '@/lib/filter/types';
import { startFollow, type FollowResult, type FollowTarget } from '@/lib/follow';
import { GzipRangePicker, coalesce, type ByteRange } from '@/lib/follow/ranges';
import { columnField, ioBuckets, type FieldReader } from '@/lib/iograph';
import { createCaptureReader } from '@/lib/capture/reader';
import { KeyLog } from '@/lib/tls/keylog';
import type { Trace } from '@/lib/trace';
import { blockReader } from './block-reader';
import type { FollowAnswer, FollowQuery, FollowSpec, IoSeriesAnswer, IoSeriesQuery } from './follow-messages';

export class FollowSession {
  private keylog: KeyLog | null;
  /** Whether the capture was searched for embedded secrets (pcapng Decryption Secrets Blocks). */
  private searchedSecrets = false;
  private readonly index = new FieldIndex(FIELD_LAYERS);
  private ctx: FieldContext | null = null;

  constructor(
    private readonly trace: Trace,
    private readonly file: Blob,
    keylogText: string | undefined,
  ) {
    if (keylogText) {
      this.keylog = new KeyLog();
      this.keylog.add(keylogText);
    } else this.keylog = null;
  }

  async answer(q: FollowQuery): Promise<{ msg: FollowAnswer; transfer: Transferable[] }> {
    const t0 = performance.now();
    if (q.type === 'follow') {
      const result = await this.follow(q.spec);
      return {
        msg: { type: 'followed', id: q.id, result, ms: performance.now() - t0 },
        transfer: buffersOf(result),
      };
    }
    const series = q.series.map((s) => this.ioSeries(s, q.intervalS));
    const transfer = series.flatMap((s) => (s.ok ? [s.values.buffer] : []));
    return { msg: { type: 'iograph', id: q.id, series, ms: performance.now() - t0 }, transfer };
  }

  private target(spec: FollowSpec): FollowTarget {
    const t = this.trace;
    if (spec.kind === 'tcp') return { kind: 'tcp', conn: spec.conn, only: spec.only ?? null };
    if (spec.kind === 'http1') {
      const exchange = t.exchanges[spec.exchange];
      if (!exchange) throw new Error(`no HTTP/1 exchange #${spec.exchange}`);
      return { kind: 'http1', conn: spec.conn, exchange };
    }
    const stream = t.streams[spec.stream];
    if (!stream) throw new Error(`no HTTP/2 stream #${spec.stream}`);
    return { kind: 'h2', conn: spec.conn, stream };
  }

  private async follow(spec: FollowSpec): Promise<FollowResult> {
    const packets = this.trace.packets;
    const conn = this.trace.connections[spec.conn];
    if (!packets || !conn) throw new Error('nothing to follow: the trace has no packets for this connection');
    // TLS: the plaintext when the analysis decrypted it (a TCP follow may ask for the records).
    if (conn.tls?.decryption === 'decrypted' && this.keylog === null) await this.embeddedSecrets();
    const decrypted = conn.tls?.decryption === 'decrypted' && this.keylog !== null;
    const useTls = decrypted && (spec.kind !== 'tcp' || spec.tls !== false);
    const job = startFollow(this.target(spec), { keylog: useTls ? this.keylog : null });
    const rows: number[] = [];
    for (let r = 0; r < packets.length; r++) if (packets.conn[r] === spec.conn) rows.push(r);
    const ranges: ByteRange[] = rows.map((r) => ({
      offset: packets.fileOffset[r],
      length: packets.caplen[r],
    }));
    const push = (i: number, bytes: Uint8Array) => {
      const r = rows[i];
      job.follower.packet(r + 1, packets.time[r], packets.linkType[r], bytes);
    };
    if (this.trace.input.compression === 'gzip') await this.readGzip(ranges, push);
    else await this.readPlain(ranges, push);
    return job.finish();
  }

  /**
   * The key log a pcapng carries in Decryption Secrets Blocks (editcap --inject-secrets), when no key
   * log file came with it: the capture is read once, as a stream, for its secrets only.
   */
  private async embeddedSecrets(): Promise<void> {
    if (this.searchedSecrets || this.trace.input.format !== 'pcapng') return;
    this.searchedSecrets = true;
    const log = new KeyLog();
    const reader = createCaptureReader({
      packet: () => {},
      secrets: (sec) => {
        // 0x544c534b "TLSK": an NSS key log.
        if (sec.type === 0x544c534b)
          log.add(new TextDecoder().decode(sec.data), 'pcapng Decryption Secrets Block');
      },
    });
    const stream = this.file.stream().getReader();
    try {
      for (;;) {
        const { done, value } = await stream.read();
        if (done) break;
        reader.push(value);
      }
      reader.end();
    } catch {
      // A damaged tail: the secrets before it are kept.
    } finally {
      void stream.cancel().catch(() => {});
    }
    if (log.size > 0) this.keylog = log;
  }

  /** Ranges of an uncompressed capture: nearby ones read together, in file order. */
  private async readPlain(ranges: ByteRange[], push: (i: number, b: Uint8Array) => void): Promise<void> {
    const sorted = ranges.every((r, i) => i === 0 || r.offset >= ranges[i - 1].offset);
    if (!sorted) {
      for (let i = 0; i < ranges.length; i++) {
        const r = ranges[i];
        push(i, new Uint8Array(await this.file.slice(r.offset, r.offset + r.length).arrayBuffer()));
      }
      return;
    }
    for (const read of coalesce(ranges)) {
      const block = new Uint8Array(
        await this.file.slice(read.offset, read.offset + read.length).arrayBuffer(),
      );
      for (let k = read.first; k < read.first + read.count; k++) {
        const r = ranges[k];
        push(k, block.subarray(r.offset - read.offset, r.offset - read.offset + r.length));
      }
    }
  }

  /** A gzip capture: decompressed once as a stream, the ranges picked out as they pass. */
  private async readGzip(ranges: ByteRange[], push: (i: number, b: Uint8Array) => void): Promise<void> {
    const order = ranges.map((_r, i) => i).sort((a, b) => ranges[a].offset - ranges[b].offset);
    const sortedRanges = order.map((i) => ranges[i]);
    const got: (Uint8Array | null)[] = new Array<Uint8Array | null>(ranges.length).fill(null);
    const picker = new GzipRangePicker(sortedRanges, (k, bytes) => {
      got[order[k]] = bytes;
    });
    const reader = this.file.stream().getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          picker.push(new Uint8Array(0), true);
          break;
        }
        picker.push(value);
        if (picker.done) break;
      }
    } finally {
      void reader.cancel().catch(() => {});
    }
    // Capture order, as the analysis saw the packets.
    for (let i = 0; i < got.length; i++) {
      const b = got[i];
      if (b) push(i, b);
    }
  }

  private context(): FieldContext {
    // Byte-level fields (tls.*, ...) read the packets back from the File, synchronously, through a
    // one-block cache: a series over every packet reads the capture once, in 1 MiB blocks. A gzip
    // capture cannot be read at an offset: there they are absent.
    if (this.ctx) return this.ctx;
    const packets = this.trace.packets;
    const read = packets && this.trace.input.compression === null ? blockReader(this.file) : null;
    this.ctx = fieldContext(this.trace, (row) =>
      read && packets && row >= 0 && row < packets.length
        ? read(packets.fileOffset[row], packets.caplen[row])
        : null,
    );
    return this.ctx;
  }

  private ioSeries(s: IoSeriesQuery, intervalS: number): IoSeriesAnswer {
    const packets = this.trace.packets;
    if (!packets) return { ok: false, error: 'the trace has no packets' };
    try {
      let rows: Uint32Array | null = null;
      if (s.filter.trim()) {
        const c = compileFilter(s.filter, this.index);
        if (!c.ok) return { ok: false, error: `filter: ${c.error.message}` };
        rows = filterRows(this.context(), c.filter);
      }
      let field: FieldReader | null = null;
      if (s.field) {
        const def = this.index.get(s.field);
        if (def) {
          const ctx = this.context();
          const vals: FieldValue[] = [];
          field = (row, out) => {
            vals.length = 0;
            def.read(ctx, row, vals);
            for (const v of vals) {
              if (typeof v === 'number') out.push(v);
              else if (typeof v === 'boolean') out.push(v ? 1 : 0);
            }
          };
        } else field = columnField(packets, s.field);
        if (!field) return { ok: false, error: `"${s.field}" is not a known field` };
      }
      const b = ioBuckets(packets, { intervalS, measure: s.measure, rows, field });
      return {
        ok: true,
        values: b.values,
        intervalS: b.intervalS,
        startS: b.startS,
        matched: rows ? rows.length : packets.length,
      };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }
}

/** The byte buffers of a follow result, transferred rather than copied. */
function buffersOf(r: FollowResult): Transferable[] {
  const out = new Set<ArrayBuffer>();
  const add = (b: Uint8Array | null | undefined) => {
    if (b && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) out.add(b.buffer as ArrayBuffer);
  };
  if (r.kind === 'tcp') for (const run of r.stream.runs) add(run.bytes);
  return [...out];
}
