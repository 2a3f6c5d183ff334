import { describe, expect, it } from 'vitest';
import { A_ACKED_UNSEEN, A_LOST_SEGMENT, A_TRUNCATED } from '../packets';
import type { Connection, TlsInfo, Trace } from '../trace';
import { coverageSummary, detector } from './coverage';
import { K } from './kinds';
import { buildTrace, checkFinding, exchange, handshake, stream, type ConnSpec } from './testing';

const tls = (sni: string | null, decryption: TlsInfo['decryption']): TlsInfo => ({
  sni,
  alpnOffered: ['h2'],
  alpnSelected: 'h2',
  version: 'TLS 1.3',
  cipherSuite: 'TLS_AES_128_GCM_SHA256',
  resumed: false,
  decryption,
  clientHelloPacket: null,
  serverHelloPacket: null,
});

/** A connection with data both ways. */
const talk = (t: number, server: string, protocol: ConnSpec['protocol'] = 'tls'): ConnSpec => ({
  server,
  protocol,
  packets: [...handshake(t), { t: t + 0.01, dir: 'c2s', len: 500 }, { t: t + 0.02, dir: 's2c', len: 3000 }],
});

function run(trace: Trace): Trace {
  trace.findings = detector.detect(trace, trace.options);
  return trace;
}

const setTls = (c: Connection, info: TlsInfo): void => {
  c.tls = info;
};

describe('capture.not-inspected', () => {
  it('TLS without a key log: grouped per server, with what lifts it', () => {
    const t = buildTrace({
      connections: [
        talk(0, '10.0.0.9:443'),
        talk(1, '10.0.0.9:443'),
        talk(2, '10.0.0.9:443'),
        talk(3, '10.0.0.8:443'),
      ],
    });
    t.connections.slice(0, 3).forEach((c) => setTls(c, tls('api.example.com', 'no-key')));
    setTls(t.connections[3], tls(null, 'decrypted'));
    const fs = run(t).findings;
    expect(fs).toHaveLength(1);
    const f = fs[0];
    expect(f.kind).toBe(K.notInspected);
    expect(f.severity).toBe('info');
    expect(f.title).toBe(
      '3 TLS connections to api.example.com:443 were not decrypted: no TLS key log was given (pass the NSS key log with --keylog; SSLKEYLOGFILE makes programs write one)',
    );
    expect(f.explanation).toContain('--keylog');
    expect(f.explanation).toContain('SSLKEYLOGFILE');
    expect(f.connection).toBeNull();
    expect(f.details).toMatchObject({
      reason: 'tls-no-keylog',
      servers: ['api.example.com:443'],
      connections: ['c1', 'c2', 'c3'],
    });
    expect(checkFinding(f)).toEqual([]);
    expect(coverageSummary(t)).toBe(
      'not inspected: 3 TLS connections to api.example.com:443 were not decrypted: no TLS key log was given (pass the NSS key log with --keylog; SSLKEYLOGFILE makes programs write one)',
    );
  });

  it('a key log without these sessions, and keys that do not decrypt, are told apart', () => {
    const t = buildTrace({ connections: [talk(0, '10.0.0.9:443'), talk(1, '10.0.0.7:8443')] });
    setTls(t.connections[0], tls('a.example', 'no-key'));
    t.connections[0].warnings.push(
      'TLS: encrypted, no key for this session in the key log (client random 0011223344556677…)',
    );
    setTls(t.connections[1], tls('b.example', 'wrong-key'));
    const fs = run(t).findings;
    expect(fs.map((f) => [f.connection, f.details.reason, f.title])).toEqual([
      [
        'c1',
        'tls-no-key',
        '1 TLS connection to a.example:443 was not decrypted: the key log given has no secrets for these sessions (use the key log written during this capture)',
      ],
      [
        'c2',
        'tls-wrong-key',
        '1 TLS connection to b.example:8443 was not decrypted: the key log has entries for these sessions but they do not decrypt them (take the key log and the capture from the same run)',
      ],
    ]);
    for (const f of fs) expect(checkFinding(f)).toEqual([]);
  });

  it('unknown protocol and one direction only; empty or refused connections are not blind spots', () => {
    const t = buildTrace({
      connections: [
        talk(0, '10.0.0.5:6379', 'unknown'),
        // Client data, no packet ever from the server.
        {
          server: '10.0.0.6:80',
          protocol: 'http1',
          packets: [
            { t: 1, dir: 'c2s', flags: 'S' },
            { t: 1.1, dir: 'c2s', flags: 'A' },
            { t: 1.2, dir: 'c2s', len: 300 },
          ],
        },
        // Handshake only (no payload), and a SYN nobody answered.
        { server: '10.0.0.5:6379', packets: handshake(2) },
        { server: '10.0.0.4:80', packets: [{ t: 3, dir: 'c2s', flags: 'S' }] },
        talk(4, '10.0.0.3:80', 'http1'),
      ],
    });
    const fs = run(t).findings;
    expect(fs.map((f) => [f.connection, f.details.reason])).toEqual([
      ['c1', 'unknown-protocol'],
      ['c2', 'one-direction'],
    ]);
    expect(fs[1].title).toBe(
      '1 connection to 10.0.0.6:80 was seen in one direction only (capture where both directions pass)',
    );
    for (const f of fs) expect(checkFinding(f)).toEqual([]);
  });

  it('packets cut by the snapshot length', () => {
    const t = buildTrace({
      connections: [
        {
          server: '10.0.0.3:80',
          protocol: 'http1',
          packets: [
            ...handshake(0),
            { t: 0.1, dir: 's2c', len: 1448, a: A_TRUNCATED },
            { t: 0.2, dir: 's2c', len: 1448, a: A_TRUNCATED },
          ],
        },
      ],
    });
    const p = t.packets!;
    for (const i of [3, 4]) p.caplen[i] = 96;
    t.connections[0].analysis.s2c.missingBytes = 2 * (1448 + 60 - 96);
    t.input.truncatedPackets = 2;
    t.input.interfaces = [{ linkType: 1, tsResolution: 6, snaplen: 96 }];
    const fs = run(t).findings;
    // Bytes cut by the snaplen are not capture loss: no capture.gap.
    expect(fs.map((f) => f.kind)).toEqual([K.notInspected]);
    expect(fs[0].title).toBe(
      "2 packets on 1 connection cut by the capture's snapshot length: 2,824 payload bytes not captured (capture with -s 0)",
    );
    expect(fs[0].explanation).toContain('snapshot length 96 bytes');
    expect(fs[0].evidence.map((e) => e.packet)).toEqual([4, 5]);
    expect(checkFinding(fs[0])).toEqual([]);
  });

  it('nothing on a trace where everything was read, nor on debug logs', () => {
    const t = buildTrace({ connections: [talk(0, '10.0.0.3:80', 'http1')] });
    expect(run(t).findings).toEqual([]);
    expect(coverageSummary(t)).toBeNull();
    const log = buildTrace({ log: true, connections: [talk(0, '10.0.0.3:80', 'h2')] });
    expect(run(log).findings).toEqual([]);
  });

  it('many servers for one reason: one finding for the reason, servers by connection count', () => {
    const servers = ['10.0.0.1:22', '10.0.0.2:22', '10.0.0.2:22', '10.0.0.3:22', '10.0.0.4:22'];
    const t = buildTrace({ connections: servers.map((s, i) => talk(i, s, 'unknown')) });
    const fs = run(t).findings;
    expect(fs).toHaveLength(1);
    expect(fs[0].title).toBe(
      '5 connections to 4 servers carry an application protocol tracelens does not read (only TCP was checked)',
    );
    expect(fs[0].details.servers).toEqual(['10.0.0.2:22', '10.0.0.1:22', '10.0.0.3:22', '10.0.0.4:22']);
    expect(fs[0].explanation).toContain('4 servers (10.0.0.2:22, 10.0.0.1:22, 10.0.0.3:22 and 10.0.0.4:22)');
    expect(checkFinding(fs[0])).toEqual([]);
  });
});

describe('capture.gap', () => {
  it('summarises the loss and the exchanges it touched', () => {
    const t = buildTrace({
      connections: [
        {
          server: '10.0.0.3:80',
          protocol: 'http1',
          packets: [
            ...handshake(0),
            { t: 0.1, dir: 'c2s', len: 100 },
            { t: 0.2, dir: 's2c', len: 1448, a: A_LOST_SEGMENT },
            { t: 0.21, dir: 'c2s', a: A_ACKED_UNSEEN },
            { t: 0.3, dir: 'c2s', len: 100 },
            { t: 0.4, dir: 's2c', len: 500 },
          ],
        },
      ],
    });
    t.connections[0].analysis.s2c.missingBytes = 1448;
    t.connections[0].analysis.s2c.lostSegment = 1;
    t.exchanges = [
      exchange({
        connection: 'c1',
        index: 1,
        method: 'GET',
        path: '/a',
        outcome: 'capture-gap',
        captureGap: { c2s: 0, s2c: -1 },
      }),
      exchange({ connection: 'c1', index: 2, method: 'GET', path: '/b' }),
    ];
    const fs = run(t).findings;
    expect(fs).toHaveLength(1);
    const f = fs[0];
    expect(f.kind).toBe(K.captureGap);
    expect(f.severity).toBe('info');
    expect(f.title).toBe('1 segment (1,448 bytes) never captured on 1 connection');
    expect(f.connection).toBe('c1');
    expect(f.evidence.map((e) => e.packet)).toEqual([5, 6]);
    expect(f.startS).toBe(0.2);
    expect(f.explanation).toContain('1 HTTP/1 exchange (GET /a on c1)');
    expect(f.details).toMatchObject({ segments: 1, bytes: 1448, exchanges: 1, streams: 0 });
    expect(checkFinding(f)).toEqual([]);
  });

  it('names the HTTP/2 streams the HTTP/2 layer marked', () => {
    const t = buildTrace({
      connections: [
        {
          server: '10.0.0.3:80',
          protocol: 'h2',
          packets: [...handshake(0), { t: 0.2, dir: 's2c', len: 1448, a: A_LOST_SEGMENT }],
        },
      ],
    });
    t.connections[0].analysis.s2c.missingBytes = 1448;
    t.streams = [
      stream({ connection: 'c1', id: 3, frames: [], captureGap: true }),
      stream({ connection: 'c1', id: 5, frames: [] }),
    ];
    const f = run(t).findings[0];
    expect(f.explanation).toContain('1 HTTP/2 stream (stream 3 on c1)');
    expect(f.details).toMatchObject({ exchanges: 0, streams: 1 });
  });
});
