import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HAS_CORPUS, REAL_CAPTURES, describeCorpus } from '../../tests/shared';
import { GzipCaptureReader } from './gzip';
import { PcapReader } from './pcap';
import { createCaptureReader } from './reader';
import { readAll } from './test-bytes';
import { CaptureFormatError } from './types';

const corpus = (f: string) =>
  HAS_CORPUS ? new Uint8Array(fs.readFileSync(path.join(REAL_CAPTURES, f))) : new Uint8Array(0);
const raw = corpus('zeek-http-docker-upgrade.pcap');
const ng = corpus('tls13-h2-cryptohack.pcapng');

describeCorpus('gzip captures', () => {
  for (const [name, bytes] of [
    ['pcap', raw],
    ['pcapng', ng],
  ] as const) {
    it(`reads a gzip-compressed ${name} like the plain one, 1-byte and large chunks`, () => {
      const plain = readAll((s) => createCaptureReader(s), bytes);
      expect(plain.error).toBeNull();
      const gz = new Uint8Array(gzipSync(bytes));
      for (const chunk of [1, 1000, gz.length]) {
        const got = readAll((s) => createCaptureReader(s), gz, chunk);
        expect(got.error).toBeNull();
        expect(got.packets).toEqual(plain.packets);
      }
      const r = createCaptureReader({ packet: () => {} });
      r.push(gz);
      r.end();
      expect(r.info).toMatchObject({ format: name, compression: 'gzip', bytesRead: bytes.length });
    });
  }

  it('reads multi-member gzip as one stream', () => {
    const cut = 5000;
    const gz = new Uint8Array([...gzipSync(raw.subarray(0, cut)), ...gzipSync(raw.subarray(cut))]);
    const plain = readAll((s) => createCaptureReader(s), raw);
    for (const chunk of [1, 777, gz.length]) {
      const got = readAll((s) => createCaptureReader(s), gz, chunk);
      expect(got.error).toBeNull();
      expect(got.packets).toEqual(plain.packets);
    }
  });

  it('turns corrupt gzip into a CaptureFormatError', () => {
    const gz = new Uint8Array(gzipSync(raw));
    const bad = gz.slice();
    for (let i = 200; i < 260; i++) bad[i] ^= 0x5a;
    const got = readAll((s) => createCaptureReader(s), bad, 64);
    expect(got.error).toBeInstanceOf(CaptureFormatError);
    expect((got.error as Error).message).toMatch(/gzip data is corrupt .* near compressed byte \d+/);
  });

  it('turns a cut gzip stream into a CaptureFormatError at end()', () => {
    const gz = new Uint8Array(gzipSync(raw));
    const got = readAll((s) => createCaptureReader(s), gz.subarray(0, gz.length - 100), 50);
    expect(got.error).toBeInstanceOf(CaptureFormatError);
    expect(got.packets.length).toBeGreaterThan(0);
  });

  it('passes inner format errors through unchanged', () => {
    const bad = raw.slice();
    new DataView(bad.buffer).setUint32(24 + 8, 16711424, true);
    const got = readAll((s) => new GzipCaptureReader(new PcapReader(s)), new Uint8Array(gzipSync(bad)), 100);
    expect((got.error as CaptureFormatError).message).toMatch(
      /^pcap record at byte 24 claims 16711424 bytes/,
    );
  });

  it('does not unpack gzip inside gzip', () => {
    const got = readAll((s) => createCaptureReader(s), new Uint8Array(gzipSync(gzipSync(raw))));
    expect((got.error as Error).message).toMatch(/gzip inside gzip/);
  });
});
