// The JSON writer's fast path (streams and exchanges serialized without the number replacer) must
// write exactly what the replacer would: on every committed sample, log, TLS capture with its key
// log, and shared real and Zeek capture, indented and compact.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Analyzer, AnalysisError } from './analyze';
import { replacer, stringifyTrace, toTraceJson, traceJsonBytes } from './json';
import { newConnection, type Trace } from './trace';
import { HAS_CORPUS, REAL_CAPTURES, SAMPLES_DIR, ZEEK_CAPTURES } from '../tests/shared';

function inputsUnder(dir: string, depth = 0): string[] {
  if (!existsSync(dir) || depth > 3) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...inputsUnder(p, depth + 1));
    else if (/\.(pcap|pcapng|log)(\.gz)?$/.test(name)) out.push(p);
  }
  return out;
}

function analyze(file: string): Trace | null {
  // TLS samples keep their key log beside the capture, as NAME.keys or NAME.keylog.
  const keyFile = ['.keys', '.keylog']
    .map((ext) => file.replace(/\.pcap$/, ext))
    .find((f) => f !== file && existsSync(f));
  const keylog = keyFile ? readFileSync(keyFile, 'utf8') : undefined;
  const bytes = new Uint8Array(readFileSync(file));
  const a = new Analyzer({ name: path.basename(file), size: bytes.length, keylog });
  try {
    a.push(bytes);
    return a.finish();
  } catch (e) {
    if (e instanceof AnalysisError) return null; // refused input has no document
    throw e;
  }
}

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
      const trace = analyze(file);
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
