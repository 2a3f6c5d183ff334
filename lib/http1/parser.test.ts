import { describe, expect, it } from 'vitest';
import { Http1DirParser, topLevelJsonKeys } from './parser';
import type { Http1Head, Http1MessageSink, Http1Role } from './parser';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Feed `text` `step` bytes at a time; returns the event log. */
function events(role: Http1Role, text: string, step: number, method: string | null = 'GET'): string[] {
  const log: string[] = [];
  const sink: Http1MessageSink = {
    start: (o) => log.push(`start@${o}`),
    head: (h: Http1Head, chunked) =>
      log.push(
        `head ${h.method ?? h.status} ${h.target ?? h.reason} ${JSON.stringify(h.headers)} chunked=${chunked}`,
      ),
    body: () => {},
    end: (o) => log.push(`end@${o}`),
    malformed: (r, o) => log.push(`malformed@${o} ${r}`),
    switched: (k, o) => log.push(`switched ${k}@${o}`),
  };
  let bodyBytes = 0;
  const counting: Http1MessageSink = { ...sink, body: (b) => void (bodyBytes += b.length) };
  const p = new Http1DirParser(role, counting, { requestMethod: () => method });
  const b = enc(text);
  for (let i = 0; i < b.length; i += step) p.feed(b.subarray(i, i + step), i, 1, 0);
  p.endOfStream(b.length, 1, 0);
  log.push(`body=${bodyBytes}`);
  return log;
}

const FIXTURES: [Http1Role, string][] = [
  ['request', 'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbodyGET /y HTTP/1.0\nX: y\n\n'],
  [
    'response',
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n4;a=b\r\nwxyz\r\n0\r\nT: 1\r\n\r\n',
  ],
  ['response', 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end'],
  ['request', 'GET / HTTP/1.1\r\nHost: a\r\nbroken line\r\n\r\n'],
];

describe('Http1DirParser', () => {
  for (const [role, text] of FIXTURES) {
    it(`same events at every split: ${JSON.stringify(text.slice(0, 30))}`, () => {
      const whole = events(role, text, text.length);
      for (let step = 1; step < text.length; step++) expect(events(role, text, step)).toEqual(whole);
    });
  }

  it('reports message boundaries and chunked bodies', () => {
    expect(events('response', FIXTURES[1][1], 1000)).toEqual([
      'start@0',
      'head 100 Continue [] chunked=false',
      'end@25',
      'start@25',
      'head 200 OK [["Transfer-Encoding","gzip, chunked"]] chunked=true',
      'end@102',
      'body=4',
    ]);
  });

  it('close-delimited body ends at end of stream', () => {
    expect(events('response', FIXTURES[2][1], 1000).slice(-2)).toEqual(['end@58', 'body=13']);
  });

  it('tolerates empty lines before a request line', () => {
    expect(events('request', '\r\n\r\nGET / HTTP/1.1\r\n\r\n', 1000)).toEqual([
      'start@4',
      'head GET / [] chunked=false',
      'end@22',
      'body=0',
    ]);
  });

  it('stops after a malformed message and consumes nothing more', () => {
    const log = events('request', FIXTURES[3][1], 1000);
    expect(log).toEqual(['start@0', 'malformed@25 no colon in header line', 'body=0']);
  });

  it('HEAD response and 304 carry no body even with Content-Length', () => {
    expect(events('response', 'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n', 1000, 'HEAD')).toContain(
      'end@38',
    );
  });
});

describe('topLevelJsonKeys', () => {
  it('keys of an object, null otherwise', () => {
    expect(topLevelJsonKeys('{"a":1,"b":{"c":2}}')).toEqual(['a', 'b']);
    expect(topLevelJsonKeys('[1,2]')).toBeNull();
    expect(topLevelJsonKeys('"str"')).toBeNull();
  });
  it('keys that fit in a truncated object', () => {
    expect(topLevelJsonKeys('{"a":[1,{"x":"}"}],"b\\"q":"v\\"","c":{"d":')).toEqual(['a', 'b"q', 'c']);
  });
});
