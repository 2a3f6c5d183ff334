/**
 * Second pass: the capture again, from the start, written out redacted — same container (pcap or
 * pcapng, uncompressed even when the input was gzip), same packets in the same order with the same
 * lengths and timestamps. pcap: file and record headers pass through, packet data is rewritten.
 * pcapng: blocks are rebuilt; comments, interface names/descriptions/addresses/filters/OS/hardware,
 * the section's hardware/OS/application options, packet hashes (of bytes that changed) and
 * custom options are dropped; Decryption Secrets Blocks (key logs), name resolution, custom and
 * unknown blocks are dropped whole.
 */
import { Gunzip } from 'fflate';
import type { Dir } from '../trace';
import type { RedactStats } from './context';
import { rewritePacket, type PacketRewriteContext } from './packet';
import type { RedactPlan } from './plan';

const SHB = 0x0a0d0d0a;
const BT_IDB = 1;
const BT_PB = 2;
const BT_SPB = 3;
const BT_ISB = 5;
const BT_EPB = 6;
const BT_DSB = 0x0a;
/** Options kept per block type; every other option is dropped. */
const KEEP_IDB = new Set([8, 9, 10, 13, 14, 16, 17]); // speed, tsresol, tzone, fcslen, tsoffset, tx/rx speed
const KEEP_EPB = new Set([2, 4, 5, 6]); // flags, dropcount, packetid, queue
const KEEP_ISB = new Set([2, 3, 4, 5, 6, 7, 8]); // times and counters
const OPT_COMMENT = 1;
const DIRS: Dir[] = ['c2s', 's2c'];

export class RedactWriter {
  private gunzip: Gunzip | null = null;
  private sniffed = false;
  private carry = new Uint8Array(0);
  private carryLen = 0;
  /** Decompressed bytes consumed (file offset of the next byte). */
  private pos = 0;
  // pcap
  private nextPacket = 0;
  private packetBuf = new Uint8Array(0);
  // pcapng
  private little = true;
  private readonly stats: RedactStats;

  constructor(
    private readonly plan: RedactPlan,
    private readonly out: (chunk: Uint8Array) => void,
  ) {
    this.stats = plan.stats;
  }

  push(chunk: Uint8Array): void {
    if (!this.sniffed && chunk.length > 0) {
      this.sniffed = true;
      if (chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b)
        this.gunzip = new Gunzip((d) => {
          if (d.length) this.plain(d);
        });
    }
    if (this.gunzip) this.gunzip.push(chunk.slice(), false);
    else this.plain(chunk);
  }

  finish(): RedactStats {
    if (this.gunzip) {
      try {
        this.gunzip.push(new Uint8Array(0), true);
      } catch {
        // A cut-short gzip stream: the first pass stopped there too (plan.packetCount).
      }
    }
    const m = this.plan.mapper;
    this.stats.addressesMapped = m.ipCount;
    this.stats.macsMapped = m.macCount;
    this.stats.portsMapped = m.portCount;
    this.stats.packets = Math.min(this.nextPacket, this.plan.packetCount);
    return this.stats;
  }

  private plain(chunk: Uint8Array): void {
    if (this.plan.format === 'pcapng') this.framed(chunk);
    else this.pcap(chunk);
  }

  // ---- pcap: pass everything through, rewrite packet data ranges found by the first pass.

  private pcap(chunk: Uint8Array): void {
    const plan = this.plan;
    let i = 0;
    const base = this.pos;
    this.pos += chunk.length;
    while (i < chunk.length) {
      const k = this.nextPacket;
      if (k >= plan.packetCount) return; // past the last whole packet: nothing more is written
      const start = plan.packets.fileOffset[k];
      const len = plan.packets.caplen[k];
      const at = base + i;
      if (at < start) {
        const take = Math.min(start - at, chunk.length - i);
        this.out(chunk.slice(i, i + take));
        i += take;
        continue;
      }
      // Inside packet k's data: gather it (it may straddle chunks), then rewrite it.
      const have = at - start;
      if (this.packetBuf.length !== len) this.packetBuf = new Uint8Array(len);
      const take = Math.min(len - have, chunk.length - i);
      this.packetBuf.set(chunk.subarray(i, i + take), have);
      i += take;
      if (have + take === len) {
        const data = this.packetBuf;
        this.packetBuf = new Uint8Array(0);
        this.rewrite(k, data);
        this.out(data);
        this.nextPacket++;
      }
    }
  }

  private rewrite(row: number, data: Uint8Array): void {
    const plan = this.plan;
    const ctx: PacketRewriteContext = {
      mapper: plan.mapper,
      mapPorts: plan.options.mapPorts,
      keepPayload: plan.options.keepPayload,
      tcp: null,
      fragment: null,
    };
    const place = plan.fragments.get(row)?.[0];
    if (place) {
      const ce = plan.editsOf(place.conn);
      const dir = DIRS[place.dir];
      if (ce && dir)
        ctx.fragment = {
          edits: ce.edits[dir],
          at: place.at,
          offset: place.offset,
          length: place.length,
          covered: ce.covered[dir],
        };
    }
    const conn = plan.segConn[row];
    if (conn >= 0) {
      const ce = plan.editsOf(conn);
      const dir = DIRS[plan.segDir[row]];
      if (ce && dir) ctx.tcp = { edits: ce.edits[dir], offset: plan.segOff[row], covered: ce.covered[dir] };
    }
    if (rewritePacket(data, plan.packets.linkType[row], ctx) === 'unsupported') this.stats.packetsZeroed++;
  }

  // ---- pcapng: whole blocks, rebuilt.

  private framed(chunk: Uint8Array): void {
    let p = 0;
    const end = chunk.length;
    while (this.carryLen > 0 && p < end) {
      const need = this.blockSize(this.carry, 0, this.carryLen);
      if (need <= this.carryLen) {
        this.takeCarry(need);
        continue;
      }
      const take = Math.min(need - this.carryLen, end - p);
      this.append(chunk, p, take);
      p += take;
      const need2 = this.blockSize(this.carry, 0, this.carryLen);
      if (need2 <= this.carryLen) this.takeCarry(need2);
    }
    while (p < end) {
      const need = this.blockSize(chunk, p, end - p);
      if (need > end - p) break;
      this.block(chunk.subarray(p, p + need));
      p += need;
    }
    if (p < end) this.append(chunk, p, end - p);
  }

  private takeCarry(need: number): void {
    const b = this.carry.slice(0, need);
    this.carry.copyWithin(0, need, this.carryLen);
    this.carryLen -= need;
    this.block(b);
  }

  private append(src: Uint8Array, off: number, len: number): void {
    if (this.carryLen + len > this.carry.length) {
      const g = new Uint8Array(Math.max(this.carryLen + len, this.carry.length * 2, 64));
      g.set(this.carry.subarray(0, this.carryLen));
      this.carry = g;
    }
    this.carry.set(src.subarray(off, off + len), this.carryLen);
    this.carryLen += len;
  }

  /** Length of the block at b[o] (a header's worth when unknown yet); Infinity for garbage. */
  private blockSize(b: Uint8Array, o: number, avail: number): number {
    if (avail < 12) return 12;
    let little = this.little;
    if (be32(b, o) === SHB) little = b[o + 8] === 0x4d;
    const len = little ? le32(b, o + 4) : be32(b, o + 4);
    // The first pass already refused broken framing; here a bad length just ends the output.
    if (len < 12 || len % 4 !== 0) return Number.MAX_SAFE_INTEGER;
    return len;
  }

  private u32(b: Uint8Array, o: number): number {
    return this.little ? le32(b, o) : be32(b, o);
  }
  private u16(b: Uint8Array, o: number): number {
    return this.little ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
  }

  private block(b: Uint8Array): void {
    if (be32(b, 0) === SHB) {
      this.little = b[8] === 0x4d;
      this.countOptions(b, 24, b.length - 4, new Set());
      const out = new Uint8Array(28);
      out.set(b.subarray(0, 16)); // type, length (rewritten), byte-order magic, version
      out.fill(0xff, 16, 24); // section length: unknown (blocks changed size)
      this.put32(out, 4, 28);
      this.put32(out, 24, 28);
      this.out(out);
      return;
    }
    const type = this.u32(b, 0);
    const bodyEnd = b.length - 4;
    switch (type) {
      case BT_IDB:
        this.emit(b, 16, this.keptOptions(b, 16, bodyEnd, KEEP_IDB));
        return;
      case BT_EPB:
      case BT_PB: {
        const row = this.nextPacket++;
        if (row >= this.plan.packetCount) return;
        const caplen = this.u32(b, 20);
        const dataEnd = 28 + pad4(caplen);
        if (dataEnd > bodyEnd) return;
        const body = b.slice(0, dataEnd);
        this.rewrite(row, body.subarray(28, 28 + caplen));
        this.emit(body, dataEnd, this.keptOptions(b, dataEnd, bodyEnd, KEEP_EPB));
        return;
      }
      case BT_SPB: {
        const row = this.nextPacket++;
        if (row >= this.plan.packetCount) return;
        const body = b.slice(0, bodyEnd);
        const caplen = this.plan.packets.caplen[row];
        this.rewrite(row, body.subarray(12, 12 + Math.min(caplen, bodyEnd - 12)));
        this.emit(body, bodyEnd, []);
        return;
      }
      case BT_ISB:
        this.emit(b, 20, this.keptOptions(b, 20, bodyEnd, KEEP_ISB));
        return;
      case BT_DSB:
        this.stats.secretsBlocksRemoved++;
        return;
      default:
        this.stats.blocksRemoved++;
    }
  }

  /** Counts (as removed) the options of b[from, end), except codes in `keep`; returns the kept ones. */
  private countOptions(b: Uint8Array, from: number, end: number, keep: Set<number>): Uint8Array[] {
    const kept: Uint8Array[] = [];
    let p = from;
    while (p + 4 <= end) {
      const code = this.u16(b, p);
      const len = this.u16(b, p + 2);
      if (code === 0) break;
      const next = p + 4 + pad4(len);
      if (next > end) break;
      if (keep.has(code)) kept.push(b.subarray(p, next));
      else if (code === OPT_COMMENT) this.stats.commentsRemoved++;
      else this.stats.optionsRemoved++;
      p = next;
    }
    return kept;
  }

  private keptOptions(b: Uint8Array, from: number, end: number, keep: Set<number>): Uint8Array[] {
    return this.countOptions(b, from, end, keep);
  }

  /** Writes a block: its first `fixed` bytes (type, length placeholder, fields, data) and options. */
  private emit(b: Uint8Array, fixed: number, options: Uint8Array[]): void {
    let len = fixed + 4;
    if (options.length) {
      for (const o of options) len += o.length;
      len += 4; // opt_endofopt
    }
    const out = new Uint8Array(len);
    out.set(b.subarray(0, fixed));
    let p = fixed;
    for (const o of options) {
      out.set(o, p);
      p += o.length;
    }
    if (options.length) p += 4; // zeros: opt_endofopt, length 0
    this.put32(out, 4, len);
    this.put32(out, len - 4, len);
    this.out(out);
  }

  private put32(b: Uint8Array, o: number, v: number): void {
    if (this.little) {
      b[o] = v & 0xff;
      b[o + 1] = (v >>> 8) & 0xff;
      b[o + 2] = (v >>> 16) & 0xff;
      b[o + 3] = v >>> 24;
    } else {
      b[o] = v >>> 24;
      b[o + 1] = (v >>> 16) & 0xff;
      b[o + 2] = (v >>> 8) & 0xff;
      b[o + 3] = v & 0xff;
    }
  }
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
