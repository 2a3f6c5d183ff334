import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { compileFilter, filterRows, FieldIndex } from './filter';
import { FIELD_LAYERS, fieldContext } from './filter/registry';
import { restrictTrace, restriction, traceSpans } from './restrict';
import type { Trace } from './trace';
import { analyzeInput } from '../tests/inputs';
import { readFileSync } from 'node:fs';

const SAMPLES = path.join(__dirname, '..', 'samples');

function load(name: string): { trace: Trace; bytes: Uint8Array } {
  const file = path.join(SAMPLES, name, 'capture.pcap');
  return { trace: analyzeInput(file)!, bytes: new Uint8Array(readFileSync(file)) };
}

function rowsOf(trace: Trace, bytes: Uint8Array, text: string): Uint32Array {
  const c = compileFilter(text, new FieldIndex(FIELD_LAYERS));
  if (!c.ok) throw new Error(c.error.message);
  const p = trace.packets!;
  return filterRows(
    fieldContext(trace, (row) => bytes.subarray(p.fileOffset[row], p.fileOffset[row] + p.caplen[row])),
    c.filter,
  );
}

describe('restriction', () => {
  const { trace, bytes } = load('h2-rule-violations');

  it('selects one connection with everything of it, and nothing of the others', () => {
    const port = 7705;
    const ci = trace.connections.findIndex((c) => c.serverPort === port);
    expect(ci).toBeGreaterThanOrEqual(0);
    const id = trace.connections[ci].id;
    const r = restriction(trace, rowsOf(trace, bytes, `tcp.port == ${port}`));
    expect([...r.connections]).toEqual([ci]);
    expect([...r.streams].map((i) => trace.streams[i].connection)).toEqual(
      trace.streams.filter((s) => s.connection === id).map(() => id),
    );
    expect(r.streams.length).toBeGreaterThan(0);
    expect([...r.h2].map((i) => trace.h2[i].connection)).toEqual([id]);
    const findings = [...r.findings].map((i) => trace.findings[i]);
    expect(findings.some((f) => f.kind === 'h2.flow-control-violation')).toBe(true);
    expect(findings.every((f) => f.connection === id || f.connection === null)).toBe(true);
  });

  it('selects a stream by one packet of its frames, and a finding by its evidence frame', () => {
    const fi = trace.findings.findIndex(
      (f) =>
        f.stream !== null &&
        f.evidence.some((e) => e.frame !== undefined) &&
        !f.evidence.some((e) => e.packet !== undefined),
    );
    expect(fi).toBeGreaterThanOrEqual(0);
    const finding = trace.findings[fi];
    const frameNo = finding.evidence.find((e) => e.frame !== undefined)!.frame!;
    const s = trace.streams.find(
      (x) => x.connection === finding.connection && x.frames.some((f) => f.number === frameNo),
    )!;
    const frame = s.frames.find((f) => f.number === frameNo)!;
    const packet = frame.packets[frame.packets.length - 1];
    const r = restriction(trace, rowsOf(trace, bytes, `frame.number == ${packet}`));
    expect([...r.streams].map((i) => trace.streams[i])).toContain(s);
    expect([...r.findings]).toContain(fi);
    // Nothing outside the packet's connection.
    const conns = new Set([...r.connections].map((i) => trace.connections[i].id));
    expect(conns).toEqual(new Set([s.connection]));
  });

  it('selects nothing for no rows, and everything located for every row', () => {
    const none = restriction(trace, new Uint32Array(0));
    for (const k of ['connections', 'streams', 'exchanges', 'h2', 'findings'] as const)
      expect(none[k].length).toBe(0);
    const all = restriction(
      trace,
      Uint32Array.from({ length: trace.packets!.length }, (_, i) => i),
    );
    expect(all.connections.length).toBe(trace.connections.length);
    expect(all.streams.length).toBe(
      trace.streams.filter((s) => s.frames.some((f) => f.packets.length)).length,
    );
    expect(all.findings.length).toBe(trace.findings.length);
  });

  it('gives the same answer with spans kept from an earlier call (the filter bar)', () => {
    const spans = traceSpans(trace);
    for (const text of ['http2.type == 3', 'tcp.flags.fin == 1', 'tcp.port == 7700 || tcp.port == 7703']) {
      const rows = rowsOf(trace, bytes, text);
      expect(restriction(trace, rows, spans)).toEqual(restriction(trace, rows));
    }
  });

  it('restrictTrace keeps the selected records in order, without a packet table', () => {
    const rows = rowsOf(trace, bytes, 'tcp.port == 7700');
    const t = restrictTrace(trace, rows);
    expect(t.packets).toBeNull();
    expect(t.connections.map((c) => c.serverPort)).toEqual([7700]);
    expect(t.streams.every((s) => s.connection === t.connections[0].id)).toBe(true);
    const order = t.findings.map((f) => trace.findings.indexOf(f));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});
