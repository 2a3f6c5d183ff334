// The CLI's --json document keeps to shared/contracts/trace-json.md on every shared real capture:
// required fields with their types and allowed values, 1-based evidence numbers, times relative.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeBytes, AnalysisError } from '../../lib/analyze';
import { stringifyTrace } from '../../lib/json';
import { REAL_CAPTURES, describeCorpus, listCorpus } from '../shared';

type Json = Record<string, unknown>;
const ENDS = ['open', 'closed', 'reset', 'half-closed-by-client', 'half-closed-by-server'];
const PROTOCOLS = ['http1', 'h2', 'tls', 'unknown'];
const SEVERITIES = ['error', 'warning', 'info'];

function perDir(v: unknown, what: string): void {
  const o = v as Json;
  expect(typeof o?.c2s, `${what}.c2s`).toBe('number');
  expect(typeof o?.s2c, `${what}.s2c`).toBe('number');
}

export function checkContract(doc: Json): void {
  expect(doc.tool).toBe('tracelens');
  expect(typeof doc.version).toBe('string');
  const input = doc.input as Json;
  for (const k of ['name', 'format']) expect(typeof input[k], `input.${k}`).toBe('string');
  for (const k of ['bytes', 'packets', 'durationS']) expect(typeof input[k], `input.${k}`).toBe('number');
  expect(Array.isArray(input.linkTypes)).toBe(true);
  expect(Array.isArray(input.warnings)).toBe(true);
  expect(input.start === null || typeof input.start === 'string').toBe(true);
  for (const c of doc.connections as Json[]) {
    expect(c.id).toMatch(/^c\d+$/);
    expect(c.client).toMatch(/^(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:.]+\]):\d+$/);
    expect(c.server).toMatch(/^(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:.]+\]):\d+$/);
    for (const k of ['startS', 'endS', 'maxIdleS']) expect(typeof c[k], `connection.${k}`).toBe('number');
    for (const k of ['packets', 'bytes', 'fin', 'rst', 'keepalives', 'retransmissions']) perDir(c[k], k);
    expect(ENDS).toContain(c.end);
    expect(PROTOCOLS).toContain(c.protocol);
  }
  for (const s of doc.streams as Json[]) {
    expect(typeof s.connection).toBe('string');
    expect(typeof s.id).toBe('number');
    for (const f of s.frames as Json[]) {
      expect(typeof f.type).toBe('string');
      expect(Array.isArray(f.flags)).toBe(true);
      expect(typeof f.length).toBe('number');
      expect(['c2s', 's2c']).toContain(f.dir);
      expect(typeof f.tS).toBe('number');
    }
  }
  for (const e of doc.exchanges as Json[]) {
    expect(typeof e.connection).toBe('string');
    expect(e.responseS === null || typeof e.responseS === 'number').toBe(true);
  }
  for (const f of doc.findings as Json[]) {
    expect(typeof f.kind).toBe('string');
    expect(SEVERITIES).toContain(f.severity);
    expect((f.title as string).length).toBeGreaterThan(5);
    expect((f.explanation as string).length).toBeGreaterThan(40);
    expect(f.connection === null || typeof f.connection === 'string').toBe(true);
    for (const ev of f.evidence as Json[]) {
      const n = (ev.packet ?? ev.frame ?? ev.line) as number;
      expect(Number.isInteger(n) && n >= 1).toBe(true);
    }
    expect(typeof f.details).toBe('object');
  }
}

const files = listCorpus(REAL_CAPTURES)
  .filter((f) => /\.(pcap|pcapng)$/.test(f))
  .sort();

describeCorpus('trace JSON contract on the shared real captures', () => {
  for (const f of files) {
    it(f, () => {
      const bytes = new Uint8Array(readFileSync(path.join(REAL_CAPTURES, f)));
      let trace;
      try {
        trace = analyzeBytes(f, bytes);
      } catch (e) {
        // Only the known-corrupt capture may be refused, and then with a clear, located message.
        expect(e).toBeInstanceOf(AnalysisError);
        expect(f).toBe('suricata-fuzz-corrupt.pcap');
        return;
      }
      const doc = JSON.parse(stringifyTrace(trace)) as Json;
      checkContract(doc);
      expect((doc.input as Json).packets).toBeGreaterThan(0);
    });
  }
});
