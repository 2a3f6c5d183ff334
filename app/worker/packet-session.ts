/// <reference lib="webworker" />
// The packet session the analysis worker keeps after an analysis that asked for it: the trace, a
// copy of the packet columns and the File. Answers the page's packet queries (packet-messages.ts):
// filter checks and completion as the user types, filtering (matching rows + the connections,
// streams, exchanges and findings with a matching packet + the timeline's lanes of the matches),
// packet-list rows for the rows in view, and the detail tree + bytes of one packet.
import { buildIndex, traceSpan } from '@/components/timeline/model';
import { dissect, tcpPayloadRange, type DetailNode } from '@/components/packets/dissect';
import { FieldIndex, compileFilter, filterRows } from '@/lib/filter';
import { FIELD_LAYERS, fieldContext } from '@/lib/filter/registry';
import { coloringRule, packetRow } from '@/lib/packet-list';
import { restriction, traceSpans, type TraceSpans } from '@/lib/restrict';
import type { FieldContext, FieldValue } from '@/lib/filter/types';
import { TCP_LAYER, tcpStreamNumbers } from '@/lib/tcp/fields';
import type { H2Frame, Trace } from '@/lib/trace';
import { blockReader } from './block-reader';
import type { FilterResult, PacketAnswer, PacketListRow, PacketQuery } from './packet-messages';

/** The tcp.analysis.* fields the detail lists as expert notes (tcp.analysis.flags sums them up). */
const EXPERT_FIELDS = TCP_LAYER.fields.filter(
  (f) => f.name.startsWith('tcp.analysis.') && f.name !== 'tcp.analysis.flags',
);

export class PacketSession {
  private readonly ctx: FieldContext;
  private readonly index = new FieldIndex(FIELD_LAYERS);
  /** Whether fileOffset indexes the File itself (not a decompressed gzip stream). */
  private readonly hasBytes: boolean;
  /** Packet ranges of the trace's items, built on the first filter. */
  private spans: TraceSpans | null = null;
  /** Built on first use: most filters never need it. */
  private frames: { byPacket: Map<number, H2Frame[]>; byNumber: Map<number, H2Frame> } | null = null;

  constructor(
    private readonly trace: Trace,
    file: Blob,
  ) {
    this.hasBytes = trace.input.compression === null && trace.packets !== null;
    const read = this.hasBytes ? blockReader(file) : null;
    const packets = trace.packets!;
    this.ctx = fieldContext(trace, (row) =>
      read && row >= 0 && row < packets.length ? read(packets.fileOffset[row], packets.caplen[row]) : null,
    );
  }

  answer(q: PacketQuery): { msg: PacketAnswer; transfer: Transferable[] } {
    switch (q.type) {
      case 'compile': {
        const r = compileFilter(q.text, this.index);
        return { msg: { type: 'compiled', id: q.id, error: r.ok ? null : r.error }, transfer: [] };
      }
      case 'complete':
        return {
          msg: {
            type: 'completed',
            id: q.id,
            fields: this.index
              .complete(q.prefix)
              .slice(0, 40)
              .map((f) => ({ name: f.name, title: f.title })),
          },
          transfer: [],
        };
      case 'filter': {
        const r = this.filter(q.text);
        if ('message' in r) return { msg: { type: 'filter-error', id: q.id, error: r }, transfer: [] };
        const transfer: Transferable[] = [
          r.rows.buffer,
          r.connections.buffer,
          r.streams.buffer,
          r.exchanges.buffer,
          r.findings.buffer,
        ];
        if (r.lanes) transfer.push(r.lanes.idx.buffer, r.lanes.off.buffer, r.lanes.hist.buffer);
        return { msg: { type: 'filtered', id: q.id, result: r }, transfer };
      }
      case 'rows':
        return { msg: { type: 'rows', id: q.id, rows: this.rows(q.rows) }, transfer: [] };
      case 'detail': {
        const bytes = this.ctx.bytes(q.row);
        const copy = bytes ? bytes.slice() : null;
        return {
          msg: {
            type: 'detail',
            id: q.id,
            detail: {
              row: q.row,
              tree: this.detail(q.row, copy),
              bytes: copy,
              bytesNote: copy
                ? null
                : this.trace.input.compression
                  ? 'The bytes of a gzip-compressed capture are not kept: decompress it to see them.'
                  : 'The packet bytes could not be read.',
            },
          },
          transfer: copy ? [copy.buffer] : [],
        };
      }
    }
  }

  private filter(text: string): FilterResult | { message: string; column: number; length: number } {
    const t0 = performance.now();
    const c = compileFilter(text, this.index);
    if (!c.ok) return c.error;
    const packets = this.ctx.packets;
    const rows = filterRows(this.ctx, c.filter);
    const matchMs = performance.now() - t0;
    const all = rows.length === packets.length;
    this.spans ??= traceSpans(this.trace);
    const r = restriction(this.trace, rows, this.spans, (k) => this.frameIndex().byNumber.get(k));
    const tr = this.trace;
    const lanes = all ? null : buildIndex(packets, tr.connections.length, traceSpan(tr), rows);
    return {
      text,
      rows,
      connections: r.connections,
      streams: r.streams,
      exchanges: r.exchanges,
      findings: r.findings,
      lanes,
      matchMs,
      totalMs: performance.now() - t0,
      bytes: this.hasBytes,
    };
  }

  private rows(rows: Uint32Array): PacketListRow[] {
    const out: PacketListRow[] = [];
    const n = this.ctx.packets.length;
    for (const row of rows) {
      if (row >= n) continue;
      try {
        const r = packetRow(this.ctx, row);
        out.push({
          row,
          src: r.src,
          dst: r.dst,
          protocol: r.protocol,
          length: r.length,
          info: r.info,
          color: coloringRule(this.ctx, row),
        });
      } catch (e) {
        out.push({
          row,
          src: '',
          dst: '',
          protocol: '?',
          length: this.ctx.packets.origLen[row],
          info: `[could not be decoded: ${e instanceof Error ? e.message : String(e)}]`,
          color: 'Bad TCP',
        });
      }
    }
    return out;
  }

  /** HTTP/2 frames by their number and by the packet their last byte came in (as tshark shows them). */
  private frameIndex(): { byPacket: Map<number, H2Frame[]>; byNumber: Map<number, H2Frame> } {
    if (!this.frames) {
      const byPacket = new Map<number, H2Frame[]>();
      const byNumber = new Map<number, H2Frame>();
      const add = (f: H2Frame) => {
        byNumber.set(f.number, f);
        const p = f.packets[f.packets.length - 1];
        if (p === undefined) return;
        const l = byPacket.get(p);
        if (l) l.push(f);
        else byPacket.set(p, [f]);
      };
      for (const s of this.trace.streams) for (const f of s.frames) add(f);
      for (const c of this.trace.h2) for (const f of c.frames) add(f);
      for (const l of byPacket.values()) l.sort((a, b) => a.number - b.number);
      this.frames = { byPacket, byNumber };
    }
    return this.frames;
  }

  private detail(row: number, bytes: Uint8Array | null): DetailNode[] {
    const p = this.ctx.packets;
    const epoch = this.trace.input.startEpoch;
    let absolute: string | null = null;
    if (epoch) {
      const ns = epoch[1] + Math.round(p.time[row] * 1e9);
      const s = epoch[0] + Math.floor(ns / 1e9);
      absolute = `${new Date(s * 1000).toISOString().slice(0, 19)}.${String(ns % 1e9).padStart(9, '0')} UTC`;
    }
    const tree = dissect(bytes, {
      number: row + 1,
      timeS: p.time[row],
      absolute,
      deltaS: row > 0 ? p.time[row] - p.time[row - 1] : 0,
      caplen: p.caplen[row],
      origLen: p.origLen[row],
      iface: p.iface[row],
      linkType: p.linkType[row],
    });
    tree.push(...this.application(row, tcpPayloadRange(tree)));
    tree.push(...this.tracelens(row));
    return tree;
  }

  /** What the analysis made of this packet's payload: HTTP/2 frames, HTTP/1 messages, TLS hellos. */
  private application(row: number, payload: { start: number; length: number } | null): DetailNode[] {
    const number = row + 1;
    const out: DetailNode[] = [];
    const ci = this.ctx.packets.conn[row];
    const conn = ci >= 0 ? this.trace.connections[ci] : undefined;
    const frames = this.frameIndex().byPacket.get(number);
    if (frames?.length) {
      const whole = payload ?? undefined;
      out.push({
        label: `HyperText Transfer Protocol 2 (${frames.length} frame${frames.length > 1 ? 's' : ''} ending in this packet)`,
        ...whole,
        filter: 'http2',
        children: frames.map((f) => ({
          label: `Stream: ${f.type}, Stream ID: ${f.stream}, Length ${f.length}${f.flags.length ? ` [${f.flags.join(', ')}]` : ''}`,
          filter: `tcp.stream == ${tcpStreamNumbers(this.ctx)[ci]} && http2.streamid == ${f.stream}`,
          children: [
            { label: `Length: ${f.length}`, filter: `http2.length == ${f.length}` },
            { label: `Type: ${f.type} (${f.typeId})`, filter: `http2.type == ${f.typeId}` },
            { label: `Flags: 0x${f.flagsRaw.toString(16).padStart(2, '0')} ${f.flags.join(' ')}` },
            { label: `Stream Identifier: ${f.stream}`, filter: `http2.streamid == ${f.stream}` },
            ...(f.headers ?? []).map(([k, v]) => ({
              label: `Header: ${k}: ${v.length > 200 ? `${v.slice(0, 200)}…` : v}`,
              filter: `http2.header.name == ${JSON.stringify(k)}`,
            })),
            ...(f.info?.errorName ? [{ label: `Error: ${f.info.errorName} (${f.info.errorCode})` }] : []),
            ...(f.info?.increment !== undefined
              ? [{ label: `Window Size Increment: ${f.info.increment}` }]
              : []),
            ...(f.info?.settings ?? []).map((s) => ({ label: `Settings - ${s.name}: ${s.value}` })),
            ...(f.info?.error ? [{ label: `[Expert: ${f.info.error}]` }] : []),
          ],
        })),
      });
    }
    if (conn) {
      for (const x of this.trace.exchanges) {
        if (x.connection !== conn.id) continue;
        const req = x.request?.packets;
        const res = x.response?.packets;
        if (req?.length && req[0] === number)
          out.push({
            label: `Hypertext Transfer Protocol: ${x.method} ${x.path} ${x.version ?? ''}`,
            ...(payload ?? {}),
            filter: 'http.request',
            children: (x.request?.headers ?? []).map(([k, v]) => ({ label: `${k}: ${v}` })),
          });
        if (res?.length && res[0] === number)
          out.push({
            label: `Hypertext Transfer Protocol: ${x.version ?? 'HTTP/1.1'} ${x.status} ${x.reason ?? ''}`,
            ...(payload ?? {}),
            filter: x.status !== null ? `http.response.code == ${x.status}` : 'http.response',
            children: (x.response?.headers ?? []).map(([k, v]) => ({ label: `${k}: ${v}` })),
          });
      }
      const tls = conn.tls;
      if (tls && tls.clientHelloPacket === number)
        out.push({
          label: `Transport Layer Security: Client Hello${tls.sni ? ` (SNI=${tls.sni})` : ''}`,
          ...(payload ?? {}),
          filter: 'tls.handshake.type == 1',
          children: [
            ...(tls.sni
              ? [
                  {
                    label: `Server Name: ${tls.sni}`,
                    filter: `tls.handshake.extensions_server_name == ${JSON.stringify(tls.sni)}`,
                  },
                ]
              : []),
            ...(tls.alpnOffered.length ? [{ label: `ALPN: ${tls.alpnOffered.join(', ')}` }] : []),
          ],
        });
      if (tls && tls.serverHelloPacket === number)
        out.push({
          label: `Transport Layer Security: Server Hello${tls.version ? ` (${tls.version})` : ''}`,
          ...(payload ?? {}),
          filter: 'tls.handshake.type == 2',
          children: [
            ...(tls.cipherSuite ? [{ label: `Cipher Suite: ${tls.cipherSuite}` }] : []),
            ...(tls.alpnSelected ? [{ label: `ALPN: ${tls.alpnSelected}` }] : []),
          ],
        });
    }
    return out;
  }

  /** The analysis's own facts: TCP stream, analysis flags, findings naming this packet. */
  private tracelens(row: number): DetailNode[] {
    const number = row + 1;
    const p = this.ctx.packets;
    const ci = p.conn[row];
    const children: DetailNode[] = [];
    if (ci >= 0) {
      const c = this.trace.connections[ci];
      children.push({
        label: `Connection ${c.id} (tcp.stream ${tcpStreamNumbers(this.ctx)[ci]}): ${c.client} → ${c.server}, ${p.dir[row] === 0 ? 'client → server' : 'server → client'}`,
        filter: `tcp.stream == ${tcpStreamNumbers(this.ctx)[ci]}`,
      });
    }
    // Wireshark's expert notes: the registered tcp.analysis.* fields present in the packet.
    const present: FieldValue[] = [];
    for (const f of EXPERT_FIELDS) {
      present.length = 0;
      f.read(this.ctx, row, present);
      if (present.length) children.push({ label: `[Expert: ${f.title}]`, filter: f.name });
    }
    for (const f of this.trace.findings)
      if (f.evidence.some((e) => e.packet === number))
        children.push({
          label: `Finding ${f.severity}: ${f.title}`,
          filter: `tracelens.finding == ${JSON.stringify(f.kind)}`,
        });
    return children.length ? [{ label: 'tracelens analysis', children }] : [];
  }
}
