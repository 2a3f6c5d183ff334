/**
 * Reassembly check against a live tshark (skipped when tshark is not installed): for every TCP
 * connection of the real captures, the bytes tracelens delivers per direction must equal what
 * `tshark -z follow,tcp,raw` prints (which also drops retransmitted bytes and orders segments).
 * Connections with missing bytes are compared only up to their first gap. VLAN ids are removed so
 * connections are numbered as tshark numbers streams; zeek-vlan-collisions.pcap (three copies of
 * one connection, which tshark's follow interleaves) is left out.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_CAPTURES } from '../../tests/shared';
import type { AppParser } from '../stream';
import type { Dir } from '../trace';
import { trackCapture } from './run';

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

class Collect implements AppParser {
  hex: Record<Dir, string[]> = { c2s: [], s2c: [] };
  gapAt: Record<Dir, number | null> = { c2s: null, s2c: null };
  nextOffset: Record<Dir, number> = { c2s: 0, s2c: 0 };
  errors: string[] = [];
  data(dir: Dir, bytes: Uint8Array, offset: number): void {
    if (offset !== this.nextOffset[dir])
      this.errors.push(`${dir}: data at ${offset}, expected ${this.nextOffset[dir]}`);
    this.nextOffset[dir] = offset + bytes.length;
    if (this.gapAt[dir] === null) this.hex[dir].push(Buffer.from(bytes).toString('hex'));
  }
  gap(dir: Dir, offset: number, length: number): void {
    if (offset !== this.nextOffset[dir])
      this.errors.push(`${dir}: gap at ${offset}, expected ${this.nextOffset[dir]}`);
    this.nextOffset[dir] = offset + length;
    if (this.gapAt[dir] === null) this.gapAt[dir] = offset;
  }
  end(): void {}
}

const files = readdirSync(REAL_CAPTURES)
  .filter(
    (f) =>
      /\.(pcap|pcapng)$/.test(f) && f !== 'suricata-fuzz-corrupt.pcap' && f !== 'zeek-vlan-collisions.pcap',
  )
  .sort();

describe.skipIf(!hasTshark())('reassembled bytes vs tshark follow,tcp,raw', () => {
  it.each(files)('%s', (file) => {
    const full = path.join(REAL_CAPTURES, file);
    const parsers: Collect[] = [];
    // One tshark stream per connection: VLAN ids removed where they split a stream.
    const r = trackCapture(new Uint8Array(readFileSync(full)), {
      decode: (d) => (lt, data) => {
        const n = d(lt, data);
        return 'reason' in n ? n : { ...n, vlan: [] };
      },
      createParser: () => {
        const p = new Collect();
        parsers.push(p);
        return p;
      },
    });
    r.connections.forEach((c, i) => {
      const out = execFileSync('tshark', ['-r', full, '-q', '-z', `follow,tcp,raw,${i}`], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const lines = out.split('\n');
      const node0 = lines.find((l) => l.startsWith('Node 0: '))?.slice(8);
      const want: Record<Dir, string> = { c2s: '', s2c: '' };
      const node0Dir: Dir = node0 === c.client ? 'c2s' : 's2c';
      const node1Dir: Dir = node0Dir === 'c2s' ? 's2c' : 'c2s';
      for (const l of lines) {
        if (/^[0-9a-f]+$/.test(l)) want[node0Dir] += l;
        else if (/^\t[0-9a-f]+$/.test(l)) want[node1Dir] += l.slice(1);
      }
      const p = parsers[i];
      expect(p.errors).toEqual([]);
      for (const dir of ['c2s', 's2c'] as const) {
        const got = p.hex[dir].join('');
        if (p.gapAt[dir] === null) expect(got.length / 2, `${c.id} ${dir} length`).toBe(want[dir].length / 2);
        expect(got === want[dir].slice(0, got.length), `${c.id} ${dir} bytes`).toBe(true);
      }
    });
  });
});
