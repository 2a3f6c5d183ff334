// Forwarded headers are believed only from trusted proxies; the rate limiter forgets the least
// recently seen clients one by one, never all at once.
import { afterEach, describe, expect, it } from 'vitest';
import { clientAddress, installPeerStamp, isTrusted, originOf, PEER_HEADER, PEER_PROTO_HEADER } from './net';
import { takeUploadToken } from './server';

installPeerStamp();

const env = { ...process.env };
afterEach(() => {
  process.env = { ...env };
});

const headers = (peer: string, extra: Record<string, string> = {}) =>
  new Headers({ [PEER_HEADER]: peer, [PEER_PROTO_HEADER]: 'http', host: 'tracelens.test:3000', ...extra });

describe('trusted proxies', () => {
  it('matches IPv4 and IPv6 addresses and CIDRs, IPv4-mapped IPv6 as IPv4', () => {
    process.env.TRACELENS_TRUSTED_PROXIES = '10.0.0.0/8, 192.168.1.7 fd00::/8,::1';
    expect(isTrusted('10.200.3.4')).toBe(true);
    expect(isTrusted('11.0.0.1')).toBe(false);
    expect(isTrusted('192.168.1.7')).toBe(true);
    expect(isTrusted('192.168.1.8')).toBe(false);
    expect(isTrusted('::ffff:10.1.1.1')).toBe(true);
    expect(isTrusted('fd12:3456::1')).toBe(true);
    expect(isTrusted('fe80::1')).toBe(false);
    expect(isTrusted('::1')).toBe(true);
    expect(isTrusted('not-an-ip')).toBe(false);
  });

  it('uses the socket address unless it is a trusted proxy', () => {
    process.env.TRACELENS_TRUSTED_PROXIES = '';
    expect(clientAddress(headers('198.51.100.9', { 'x-forwarded-for': '1.2.3.4' }))).toBe('198.51.100.9');
  });

  it('takes the right-most untrusted address of X-Forwarded-For behind trusted proxies', () => {
    process.env.TRACELENS_TRUSTED_PROXIES = '127.0.0.1, 10.0.0.0/8';
    const h = (xff: string) => headers('127.0.0.1', { 'x-forwarded-for': xff });
    expect(clientAddress(h('6.6.6.6, 203.0.113.5'))).toBe('203.0.113.5');
    expect(clientAddress(h('6.6.6.6, 203.0.113.5, 10.1.2.3'))).toBe('203.0.113.5');
    expect(clientAddress(h('10.1.2.3'))).toBe('10.1.2.3');
    expect(clientAddress(headers('127.0.0.1'))).toBe('127.0.0.1');
  });

  it('builds links from the public URL, the Host, or forwarded headers of a trusted proxy only', () => {
    const req = (peer: string) =>
      new Request('http://ignored/api/traces', {
        headers: headers(peer, { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }),
      });
    process.env.TRACELENS_TRUSTED_PROXIES = '127.0.0.1';
    expect(originOf(req('198.51.100.9'))).toBe('http://tracelens.test:3000');
    expect(originOf(req('127.0.0.1'))).toBe('https://evil.example');
    process.env.TRACELENS_PUBLIC_URL = 'https://traces.example.com/base/';
    expect(originOf(req('127.0.0.1'))).toBe('https://traces.example.com/base');
  });
});

describe('upload rate limit', () => {
  it('forgets the least recently seen clients first and never resets a limited client', () => {
    process.env.TRACELENS_UPLOAD_RATE = '1';
    process.env.TRACELENS_RATE_CLIENTS = '100';
    const now = 1_000_000;
    expect(takeUploadToken('limited', now).ok).toBe(true);
    expect(takeUploadToken('limited', now).ok).toBe(false);
    // 99 other clients, with "limited" seen again in between: it stays among the recent ones.
    for (let i = 0; i < 500; i++) {
      takeUploadToken(`c${i}`, now);
      if (i % 50 === 0) expect(takeUploadToken('limited', now).ok).toBe(false);
    }
    expect(takeUploadToken('limited', now).ok).toBe(false);
    // A minute later its bucket has refilled.
    expect(takeUploadToken('limited', now + 60_000).ok).toBe(true);
  });
});
