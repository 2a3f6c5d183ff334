import { describe, expect, it } from 'vitest';
import { IpReassembler } from './ip-fragments';
import { decodeNetwork } from './link';
import { ipv4, ipv6, ipv6Frag, ok } from './test-packets';
import type { NetPacket } from './types';

const ETH_RAW = 101;

/** An IPv4 fragment of `whole` covering [offset, offset + len), as raw IP. */
function frag4(whole: Uint8Array, offset: number, len: number, more: boolean, id = 77, bytes?: Uint8Array) {
  const data = ipv4({
    proto: 17,
    payload: bytes ?? whole.subarray(offset, offset + len),
    id,
    fragOffset: offset,
    more,
  });
  const net = ok(decodeNetwork(ETH_RAW, data));
  return { net, data };
}

const payload = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

function push(r: IpReassembler, f: { net: NetPacket; data: Uint8Array }, t = 0) {
  return r.push(f.net, f.data, t);
}

describe('IP fragment reassembly', () => {
  it('decodes fragment facts from IPv4 and the IPv6 Fragment header', () => {
    const f = frag4(payload(64), 16, 24, true).net;
    expect(f.frag).toEqual({ id: 77, offset: 16, more: true, dataOffset: 20, dataLength: 24, next: 17 });
    const v6 = ipv6({ next: 44, payload: [...ipv6Frag(6, 1232, false, 0xabcdef01), ...payload(8)] });
    expect(ok(decodeNetwork(ETH_RAW, v6)).frag).toEqual({
      id: 0xabcdef01,
      offset: 1232,
      more: false,
      dataOffset: 48,
      dataLength: 8,
      next: 6,
    });
  });

  it('reassembles in order and out of order, on the fragment that completes the datagram', () => {
    const whole = payload(100);
    for (const order of [
      [0, 1, 2],
      [2, 0, 1],
      [1, 2, 0],
    ]) {
      const r = new IpReassembler();
      const parts = [frag4(whole, 0, 40, true), frag4(whole, 40, 40, true), frag4(whole, 80, 20, false)];
      const results = order.map((i) => push(r, parts[i]));
      expect(results.slice(0, 2)).toEqual([null, null]);
      expect(results[2]?.payload).toEqual(whole);
      expect(results[2]).toMatchObject({ next: 17, fragments: 3, overlap: false, conflict: false });
      expect(r.pendingDatagrams).toBe(0);
      expect(r.heldBytes).toBe(0);
    }
  });

  it('a duplicate fragment is an overlap without conflict', () => {
    const whole = payload(48);
    const r = new IpReassembler();
    push(r, frag4(whole, 0, 24, true));
    push(r, frag4(whole, 0, 24, true));
    const done = push(r, frag4(whole, 24, 24, false));
    expect(done?.payload).toEqual(whole);
    expect([done?.overlap, done?.conflict, r.stats.overlaps, r.stats.conflicts]).toEqual([true, false, 1, 0]);
  });

  it('overlap with different bytes: the lowest offset wins, then the first to arrive (as Wireshark)', () => {
    const whole = payload(48);
    const evil = payload(48, 99);
    const r = new IpReassembler();
    // [8, 32) arrives first with other bytes, then [0, 24) and [24, 48) with the real ones.
    push(r, frag4(whole, 8, 24, true, 77, evil.subarray(8, 32)));
    push(r, frag4(whole, 0, 24, true));
    const done = push(r, frag4(whole, 24, 24, false));
    const want = Uint8Array.from([...whole.subarray(0, 24), ...evil.subarray(24, 32), ...whole.subarray(32)]);
    expect(done?.payload).toEqual(want);
    expect(done?.conflict).toBe(true);
    // Same offset twice: the first copy stays.
    const r2 = new IpReassembler();
    push(r2, frag4(whole, 0, 24, true, 5, evil.subarray(0, 24)));
    push(r2, frag4(whole, 0, 24, true, 5));
    const done2 = push(r2, frag4(whole, 24, 24, false, 5));
    expect(done2?.payload.subarray(0, 24)).toEqual(evil.subarray(0, 24));
    expect(r2.warnings().join('\n')).toMatch(/1 overlapping fragments with different bytes/);
  });

  it('copies arriving just after completion are duplicates; much later, the same id is a new datagram', () => {
    const whole = payload(48);
    const r = new IpReassembler();
    push(r, frag4(whole, 0, 24, true), 0);
    expect(push(r, frag4(whole, 24, 24, false), 0.001)?.payload).toEqual(whole);
    expect(push(r, frag4(whole, 24, 24, false), 0.002)).toBeNull(); // the mirror's second copy
    expect([r.stats.duplicates, r.pendingDatagrams]).toEqual([1, 0]);
    // Ten seconds on, the id has come round again: a new datagram.
    push(r, frag4(whole, 0, 24, true), 10);
    expect(push(r, frag4(whole, 24, 24, false), 10.001)?.payload).toEqual(whole);
    r.finish();
    expect(r.warnings()).toEqual([]);
  });

  it('IPv6 atomic fragments (offset 0, M clear) pass through alone, even sharing an identification', () => {
    const r = new IpReassembler();
    for (const seed of [1, 2, 3]) {
      const data = ipv6({ next: 44, payload: [...ipv6Frag(6, 0, false, 0), ...payload(20, seed)] });
      const net = ok(decodeNetwork(ETH_RAW, data));
      expect(r.push(net, data, 0)?.payload).toEqual(payload(20, seed));
    }
    expect([r.stats.duplicates, r.pendingDatagrams]).toEqual([0, 0]);
  });

  it('completes exactly when the bytes are all there, whatever the order, overlaps and repeats', () => {
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
    for (let round = 0; round < 200; round++) {
      const len = 8 * (2 + rand(30));
      const whole = payload(len, round);
      // Random pieces on 8-byte boundaries, then enough to cover everything, shuffled.
      const pieces: [number, number][] = [];
      for (let i = 0; i < rand(12); i++) {
        const off = 8 * rand(len / 8);
        const n = Math.min(len - off, 8 * (1 + rand(6)));
        if (off > 0 || n < len) pieces.push([off, n]); // all of it at once is no fragment
      }
      const step = len > 24 ? 24 : 8;
      for (let off = 0; off < len; off += step) pieces.push([off, Math.min(step, len - off)]);
      for (let i = pieces.length - 1; i > 0; i--) {
        const j = rand(i + 1);
        [pieces[i], pieces[j]] = [pieces[j], pieces[i]];
      }
      const r = new IpReassembler();
      const have = new Uint8Array(len);
      let lastSeen = false;
      let done = false;
      for (const [off, n] of pieces) {
        const out = push(r, frag4(whole, off, n, off + n < len, round));
        if (done) continue; // later copies: duplicates or a new datagram, not checked here
        have.fill(1, off, off + n);
        if (off + n === len) lastSeen = true;
        const complete = lastSeen && have.every((b) => b === 1);
        expect(out !== null, `round ${round} at [${off}, ${off + n})`).toBe(complete);
        if (out) {
          expect(out.payload).toEqual(whole);
          done = true;
        }
      }
      expect(done).toBe(true);
    }
  });

  it('missing last fragment: never completes, counted at the end; a hole likewise', () => {
    const whole = payload(64);
    const r = new IpReassembler();
    expect(push(r, frag4(whole, 0, 32, true))).toBeNull();
    expect(push(r, frag4(whole, 0, 8, true, 78))).toBeNull();
    expect(push(r, frag4(whole, 40, 24, false, 78))).toBeNull(); // [8, 40) never comes
    expect(r.pendingDatagrams).toBe(2);
    r.finish();
    expect(r.stats).toMatchObject({ incompleteAtEnd: 2, droppedFragments: 3, completed: 0 });
    expect(r.warnings()[0]).toBe(
      'IP reassembly: 2 fragmented datagrams never completed (2 incomplete at the end of the capture; 3 fragments); what they carried is not analyzed',
    );
    expect(r.heldBytes).toBe(0);
  });

  it('times out a datagram whose first fragment is older than the timeout', () => {
    const whole = payload(64);
    const r = new IpReassembler({ timeoutV4S: 30 });
    push(r, frag4(whole, 0, 32, true), 0);
    expect(push(r, frag4(whole, 32, 32, false), 31)).toBeNull();
    expect(r.stats.timedOut).toBe(1);
    // The late last fragment started a new datagram, which completes when the first half comes.
    expect(push(r, frag4(whole, 0, 32, true), 32)?.payload).toEqual(whole);
  });

  it('keeps within the memory and count limits by dropping the oldest incomplete datagram', () => {
    const whole = payload(64);
    const r = new IpReassembler({ maxBytes: 100, maxDatagrams: 3 });
    for (let id = 1; id <= 3; id++) push(r, frag4(whole, 0, 32, true, id));
    expect(r.heldBytes).toBe(96);
    push(r, frag4(whole, 0, 32, true, 4)); // over 100 bytes: datagram 1 goes
    expect([r.stats.evicted, r.pendingDatagrams, r.heldBytes]).toEqual([1, 3, 96]);
    push(r, frag4(whole, 0, 8, true, 5)); // over 3 datagrams: datagram 2 goes
    expect([r.stats.evicted, r.pendingDatagrams]).toEqual([2, 3]);
    expect(push(r, frag4(whole, 32, 32, false, 4))?.payload).toEqual(whole);
    expect(push(r, frag4(whole, 32, 32, false, 1))).toBeNull(); // datagram 1 is gone
    expect(r.warnings()[0]).toMatch(/dropped over the reassembly memory limit/);
  });

  it('refuses fragments past 65,535 bytes and too many for one datagram; fragments cut short', () => {
    const r = new IpReassembler({ maxFragments: 2 });
    expect(push(r, frag4(payload(16), 65528, 16, false, 8, payload(16)))).toBeNull();
    const whole = payload(32);
    push(r, frag4(whole, 0, 8, true, 9));
    push(r, frag4(whole, 8, 8, true, 9));
    push(r, frag4(whole, 16, 16, false, 9));
    expect(r.stats.refused).toBe(2);
    const cut = frag4(whole, 0, 16, true, 10);
    expect(r.push(cut.net, cut.data.subarray(0, 30), 0)).toBeNull();
    expect(r.stats.cutShort).toBe(1);
  });

  it('too-long fragments are cut at the end; a second, different last fragment is ignored', () => {
    const whole = payload(48);
    const r = new IpReassembler();
    push(r, frag4(whole, 24, 24, false));
    push(r, frag4(payload(64), 32, 32, false)); // claims the end is 64
    const done = push(r, frag4(whole, 0, 24, true));
    expect(done?.payload.length).toBe(48);
    expect([r.stats.multipleTails, r.stats.tooLong]).toEqual([1, 1]);
  });

  it('separates datagrams by addresses, protocol, id and network context', () => {
    const whole = payload(32);
    const r = new IpReassembler();
    const a = frag4(whole, 0, 16, true, 1);
    const b = frag4(whole, 16, 16, false, 1);
    expect(r.push(a.net, a.data, 0, 'vxlan 1')).toBeNull();
    expect(r.push(b.net, b.data, 0, 'vxlan 2')).toBeNull();
    expect(r.push(b.net, b.data, 0, 'vxlan 1')?.payload).toEqual(whole);
  });
});
