/**
 * One input of a correlation: the ordinary analysis (lib/analyze's Analyzer: connections,
 * HTTP/2 streams, HTTP/1 exchanges, the per-packet table) plus, for captures, the per-packet facts
 * matching across vantage points needs and the table lacks — a payload hash, the TCP timestamp
 * value and the SYN's MSS — read in a second, cheap pass over the same chunks (streamed; 11 bytes
 * a packet, in columns indexed by packet number - 1).
 */
import { Analyzer } from '../analyze';
import { NetworkLayer } from '../capture/network';
import { createCaptureReader, sniffCapture } from '../capture/reader';
import type { CapturedPacket, CaptureReader } from '../capture/types';
import { decodeSegment, emptySegment } from '../tcp/segment';
import type { Trace } from '../trace';
import { concatBytes } from '../bytes';

/** Payload bytes hashed per segment: with the length and sequence number, enough to tell segments apart. */
const HASH_BYTES = 512;

export class WireExtras {
  length = 0;
  /** FNV-1a of the first HASH_BYTES captured payload bytes (0 when no payload). */
  hash = new Uint32Array(1024);
  tsVal = new Uint32Array(1024);
  /** Bit 0: TCP timestamps option present. */
  opts = new Uint8Array(1024);
  /** MSS option (SYNs), 0 when absent. */
  mss = new Uint16Array(1024);

  ensure(n: number): void {
    if (n <= this.hash.length) return;
    let cap = this.hash.length;
    while (cap < n) cap *= 2;
    const grow = <T extends Uint32Array | Uint8Array | Uint16Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.hash = grow(this.hash);
    this.tsVal = grow(this.tsVal);
    this.opts = grow(this.opts);
    this.mss = grow(this.mss);
  }
}

export interface LoadedInput {
  name: string;
  trace: Trace;
  /** Captures only. */
  extras: WireExtras | null;
}

export function fnv1a(d: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h ^= d[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Push chunks of one input in file order, then finish(): the analysis and the extra columns. */
export class CorrelateInputReader {
  private readonly analyzer: Analyzer;
  private reader: CaptureReader | null = null;
  private decided = false;
  private failed = false;
  private head: Uint8Array | null = null;
  private readonly extras = new WireExtras();
  private readonly network = new NetworkLayer();
  private readonly seg = emptySegment();
  private epoch: [number, number] | null = null;

  constructor(
    private readonly name: string,
    size: number,
    keylog?: string,
  ) {
    this.analyzer = new Analyzer({ name, size, keylog });
  }

  push(chunk: Uint8Array): void {
    this.analyzer.push(chunk);
    if (!this.decided) {
      const joined = this.head ? concatBytes([this.head, chunk]) : chunk;
      if (joined.length < 4) {
        this.head = joined.slice();
        return;
      }
      this.decided = true;
      this.head = null;
      if (sniffCapture(joined)) this.reader = createCaptureReader({ packet: (p) => this.onPacket(p) });
      this.feed(joined);
      return;
    }
    this.feed(chunk);
  }

  private feed(chunk: Uint8Array): void {
    if (!this.reader || this.failed) return;
    try {
      this.reader.push(chunk);
    } catch {
      // The Analyzer reports the same problem of the same bytes; the columns stop where it did.
      this.failed = true;
    }
  }

  private onPacket(p: CapturedPacket): void {
    const row = p.number - 1;
    const x = this.extras;
    x.ensure(row + 1);
    if (row + 1 > x.length) x.length = row + 1;
    if (!this.epoch) this.epoch = [p.tsSec, p.tsNsec];
    const tS = p.tsSec - this.epoch[0] + (p.tsNsec - this.epoch[1]) / 1e9;
    const net = this.network.decode(p.linkType, p.data, tS);
    if ('reason' in net || net.protocol !== 6 || (net.fragment && !net.reassembled)) return;
    const buf = net.reassembled ?? p.data;
    if (decodeSegment(net, buf, this.seg) !== null) return;
    const s = this.seg;
    if (s.capturedPayloadLen > 0)
      x.hash[row] = fnv1a(buf, s.payloadOffset, s.payloadOffset + Math.min(s.capturedPayloadLen, HASH_BYTES));
    if (s.hasTimestamps) {
      x.tsVal[row] = s.tsVal;
      x.opts[row] |= 1;
    }
    if (s.mss > 0) x.mss[row] = s.mss;
  }

  finish(): LoadedInput {
    if (!this.decided && this.head) {
      this.decided = true;
      if (sniffCapture(this.head)) this.reader = createCaptureReader({ packet: (p) => this.onPacket(p) });
      this.feed(this.head);
    }
    if (this.reader && !this.failed) {
      try {
        this.reader.end();
      } catch {
        this.failed = true;
      }
      this.network.finish();
    }
    const trace = this.analyzer.finish();
    return { name: this.name, trace, extras: trace.packets ? this.extras : null };
  }
}

/** Convenience for tests and small inputs: the whole file in memory. */
export function loadInput(name: string, bytes: Uint8Array, keylog?: string): LoadedInput {
  const r = new CorrelateInputReader(name, bytes.length, keylog);
  const step = 4 << 20;
  for (let off = 0; off < bytes.length; off += step) r.push(bytes.subarray(off, off + step));
  return r.finish();
}
