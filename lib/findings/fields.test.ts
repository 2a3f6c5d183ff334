import { expect, it } from 'vitest';
import { describeCorpus, REAL_CAPTURES } from '../../tests/shared';
import { loadCapture } from '../../tests/tshark-fields';
import { fieldIndex, readField } from '../filter/registry';
import type { FieldValue } from '../filter/types';

function rowsWith(l: ReturnType<typeof loadCapture>, name: string): Map<number, FieldValue[]> {
  const f = fieldIndex().get(name);
  if (!f) throw new Error(name);
  const r = new Map<number, FieldValue[]>();
  for (let row = 0; row < (l.trace.packets?.length ?? 0); row++) {
    const v = readField(l.ctx, f, row);
    if (v.length) r.set(row + 1, v);
  }
  return r;
}

describeCorpus('tracelens.* fields', () => {
  it('tracelens.finding and .severity name the packets a finding gives as evidence', () => {
    const l = loadCapture(`${REAL_CAPTURES}/zeek-tcp-rst-inject.pcap`);
    const withPacket = l.trace.findings.filter((f) => f.evidence.some((e) => e.packet !== undefined));
    expect(withPacket.length).toBeGreaterThan(0);
    const kinds = rowsWith(l, 'tracelens.finding');
    const severity = rowsWith(l, 'tracelens.severity');
    for (const f of withPacket) {
      for (const e of f.evidence) {
        if (e.packet === undefined) continue;
        expect(kinds.get(e.packet)).toContain(f.kind);
        expect(['error', 'warning', 'info']).toContain(severity.get(e.packet)?.[0]);
      }
    }
    // Nothing else is marked.
    const named = new Set(withPacket.flatMap((f) => f.evidence.map((e) => e.packet)));
    for (const n of kinds.keys()) expect(named.has(n)).toBe(true);
  });

  it('tracelens.idle_gap is the silence before a packet on its connection', () => {
    const l = loadCapture(`${REAL_CAPTURES}/deepflow-client-keep-alive.pcap`);
    const gaps = rowsWith(l, 'tracelens.idle_gap');
    const p = l.trace.packets;
    if (!p) throw new Error('no packets');
    const first = l.trace.connections[0].firstPacket;
    expect(gaps.has(first)).toBe(false);
    // The longest silence equals the connection's longest gap between two of its packets.
    const longest = Math.max(...[...gaps.values()].map((v) => Number(v[0])));
    expect(longest).toBeGreaterThan(0);
    expect(longest).toBeLessThanOrEqual(l.trace.connections[0].maxIdleS + 1e-9);
    expect(rowsWith(l, 'tracelens.connection').get(first)).toEqual(['c1']);
  });
});
