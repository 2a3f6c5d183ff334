// The columnar model on hand-made traces: rows made on demand, key order and unforeseen values
// kept, shared header lists, and clear errors on documents that are not ours or are damaged.
import { describe, expect, it } from 'vitest';
import { stringifyTrace } from '../json';
import { DEFAULT_OPTIONS, newConnection, type H2Stream, type Trace } from '../trace';
import { toTraceColumns } from './columns';
import { DocumentError, TraceDocument } from './reader';
import { decodeArrow, encodeArrow } from './arrow';
import { decodeBinary } from './binary';

function stream(id: number, extra: Partial<H2Stream> = {}): H2Stream {
  const req: [string, string][] = [
    [':method', 'GET'],
    [':path', `/item/${id % 3}`],
  ];
  return {
    connection: 'c1',
    id,
    method: 'GET',
    path: `/item/${id % 3}`,
    authority: null,
    status: id % 2 ? 200 : null,
    grpcStatus: null,
    frames: [
      {
        number: id * 2,
        connection: 'c1',
        stream: id,
        type: 'HEADERS',
        typeId: 1,
        flags: ['END_STREAM', 'END_HEADERS'],
        flagsRaw: 5,
        length: 12,
        dir: 'c2s',
        tS: id / 1000 + 0.000000001,
        packets: [id, id + 1],
        headers: req,
      },
    ],
    requestHeaders: req,
    responseHeaders: null,
    trailers: null,
    startS: id / 1000,
    endS: id / 1000 + 0.5,
    responseS: null,
    responseEndS: null,
    state: 'half-closed-local',
    endStream: { c2s: true, s2c: false },
    reset: null,
    dataBytes: { c2s: 0, s2c: 0 },
    grpc: null,
    sequence: 'H*',
    ...extra,
  };
}

function trace(streams: H2Stream[]): Trace {
  return {
    tool: 'tracelens',
    version: '0.1.0',
    input: {
      name: 'x.pcap',
      format: 'pcap',
      compression: null,
      bytes: 1,
      packets: 2,
      linkTypes: [1],
      start: null,
      durationS: 1,
      warnings: [],
    },
    options: DEFAULT_OPTIONS,
    connections: [
      newConnection({
        index: 0,
        clientIp: '10.0.0.1',
        clientPort: 5,
        serverIp: '10.0.0.2',
        serverPort: 80,
        directionBasis: 'syn',
        startS: 0,
        firstPacket: 1,
      }),
    ],
    streams,
    exchanges: [],
    findings: [],
    h2: [],
    packets: null,
  };
}

describe('TraceDocument', () => {
  it('makes the rows asked for, with the frames of a stream', () => {
    const t = trace([stream(1), stream(3), stream(5)]);
    const doc = new TraceDocument(toTraceColumns(t));
    expect(doc.streams.length).toBe(3);
    expect(doc.streamAt(1)).toEqual(t.streams[1]);
    expect(doc.framesOf(2)).toEqual(t.streams[2].frames);
    expect(doc.streams.range(1, 10).map((s) => s.id)).toEqual([3, 5]);
    expect(doc.count('streams')).toBe(3);
  });

  it('shares equal header lists and keeps nulls apart from zeros', () => {
    const t = trace([stream(1), stream(4)]);
    const doc = new TraceDocument(toTraceColumns(t));
    const a = doc.streamAt(0);
    expect(a.requestHeaders).toBe(a.frames[0].headers);
    expect(doc.streamAt(1).status).toBeNull();
    expect(a.status).toBe(200);
    // Two streams with equal request headers (ids 1 and 4: path /item/1) share one list.
    expect(doc.streamAt(1).requestHeaders).toBe(a.requestHeaders);
  });

  it('keeps key order, optional keys and values the layout does not know', () => {
    const odd = stream(7, { captureGap: true }) as H2Stream & Record<string, unknown>;
    odd.futureField = { nested: [1, 2] };
    odd.method = 42 as unknown as string; // a value of another type than the layout's
    const t = trace([stream(1), odd]);
    const doc = new TraceDocument(decodeArrow(encodeArrow(toTraceColumns(t))));
    const back = doc.streamAt(1) as H2Stream & Record<string, unknown>;
    expect(Object.keys(back)).toEqual(Object.keys(odd));
    expect(back.futureField).toEqual({ nested: [1, 2] });
    expect(back.method).toBe(42);
    expect(back.captureGap).toBe(true);
    expect(stringifyTrace(doc.toTrace(), 0)).toBe(stringifyTrace(t, 0));
  });

  it('refuses what is not a trace document, in one clear error', () => {
    expect(() => decodeArrow(new Uint8Array([1, 2, 3]))).toThrow(DocumentError);
    expect(() => decodeArrow(new TextEncoder().encode('ARROW1\0\0 then nothing useful'))).toThrow(
      /unreadable Arrow IPC file/,
    );
    expect(() => decodeBinary(new Uint8Array(40))).toThrow(DocumentError);
    const bytes = encodeArrow(toTraceColumns(trace([stream(1)])));
    // Cut short: Arrow's footer is gone.
    expect(() => decodeArrow(bytes.subarray(0, bytes.length >> 1))).toThrow(DocumentError);
    // A column whose values point past the end of its table.
    const cols = toTraceColumns(trace([stream(1)]));
    cols.tables.streams.columns['frames.count'] = new Uint8Array([9]);
    expect(() => new TraceDocument(cols).streamAt(0)).toThrow(/out of range/);
  });
});
