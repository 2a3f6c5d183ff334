/**
 * A shard's results in the form they cross threads (worker_threads or Web Workers): HTTP/2 frames,
 * most of the objects of a request-heavy capture, as typed-array columns (transferred, not
 * copied); everything else as it is, for the structured clone.
 *
 *   worker:  const wire = packShard(output); postMessage(wire, shardWireTransferables(wire))
 *   main:    const output = unpackShard(wire)
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
import { H2FrameRecord, type H2Frame, type H2FrameInfo } from '../trace';
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

/** A ShardOutput whose streams' and HTTP/2 connections' frame lists are in `frames`. */
export interface ShardWire {
  /** The output with every `frames` list emptied (one shared empty array). */
  output: ShardOutput;
  /** Frames per record: streams in order, then h2 records. */
  counts: Int32Array;
  frames: FrameColumns;
  strings: string[];
  infos: H2FrameInfo[];
  headers: [string, string][][];
  odd: H2Frame[];
}

const FRAME_PROTO: object = H2FrameRecord.prototype;

/** Moves the frames of `o` into columns (o is consumed: its frame lists are emptied). */
export function packShard(o: ShardOutput): ShardWire {
  const records: { frames: H2Frame[] }[] = [...o.streams, ...o.h2];
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
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const infos: H2FrameInfo[] = [];
  const infoIndex = new Map<H2FrameInfo, number>();
  const headers: [string, string][][] = [];
  const headerIndex = new Map<[string, string][], number>();
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
      let s = stringIndex.get(f.connection);
      if (s === undefined) {
        s = strings.length;
        strings.push(f.connection);
        stringIndex.set(f.connection, s);
      }
      cols.connection[i] = s;
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
      else {
        let x = infoIndex.get(info);
        if (x === undefined) {
          x = infos.length;
          infos.push(info);
          infoIndex.set(info, x);
        }
        cols.info[i] = x;
      }
      const h = f.headers;
      if (h === undefined) cols.headers[i] = -1;
      else {
        let x = headerIndex.get(h);
        if (x === undefined) {
          x = headers.length;
          headers.push(h);
          headerIndex.set(h, x);
        }
        cols.headers[i] = x;
      }
      i++;
    }
    r.frames = empty;
  });
  return { output: o, counts, frames: cols, strings, infos, headers, odd };
}

/** Whether the columns hold all of `f`: the session's own frame, as it makes it from a capture. */
function columnar(f: H2Frame): boolean {
  if (Object.getPrototypeOf(f) !== FRAME_PROTO) return false;
  const p = f.packets;
  return (
    f.line === undefined &&
    f.typeId >= 0 &&
    f.typeId <= 0xff &&
    f.flagsRaw >= 0 &&
    f.flagsRaw <= 0xff &&
    f.type === frameTypeName(f.typeId) &&
    f.flags === frameFlagNames(f.typeId, f.flagsRaw) &&
    (f.dir === 'c2s' || f.dir === 's2c') &&
    (p.length === 1 || (p.length === 2 && p[1] !== ONE_PACKET)) &&
    // Exactly the record's own members (none added by anyone else).
    Object.keys(f).length === FRAME_KEY_COUNT
  );
}

const FRAME_KEY_COUNT = Object.keys(new H2FrameRecord(0, '', 0, '', 0, [], 0, 0, 'c2s', 0, [])).length;

/** The buffers of a ShardWire that move rather than copy (its packet columns and frame columns). */
export function shardWireTransferables(w: ShardWire): ArrayBuffer[] {
  const r: ArrayBuffer[] = [];
  for (const v of Object.values(w.output.packets)) if (typeof v !== 'number') r.push(v.buffer as ArrayBuffer);
  for (const v of Object.values(w.frames)) if (typeof v !== 'number') r.push(v.buffer as ArrayBuffer);
  return r;
}

/** The ShardOutput packShard was given, its frame lists made again from the columns. */
export function unpackShard(w: ShardWire): ShardOutput {
  const o = w.output;
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
      const f = new H2FrameRecord(
        c.number[i],
        w.strings[c.connection[i]],
        c.stream[i],
        frameTypeName(typeId),
        typeId,
        frameFlagNames(typeId, flagsRaw),
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
  for (const s of o.streams) fill(s);
  for (const h of o.h2) fill(h);
  return o;
}
