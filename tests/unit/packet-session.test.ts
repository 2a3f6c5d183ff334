// The worker's packet session (app/worker/packet-session.ts) on a real capture of the repository:
// filtering gives tshark's packet counts, narrows the trace's lists to what has a matching packet,
// builds the timeline lanes of the matches, reports filter errors with a column, and answers list
// rows and a packet's detail (here without FileReaderSync: no bytes, the tree says so).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeBytes } from '../../lib/analyze';
import { PacketSession } from '../../app/worker/packet-session';
import type { PacketAnswer } from '../../app/worker/packet-messages';

const file = join(__dirname, '../../public/samples/deadline-cut.pcap');
const bytes = new Uint8Array(readFileSync(file));
const trace = analyzeBytes('deadline-cut.pcap', bytes);
const session = new PacketSession(trace, new Blob([bytes]));
let id = 0;
const ask = (q: Record<string, unknown>): PacketAnswer =>
  session.answer({ ...q, id: ++id } as Parameters<PacketSession['answer']>[0]).msg;

describe('PacketSession', () => {
  it('filters: tshark counts 36 SYNs and 12 packets on tcp.stream 1 in this capture', () => {
    const a = ask({ type: 'filter', text: 'tcp.flags.syn == 1' });
    if (a.type !== 'filtered') throw new Error(a.type);
    expect(a.result.rows.length).toBe(36);
    // Every connection has its SYN; the lanes of the matches hold each SYN once per direction list.
    expect(a.result.connections.length).toBe(trace.connections.length);
    expect(a.result.lanes?.idx.length).toBeGreaterThanOrEqual(36);
    const b = ask({ type: 'filter', text: 'tcp.stream == 1' });
    if (b.type !== 'filtered') throw new Error(b.type);
    expect(b.result.rows.length).toBe(12);
    expect(Array.from(b.result.connections)).toEqual([1]);
    // Exchanges and findings narrowed to connection c2's.
    for (const i of b.result.exchanges) expect(trace.exchanges[i].connection).toBe('c2');
    for (const i of b.result.findings) expect(trace.findings[i].connection ?? 'c2').toBe('c2');
    expect(b.result.exchanges.length).toBe(trace.exchanges.filter((x) => x.connection === 'c2').length);
  });

  it('reports a filter error with its column, and checks without filtering', () => {
    const a = ask({ type: 'filter', text: 'tcp.flags.syn == 1 && tcp.prot == 80' });
    expect(a.type).toBe('filter-error');
    if (a.type === 'filter-error') expect(a.error.column).toBe(23);
    const c = ask({ type: 'compile', text: 'tcp.port == 7300' });
    expect(c).toMatchObject({ type: 'compiled', error: null });
  });

  it('completes field names', () => {
    const a = ask({ type: 'complete', prefix: 'tcp.src' });
    if (a.type !== 'completed') throw new Error(a.type);
    expect(a.fields.map((f) => f.name)).toContain('tcp.srcport');
  });

  it('answers list rows with addresses, protocol, info and a colouring rule', () => {
    const a = ask({ type: 'rows', rows: Uint32Array.from([0, 1]) });
    if (a.type !== 'rows') throw new Error(a.type);
    expect(a.rows[0]).toMatchObject({
      row: 0,
      src: '127.0.0.1',
      dst: '127.0.0.1',
      protocol: 'TCP',
      length: 74,
    });
    expect(a.rows[0].info).toMatch(/33338 → 7301 \[SYN\]/);
    expect(a.rows[0].color).toBe('TCP SYN/FIN');
  });

  it('gives a packet detail even without its bytes (frame facts, the analysis), never a throw', () => {
    const a = ask({ type: 'detail', row: 3 });
    if (a.type !== 'detail') throw new Error(a.type);
    expect(a.detail.tree[0].label).toMatch(/^Frame 4: 400 bytes on wire/);
    expect(a.detail.tree.some((n) => n.label.startsWith('Hypertext Transfer Protocol'))).toBe(true);
    expect(a.detail.bytes).toBeNull();
    expect(a.detail.bytesNote).toBeTruthy();
  });

  it("lists a packet's expert notes, each with the filter that selects it", () => {
    // tshark: 12 packets with tcp.analysis.flags in this capture (retransmissions, dup ACKs).
    const other = new Uint8Array(readFileSync(join(__dirname, '../../public/samples/idle-reset-nat.pcap')));
    const t = analyzeBytes('idle-reset-nat.pcap', other);
    const s = new PacketSession(t, new Blob([other]));
    const ask2 = (q: Record<string, unknown>): PacketAnswer =>
      s.answer({ ...q, id: ++id } as Parameters<PacketSession['answer']>[0]).msg;
    const p = t.packets!;
    const rows = [...p.analysis.keys()].filter((r) => p.analysis[r] !== 0);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const a = ask2({ type: 'detail', row });
      if (a.type !== 'detail') throw new Error(a.type);
      const notes = a.detail.tree
        .flatMap((n) => n.children ?? [])
        .filter((n) => n.label.startsWith('[Expert: '));
      expect(notes.length).toBeGreaterThan(0);
      for (const n of notes) {
        const f = ask2({ type: 'filter', text: `${n.filter} && frame.number == ${row + 1}` });
        if (f.type !== 'filtered') throw new Error(f.type);
        expect([n.label, Array.from(f.result.rows)]).toEqual([n.label, [row]]);
      }
    }
  });
});
