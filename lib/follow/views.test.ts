import { describe, expect, it } from 'vitest';
import type { FollowRun, FollowedStream } from './tcp';
import { ASCII_WRAP, buildLineIndex, conversationText, hexRow, lineText } from './views';

const enc = (s: string) => new TextEncoder().encode(s);
const run = (dir: 'c2s' | 's2c', offset: number, s: string | number): FollowRun =>
  typeof s === 'number'
    ? { dir, offset, length: s, bytes: null, missing: true, firstPacket: 0, lastPacket: 0, tS: 0 }
    : {
        dir,
        offset,
        length: enc(s).length,
        bytes: enc(s),
        missing: false,
        firstPacket: 1,
        lastPacket: 1,
        tS: 0,
      };

describe('follow views', () => {
  const runs = [
    run('c2s', 0, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'),
    run('s2c', 0, 'HTTP/1.1 200 OK\r\n\r\nhi\x00\x01'),
    run('s2c', 22, 1460),
  ];

  it('ASCII: lines split at line ends, control bytes as dots, gaps said', () => {
    const idx = buildLineIndex(runs, 'ascii');
    const lines = Array.from({ length: idx.count }, (_, i) => lineText(runs, idx, i, 'ascii'));
    expect(lines).toEqual([
      'GET / HTTP/1.1',
      'Host: a',
      '',
      'HTTP/1.1 200 OK',
      '',
      'hi..',
      '[1,460 bytes missing in capture]',
    ]);
    expect(Array.from(idx.run)).toEqual([0, 0, 0, 1, 1, 1, 2]);
  });

  it('ASCII wraps long lines without line ends', () => {
    const r = [run('c2s', 0, 'x'.repeat(ASCII_WRAP * 2 + 5))];
    const idx = buildLineIndex(r, 'ascii');
    expect(idx.count).toBe(3);
    expect(lineText(r, idx, 2, 'ascii')).toBe('xxxxx');
  });

  it('hex dump rows carry the stream offset, as Wireshark prints them', () => {
    expect(hexRow(enc('HTTP/1.1 200 OK\r\n'), 0, 0)).toBe(
      '00000000  48 54 54 50 2f 31 2e 31  20 32 30 30 20 4f 4b 0d  HTTP/1.1 200 OK.',
    );
    const idx = buildLineIndex(runs, 'hex');
    expect(idx.count).toBe(2 + 2 + 1);
    expect(lineText(runs, idx, 2, 'hex').startsWith('00000000  48 54 54 50')).toBe(true);
    expect(lineText(runs, idx, 3, 'hex')).toBe(
      '00000010  0a 0d 0a 68 69 00 01                              ...hi..',
    );
    expect(buildLineIndex(runs, 'raw').count).toBe(1 + 1 + 1);
    expect(lineText(runs, buildLineIndex(runs, 'raw'), 0, 'raw')).toBe(
      '474554202f20485454502f312e310d0a486f73743a20610d0a0d0a'.slice(0, 64),
    );
  });

  it('the conversation as text names each run', () => {
    const s: FollowedStream = {
      runs,
      bytes: { c2s: 27, s2c: 22 },
      missing: { c2s: 0, s2c: 1460 },
      dropped: { c2s: 0, s2c: 0 },
      ends: { c2s: 'fin', s2c: 'fin' },
    };
    const t = conversationText(s, { c2s: '10.0.0.1:5000', s2c: '10.0.0.2:80' });
    expect(t.split('\n').slice(0, 5)).toEqual([
      '==== 10.0.0.1:5000 (client → server)',
      'GET / HTTP/1.1',
      'Host: a',
      '',
      '==== 10.0.0.2:80 (server → client)',
    ]);
    expect(t).toContain('[1,460 bytes missing in capture]');
  });
});
