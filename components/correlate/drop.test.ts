import { describe, expect, it } from 'vitest';
import { filesToCorrelate, isKeyLogName } from './drop';

const named = (...names: string[]) => names.map((name) => ({ name }));
const names = (files: { name: string }[] | null) => files?.map((f) => f.name) ?? null;

describe('filesToCorrelate', () => {
  it('takes two or more captures, with debug logs, in the order given', () => {
    expect(names(filesToCorrelate(named('server.pcap', 'client.pcap')))).toEqual([
      'server.pcap',
      'client.pcap',
    ]);
    expect(names(filesToCorrelate(named('a.pcapng', 'b.pcap.gz', 'go-debug.log')))).toEqual([
      'a.pcapng',
      'b.pcap.gz',
      'go-debug.log',
    ]);
  });

  it('leaves key logs out of a correlation', () => {
    expect(names(filesToCorrelate(named('a.pcap', 'b.pcap', 'sslkeys.txt', 'tls.keys')))).toEqual([
      'a.pcap',
      'b.pcap',
    ]);
  });

  it('keeps one capture with a key log or a debug log as one trace', () => {
    expect(filesToCorrelate(named('tls.pcapng', 'sslkeylog.txt'))).toBeNull();
    expect(filesToCorrelate(named('tls.pcapng', 'keys.log'))).toBeNull();
    expect(filesToCorrelate(named('tls.pcapng', 'go-debug.log'))).toBeNull();
    expect(filesToCorrelate(named('only.pcap'))).toBeNull();
    expect(filesToCorrelate(named('a.log', 'b.log'))).toBeNull();
  });
});

describe('isKeyLogName', () => {
  it('knows key logs by their usual names', () => {
    for (const n of [
      'keys.txt',
      'tls.keys',
      'sslkeylog.log',
      'go-h2.keylog',
      'httpx-keys.txt',
      'SSLKEYLOGFILE.txt',
    ])
      expect(isKeyLogName(n), n).toBe(true);
    for (const n of ['go-debug.log', 'nghttp.txt', 'client.pcap', 'monkeys.pcap', 'keystone.log'])
      expect(isKeyLogName(n), n).toBe(false);
  });
});
