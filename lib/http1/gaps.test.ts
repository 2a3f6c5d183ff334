// Capture gaps on persistent HTTP/1.1 connections: counted where framing bridges them,
// resynchronised at the next start line elsewhere, and pairing kept right after them.
import { describe, expect, it } from 'vitest';
import type { Http1Exchange } from '../trace';
import { run } from './test-helpers';
import type { Step } from './test-helpers';

const GET = (i: number | string): string => `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
/** A response that names the request it answers (X-Path), as the lab's nginx does. */
const RESP = (i: number | string, body = 'x'.repeat(200)): string =>
  `HTTP/1.1 200 OK\r\nX-Path: /${i}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const CHUNKED = (i: number, body: string): string =>
  `HTTP/1.1 200 OK\r\nX-Path: /${i}\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;

/** A client that waits for each response: request i, response i, for i in 1..n, with `edit` per step. */
function sequential(
  n: number,
  edit: (i: number, req: string, resp: string) => Step[] | null = () => null,
): Step[] {
  const steps: Step[] = [];
  for (let i = 1; i <= n; i++) {
    const req = GET(i);
    const resp = RESP(i);
    steps.push(...(edit(i, req, resp) ?? [['c2s', req] as Step, ['s2c', resp] as Step]));
  }
  return steps;
}

const xPath = (x: Http1Exchange): string | undefined =>
  x.response?.headers.find(([k]) => k.toLowerCase() === 'x-path')?.[1];

/** Exchanges whose request and response are both known but do not belong together. */
function wrongPairs(xs: Http1Exchange[]): string[] {
  return xs.filter((x) => x.path && x.response && xPath(x) !== x.path).map((x) => `${x.path}<-${xPath(x)}`);
}

function outcomes(xs: Http1Exchange[]): string[] {
  return xs.map((x) => `${x.path ?? `(${xPath(x) ?? '?'})`}:${x.outcome}`);
}

/** Whole and at several split sizes: the same outcomes and pairs. */
function each(steps: Step[]): Http1Exchange[] {
  const whole = run(steps);
  for (const split of [1, 3, 7, 64]) {
    const r = run(steps, split);
    expect(outcomes(r.exchanges), `split ${split}`).toEqual(outcomes(whole.exchanges));
    expect(wrongPairs(r.exchanges), `split ${split}`).toEqual([]);
  }
  expect(wrongPairs(whole.exchanges)).toEqual([]);
  return whole.exchanges;
}

const expectOutcomes = (xs: Http1Exchange[], gapped: string[]): void => {
  for (const x of xs) {
    const name = x.path ?? `(${xPath(x)})`;
    expect(`${name}:${x.outcome}`).toBe(`${name}:${gapped.includes(name) ? 'capture-gap' : 'complete'}`);
  }
};

describe('HTTP/1 across capture gaps', () => {
  it('a gap inside a body of known length is counted, nothing is resynchronised', () => {
    const xs = each(
      sequential(8, (i, req, resp) =>
        i === 3
          ? [
              ['c2s', req],
              ['s2c', resp.slice(0, 80)],
              ['gap', 's2c', 100],
              ['s2c', resp.slice(180)],
            ]
          : null,
      ),
    );
    expect(xs).toHaveLength(8);
    expectOutcomes(xs, ['/3']);
    expect(xs[2].captureGap).toEqual({ c2s: 0, s2c: 100 });
    expect(xs[2].status).toBe(200);
    expect(xs[2].responseEndS).not.toBeNull();
  });

  it('a body of known length holding a whole fake response: a gap in it creates no exchange', () => {
    const fake = `${'y'.repeat(50)}\r\n${RESP('fake', 'z')}\r\n${'y'.repeat(50)}`;
    const resp = RESP(2, fake);
    const xs = each([
      ['c2s', GET(1)],
      ['s2c', RESP(1)],
      ['c2s', GET(2)],
      ['s2c', resp.slice(0, 70)],
      ['gap', 's2c', 20],
      ['s2c', resp.slice(90)],
      ['c2s', GET(3)],
      ['s2c', RESP(3)],
    ]);
    expect(outcomes(xs)).toEqual(['/1:complete', '/2:capture-gap', '/3:complete']);
  });

  it('the status line lost: the response is dropped and the rest pair by order', () => {
    const xs = each(
      sequential(10, (i, req, resp) =>
        i === 3
          ? [
              ['c2s', req],
              ['gap', 's2c', 30],
              ['s2c', resp.slice(30)],
            ]
          : null,
      ),
    );
    expect(xs).toHaveLength(10);
    expectOutcomes(xs, ['/3']);
    expect(xs[2].captureGap).toEqual({ c2s: 0, s2c: -1 });
    expect(xs[2].status).toBeNull();
    expect(xs.some((x) => x.outcome === 'unanswered' || x.outcome === 'orphan-response')).toBe(false);
  });

  it('a whole response lost', () => {
    const xs = each(
      sequential(10, (i, req, resp) =>
        i === 4
          ? [
              ['c2s', req],
              ['gap', 's2c', resp.length],
            ]
          : null,
      ),
    );
    expectOutcomes(xs, ['/4']);
  });

  it('several whole responses lost in one gap (a client that waits for each)', () => {
    const lost = RESP(3).length + RESP(4).length + RESP(5).length;
    const head: Step[] = [
      ['c2s', GET(1)],
      ['s2c', RESP(1)],
      ['c2s', GET(2)],
      ['s2c', RESP(2)],
      ['c2s', GET(3)],
      ['c2s', GET(4)],
      ['c2s', GET(5)],
    ];
    const tail = sequential(9).slice(10); // request 6, response 6, ... 9
    // The gap is known when the client's ACK passes it: before request 6, or carried by it.
    for (const steps of [
      [...head, ['gap', 's2c', lost], ...tail] as Step[],
      [...head, tail[0], ['gap', 's2c', lost], ...tail.slice(1)] as Step[],
    ]) {
      const xs = each(steps);
      expectOutcomes(xs, ['/3', '/4', '/5']);
      expect(xs.map((x) => x.path)).toEqual(['/1', '/2', '/3', '/4', '/5', '/6', '/7', '/8', '/9']);
    }
  });

  it('a gap from the end of one response into the next one', () => {
    const r3 = RESP(3);
    const r4 = RESP(4);
    const xs = each([
      ['c2s', GET(1)],
      ['s2c', RESP(1)],
      ['c2s', GET(2)],
      ['s2c', RESP(2)],
      ['c2s', GET(3)],
      ['s2c', r3.slice(0, 100)],
      ['c2s', GET(4)],
      ['gap', 's2c', r3.length - 100 + 40],
      ['s2c', r4.slice(40)],
      ['c2s', GET(5)],
      ['s2c', RESP(5)],
    ]);
    expectOutcomes(xs, ['/3', '/4']);
    // Response 3 ended inside the gap, where its Content-Length said: known bytes, not a lost message.
    expect(xs[2].captureGap).toEqual({ c2s: 0, s2c: r3.length - 100 });
    expect(xs[2].responseEndS).not.toBeNull();
    expect(xs[3].captureGap).toEqual({ c2s: 0, s2c: -1 });
  });

  it('chunk framing lost: a fake status line in the rest of the body is not taken for a response', () => {
    const body = `${'a'.repeat(100)}\nHTTP/1.1 500 not really\nthis is body text, not a header line\n\n${'b'.repeat(50)}`;
    const c = CHUNKED(2, body);
    const xs = each([
      ['c2s', GET(1)],
      ['s2c', RESP(1)],
      ['c2s', GET(2)],
      ['s2c', c.slice(0, 60)],
      ['gap', 's2c', 5],
      ['s2c', c.slice(65)],
      ['c2s', GET(3)],
      ['s2c', RESP(3)],
      ['c2s', GET(4)],
      ['s2c', RESP(4)],
    ]);
    expectOutcomes(xs, ['/2']);
    expect(xs.find((x) => x.status === 500)).toBeUndefined();
  });

  it('a whole request lost: its response gets a placeholder exchange, the rest pair right', () => {
    const xs = each(
      sequential(6, (i, req, resp) =>
        i === 2
          ? [
              ['gap', 'c2s', req.length],
              ['s2c', resp],
            ]
          : null,
      ),
    );
    expect(xs).toHaveLength(6);
    expect(outcomes(xs)).toEqual([
      '/1:complete',
      '(/2):capture-gap',
      '/3:complete',
      '/4:complete',
      '/5:complete',
      '/6:complete',
    ]);
    expect(xs.map((x) => x.index)).toEqual([1, 2, 3, 4, 5, 6]);
    const ph = xs.find((x) => x.request === null)!;
    expect(ph.captureGap).toEqual({ c2s: -1, s2c: 0 });
    expect(ph.status).toBe(200);
  });

  it('a whole request lost, the hole known only after its response was parsed (the response ACKs it)', () => {
    const xs = each([
      ['c2s', GET(1)],
      ['s2c', RESP(1)],
      ['s2c', RESP(2)],
      ['gap', 'c2s', GET(2).length],
      ['c2s', GET(3)],
      ['s2c', RESP(3)],
    ]);
    expect(outcomes(xs)).toEqual(['/1:complete', '(/2):capture-gap', '/3:complete']);
  });

  it('a response paired by order stays paired when its own packet reveals a later lost request', () => {
    // A pipelining client: request 2 is lost, and response 1's first packet ACKs it.
    const r = run([
      ['c2s', GET(1), 1],
      ['s2c', RESP(1), 3],
      ['gap', 'c2s', GET(2).length, 3],
    ]);
    expect(outcomes(r.exchanges)).toEqual(['/1:complete']);
    expect(xPath(r.exchanges[0])).toBe('/1');
  });

  it('a request cut in its head: the client side resynchronises at the next request line', () => {
    const xs = each(
      sequential(6, (i, req, resp) =>
        i === 3
          ? [
              ['c2s', req.slice(0, 5)],
              ['gap', 'c2s', 10],
              ['c2s', req.slice(15)],
              ['s2c', resp],
            ]
          : null,
      ),
    );
    expect(xs).toHaveLength(6);
    // Request 3's start was seen: its response pairs with it; the exchange says capture gap.
    expect(xs[2].captureGap).toEqual({ c2s: -1, s2c: 0 });
    expect(xPath(xs[2])).toBe('/3');
    expect(outcomes(xs.slice(3))).toEqual(['/4:complete', '/5:complete', '/6:complete']);
  });

  it('pipelining: a response lost at a message boundary drops exactly that one', () => {
    const reqs = [1, 2, 3, 4, 5].map(GET).join('');
    const xs = each([
      ['c2s', reqs],
      ['s2c', RESP(1)],
      ['gap', 's2c', RESP(2).length],
      ['s2c', RESP(3) + RESP(4) + RESP(5)],
    ]);
    expectOutcomes(xs, ['/2']);
  });

  it('pipelining: a response cut in its head drops that one', () => {
    const reqs = [1, 2, 3, 4].map(GET).join('');
    const r2 = RESP(2);
    const xs = each([
      ['c2s', reqs],
      ['s2c', RESP(1)],
      ['s2c', r2.slice(0, 10)],
      ['gap', 's2c', 30],
      ['s2c', r2.slice(40) + RESP(3) + RESP(4)],
    ]);
    expectOutcomes(xs, ['/2']);
  });

  it('the server stream ends while lost: outstanding requests are capture-gap, not unanswered', () => {
    const xs = each([
      ['c2s', GET(1)],
      ['s2c', RESP(1)],
      ['c2s', GET(2)],
      ['gap', 's2c', 30],
      ['s2c', 'xxxxxxxx'],
      ['end', 's2c'],
    ]);
    expect(outcomes(xs)).toEqual(['/1:complete', '/2:capture-gap']);
  });

  it('no gap, no change: an extra response is still an orphan, a missing one still unanswered', () => {
    const orphan = run([
      ['c2s', GET(1)],
      ['s2c', RESP(1) + RESP('x')],
    ]);
    expect(orphan.exchanges.map((x) => x.outcome)).toEqual(['complete', 'orphan-response']);
    const unanswered = run([
      ['c2s', GET(1)],
      ['s2c', RESP(1)],
      ['c2s', GET(2)],
      ['end', 's2c'],
    ]);
    expect(unanswered.exchanges.map((x) => x.outcome)).toEqual(['complete', 'unanswered']);
  });
});

describe('resynchronising is not fooled by body text', () => {
  it('status-line look-alikes before the real one, at every split', () => {
    const noise =
      'xx HTTP/1.1 2 HTTP/1.0 abc\nHTTP/1.1 200 OK but no line end for a while HTTP/1.9 200 OK\r\n' +
      'HTTP/1.1 404 Not Found\r\nnot a header line\r\n\r\nHHTTP/1.1';
    const xs = each([
      ['c2s', GET(1)],
      ['s2c', RESP(1)],
      ['c2s', GET(2)],
      ['gap', 's2c', 40],
      ['s2c', noise],
      ['c2s', GET(3)],
      ['s2c', RESP(3)],
    ]);
    expect(outcomes(xs)).toEqual(['/1:complete', '/2:capture-gap', '/3:complete']);
  });

  it('request-line look-alikes in a lost request body, at every split', () => {
    const noise =
      'GET out of here\nPOST office HTTP/2\r\nDELETE  / HTTP/1.1\r\nPUT /x HTTP/1.1\r\nno header\r\n\r\n';
    const xs = each([
      ['c2s', 'POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n'],
      ['gap', 'c2s', 20], // past the chunk's end: its framing is lost
      ['c2s', noise + GET(2)],
      ['s2c', RESP('up')],
      ['s2c', RESP(2)],
    ]);
    expect(outcomes(xs)).toEqual(['/up:capture-gap', '/2:complete']);
  });
});

describe('random losses on a client that waits for each response', () => {
  /** Deterministic PRNG (mulberry32), so a failure can be replayed. */
  function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** A response of a random shape: Content-Length or chunked, body with or without line ends. */
  function randomResponse(i: number, r: () => number): string {
    const n = Math.floor(r() * 3000);
    const body = Array.from({ length: n }, () => (r() < 0.02 ? '\n' : 'abcdefgh'[Math.floor(r() * 8)])).join(
      '',
    );
    if (r() < 0.3) return CHUNKED(i, body.length ? body : 'x');
    return RESP(i, body);
  }

  /** Splits a string into segments of 1..1448 bytes. */
  function segments(s: string, r: () => number): string[] {
    const out: string[] = [];
    for (let i = 0; i < s.length;) {
      const n = 1 + Math.floor(r() * 1448);
      out.push(s.slice(i, i + n));
      i += n;
    }
    return out;
  }

  // 150 seeds here; 3000 at 5-8 % loss and 1000 at 15-25 % passed when this was written.
  // TLF_DUMP=1 prints a seed's steps and exchanges.
  for (let seed = 1; seed <= 150; seed++) {
    it(`seed ${seed}: every pairing after the losses is right, and only exchanges near a loss are not complete`, () => {
      const r = rng(seed);
      const steps: Step[] = [];
      const touched = new Set<string>();
      const n = 30;
      // Steps held back: a hole is reported only when the peer ACKs past it, which may come with
      // the next request (server hole) or with the response's first segment (lost request).
      let deferred: Step[] = [];
      // Packet numbers in wire order: held-back bytes keep theirs.
      let wire = 0;
      for (let i = 1; i <= n; i++) {
        const req = GET(i);
        const reqLost = r() < 0.05;
        if (reqLost) touched.add(`/${i}`);
        else steps.push(['c2s', req, ++wire]);
        steps.push(...deferred);
        deferred = [];
        const lateReqGap = reqLost && r() < 0.5;
        if (reqLost && !lateReqGap) steps.push(['gap', 'c2s', req.length]);
        const lateRespGap = r() < 0.5;
        let pendingGap = 0;
        let first = true;
        for (const seg of segments(randomResponse(i, r), r)) {
          const out = deferred.length || (pendingGap && lateRespGap) ? deferred : steps;
          if (r() < 0.08) {
            pendingGap += seg.length;
            touched.add(`/${i}`);
          } else {
            if (pendingGap) (lateRespGap ? deferred : out).push(['gap', 's2c', pendingGap]);
            pendingGap = 0;
            (lateRespGap && deferred.length ? deferred : out).push(['s2c', seg, ++wire]);
            // The server's first captured packet of the response ACKs the lost request.
            if (first && lateReqGap) steps.push(['gap', 'c2s', req.length, wire]);
            first = false;
          }
        }
        if (first && lateReqGap) steps.push(['gap', 'c2s', req.length]);
        if (pendingGap) deferred.push(['gap', 's2c', pendingGap]);
      }
      steps.push(...deferred);
      steps.push(['end', 'c2s'], ['end', 's2c']);
      const xs = run(steps).exchanges;
      if (process.env.TLF_DUMP) {
        console.log(
          steps
            .map(
              (st, k) =>
                `${k + 1}: ${st[0]} ${st[0] === 'gap' ? `${st[1]} ${st[2]} ts ${st[3] ?? ''}` : st[0] === 'end' ? st[1] : `${JSON.stringify(String(st[1]).slice(0, 30))} (${String(st[1]).length}) pk ${st[2] ?? ''}`}`,
            )
            .join('\n'),
        );
        console.log('TOUCHED', [...touched].join(','));
        console.log(
          xs
            .map((x) => `${x.index} ${x.path} ${xPath(x)} ${x.outcome} ${JSON.stringify(x.captureGap)}`)
            .join('\n'),
        );
      }
      expect(wrongPairs(xs)).toEqual([]);
      for (const x of xs) {
        const name = x.path ?? xPath(x) ?? '?';
        if (x.outcome === 'complete') continue;
        expect(x.outcome, name).toBe('capture-gap');
        // Request and response start line both lost: nothing names it.
        if (name === '?') continue;
        // A capture-gap exchange is one a hole touched, or the one right after (a response whose
        // start line followed a hole without a line end, found by its status line anyway).
        const k = Number(name.slice(1));
        expect(touched.has(name) || touched.has(`/${k - 1}`), `${name} ${[...touched].join(',')}`).toBe(true);
      }
      // Every response the capture kept whole is paired with its request.
      const complete = new Set(xs.filter((x) => x.outcome === 'complete').map((x) => x.path));
      for (let i = 1; i <= n; i++)
        if (!touched.has(`/${i}`)) expect(complete.has(`/${i}`), `/${i}`).toBe(true);
    });
  }
});

describe('random losses on a pipelining client', () => {
  // Pipelining leaves order as the only evidence: a hole wholly inside one response (its head or
  // body, never across a message boundary) must cost that response alone.
  for (let seed = 1; seed <= 60; seed++) {
    it(`seed ${seed}`, () => {
      let a = seed * 7919;
      const r = (): number => {
        a = (a * 1103515245 + 12345) % 2147483648;
        return a / 2147483648;
      };
      const n = 20;
      const steps: Step[] = [['c2s', Array.from({ length: n }, (_, i) => GET(i + 1)).join('')]];
      const touched = new Set<string>();
      for (let i = 1; i <= n; i++) {
        const body = 'z'.repeat(1 + Math.floor(r() * 2000));
        const resp = r() < 0.3 ? CHUNKED(i, body) : RESP(i, body);
        if (r() < 0.25 && resp.length > 4) {
          // A hole strictly inside the message: at least its first and last byte are captured.
          const from = 1 + Math.floor(r() * (resp.length - 3));
          const len = 1 + Math.floor(r() * (resp.length - 1 - from - 1));
          steps.push(['s2c', resp.slice(0, from)], ['gap', 's2c', len], ['s2c', resp.slice(from + len)]);
          touched.add(`/${i}`);
        } else steps.push(['s2c', resp]);
      }
      steps.push(['end', 's2c']);
      const xs = run(steps).exchanges;
      expect(wrongPairs(xs)).toEqual([]);
      for (const x of xs) {
        const name = x.path ?? xPath(x) ?? '?';
        expect(`${name}:${x.outcome}`).toBe(`${name}:${touched.has(name) ? 'capture-gap' : 'complete'}`);
      }
    });
  }
});

describe('a capture that began in the middle of a connection', () => {
  const tail = 'x'.repeat(300); // the end of a response body, no line end

  it('starts at the first start line on each side: no malformed response, every pair right', () => {
    const steps: Step[] = [['s2c', tail], ...sequential(5)];
    for (const split of [0, 1, 7]) {
      const r = run(steps, split, {}, 'first-packet');
      expect(outcomes(r.exchanges)).toEqual(['/1', '/2', '/3', '/4', '/5'].map((p) => `${p}:complete`));
      expect(wrongPairs(r.exchanges)).toEqual([]);
      expect(r.warnings).toEqual([]);
    }
  });

  it('a response to a request sent before the capture began is a placeholder, not an orphan', () => {
    const r = run([['s2c', RESP(0)], ...sequential(3)], 0, {}, 'port');
    expect(outcomes(r.exchanges)).toEqual(['(/0):capture-gap', '/1:complete', '/2:complete', '/3:complete']);
  });

  it('with the handshake seen, bytes that are not HTTP are still malformed', () => {
    const r = run([['s2c', tail], ...sequential(2)]);
    expect(r.warnings.some((w) => w.includes('not an HTTP start line'))).toBe(true);
  });
});
