// TLS decryption against real peers: Node's tls client and server on loopback (OpenSSL inside),
// with the session's secrets from Node's `keylog` event, and the bytes recorded by a relay between
// them — the same streams TCP reassembly would hand the parser. Each cipher family and version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { constants as cryptoConstants } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TlsParser } from './session';
import { KeyLog } from './keylog';
import { gcm } from '@noble/ciphers/aes.js';
import { SUITES, tls13Keys, tls13NextSecret, xorNonce } from './crypto';
import { AppResults, type AppContext, type AppParser } from '../stream';
import type { Connection, Dir } from '../trace';

let key = '';
let cert = '';

beforeAll(() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tracelens-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
    ],
    { stdio: 'ignore' },
  );
  key = readFileSync(path.join(dir, 'key.pem'), 'utf8');
  cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
});

interface Recorded {
  chunks: { dir: Dir; bytes: Uint8Array }[];
  keylog: string;
  clientGot: string;
}

/**
 * Runs one TLS exchange through a recording relay: the client sends `request`, the server answers
 * `response`, both close. Returns the bytes each way in arrival order and the key log lines.
 */
async function exchange(opts: {
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  ciphers?: string;
  request: string;
  response: string;
  alpn?: string[];
  session?: Buffer;
  ticketKeys?: Buffer;
  secureOptions?: number;
}): Promise<Recorded & { session: Buffer | undefined }> {
  const chunks: Recorded['chunks'] = [];
  let keylog = '';
  const server = tls.createServer(
    {
      key,
      cert,
      minVersion: opts.minVersion,
      maxVersion: opts.maxVersion,
      ciphers: opts.ciphers,
      ALPNProtocols: opts.alpn,
      ticketKeys: opts.ticketKeys,
      secureOptions: opts.secureOptions,
    },
    (s) => {
      let got = '';
      s.on('data', (d) => {
        got += d.toString();
        if (got.length >= opts.request.length) s.end(opts.response);
      });
    },
  );
  server.on('keylog', (line) => (keylog += line.toString()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const serverPort = (server.address() as net.AddressInfo).port;
  const relay = net.createServer((c) => {
    const up = net.connect(serverPort, '127.0.0.1');
    c.on('data', (d) => {
      chunks.push({ dir: 'c2s', bytes: new Uint8Array(d) });
      up.write(d);
    });
    up.on('data', (d) => {
      chunks.push({ dir: 's2c', bytes: new Uint8Array(d) });
      c.write(d);
    });
    c.on('end', () => up.end());
    up.on('end', () => c.end());
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const relayPort = (relay.address() as net.AddressInfo).port;
  let session: Buffer | undefined;
  const clientGot = await new Promise<string>((resolve, reject) => {
    const s = tls.connect({
      port: relayPort,
      host: '127.0.0.1',
      rejectUnauthorized: false,
      minVersion: opts.minVersion,
      maxVersion: opts.maxVersion,
      ciphers: opts.ciphers,
      ALPNProtocols: opts.alpn,
      session: opts.session,
    });
    let got = '';
    s.on('session', (sess) => (session = sess));
    s.on('secureConnect', () => s.write(opts.request));
    s.on('data', (d) => (got += d.toString()));
    s.on('end', () => {
      s.end();
      resolve(got);
    });
    s.on('error', reject);
  });
  await new Promise((r) => setTimeout(r, 20));
  relay.close();
  server.close();
  return { chunks, keylog, clientGot, session };
}

class Collect implements AppParser {
  text: Record<Dir, string> = { c2s: '', s2c: '' };
  data(dir: Dir, bytes: Uint8Array): void {
    this.text[dir] += Buffer.from(bytes).toString();
  }
  gap(): void {}
  end(): void {}
}

function fakeConnection(): Connection {
  return { tls: null, warnings: [] } as unknown as Connection;
}

function parse(rec: Recorded, keylogText: string | null) {
  const conn = fakeConnection();
  const ctx: AppContext = { conn, results: new AppResults(), warn: (m) => conn.warnings.push(m) };
  const inner = new Collect();
  const kl = keylogText === null ? null : new KeyLog();
  if (kl && keylogText !== null) kl.add(keylogText);
  const p = new TlsParser(ctx, { keylog: kl, createInner: () => inner });
  const offsets: Record<Dir, number> = { c2s: 0, s2c: 0 };
  let packet = 1;
  for (const c of rec.chunks) {
    // Split every chunk in two so records straddle "segments".
    const half = Math.max(1, Math.floor(c.bytes.length / 2));
    for (const part of [c.bytes.subarray(0, half), c.bytes.subarray(half)]) {
      if (!part.length) continue;
      p.data(c.dir, part, offsets[c.dir], packet++, 0);
      offsets[c.dir] += part.length;
    }
  }
  return { conn, inner };
}

const REQUEST = 'GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n';
const RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nworld';

const cases: {
  name: string;
  min: tls.SecureVersion;
  max: tls.SecureVersion;
  ciphers?: string;
  suite: string;
  version: string;
  secureOptions?: number;
}[] = [
  {
    name: 'TLS 1.3 AES-128-GCM',
    min: 'TLSv1.3',
    max: 'TLSv1.3',
    ciphers: 'TLS_AES_128_GCM_SHA256',
    suite: 'TLS_AES_128_GCM_SHA256',
    version: 'TLS 1.3',
  },
  {
    name: 'TLS 1.3 AES-256-GCM',
    min: 'TLSv1.3',
    max: 'TLSv1.3',
    ciphers: 'TLS_AES_256_GCM_SHA384',
    suite: 'TLS_AES_256_GCM_SHA384',
    version: 'TLS 1.3',
  },
  {
    name: 'TLS 1.3 ChaCha20-Poly1305',
    min: 'TLSv1.3',
    max: 'TLSv1.3',
    ciphers: 'TLS_CHACHA20_POLY1305_SHA256',
    suite: 'TLS_CHACHA20_POLY1305_SHA256',
    version: 'TLS 1.3',
  },
  {
    name: 'TLS 1.2 ECDHE AES-128-GCM',
    min: 'TLSv1.2',
    max: 'TLSv1.2',
    ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
    suite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    version: 'TLS 1.2',
  },
  {
    name: 'TLS 1.2 ECDHE AES-256-GCM',
    min: 'TLSv1.2',
    max: 'TLSv1.2',
    ciphers: 'ECDHE-RSA-AES256-GCM-SHA384',
    suite: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
    version: 'TLS 1.2',
  },
  {
    name: 'TLS 1.2 ECDHE ChaCha20-Poly1305',
    min: 'TLSv1.2',
    max: 'TLSv1.2',
    ciphers: 'ECDHE-RSA-CHACHA20-POLY1305',
    suite: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    version: 'TLS 1.2',
  },
  {
    name: 'TLS 1.2 RSA key exchange AES-128-GCM',
    min: 'TLSv1.2',
    max: 'TLSv1.2',
    ciphers: 'AES128-GCM-SHA256',
    suite: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
    version: 'TLS 1.2',
  },
  {
    name: 'TLS 1.2 ECDHE AES-128-CBC-SHA (encrypt-then-MAC)',
    min: 'TLSv1.2',
    max: 'TLSv1.2',
    ciphers: 'ECDHE-RSA-AES128-SHA',
    suite: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
    version: 'TLS 1.2',
  },
  {
    name: 'TLS 1.2 ECDHE AES-256-CBC-SHA384 (MAC-then-encrypt)',
    min: 'TLSv1.2',
    max: 'TLSv1.2',
    ciphers: 'ECDHE-RSA-AES256-SHA384',
    suite: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384',
    version: 'TLS 1.2',
    secureOptions: cryptoConstants.SSL_OP_NO_ENCRYPT_THEN_MAC,
  },
];

describe('TLS decryption with real OpenSSL peers', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const rec = await exchange({
        minVersion: c.min,
        maxVersion: c.max,
        ciphers: c.ciphers,
        request: REQUEST,
        response: RESPONSE,
        alpn: ['http/1.1'],
        secureOptions: c.secureOptions,
      });
      expect(rec.clientGot).toBe(RESPONSE);
      const { conn, inner } = parse(rec, rec.keylog);
      expect(conn.tls?.version).toBe(c.version);
      expect(conn.tls?.cipherSuite).toBe(c.suite);
      expect(conn.tls?.alpnSelected).toBe('http/1.1');
      expect(conn.tls?.sni).toBe(null);
      expect(conn.tls?.decryption).toBe('decrypted');
      expect(inner.text.c2s).toBe(REQUEST);
      expect(inner.text.s2c).toBe(RESPONSE);
    });
  }

  it('says "no key" without a key log, keeping the handshake facts', async () => {
    const rec = await exchange({
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      request: REQUEST,
      response: RESPONSE,
    });
    const { conn, inner } = parse(rec, null);
    expect(conn.tls?.decryption).toBe('no-key');
    expect(conn.tls?.version).toBe('TLS 1.3');
    expect(inner.text.c2s).toBe('');
  });

  it('says the key does not decrypt when the secrets are wrong, instead of emitting garbage', async () => {
    const rec = await exchange({
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
      request: REQUEST,
      response: RESPONSE,
    });
    // Same client random, wrong master secret.
    const wrong = rec.keylog.replace(
      /^(CLIENT_RANDOM [0-9a-f]{64} )([0-9a-f]{2})/m,
      (_m, a: string, b: string) => a + (b === '00' ? '01' : '00'),
    );
    const { conn, inner } = parse(rec, wrong);
    expect(conn.tls?.decryption).toBe('wrong-key');
    expect(conn.warnings.join(' ')).toMatch(/do not decrypt/);
    expect(inner.text.c2s + inner.text.s2c).toBe('');
  });

  it('decrypts a resumed TLS 1.2 session and marks it resumed', async () => {
    // The same ticket keys on both servers, as one server restarted or a pool sharing keys.
    const ticketKeys = Buffer.alloc(48, 7);
    const base = {
      minVersion: 'TLSv1.2' as const,
      maxVersion: 'TLSv1.2' as const,
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
      request: REQUEST,
      response: RESPONSE,
      ticketKeys,
    };
    const first = await exchange(base);
    expect(first.session).toBeDefined();
    const second = await exchange({ ...base, session: first.session });
    const { conn, inner } = parse(second, first.keylog + second.keylog);
    expect(conn.tls?.resumed).toBe(true);
    expect(conn.tls?.decryption).toBe('decrypted');
    expect(inner.text.s2c).toBe(RESPONSE);
  });

  it('follows a TLS 1.3 KeyUpdate to the next generation of traffic keys', async () => {
    // OpenSSL's KeyUpdate is not reachable from Node, so after a real session we append what a
    // client sends on a key update: KeyUpdate under the current keys, then data under the next.
    const rec = await exchange({
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      ciphers: 'TLS_AES_128_GCM_SHA256',
      request: REQUEST,
      response: RESPONSE,
    });
    const secretHex = /^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} ([0-9a-f]+)$/m.exec(rec.keylog)?.[1];
    expect(secretHex).toBeDefined();
    const suite = SUITES[0x1301];
    const secret0 = Uint8Array.from(Buffer.from(secretHex as string, 'hex'));
    const seal = (secret: Uint8Array, seq: number, inner: Uint8Array): Uint8Array => {
      const k = tls13Keys(suite, secret);
      const header = new Uint8Array([23, 3, 3, 0, 0]);
      const len = inner.length + 16;
      header[3] = len >> 8;
      header[4] = len & 0xff;
      const sealed = gcm(k.key, xorNonce(k.iv, seq), header).encrypt(inner);
      return new Uint8Array([...header, ...sealed]);
    };
    // Under secret 0 the client sent the request and its close_notify alert: the next is seq 2.
    const keyUpdate = seal(secret0, 2, new Uint8Array([24, 0, 0, 1, 0, 22]));
    const after = seal(tls13NextSecret(suite, secret0), 0, new Uint8Array([...Buffer.from('AFTER'), 23]));
    rec.chunks.push({ dir: 'c2s', bytes: keyUpdate }, { dir: 'c2s', bytes: after });
    const { conn, inner } = parse(rec, rec.keylog);
    expect(conn.tls?.decryption).toBe('decrypted');
    expect(inner.text.c2s).toBe(REQUEST + 'AFTER');
  });

  it('reports malformed key log lines with their line numbers', () => {
    const kl = new KeyLog();
    kl.add(
      [
        '# comment',
        'CLIENT_RANDOM abc 00',
        'CLIENT_RANDOM ' + 'a'.repeat(64) + ' ' + 'b'.repeat(96),
        'BOGUS x y',
        'too few',
      ].join('\n'),
    );
    expect(kl.size).toBe(1);
    expect(kl.problems.map((p) => p.line)).toEqual([2, 4, 5]);
    expect(kl.problems[0].message).toMatch(/line 2/);
  });
});

afterAll(() => undefined);
