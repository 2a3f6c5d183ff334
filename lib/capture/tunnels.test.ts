/**
 * Parity with tshark on real captures of tunnels and fragments (lab/link-*, lab/ip-fragments*):
 * made with real software (Linux VXLAN, Open vSwitch's userspace GRE/ERSPAN/Geneve/MPLS, the
 * kernel's own IP fragmentation, curl/python/nghttp2 inside) or by other people (lab/link-zeek:
 * Zeek's test captures, PPPoE among them), each with a committed tshark 4.0 truth file
 * (CAPTURE.tshark.json, by lab/link-common/tshark_truth.py).
 *
 * Asserted per capture: the frames that carry TCP (as tshark sees it after decapsulation and IP
 * reassembly: a reassembled segment on the frame that completed it) and each one's tcp.len; the
 * grouping of those frames into connections (tshark's tcp.stream); per connection and direction
 * the reassembled bytes (length and SHA-256 of `-z follow,tcp,raw`); `-z conv,tcp` frame counts.
 *
 * The one allowed difference: tshark keys tcp.stream on addresses and ports only, so the same inner
 * 4-tuple in two VXLAN or Geneve networks at once is one tshark stream and two tracelens connections (keyed
 * on the VNI too); there each connection's bytes must equal tshark's follow of the capture cut to
 * its VNI (`overlays` in the truth file).
 *
 * With tshark installed, the per-frame truth is also re-checked against a live tshark run.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../tests/shared';
import type { AppParser } from '../stream';
import { trackCapture } from '../tcp/run';
import type { Connection, Dir } from '../trace';

interface Truth {
  tshark: string;
  options: string[];
  /** [frame.number, tcp.stream, tcp.len] */
  frames: [number, number, number][];
  streams: {
    stream: number;
    node0: string;
    node1: string;
    bytes0: number;
    sha0: string;
    bytes1: number;
    sha1: string;
  }[];
  conv: { a: string; b: string; frames: number }[];
  /** Follow digests per VXLAN network, on the capture cut to that VNI (what tshark merges). */
  overlays: Record<string, Truth['streams']>;
}

const LAB = path.join(REPO_ROOT, 'lab');
const captures = readdirSync(LAB)
  .filter((d) => /^(link-|ip-fragments)/.test(d))
  .flatMap((d) =>
    readdirSync(path.join(LAB, d))
      .filter((f) => f.endsWith('.tshark.json'))
      .map((f) => path.join(d, f.slice(0, -'.tshark.json'.length))),
  )
  .filter((f) => existsSync(path.join(LAB, f)))
  .sort();

class Collect implements AppParser {
  readonly hash = { c2s: createHash('sha256'), s2c: createHash('sha256') };
  readonly length = { c2s: 0, s2c: 0 };
  readonly gaps: string[] = [];
  data(dir: Dir, bytes: Uint8Array): void {
    this.hash[dir].update(bytes);
    this.length[dir] += bytes.length;
  }
  gap(dir: Dir, offset: number, length: number): void {
    this.gaps.push(`${dir} ${length} bytes at ${offset}`);
  }
  end(): void {}
}

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** "addr:port" of tshark's conv table (IPv6 unbracketed) as tracelens writes endpoints. */
function endpoint(s: string): string {
  const i = s.lastIndexOf(':');
  const addr = s.slice(0, i);
  return addr.includes(':') ? `[${addr}]:${s.slice(i + 1)}` : s;
}

function analyze(rel: string) {
  const parsers: Collect[] = [];
  const r = trackCapture(new Uint8Array(readFileSync(path.join(LAB, rel))), {
    createParser: () => {
      const p = new Collect();
      parsers.push(p);
      return p;
    },
  });
  return { ...r, parsers };
}

function compare(
  rel: string,
  truth: Truth,
): { problems: string[]; splits: string[]; connections: Connection[] } {
  const holes = HOLES.has(rel);
  const r = analyze(rel);
  const problems: string[] = [];
  const splits: string[] = [];
  const pt = r.packets;
  // 1. Which frames carry TCP, and how much.
  const theirs = new Map(truth.frames.map(([f, s, len]) => [f, { s, len }]));
  for (let row = 0; row < pt.length; row++) {
    const t = theirs.get(row + 1);
    const conn = pt.conn[row];
    if (!t && conn >= 0) problems.push(`frame ${row + 1}: TCP for tracelens (c${conn + 1}), not for tshark`);
    else if (t && conn < 0)
      problems.push(`frame ${row + 1}: TCP for tshark (stream ${t.s}), not for tracelens`);
    else if (t && pt.payloadLen[row] !== t.len)
      problems.push(`frame ${row + 1}: tcp.len tshark ${t.len}, tracelens ${pt.payloadLen[row]}`);
  }
  // 2. Frames grouped into connections the way tshark groups them into streams: the components of
  // the stream <-> connection graph (linked by shared frames) must be one stream and one
  // connection, except where one inner 4-tuple was live in several overlays at once.
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let p = parent.get(x) ?? x;
    if (p !== x) parent.set(x, (p = find(p)));
    return p;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  for (const [f, s] of truth.frames) {
    const c = pt.conn[f - 1];
    parent.set(`s${s}`, find(`s${s}`));
    if (c >= 0) union(`c${c}`, `s${s}`);
  }
  const components = new Map<string, { streams: Truth['streams']; conns: number[] }>();
  const component = (k: string) => {
    const root = find(k);
    let v = components.get(root);
    if (!v) components.set(root, (v = { streams: [], conns: [] }));
    return v;
  };
  for (const st of truth.streams) component(`s${st.stream}`).streams.push(st);
  for (let c = 0; c < r.connections.length; c++) if (parent.has(`c${c}`)) component(`c${c}`).conns.push(c);
  // 3. Reassembled bytes per direction.
  for (const { streams, conns: idx } of components.values()) {
    const conns = idx.map((i) => r.connections[i]);
    const name = `stream ${streams.map((st) => st.stream).join('+')}`;
    if (conns.length === 0) {
      problems.push(`${name}: no tracelens connection`);
      continue;
    }
    if (streams.length === 1 && conns.length === 1) {
      const st = streams[0];
      const p = r.parsers[idx[0]];
      const node0Dir: Dir = st.node0 === conns[0].client ? 'c2s' : 's2c';
      const node1Dir: Dir = node0Dir === 'c2s' ? 's2c' : 'c2s';
      const got = (d: Dir) => `${p.length[d]} ${p.hash[d].copy().digest('hex')}`;
      const holed = (d: Dir) => holes && p.gaps.some((g) => g.startsWith(d));
      if (!holed(node0Dir) && got(node0Dir) !== `${st.bytes0} ${st.sha0}`)
        problems.push(`${name} ${node0Dir}: tshark ${st.bytes0} ${st.sha0}, tracelens ${got(node0Dir)}`);
      if (!holed(node1Dir) && got(node1Dir) !== `${st.bytes1} ${st.sha1}`)
        problems.push(`${name} ${node1Dir}: tshark ${st.bytes1} ${st.sha1}, tracelens ${got(node1Dir)}`);
      continue;
    }
    const tuples = new Set(conns.map((c) => `${c.client} ${c.server}`));
    const tunnels = new Set(conns.map((c) => c.tunnel ?? ''));
    if (tuples.size !== 1 || tunnels.size !== conns.length) {
      problems.push(`${name} is tracelens ${conns.map((c) => c.id).join(', ')}`);
      continue;
    }
    splits.push(`${name}: ${conns.map((c) => `${c.id} ${c.tunnel ?? '-'}`).join(', ')}`);
    // tshark's follow of the merged stream mixes the overlays' bytes; the truth for each is the
    // follow of the capture cut to its VNI.
    for (const i of idx) {
      const c = r.connections[i];
      const p = r.parsers[i];
      const want = (truth.overlays[c.tunnel ?? ''] ?? []).map((st) => {
        const c2s = st.node0 === c.client ? 0 : 1;
        return st.node0 !== c.client && st.node1 !== c.client
          ? ''
          : `${c2s ? st.bytes1 : st.bytes0} ${c2s ? st.sha1 : st.sha0} ${c2s ? st.bytes0 : st.bytes1} ${c2s ? st.sha0 : st.sha1}`;
      });
      const got = `${p.length.c2s} ${p.hash.c2s.copy().digest('hex')} ${p.length.s2c} ${p.hash.s2c.copy().digest('hex')}`;
      if (!want.includes(got))
        problems.push(
          `${name} ${c.id} (${c.tunnel ?? '-'}): bytes ${got} not in tshark's follow of that overlay`,
        );
    }
  }
  // 4. conv,tcp frame counts per endpoint pair.
  const pairKey = (a: string, b: string) => [a, b].sort().join(' ');
  const convFrames = new Map<string, number>();
  for (const c of truth.conv) {
    const k = pairKey(endpoint(c.a), endpoint(c.b));
    convFrames.set(k, (convFrames.get(k) ?? 0) + c.frames);
  }
  const ourFrames = new Map<string, number>();
  for (const c of r.connections) {
    const k = pairKey(c.client, c.server);
    ourFrames.set(k, (ourFrames.get(k) ?? 0) + c.packets.c2s + c.packets.s2c);
  }
  for (const k of new Set([...convFrames.keys(), ...ourFrames.keys()]))
    if (convFrames.get(k) !== ourFrames.get(k))
      problems.push(`conv ${k}: tshark ${convFrames.get(k) ?? 0} frames, tracelens ${ourFrames.get(k) ?? 0}`);
  if (!holes) for (const p of r.parsers) for (const g of p.gaps) problems.push(`gap: ${g}`);
  return { problems, splits, connections: r.connections };
}

/**
 * Captures whose TCP has holes that no reassembly can fill (checked per frame, not by bytes in the
 * directions with a hole):
 * - link-zeek/erspan.pcap: the mirror lost segments (tshark: "previous segment not captured").
 * - link-zeek/ipv6-http-atomic-frag.pcap: timestamps out of order, the server's ACK of the request
 *   is captured before the request, which tracelens counts as bytes never captured.
 */
const HOLES = new Set(['link-zeek/erspan.pcap', 'link-zeek/ipv6-http-atomic-frag.pcap']);

const truthOf = (rel: string) =>
  JSON.parse(readFileSync(path.join(LAB, `${rel}.tshark.json`), 'utf8')) as Truth;

describe('tunnels and fragments: tracelens vs tshark (real captures)', () => {
  it('has captures', () => {
    expect(captures.length).toBeGreaterThan(0);
  });

  it.each(captures)('%s', (rel) => {
    const truth = truthOf(rel);
    expect(truth.frames.length).toBeGreaterThan(0);
    const { problems, splits, connections } = compare(rel, truth);
    expect(problems).toEqual([]);
    // Splits happen only where one inner 4-tuple was live in two overlays at once.
    if (/concurrent|geneve/.test(rel)) expect(splits.length).toBeGreaterThan(0);
    else expect(splits).toEqual([]);
    expect(connections.length).toBeGreaterThan(0);
  });
});

describe('what tshark flags, tracelens reports', () => {
  it('Zeek ipv4/fragmented-4: overlapping fragments with different bytes (tshark: overlap conflict)', () => {
    const out = trackCapture(
      new Uint8Array(readFileSync(path.join(LAB, 'link-zeek/ipv4_fragmented-4.pcap'))),
    );
    expect(out.warnings.filter((w) => w.startsWith('IP reassembly'))).toEqual([
      'IP reassembly: 1 overlapping fragments with different bytes (the lowest offset, then the first to arrive, was kept, as Wireshark does)',
    ]);
  });
});

describe.skipIf(!hasTshark())('tunnels and fragments: committed truth vs a live tshark', () => {
  it.each(captures)('%s', (rel) => {
    const truth = truthOf(rel);
    const out = execFileSync(
      'tshark',
      [
        '-r',
        path.join(LAB, rel),
        ...truth.options,
        '-Y',
        'tcp',
        '-T',
        'fields',
        '-e',
        'frame.number',
        '-e',
        'tcp.stream',
        '-e',
        'tcp.len',
      ],
      { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const live = out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t').map(Number));
    expect(live).toEqual(truth.frames);
  });
});
