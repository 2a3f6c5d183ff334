import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_CAPTURES, describeCorpus } from '../../tests/shared';
import { CaptureFormatError } from '../capture/types';
import { DIR_C2S, DIR_S2C, TCP_SYN } from '../packets';
import type { AppParser } from '../stream';
import { trackCapture } from './run';

describeCorpus('trackCapture', () => {
  it('fills the packet table and feeds parsers from a capture file', () => {
    const bytes = new Uint8Array(readFileSync(path.join(REAL_CAPTURES, 'zeek-http-pipelined-requests.pcap')));
    let delivered = 0;
    const parser: AppParser = {
      data: (_dir, b) => {
        delivered += b.length;
      },
      gap: () => {},
      end: () => {},
    };
    const r = trackCapture(bytes, { createParser: () => parser });
    expect(r.connections).toHaveLength(1);
    const c = r.connections[0];
    expect(r.packets.length).toBe(49);
    expect(r.packets.tcpFlags[0] & TCP_SYN).toBeTruthy();
    expect(r.packets.dir[0]).toBe(DIR_C2S);
    expect(r.packets.dir[1]).toBe(DIR_S2C);
    expect(Array.from(r.packets.conn.subarray(0, 49)).every((x) => x === 0)).toBe(true);
    expect(delivered).toBe(c.bytes.c2s + c.bytes.s2c); // no retransmissions, no gaps
    expect(r.warnings).toEqual([]);
  });

  it('throws CaptureFormatError on bytes that are not a capture', () => {
    expect(() => trackCapture(new TextEncoder().encode('hello, not a capture at all'))).toThrow(
      CaptureFormatError,
    );
  });
});
