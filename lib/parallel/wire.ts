/**
 * A shard's results in the form they cross threads (worker_threads or Web Workers): HTTP/2 frames,
 * most of the objects of a request-heavy capture, as typed-array columns (transferred, not
 * copied); everything else as it is, for the structured clone.
 *
 *   worker:  for (const piece of packShard(output)) postMessage(piece, pieceTransferables(piece))
 *   main:    const u = new ShardUnpacker(); on each piece: u.add(piece); at the end: u.done
 *
 * Cloning half a million small frame objects cost more than analyzing them (h2-requests: about
 * 0.6 s to write and 0.6 s to read per 130k frames); a column row is written and read in a few
 * nanoseconds, and the objects made from it are the ones the session makes (H2FrameRecord, with
 * the shared frozen flag lists and DATA facts of lib/http2/frames.ts), so the JSON writer's fast
 * paths apply to them as to frames made on this thread.
 *
 * A frame the columns do not foresee (another class, a log line number, a type name or flag list
 * not the session's own) crosses whole, in `odd`: the unpacked output is the packed one either way.
 */
import { dataFrameInfo, frameFlagNames, frameTypeName } from '../http2/frames';
import { H2FrameRecord, type H2Frame, type H2FrameInfo, type H2Stream } from '../trace';
import type { ShardOutput } from './shard';

/** Values of FrameColumns.info beside an index into `infos`. */
const INFO_NONE = -1;
/** The shared frozen facts of an unpadded DATA frame of this length (dataFrameInfo). */
const INFO_DATA = -2;
/** packets column `last` when the frame came from one packet. */
const ONE_PACKET = -1;
const DATA = 0x0;

interface FrameColumns {
  length: number;
  number: Float64Array;
  /** Index into `strings`. */
  connection: Int32Array;
  stream: Float64Array;
  typeId: Uint8Array;
  flagsRaw: Uint8Array;
  frameLength: Float64Array;
  /** 0 = c2s, 1 = s2c. */
  dir: Uint8Array;
  tS: Float64Array;
  first: Float64Array;
  last: Float64Array;
  /** Index into `infos`, or INFO_NONE / INFO_DATA. */
  info: Int32Array;
  /** Index into `headers`, or -1. */
  headers: Int32Array;
  /** Index into `odd`, or -1: the frame crossed whole. */
  odd: Int32Array;
}

/** The frames of a list of records (streams, HTTP/2 connection records) as columns. */
export interface FramePack {
  /** Frames per record, in the records' order. */
  counts: Int32Array;
  frames: FrameColumns;
  strings: string[];
  infos: H2FrameInfo[];
  headers: [string, string][][];
  odd: H2Frame[];
}

/**
 * What a worker posts, in order: slices of its streams, then the rest of its output. The merger
 * makes the objects of one slice while the worker packs and posts the next.
 */
export type ShardPiece =
  | { kind: 'streams'; streams: H2Stream[]; pack: FramePack }
  | { kind: 'rest'; output: ShardOutput; pack: FramePack };

/** Streams per slice: a few ms of work on either side. */
const STREAMS_PER_PIECE = 8192;

const FRAME_PROTO: object = H2FrameRecord.prototype;

/**
 * The session's type name and flag list of each (type, flags) pair, by typeId * 256 + flags: the
 * same arrays frameTypeName / frameFlagNames return, looked up without their map per frame.
 */
const typeNames: string[] = [];
const flagLists: string[][] = [];
function namesOf(typeId: number, flagsRaw: number): number {
  const key = typeId * 256 + flagsRaw;
  if (flagLists[key] === undefined) {
    typeNames[key] = frameTypeName(typeId);
    flagLists[key] = frameFlagNames(typeId, flagsRaw);
  }
  return key;
}

/**
 * A shard's output as the pieces it crosses in (o is consumed: its frame lists are emptied, its
 * streams handed out by slice).
 */
export function* packShard(o: ShardOutput): Generator<ShardPiece> {
  const streams = o.streams;
  for (let at = 0; at < streams.length; at += STREAMS_PER_PIECE) {
    const slice = streams.slice(at, at + STREAMS_PER_PIECE);
    yield { kind: 'streams', streams: slice, pack: packFrames(slice) };
  }
  o.streams = [];
  yield { kind: 'rest', output: o, pack: packFrames(o.h2) };
}

/** Moves the frames of `records` into columns (their frame lists are emptied). */
export function packFrames(records: { frames: H2Frame[] }[]): FramePack {
  let n = 0;
  for (const r of records) n += r.frames.length;
  const cols: FrameColumns = {
    length: n,
    number: new Float64Array(n),
    connection: new Int32Array(n),
    stream: new Float64Array(n),
    typeId: new Uint8Array(n),
    flagsRaw: new Uint8Array(n),
    frameLength: new Float64Array(n),
    dir: new Uint8Array(n),
    tS: new Float64Array(n),
    first: new Float64Array(n),
    last: new Float64Array(n),
    info: new Int32Array(n),
    headers: new Int32Array(n),
    odd: new Int32Array(n),
  };
  const strings = new IndexTable<string>();
  const infos = new IndexTable<H2FrameInfo>();
  const headers = new IndexTable<[string, string][]>();
  const odd: H2Frame[] = [];
  const counts = new Int32Array(records.length);
  const empty: H2Frame[] = [];
  let i = 0;
  records.forEach((r, k) => {
    counts[k] = r.frames.length;
    for (const f of r.frames) {
      if (!columnar(f)) {
        cols.odd[i] = odd.length;
        odd.push(f);
        i++;
        continue;
      }
      cols.odd[i] = -1;
      cols.number[i] = f.number;
      cols.connection[i] = strings.index(f.connection);
      cols.stream[i] = f.stream;
      cols.typeId[i] = f.typeId;
      cols.flagsRaw[i] = f.flagsRaw;
      cols.frameLength[i] = f.length;
      cols.dir[i] = f.dir === 'c2s' ? 0 : 1;
      cols.tS[i] = f.tS;
      cols.first[i] = f.packets[0];
      cols.last[i] = f.packets.length === 1 ? ONE_PACKET : f.packets[1];
      const info = f.info;
      if (info === undefined) cols.info[i] = INFO_NONE;
      else if (f.typeId === DATA && dataFrameInfo(0, f.length, 0) === info) cols.info[i] = INFO_DATA;
      else cols.info[i] = infos.index(info);
      cols.headers[i] = f.headers === undefined ? -1 : headers.index(f.headers);
      i++;
    }
    r.frames = empty;
  });
  return { counts, frames: cols, strings: strings.list, infos: infos.list, headers: headers.list, odd };
}

/** Whether the columns hold all of `f`: the session's own frame, as it makes it from a capture. */
function columnar(f: H2Frame): boolean {
  if (Object.getPrototypeOf(f) !== FRAME_PROTO) return false;
  const p = f.packets;
  if (!(f.typeId >= 0 && f.typeId <= 0xff && f.flagsRaw >= 0 && f.flagsRaw <= 0xff)) return false;
  const names = namesOf(f.typeId, f.flagsRaw);
  return (
    f.line === undefined &&
    f.type === typeNames[names] &&
    f.flags === flagLists[names] &&
    (f.dir === 'c2s' || f.dir === 's2c') &&
    (p.length === 1 || (p.length === 2 && p[1] !== ONE_PACKET)) &&
    // Exactly the record's own members (none added by anyone else).
    Object.keys(f).length === FRAME_KEY_COUNT
  );
}

const FRAME_KEY_COUNT = Object.keys(new H2FrameRecord(0, '', 0, '', 0, [], 0, 0, 'c2s', 0, [])).length;

/** The buffers of a piece that move rather than copy (packet columns, frame columns). */
export function pieceTransferables(p: ShardPiece): ArrayBuffer[] {
  const r: ArrayBuffer[] = [];
  if (p.kind === 'rest')
    for (const v of Object.values(p.output.packets))
      if (typeof v !== 'number') r.push(v.buffer as ArrayBuffer);
  for (const v of Object.values(p.pack.frames)) if (typeof v !== 'number') r.push(v.buffer as ArrayBuffer);
  return r;
}

/** The merger's side: pieces in the order they were packed, back to the ShardOutput. */
export class ShardUnpacker {
  private readonly streams: H2Stream[] = [];
  private output: ShardOutput | null = null;

  add(p: ShardPiece): void {
    if (this.output) throw new Error('shard pieces after the last');
    if (p.kind === 'streams') {
      unpackFrames(p.streams, p.pack);
      for (const s of p.streams) this.streams.push(s);
    } else {
      unpackFrames(p.output.h2, p.pack);
      p.output.streams = this.streams;
      this.output = p.output;
    }
  }

  /** The output, once the last piece is in. */
  get done(): ShardOutput | null {
    return this.output;
  }
}

/** The frame lists of `records` made again from `pack` (packFrames of the same records). */
export function unpackFrames(records: { frames: H2Frame[] }[], w: FramePack): void {
  const c = w.frames;
  let i = 0;
  let k = 0;
  let shared: number[] = [];
  const fill = (r: { frames: H2Frame[] }): void => {
    const n = w.counts[k++];
    const frames = new Array<H2Frame>(n);
    for (let j = 0; j < n; j++, i++) {
      if (c.odd[i] >= 0) {
        frames[j] = w.odd[c.odd[i]];
        continue;
      }
      const typeId = c.typeId[i];
      const flagsRaw = c.flagsRaw[i];
      const length = c.frameLength[i];
      let packets: number[];
      if (c.last[i] === ONE_PACKET) {
        // Frames of one packet share its one-element list, as the parser's do.
        if (shared[0] !== c.first[i]) shared = [c.first[i]];
        packets = shared;
      } else packets = [c.first[i], c.last[i]];
      const names = namesOf(typeId, flagsRaw);
      const f = new H2FrameRecord(
        c.number[i],
        w.strings[c.connection[i]],
        c.stream[i],
        typeNames[names],
        typeId,
        flagLists[names],
        flagsRaw,
        length,
        c.dir[i] === 0 ? 'c2s' : 's2c',
        c.tS[i],
        packets,
      );
      const info = c.info[i];
      if (info === INFO_DATA) f.info = dataFrameInfo(0, length, 0);
      else if (info !== INFO_NONE) f.info = w.infos[info];
      if (c.headers[i] >= 0) f.headers = w.headers[c.headers[i]];
      frames[j] = f;
    }
    r.frames = frames;
  };
  for (const r of records) fill(r);
}

/** A shard's output through packShard, `send` (a structured clone, in tests) and ShardUnpacker. */
export function throughWire(
  o: ShardOutput,
  send: (p: ShardPiece, transfer: ArrayBuffer[]) => ShardPiece,
): ShardOutput {
  const u = new ShardUnpacker();
  for (const p of packShard(o)) u.add(send(p, pieceTransferables(p)));
  if (!u.done) throw new Error('shard pieces without the last');
  return u.done;
}

/**
 * Distinct values (objects by identity: the session's shared HPACK lists and DATA facts), each
 * numbered by its first appearance.
 */
class IndexTable<T> {
  readonly list: T[] = [];
  private readonly at = new Map<T, number>();

  index(v: T): number {
    let x = this.at.get(v);
    if (x === undefined) {
      x = this.list.length;
      this.list.push(v);
      this.at.set(v, x);
    }
    return x;
  }
}
