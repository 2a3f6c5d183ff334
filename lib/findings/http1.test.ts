import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../trace';
import { A_LOST_SEGMENT } from '../packets';
import { detector } from './http1';
import { endpointKey } from './common';
import { buildTrace, checkFinding, exchange, gracefulClose, handshake, type PktSpec } from './testing';

const opts = DEFAULT_OPTIONS;

describe('endpointKey', () => {
  it('normalises ids and drops the query', () => {
    expect(endpointKey('GET', '/users/123?x=1')).toBe('GET /users/:id');
    expect(endpointKey('get', '/orders/550e8400-e29b-41d4-a716-446655440000/items')).toBe(
      'GET /orders/:id/items',
    );
    expect(endpointKey('GET', '/health')).toBe('GET /health');
  });
});

const conn = (t: number, close: 'client' | 'server' | 'rst' | null): { packets: PktSpec[] } => ({
  packets: [
    ...handshake(t),
    { t: t + 0.01, dir: 'c2s', len: 80 },
    ...(close === 'client'
      ? gracefulClose(t + 1.05, 'c2s')
      : close === 'server'
        ? gracefulClose(t + 2, 's2c')
        : close === 'rst'
          ? [{ t: t + 2, dir: 's2c' as const, flags: 'R' }]
          : []),
  ],
});

describe('http1.unanswered-request', () => {
  const unanswered = (connection: string, requestS: number) =>
    exchange({
      connection,
      path: '/users/1',
      requestS,
      requestEndS: requestS,
      responseS: null,
      responseEndS: null,
      response: null,
      status: null,
      outcome: 'unanswered',
      request: {
        startS: requestS,
        endS: requestS,
        headers: [],
        bodyBytes: 0,
        chunked: false,
        streamOffset: 0,
        packets: [4, 4],
      },
    });

  it('says the connection ended first, and who ended it', () => {
    const tr = buildTrace({ connections: [conn(0, 'rst')], exchanges: [unanswered('c1', 0.01)] });
    const f = detector.detect(tr, opts);
    expect(f).toHaveLength(1);
    expect(f[0].kind).toBe('http1.unanswered-request');
    expect(f[0].severity).toBe('error');
    expect(f[0].explanation).toMatch(/connection ended first: the server 10\.0\.0\.2:80 reset it/);
    expect(f[0].details.endedBy).toBe('connection');
    expect(checkFinding(f[0])).toEqual([]);
    expect(f[0].evidence.length).toBe(2);
  });

  it('says the capture ended when the connection is still open', () => {
    const tr = buildTrace({
      connections: [conn(0, null)],
      exchanges: [unanswered('c1', 0.01)],
      durationS: 12,
    });
    const f = detector.detect(tr, opts);
    expect(f[0].explanation).toMatch(/the capture ended 12 s after the request began/);
    expect(f[0].title).toMatch(/capture ended/);
  });

  it('quiet when the capture stopped right after the request', () => {
    const tr = buildTrace({
      connections: [conn(0, null)],
      exchanges: [unanswered('c1', 0.01)],
      durationS: 0.3,
    });
    expect(detector.detect(tr, opts)).toEqual([]);
  });

  it('quiet on answered requests', () => {
    const tr = buildTrace({ connections: [conn(0, 'client')], exchanges: [exchange({ connection: 'c1' })] });
    expect(detector.detect(tr, opts)).toEqual([]);
  });

  it('never for an exchange a capture gap touched', () => {
    const x = { ...unanswered('c1', 0.01), outcome: 'capture-gap' as const, captureGap: { c2s: 0, s2c: -1 } };
    const tr = buildTrace({ connections: [conn(0, 'rst')], exchanges: [x] });
    expect(detector.detect(tr, opts)).toEqual([]);
  });

  it('server bytes missed: quiet for requests sent before the last hole, not after it', () => {
    const spec = {
      packets: [
        ...handshake(0),
        { t: 0.01, dir: 'c2s' as const, len: 80 },
        { t: 0.5, dir: 's2c' as const, len: 1448, a: A_LOST_SEGMENT },
        { t: 3, dir: 'c2s' as const, len: 80 },
        { t: 5, dir: 's2c' as const, flags: 'R' },
      ],
    };
    const tr = buildTrace({
      connections: [spec],
      exchanges: [unanswered('c1', 0.01), { ...unanswered('c1', 3), index: 2 }],
    });
    tr.connections[0].analysis.s2c.missingBytes = 1448;
    const f = detector.detect(tr, opts);
    expect(f.map((x) => x.startS)).toEqual([3]);
  });

  it('quiet on a connection the capture saw one way only', () => {
    const tr = buildTrace({
      connections: [
        {
          packets: [
            { t: 0, dir: 'c2s', flags: 'S' },
            { t: 0.01, dir: 'c2s', len: 80 },
            { t: 2, dir: 'c2s', flags: 'F' },
          ],
        },
      ],
      exchanges: [unanswered('c1', 0.01)],
    });
    expect(detector.detect(tr, opts)).toEqual([]);
  });
});

describe('http1.response-mismatch', () => {
  const ok = (connection: string, index: number, path: string, keys: string[], t: number) =>
    exchange({
      connection,
      index,
      path,
      jsonKeys: keys,
      requestS: t,
      requestEndS: t,
      responseS: t + 0.01,
      responseEndS: t + 0.011,
    });

  it('(a) orphan response, naming the unanswered request elsewhere', () => {
    const tr = buildTrace({
      connections: [conn(0, 'client'), conn(0.05, 'client')],
      exchanges: [
        exchange({
          connection: 'c1',
          path: '/users/1',
          requestS: 0.01,
          responseS: null,
          responseEndS: null,
          response: null,
          status: null,
          outcome: 'unanswered',
        }),
        ok('c2', 1, '/orders/7', ['email', 'id', 'name'], 0.06),
        exchange({
          connection: 'c2',
          index: 2,
          method: null,
          path: null,
          requestS: null,
          request: null,
          outcome: 'orphan-response',
          jsonKeys: ['items', 'orderId', 'total'],
          responseS: 0.35,
          responseEndS: 0.351,
          response: {
            startS: 0.35,
            endS: 0.351,
            headers: [],
            bodyBytes: 60,
            chunked: false,
            streamOffset: 0,
            packets: [9, 9],
          },
        }),
      ],
    });
    const f = detector.detect(tr, opts).filter((x) => x.kind === 'http1.response-mismatch');
    expect(f).toHaveLength(1);
    expect(f[0].connection).toBe('c2');
    expect(f[0].explanation).toMatch(/GET \/users\/1 on c1 never got an answer/);
    expect(f[0].details.reason).toBe('orphan-response');
    expect(checkFinding(f[0])).toEqual([]);
  });

  it('(b) a response shaped like another endpoint', () => {
    const xs = [
      ok('c1', 1, '/users/1', ['email', 'id', 'name'], 0),
      ok('c1', 2, '/users/2', ['email', 'id', 'name'], 0.1),
      ok('c1', 3, '/orders/7', ['items', 'orderId', 'total'], 0.2),
      ok('c1', 4, '/orders/8', ['email', 'id', 'name'], 0.3),
    ];
    const tr = buildTrace({ connections: [conn(0, 'client')], exchanges: xs });
    const f = detector.detect(tr, opts);
    expect(f).toHaveLength(1);
    expect(f[0].title).toBe('GET /orders/8 was answered with a GET /users/:id response');
    expect(f[0].details.matchingEndpoint).toBe('GET /users/:id');
    expect(f[0].evidence.length).toBe(2);
    expect(checkFinding(f[0])).toEqual([]);
  });

  it('quiet when shapes are consistent, and for error statuses', () => {
    const xs = [
      ok('c1', 1, '/users/1', ['email', 'id', 'name'], 0),
      ok('c1', 2, '/users/2', ['email', 'id', 'name'], 0.1),
      ok('c1', 3, '/orders/7', ['items', 'orderId', 'total'], 0.2),
      exchange({
        connection: 'c1',
        index: 4,
        path: '/orders/8',
        status: 404,
        jsonKeys: ['error'],
        requestS: 0.3,
      }),
      exchange({
        connection: 'c1',
        index: 5,
        path: '/users/9',
        status: 404,
        jsonKeys: ['error'],
        requestS: 0.4,
      }),
    ];
    expect(detector.detect(buildTrace({ connections: [conn(0, 'client')], exchanges: xs }), opts)).toEqual(
      [],
    );
  });
});
