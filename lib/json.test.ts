// The JSON writer's fast path (streams and exchanges serialized without the number replacer) must
// write exactly what the replacer would: on every committed sample, log, TLS capture with its key
// log, and shared real and Zeek capture, indented and compact.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { jsonPieces, replacer, stringifyTrace, toTraceJson, traceJsonBytes } from './json';
import { newConnection, type Trace } from './trace';
import { HAS_CORPUS, REAL_CAPTURES, SAMPLES_DIR, ZEEK_CAPTURES } from '../tests/shared';
import { analyzeInput, inputsUnder } from '../tests/inputs';

const LAB_DIR = path.join(__dirname, '../lab');
const files = [
  ...inputsUnder(SAMPLES_DIR),
  ...inputsUnder(REAL_CAPTURES),
  ...inputsUnder(ZEEK_CAPTURES),
  // The lab's captures made by real programs (h2load, grpc-go, nginx, HAProxy, browsers...).
  ...inputsUnder(LAB_DIR),
];

describe('writeTraceJson fast path equals the replacer', () => {
  it('has inputs', () => expect(files.length).toBeGreaterThan(HAS_CORPUS ? 50 : 10));
  for (const file of files) {
    it(path.relative(path.dirname(SAMPLES_DIR), file), () => {
      const trace = analyzeInput(file);
      if (!trace) return;
      const doc = toTraceJson(trace);
      expect(stringifyTrace(trace, 2)).toBe(JSON.stringify(doc, replacer, 2));
      expect(stringifyTrace(trace, 0)).toBe(JSON.stringify(doc, replacer));
      // Small chunks, so that values are cut across chunk boundaries too.
      expect(bytesText(trace, 4096)).toBe(JSON.stringify(doc, replacer));
    });
  }
});

function bytesText(trace: Trace, chunkBytes?: number): string {
  const chunks = [...traceJsonBytes(trace, chunkBytes)];
  return Buffer.concat(chunks).toString('utf8');
}

describe('traceJsonBytes writes what JSON.stringify writes', () => {
  it('escapes, non-ASCII, odd numbers, undefined members and array holes', () => {
    const trace = {
      tool: 'tracelens',
      version: 'é"\\\n\u0001\u007f\u2028 \ud800 lone, 😀 pair',
      input: {
        a: [1, -0, -5, 1e21, 123456789012345678, 0.1 + 0.2, 1 / 3, -2.5e-10, NaN, -Infinity],
        b: [undefined, null, true, false, () => 1, 'x'],
        c: { skipped: undefined, kept: 'k', nested: { deep: [[], {}, ''] } },
        '\u00e9key"': 1,
        7: 'integer-like key',
      },
      options: {},
      connections: [],
      streams: [{ id: 1, when: new Date(0), long: 'y'.repeat(10000) }],
      exchanges: [],
      findings: [],
      h2: [],
      packets: null,
    } as unknown as Trace;
    const expected = JSON.stringify(toTraceJson(trace), replacer);
    expect(bytesText(trace)).toBe(expected);
    expect(bytesText(trace, 16)).toBe(expected);
  });
});

describe('jsonPieces writes what JSON.stringify writes', () => {
  const value = {
    s: 'é"\\\n\u0001\u2028 \ud800 😀',
    n: [1, -0, 1e21, 0.1 + 0.2, NaN, -Infinity],
    odd: [undefined, null, true, () => 1, Symbol('x'), new Number(5), new String('t'), new Date(0)],
    skipped: undefined,
    fn: () => 2,
    nested: { deep: [[], {}, ''], cols: new Int32Array([3, -4, 5]), bytes: new Uint8Array([1, 2]) },
    7: 'integer-like key',
    long: Array.from({ length: 5000 }, (_, i) => ({ i, t: i / 7 })),
  };
  const columns = (_k: string, v: unknown) =>
    ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v;
  for (const indent of [undefined, 0, 2, 4])
    for (const rep of [undefined, columns])
      it(`indent ${indent}, ${rep ? 'with' : 'without'} a replacer, in small pieces`, () => {
        const pieces = [...jsonPieces(value, rep, indent, 64)];
        expect(pieces.length).toBeGreaterThan(10);
        expect(pieces.join('')).toBe(JSON.stringify(value, rep, indent));
      });
  it('writes nothing for a value JSON has no text for, and primitives as the engine does', () => {
    expect([...jsonPieces(undefined)]).toEqual([]);
    for (const v of [null, 1.5, 'x', true, NaN]) expect([...jsonPieces(v)].join('')).toBe(JSON.stringify(v));
  });
});

describe('number rule', () => {
  it('writes NaN and Infinity as null and rounds other numbers to 1 ns', () => {
    const c = newConnection({
      index: 0,
      clientIp: '10.0.0.1',
      clientPort: 1,
      serverIp: '10.0.0.2',
      serverPort: 2,
      vlan: [],
      directionBasis: 'syn',
      startS: 0.1 + 0.2,
      firstPacket: 1,
    });
    c.maxIdleS = Number.NaN;
    c.endS = Number.POSITIVE_INFINITY;
    const trace: Trace = {
      tool: 'tracelens',
      version: '0',
      input: {
        name: 'x',
        format: 'pcap',
        compression: null,
        bytes: 0,
        packets: 0,
        linkTypes: [],
        start: null,
        durationS: 1 / 3,
        warnings: [],
      },
      options: { idleThresholdS: 30, halfCloseThresholdS: 5, slowFactor: 5, slowMinS: 1 },
      connections: [c],
      streams: [],
      exchanges: [],
      findings: [],
      h2: [],
      packets: null,
    };
    const doc = JSON.parse(stringifyTrace(trace, 0)) as {
      input: { durationS: number };
      connections: { startS: number; maxIdleS: null; endS: null }[];
    };
    expect(doc.input.durationS).toBe(0.333333333);
    expect(doc.connections[0].startS).toBe(0.3);
    expect(doc.connections[0].maxIdleS).toBeNull();
    expect(doc.connections[0].endS).toBeNull();
  });
});
